# Full-text search index for tickets (see docs/adr/0002-search.md and ventanilla/core/search/schema.py).
#
# The index lives outside the Django model state on purpose (hidden tsvector columns on PostgreSQL, an FTS5
# table on SQLite), kept current by database triggers. Each operation checks the backend itself.

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


def install(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from ventanilla.core.search import schema

    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        # Only acts on PostgreSQL (pg_trgm: similarity search on titles, for typos).
        TrigramExtension(),
        UnaccentExtension(),  # accent-insensitive Spanish/English configurations
        migrations.RunPython(install, uninstall, elidable=False),
    ]
