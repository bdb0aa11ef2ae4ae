# Typo dictionary for ticket search on PostgreSQL: the distinct words of ticket titles, kept by triggers
# (see docs/adr/0002-search.md and ventanilla/core/search/schema.py). Nothing on SQLite (no fuzzy search).

from django.db import migrations


def install(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.install_words(schema_editor.connection)


def uninstall(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.uninstall_words(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_ticket_number_trigger"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
