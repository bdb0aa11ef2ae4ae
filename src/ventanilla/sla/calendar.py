"""Business calendars: pure arithmetic on working time, no database.

Rules (documented in docs/admin/sla.md):

* A calendar is a time zone, weekly working intervals in local wall time (several per weekday, e.g. a lunch
  break), public holidays from the ``holidays`` package (country + optional subdivision), extra closures
  and extra working days. Intervals are half-open ``[start, end)``; ``end`` may be 24:00.
* Precedence for one local date: an extra closure closes it; otherwise an extra working day opens it (with
  its own intervals, or else the usual intervals of its weekday, or else those of the first working
  weekday); otherwise a public holiday closes it; otherwise the weekly intervals apply.
* Wall times are converted to real instants in the calendar's zone. Business time is real elapsed time
  inside working intervals, so a 09:00–18:00 day that contains a DST change still lasts 9 real hours
  unless the change happens inside it. A wall time that does not exist (spring-forward gap) means the
  instant the gap ends; an ambiguous wall time (fall-back) means its first occurrence.
* ``add(t, d)`` returns the earliest instant by which ``d`` of business time has elapsed after ``t``; for
  ``d > 0`` it lies inside a working interval or at its end, never in a closed stretch. ``add(t, 0) == t``.
* ``between(a, b)`` is the business time in ``[a, b)`` (negative when ``b < a``).

All arithmetic is done on integer microseconds since the Unix epoch, so results are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from django.utils.translation import gettext as _

UTC: Final = dt.UTC
EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=UTC)
US: Final = 1_000_000
DAY_SECONDS: Final = 86_400
# Beyond this many consecutive days without working time, a calendar is considered to have none left.
MAX_CLOSED_DAYS: Final = 3 * 366
_CACHE_LIMIT: Final = 50_000

Span = tuple[int, int]  # [start, end) in microseconds since the epoch (UTC)
WallInterval = tuple[int, int]  # [start, end) in seconds since local midnight; end may be 86400


class CalendarError(ValueError):
    """Refused calendar definition or operation; ``code`` is stable, the message is for people."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_wall_time(value: str | dt.time | int, *, end: bool = False) -> int:
    """``"09:30"``, ``time(9, 30)`` or seconds → seconds since midnight. ``"24:00"`` (and, for an end,
    ``00:00``) means midnight at the end of the day."""
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    else:
        text = value.strip()
        try:
            hours, _sep, rest = text.partition(":")
            minutes, _sep2, secs = rest.partition(":")
            seconds = int(hours) * 3600 + int(minutes or 0) * 60 + int(secs or 0)
        except ValueError:
            raise CalendarError(
                _("“%(value)s” is not a time of day; write it as HH:MM.") % {"value": value},
                code="invalid_time",
            ) from None
    if end and seconds == 0:
        seconds = DAY_SECONDS
    if not 0 <= seconds <= DAY_SECONDS:
        raise CalendarError(
            _("“%(value)s” is not a time of day between 00:00 and 24:00.") % {"value": value},
            code="invalid_time",
        )
    return seconds


def format_wall_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def normalize_intervals(
    intervals: Iterable[tuple[str | dt.time | int, str | dt.time | int]], *, where: str = ""
) -> tuple[WallInterval, ...]:
    """Parse and check one day's intervals: each must be non-empty and none may overlap another."""
    parsed = sorted((parse_wall_time(s), parse_wall_time(e, end=True)) for s, e in intervals)
    for start, end in parsed:
        if end <= start:
            raise CalendarError(
                _("The working interval %(start)s–%(end)s%(where)s is empty: it must end after it starts.")
                % {"start": format_wall_time(start), "end": format_wall_time(end), "where": where},
                code="empty_interval",
            )
    for (s1, e1), (s2, e2) in pairwise(parsed):
        if s2 < e1:
            raise CalendarError(
                _("The working intervals %(a)s and %(b)s%(where)s overlap.")
                % {
                    "a": f"{format_wall_time(s1)}–{format_wall_time(e1)}",
                    "b": f"{format_wall_time(s2)}–{format_wall_time(e2)}",
                    "where": where,
                },
                code="overlapping_intervals",
            )
    return tuple(parsed)


