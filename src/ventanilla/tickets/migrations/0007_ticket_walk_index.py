# Newest-first search walks read the permission columns from a covering index of the ids (index-only)
# and the text of visible rows only (see ventanilla/core/search/schema.py, PG_WALK_INDEX_INSTALL).
# Nothing on SQLite.

from django.db import migrations


def install(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.install_walk_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.uninstall_walk_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_comment_search_per_statement"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
