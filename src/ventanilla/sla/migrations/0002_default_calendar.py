"""The 24×7 calendar every desk starts with (policies default to it)."""

import datetime

from django.db import migrations

NAME = "24×7"


def create(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    CalendarInterval = apps.get_model("sla", "CalendarInterval")
    calendar, created = BusinessCalendar.objects.get_or_create(
        name=NAME, defaults={"time_zone": "UTC", "description": "Every hour of every day."}
    )
    if created:
        midnight = datetime.time(0, 0)
        CalendarInterval.objects.bulk_create(
            [CalendarInterval(calendar=calendar, weekday=day, start=midnight, end=midnight) for day in range(7)]
        )


def remove(apps, schema_editor):
    apps.get_model("sla", "BusinessCalendar").objects.filter(name=NAME, policies__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