def validate_time_zone(name: str) -> ZoneInfo:
    if name not in _zone_names():
        raise CalendarError(
            _("Unknown time zone “%(tz)s”. Use an IANA name such as Europe/Madrid.") % {"tz": name},
            code="invalid_time_zone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            _("Unknown time zone “%(tz)s”. Use an IANA name such as Europe/Madrid.") % {"tz": name},
            code="invalid_time_zone",
        ) from None


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def validate_holiday_region(country: str, subdivision: str = "") -> None:
    """Refuse a country or subdivision the ``holidays`` package does not know, listing what it supports."""
    if not country:
        if subdivision:
            raise CalendarError(_("A holiday subdivision needs a country."), code="unknown_holiday_country")
        return
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            _("Unknown holiday country “%(country)s”. Supported countries: %(all)s.")
            % {"country": country, "all": ", ".join(sorted(c for c in supported if len(c) == 2))},
            code="unknown_holiday_country",
        )
    subdivisions = supported[country]
    if subdivision and subdivision not in subdivisions:
        raise CalendarError(
            _("Unknown holiday subdivision “%(subdivision)s” for %(country)s. Supported: %(all)s.")
            % {
                "subdivision": subdivision,
                "country": country,
                "all": ", ".join(subdivisions) or _("none (use the country alone)"),
            },
            code="unknown_holiday_subdivision",
        )


@dataclass(frozen=True, slots=True)
class Calendar:
    """An immutable business calendar. Build it with :meth:`build`, which validates every part.

    ``weekly[i]`` holds the intervals of weekday ``i`` (0 = Monday). ``extra_working_days`` maps a date to
    its own intervals (an empty tuple means "the usual hours", see the module rules).
    """

    time_zone: str
    weekly: tuple[tuple[WallInterval, ...], ...]
    country: str = ""
    subdivision: str = ""
    closures: frozenset[dt.date] = frozenset()
    extra_working_days: tuple[tuple[dt.date, tuple[WallInterval, ...]], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        time_zone: str,
        weekly: Mapping[int, Sequence[tuple[str | dt.time | int, str | dt.time | int]]],
        country: str = "",
        subdivision: str = "",
        closures: Iterable[dt.date] = (),
        extra_working_days: Mapping[dt.date, Sequence[tuple[str | dt.time | int, str | dt.time | int]]]
        | None = None,
    ) -> Calendar:
        validate_time_zone(time_zone)
        country, subdivision = country.strip().upper(), subdivision.strip()
        validate_holiday_region(country, subdivision)
        for day in weekly:
            if day not in range(7):
                raise CalendarError(
                    _("Weekdays go from 0 (Monday) to 6 (Sunday), not %(day)s.") % {"day": day},
                    code="invalid_weekday",
                )
        days = tuple(normalize_intervals(weekly.get(i, ()), where=_day_label(i)) for i in range(7))
        extra = tuple(
            sorted(
                (day, normalize_intervals(spans, where=f" ({day.isoformat()})"))
                for day, spans in (extra_working_days or {}).items()
            )
        )
        closed = frozenset(closures)
        both = sorted(closed & {day for day, _spans in extra})
        if both:
            raise CalendarError(
                _("%(day)s cannot be both an extra closure and an extra working day.")
                % {"day": both[0].isoformat()},
                code="closure_conflict",
            )
        if not any(days) and not extra:
            raise CalendarError(
                _("This calendar has no working time at all: add at least one working interval."),
                code="no_working_time",
            )
        return cls(
            time_zone=time_zone,
            weekly=days,
            country=country,
            subdivision=subdivision,
            closures=closed,
            extra_working_days=extra,
        )

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> Calendar:
        """The 24×7 calendar: every instant is working time."""
        return cls.build(time_zone=time_zone, weekly={i: [(0, DAY_SECONDS)] for i in range(7)})

    # -- The engine is a separate object so the value object stays hashable and immutable. ---------------
    def engine(self) -> Engine:
        return _engine_for(self)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        return _engine_for(self).add(start, duration)

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        return _engine_for(self).between(a, b)

    def next_open(self, t: dt.datetime) -> dt.datetime:
        return _engine_for(self).next_open(t)

    def is_open(self, t: dt.datetime) -> bool:
        return _engine_for(self).is_open(t)


