"""Business calendars: create, change and delete them, and the always-open default calendar.

Rules:

* A calendar is validated as a whole (overlaps, empty intervals, unknown holiday region, no working time
  at all) before anything is written; lists given replace the current ones, None keeps them.
* A calendar used by a policy cannot be deleted.
* Every write invalidates the configuration snapshot (:func:`.matching.invalidate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, ValidationFailed

from ..calendar import CalendarError
from ..models import BusinessCalendar, CalendarClosure, CalendarInterval, ExtraWorkingDay
from .access import _require_manager
from .matching import calendar_from_model, invalidate

DEFAULT_CALENDAR_NAME = "24×7"


def default_calendar() -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(name=DEFAULT_CALENDAR_NAME).first()
    if found is None:
        found = save_calendar(
            actor=None,
            data={"name": DEFAULT_CALENDAR_NAME, "time_zone": "UTC"},
            intervals=[(d, dt.time(0), dt.time(0)) for d in range(7)],
        )
    return found


CALENDAR_FIELDS = {"name", "time_zone", "holiday_country", "holiday_subdivision", "description", "is_active"}


def _refuse(exc: CalendarError, field_name: str | None = None) -> ValidationFailed:
    return ValidationFailed(str(exc), code=exc.code, field=field_name)


def save_calendar(
    *,
    actor: Any,
    calendar: BusinessCalendar | None = None,
    data: Mapping[str, Any],
    intervals: Sequence[tuple[int, dt.time, dt.time]] | None = None,
    closures: Sequence[tuple[dt.date, str]] | None = None,
    extra_days: Sequence[tuple[dt.date, dt.time | None, dt.time | None, str]] | None = None,
) -> BusinessCalendar:
    """Create or change a calendar. Lists given replace the current ones; None keeps them.

    The whole calendar is validated as one (overlaps, empty intervals, unknown holiday region, no working
    time at all) before anything is written.
    """
    _require_manager(actor)
    unknown = set(data) - CALENDAR_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown calendar fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="unknown_field"
        )
    instance = calendar or BusinessCalendar()
    if calendar is not None:
        calendar.snapshot()
    for name, value in data.items():
        setattr(instance, name, value.strip() if isinstance(value, str) and name != "description" else value)
    instance.holiday_country = instance.holiday_country.upper()
    if not (instance.name or "").strip():
        raise ValidationFailed(_("A calendar needs a name."), code="required", field="name")
    duplicate = BusinessCalendar.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk)
    if duplicate.exists():
        raise ValidationFailed(
            _("A calendar with this name already exists."), code="duplicate_name", field="name"
        )
    new_intervals = (
        [CalendarInterval(weekday=w, start=s, end=e) for w, s, e in intervals]
        if intervals is not None
        else list(instance.intervals.all())
        if instance.pk
        else []
    )
    new_closures = (
        [CalendarClosure(date=d, name=n) for d, n in closures]
        if closures is not None
        else list(instance.closures.all())
        if instance.pk
        else []
    )
    new_extra = (
        [ExtraWorkingDay(date=d, start=s, end=e, name=n) for d, s, e, n in extra_days]
        if extra_days is not None
        else list(instance.extra_days.all())
        if instance.pk
        else []
    )
    for w, _s, _e in intervals or ():
        if w not in range(7):
            raise ValidationFailed(
                _("Weekdays go from 0 (Monday) to 6 (Sunday), not %(day)s.") % {"day": w},
                code="invalid_weekday",
                field="intervals",
            )
    if len({c.date for c in new_closures}) != len(new_closures):
        raise ValidationFailed(
            _("Each closure date may appear only once."), code="duplicate_closure", field="closures"
        )
    for day in new_extra:
        if (day.start is None) != (day.end is None):
            raise ValidationFailed(
                _("An extra working day needs both a start and an end time, or neither."),
                code="incomplete_interval",
                field="extra_days",
            )
    try:
        calendar_from_model(instance, new_intervals, new_closures, new_extra)
    except CalendarError as exc:
        field_name = {
            "unknown_holiday_country": "holiday_country",
            "unknown_holiday_subdivision": "holiday_subdivision",
            "invalid_time_zone": "time_zone",
        }.get(exc.code, "intervals")
        raise _refuse(exc, field_name) from None
    with acting_as(actor), transaction.atomic():
        instance.save()
        if intervals is not None:
            instance.intervals.all().delete()
            CalendarInterval.objects.bulk_create(
                [
                    CalendarInterval(calendar=instance, weekday=i.weekday, start=i.start, end=i.end)
                    for i in new_intervals
                ]
            )
        if closures is not None:
            instance.closures.all().delete()
            CalendarClosure.objects.bulk_create(
                [CalendarClosure(calendar=instance, date=c.date, name=c.name) for c in new_closures]
            )
        if extra_days is not None:
            instance.extra_days.all().delete()
            ExtraWorkingDay.objects.bulk_create(
                [
                    ExtraWorkingDay(calendar=instance, date=d.date, start=d.start, end=d.end, name=d.name)
                    for d in new_extra
                ]
            )
        invalidate()
    return instance


def delete_calendar(*, actor: Any, calendar: BusinessCalendar) -> None:
    _require_manager(actor)
    if calendar.policies.exists():
        raise Conflict(_("This calendar is used by SLA policies; change them first."), code="in_use")
    with acting_as(actor), transaction.atomic():
        calendar.delete()
        invalidate()
