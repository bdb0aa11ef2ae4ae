# Ticket numbers are written by a trigger in the INSERT (see ventanilla/tickets/numbering.py): one statement
# per new ticket instead of an INSERT and an UPDATE.

from django.db import migrations


def install(apps, schema_editor):
    from ventanilla.tickets import numbering

    numbering.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from ventanilla.tickets import numbering

    numbering.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_open_queue_indexes"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
