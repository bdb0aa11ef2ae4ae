# Comments reindex their tickets' search vectors once per INSERT or DELETE statement instead of once per
# row (see ventanilla/core/search/schema.py, PG_COMMENT_TRIGGERS). Nothing on SQLite.

from django.db import migrations


def install(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.install_comment_triggers(schema_editor.connection)


def uninstall(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.uninstall_comment_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_ticket_search_words"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
