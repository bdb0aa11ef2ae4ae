"""The pure business calendar: properties (hypothesis) and the cases people get wrong."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ventanilla.sla.calendar import Calendar, CalendarError

MADRID = ZoneInfo("Europe/Madrid")
MEXICO = ZoneInfo("America/Mexico_City")
NEW_YORK = ZoneInfo("America/New_York")
H = dt.timedelta(hours=1)

OFFICE = {i: [("09:00", "14:00"), ("15:00", "18:00")] for i in range(5)}  # lunch 14–15, Mon–Fri


def office(tz: str = "Europe/Madrid", **kw: object) -> Calendar:
    return Calendar.build(time_zone=tz, weekly=OFFICE, **kw)  # type: ignore[arg-type]


CALENDARS = [
    office(country="ES", subdivision="MD"),
    office("America/Mexico_City", country="MX"),
    office("America/New_York", country="US", subdivision="NY"),
    Calendar.always_open("Europe/Madrid"),
    # Night shift crossing midnight as two intervals, weekends only, and an awkward DST-hour interval.
    Calendar.build(
        time_zone="America/New_York",
        weekly={5: [("00:00", "03:00"), ("22:00", "24:00")], 6: [("00:00", "02:30"), ("23:00", "24:00")]},
    ),
    Calendar.build(
        time_zone="Europe/Madrid",
        weekly={6: [("01:30", "03:30")]},
        closures=[dt.date(2026, 3, 29)],
        extra_working_days={dt.date(2026, 1, 1): [("10:00", "12:00")]},
    ),
]

instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40))
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_between_inverts_add(cal: Calendar, t: dt.datetime, d: dt.timedelta) -> None:
    assert cal.between(t, cal.add(t, d)) == d


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations, durations)
def test_add_is_monotonic_in_duration_and_start(
    cal: Calendar, t: dt.datetime, d1: dt.timedelta, d2: dt.timedelta
) -> None:
    small, large = sorted([d1, d2])
    assert cal.add(t, small) <= cal.add(t, large)
    later = t + (large - small)
    assert cal.add(t, small) <= cal.add(later, small)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_add_never_lands_in_a_closed_stretch(cal: Calendar, t: dt.datetime, d: dt.timedelta) -> None:
    result = cal.add(t, d)
    assert result >= t
    if d == dt.timedelta(0):
        assert result == t
    else:
        # The instant just before the deadline is working time: the deadline is inside or at the end of
        # an interval, never in the middle of the night.
        assert cal.is_open(result - dt.timedelta(microseconds=1))


@settings(max_examples=200, deadline=None)
@given(calendars, instants, instants, instants)
def test_between_is_additive_and_antisymmetric(
    cal: Calendar, a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    a, b, c = sorted([a, b, c])
    assume((c - a) < dt.timedelta(days=400))
    assert cal.between(a, c) == cal.between(a, b) + cal.between(b, c)
    assert cal.between(c, a) == -cal.between(a, c)
    assert dt.timedelta(0) <= cal.between(a, b) <= b - a


@settings(max_examples=200, deadline=None)
@given(calendars, instants)
def test_next_open_is_open_and_nothing_open_before(cal: Calendar, t: dt.datetime) -> None:
    opening = cal.next_open(t)
    assert opening >= t
    assert cal.is_open(opening)
    assert cal.between(t, opening) == dt.timedelta(0)
    assert cal.is_open(t) == (opening == t)


@settings(max_examples=100, deadline=None)
@given(instants, st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=10)))
def test_add_over_a_holiday_skips_it(t: dt.datetime, d: dt.timedelta) -> None:
    with_holidays = CALENDARS[0]
    without = office()
    result = with_holidays.add(t, d)
    assert without.between(t, result) >= d  # holidays only ever push a deadline later
    for day in range((result.date() - t.date()).days + 1):
        date = t.astimezone(MADRID).date() + dt.timedelta(days=day)
        if date in with_holidays.engine().holidays_of(date.year):
            start = dt.datetime.combine(date, dt.time(), MADRID)
            assert with_holidays.between(start, start + dt.timedelta(days=1)) == dt.timedelta(0)


# -- Explicit cases ----------------------------------------------------------------------------------------
def local(tz: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_lunch_break_is_not_working_time() -> None:
    cal = office()
    start = local(MADRID, 2026, 6, 3, 13, 0)  # Wednesday
    assert cal.add(start, 2 * H) == local(MADRID, 2026, 6, 3, 16, 0)
    assert not cal.is_open(local(MADRID, 2026, 6, 3, 14, 30))
    assert cal.next_open(local(MADRID, 2026, 6, 3, 14, 30)) == local(MADRID, 2026, 6, 3, 15, 0)
    # Exactly the morning: the deadline is the end of the morning interval, not after lunch.
    assert cal.add(local(MADRID, 2026, 6, 3, 9, 0), 5 * H) == local(MADRID, 2026, 6, 3, 14, 0)


def test_friday_evening_rolls_to_monday_and_weekend_is_skipped() -> None:
    cal = office()
    assert cal.add(local(MADRID, 2026, 6, 5, 17, 0), 2 * H) == local(MADRID, 2026, 6, 8, 10, 0)
    assert cal.between(local(MADRID, 2026, 6, 5, 18, 0), local(MADRID, 2026, 6, 8, 9, 0)) == dt.timedelta(0)


def test_madrid_holidays_and_year_boundary() -> None:
    cal = office(country="ES", subdivision="MD")
    # 31 Dec 2026 is a Thursday; 1 Jan is a holiday; Mon 4 Jan is open; 6 Jan (Epiphany) closed.
    assert cal.add(local(MADRID, 2026, 12, 31, 17, 0), 2 * H) == local(MADRID, 2027, 1, 4, 10, 0)
    assert not cal.is_open(local(MADRID, 2027, 1, 6, 10, 0))
    # 2 May is a Madrid-only holiday (Saturday in 2026, so use 2025: Friday).
    assert not cal.is_open(local(MADRID, 2025, 5, 2, 10, 0))
    assert office(country="ES").is_open(local(MADRID, 2025, 5, 2, 10, 0))


def test_extra_closure_and_extra_working_day() -> None:
    cal = office(
        country="ES",
        subdivision="MD",
        closures=[dt.date(2026, 6, 3)],
        extra_working_days={dt.date(2026, 6, 6): [("10:00", "12:00")], dt.date(2026, 1, 1): []},
    )
    assert not cal.is_open(local(MADRID, 2026, 6, 3, 10, 0))
    assert cal.is_open(local(MADRID, 2026, 6, 6, 11, 0))  # a Saturday worked 10–12
    assert not cal.is_open(local(MADRID, 2026, 6, 6, 13, 0))
    assert cal.is_open(local(MADRID, 2026, 1, 1, 10, 0))  # New Year worked with the usual hours
    assert not cal.is_open(local(MADRID, 2026, 1, 1, 14, 30))


def test_dst_madrid_spring_forward_inside_a_24x7_day() -> None:
    cal = Calendar.always_open("Europe/Madrid")
    start = local(MADRID, 2026, 3, 29, 0, 0)
    end = local(MADRID, 2026, 3, 30, 0, 0)
    assert cal.between(start, end) == 23 * H  # the day has 23 real hours
    assert cal.add(start, 3 * H) == local(MADRID, 2026, 3, 29, 4, 0)


def test_dst_madrid_fall_back_office_day_keeps_nine_hours() -> None:
    cal = office()
    # 25 Oct 2026 (Sunday) clocks go back; Monday 26 is a normal 8-hour office day.
    assert cal.add(local(MADRID, 2026, 10, 23, 17, 0), 2 * H) == local(MADRID, 2026, 10, 26, 10, 0)
    # A night interval containing the repeated hour lasts one real hour longer.
    night = Calendar.build(time_zone="Europe/Madrid", weekly={6: [("01:00", "04:00")]})
    day = local(MADRID, 2026, 10, 25, 0, 0)
    assert night.between(day, day + dt.timedelta(days=1)) == 4 * H


def test_dst_interval_starting_in_the_gap_starts_when_the_gap_ends() -> None:
    cal = Calendar.build(time_zone="Europe/Madrid", weekly={6: [("02:30", "05:00")]})
    day = local(MADRID, 2026, 3, 29, 0, 0)
    assert cal.next_open(day) == local(MADRID, 2026, 3, 29, 3, 0)
    assert cal.between(day, day + dt.timedelta(days=1)) == 2 * H


def test_dst_new_york_and_mexico_city() -> None:
    ny = office("America/New_York", country="US", subdivision="NY")
    # Friday 6 March 2026 17:00 EST + 2 business hours = Monday 9 March 10:00 EDT (after spring forward).
    result = ny.add(local(NEW_YORK, 2026, 3, 6, 17, 0), 2 * H)
    assert result == local(NEW_YORK, 2026, 3, 9, 10, 0)
    assert result.utcoffset() is None or result.astimezone(NEW_YORK).utcoffset() == dt.timedelta(hours=-4)
    # Mexico City has no DST since 2023, but did in 2022: 3 April 2022 was spring forward.
    mx = Calendar.always_open("America/Mexico_City")
    day = local(MEXICO, 2022, 4, 3, 0, 0)
    assert mx.between(day, day + dt.timedelta(days=1)) == 23 * H
    day = local(MEXICO, 2026, 4, 5, 0, 0)
    assert mx.between(day, day + dt.timedelta(days=1)) == 24 * H
    mx_office = office("America/Mexico_City", country="MX")
    # 2 Feb 2026 (first Monday of February, Constitution Day) is a holiday.
    assert not mx_office.is_open(local(MEXICO, 2026, 2, 2, 10, 0))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"weekly": {0: [("09:00", "12:00"), ("11:00", "13:00")]}}, "overlapping_intervals"),
        ({"weekly": {0: [("12:00", "12:00")]}}, "empty_interval"),
        ({"weekly": {0: [("14:00", "09:00")]}}, "empty_interval"),
        ({"weekly": {}}, "no_working_time"),
        ({"weekly": {0: [("09:00", "25:00")]}}, "invalid_time"),
        ({"weekly": {0: [("nine", "ten")]}}, "invalid_time"),
        ({"weekly": {7: [("09:00", "10:00")]}}, "invalid_weekday"),
        ({"weekly": OFFICE, "country": "XX"}, "unknown_holiday_country"),
        ({"weekly": OFFICE, "country": "ES", "subdivision": "ZZ"}, "unknown_holiday_subdivision"),
        ({"weekly": OFFICE, "time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        (
            {
                "weekly": OFFICE,
                "closures": [dt.date(2026, 1, 2)],
                "extra_working_days": {dt.date(2026, 1, 2): []},
            },
            "closure_conflict",
        ),
    ],
)
def test_bad_calendars_are_refused_with_clear_messages(kwargs: dict[str, object], code: str) -> None:
    kwargs.setdefault("time_zone", "Europe/Madrid")
    with pytest.raises(CalendarError) as info:
        Calendar.build(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == code
    assert str(info.value)


def test_unknown_country_message_lists_supported_countries() -> None:
    with pytest.raises(CalendarError) as info:
        office(country="XX")
    assert "ES" in str(info.value) and "MX" in str(info.value)
    with pytest.raises(CalendarError) as info:
        office(country="ES", subdivision="XX")
    assert "MD" in str(info.value)


def test_negative_durations_and_naive_times_are_refused() -> None:
    cal = office()
    with pytest.raises(CalendarError):
        cal.add(local(MADRID, 2026, 6, 3, 10, 0), -H)
    with pytest.raises(CalendarError):
        cal.add(dt.datetime(2026, 6, 3, 10, 0), H)


def test_calendar_with_only_past_extra_days_runs_out_of_time() -> None:
    cal = Calendar.build(
        time_zone="UTC", weekly={}, extra_working_days={dt.date(2026, 1, 1): [("09:00", "10:00")]}
    )
    with pytest.raises(CalendarError) as info:
        cal.add(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), H)
    assert info.value.code == "no_working_time"