def _day_label(weekday: int) -> str:
    names = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]
    return f" ({names[weekday]})"


@lru_cache(maxsize=256)
def _engine_for(calendar: Calendar) -> Engine:
    return Engine(calendar)


def to_us(t: dt.datetime) -> int:
    if t.tzinfo is None:
        raise CalendarError(_("Times must carry a time zone."), code="naive_datetime")
    delta = t - EPOCH
    return (delta.days * DAY_SECONDS + delta.seconds) * US + delta.microseconds


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


class Engine:
    """Working-time arithmetic for one calendar, with open intervals cached per local date."""

    __slots__ = ("_by_year", "_cache", "_calendar", "_extra", "_fallback", "_totals", "_tz")

    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar
        self._tz = ZoneInfo(calendar.time_zone)
        self._extra = dict(calendar.extra_working_days)
        self._fallback = next((spans for spans in calendar.weekly if spans), ())
        self._cache: dict[int, tuple[Span, ...]] = {}  # proleptic ordinal of a local date → spans
        self._totals: dict[int, int] = {}  # ordinal → working microseconds of that whole day
        self._by_year: dict[int, frozenset[dt.date]] = {}

    # -- Days ---------------------------------------------------------------------------------------------
    def holidays_of(self, year: int) -> frozenset[dt.date]:
        found = self._by_year.get(year)
        if found is None:
            cal = self._calendar
            if cal.country:
                found = frozenset(
                    holidays.country_holidays(cal.country, subdiv=cal.subdivision or None, years=year).keys()
                )
            else:
                found = frozenset()
            self._by_year[year] = found
        return found

    def wall_intervals(self, day: dt.date) -> tuple[WallInterval, ...]:
        """The working intervals of a local date, after closures, extra days and holidays."""
        cal = self._calendar
        if day in cal.closures:
            return ()
        extra = self._extra.get(day)
        if extra is not None:
            return extra or cal.weekly[day.weekday()] or self._fallback
        if cal.country and day in self.holidays_of(day.year):
            return ()
        return cal.weekly[day.weekday()]

    def spans(self, ordinal: int) -> tuple[Span, ...]:
        """Real-time working spans of the local date with this ordinal, in order (cached)."""
        found = self._cache.get(ordinal)
        if found is not None:
            return found
        day = dt.date.fromordinal(ordinal)
        result: list[Span] = []
        for start, end in self.wall_intervals(day):
            s, e = self._wall_to_us(day, start), self._wall_to_us(day, end)
            if e <= s:  # swallowed by a DST gap
                continue
            if result and s <= result[-1][1]:  # touching after conversion: keep spans disjoint
                result[-1] = (result[-1][0], max(e, result[-1][1]))
            else:
                result.append((s, e))
        found = tuple(result)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
            self._totals.clear()
        self._cache[ordinal] = found
        return found

    def _wall_to_us(self, day: dt.date, seconds: int) -> int:
        if seconds >= DAY_SECONDS:
            day, seconds = day + dt.timedelta(days=1), seconds - DAY_SECONDS
        wall = dt.datetime(
            day.year, day.month, day.day, seconds // 3600, seconds % 3600 // 60, seconds % 60, tzinfo=self._tz
        )
        us = to_us(wall)
        back = from_us(us).astimezone(self._tz)
        if back.replace(tzinfo=None) == wall.replace(tzinfo=None):
            return us
        # In a spring-forward gap: the working time starts (or ends) when the gap ends, i.e. at the
        # transition instant, found by bisection between the two readings of the wall time.
        lo, hi = to_us(wall.replace(fold=1)), us
        if lo > hi:
            lo, hi = hi, lo
        lo_offset = from_us(lo).astimezone(self._tz).utcoffset()
        lo_s, hi_s = lo // US, -(-hi // US)
        while hi_s - lo_s > 1:
            mid = (lo_s + hi_s) // 2
            if from_us(mid * US).astimezone(self._tz).utcoffset() == lo_offset:
                lo_s = mid
            else:
                hi_s = mid
        return hi_s * US

    def _ordinal(self, us: int) -> int:
        return from_us(us).astimezone(self._tz).toordinal()

    # -- Arithmetic ---------------------------------------------------------------------------------------
    def add_us(self, start: int, duration: int) -> int:
        if duration < 0:
            raise CalendarError(_("Business time to add cannot be negative."), code="negative_duration")
        if duration == 0:
            return start
        remaining = duration
        ordinal = self._ordinal(start)
        closed_days = 0
        while True:
            spans = self.spans(ordinal)
            if not spans:
                closed_days += 1
                if closed_days > MAX_CLOSED_DAYS:
                    raise CalendarError(
                        _("This calendar has no working time after %(day)s.")
                        % {"day": dt.date.fromordinal(ordinal - closed_days).isoformat()},
                        code="no_working_time",
                    )
            else:
                closed_days = 0
                for s, e in spans:
                    if e <= start:
                        continue
                    if s < start:
                        s = start
                    available = e - s
                    if remaining <= available:
                        return s + remaining
                    remaining -= available
            ordinal += 1

    def between_us(self, a: int, b: int) -> int:
        if b < a:
            return -self.between_us(b, a)
        if a == b:
            return 0
        first, last = self._ordinal(a), self._ordinal(b)
        total = self._partial(first, a, b)
        if last != first:
            # Whole days in between use their cached totals; only the two ends are clipped.
            totals = self._totals
            for ordinal in range(first + 1, last):
                day = totals.get(ordinal)
                if day is None:
                    day = totals[ordinal] = sum(e - s for s, e in self.spans(ordinal))
                total += day
            total += self._partial(last, a, b)
        return total

    def _partial(self, ordinal: int, a: int, b: int) -> int:
        total = 0
        for s, e in self.spans(ordinal):
            if e <= a:
                continue
            if s >= b:
                break
            total += min(e, b) - max(s, a)
        return total

    def next_open_us(self, t: int) -> int:
        ordinal = self._ordinal(t)
        for _i in range(MAX_CLOSED_DAYS + 400):
            for s, e in self.spans(ordinal):
                if e > t:
                    return max(s, t)
            ordinal += 1
        raise CalendarError(
            _("This calendar has no working time after %(day)s.") % {"day": from_us(t).date().isoformat()},
            code="no_working_time",
        )

    def is_open_us(self, t: int) -> bool:
        return any(s <= t < e for s, e in self.spans(self._ordinal(t)))

    # -- datetime front-ends ------------------------------------------------------------------------------
    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        return from_us(self.add_us(to_us(start), _duration_us(duration)))

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        return dt.timedelta(microseconds=self.between_us(to_us(a), to_us(b)))

    def next_open(self, t: dt.datetime) -> dt.datetime:
        return from_us(self.next_open_us(to_us(t)))

    def is_open(self, t: dt.datetime) -> bool:
        return self.is_open_us(to_us(t))


def _duration_us(duration: dt.timedelta) -> int:
    return (duration.days * DAY_SECONDS + duration.seconds) * US + duration.microseconds


# Module-level functions, as named in the design (issue 4): calendar first, then the instant.
def add(calendar: Calendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    return calendar.add(start, duration)


def between(calendar: Calendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    return calendar.between(a, b)


def next_open(calendar: Calendar, t: dt.datetime) -> dt.datetime:
    return calendar.next_open(t)


def is_open(calendar: Calendar, t: dt.datetime) -> bool:
    return calendar.is_open(t)


def supported_holiday_regions() -> dict[str, list[str]]:
    """Countries (ISO 3166 alpha-2) and their subdivisions known to the ``holidays`` package."""
    return {c: list(s) for c, s in holidays.list_supported_countries().items() if len(c) == 2}
