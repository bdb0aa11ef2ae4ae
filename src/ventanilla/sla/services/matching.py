"""Which policy applies to a ticket, read from an in-memory snapshot of the SLA configuration.

Rules:

* Calendars and active policies are loaded once per process into a :class:`Snapshot` and reused until a
  write elsewhere bumps the shared generation in the cache (:func:`invalidate`), or at most ``_LOCAL_TTL``
  seconds when the cache is not shared between processes.
* Policies are tried most specific first (see :class:`SlaPolicy`); the first that matches wins.
* An inactive policy still owns the targets it created: :func:`policy_info` loads it on demand.
* A calendar saved invalid (through the admin, without validation) is skipped and logged, never fatal.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ventanilla.accounts.models import Contract
from ventanilla.tickets.models import Ticket

from ..calendar import Calendar, CalendarError
from ..models import (
    BusinessCalendar,
    CalendarClosure,
    CalendarInterval,
    EscalationRule,
    ExtraWorkingDay,
    SlaPolicy,
)

logger = logging.getLogger(__name__)

_GENERATION_KEY = "sla:generation"
# Without a shared cache (embedded desk: one locmem per process) a process notices changes within this.
_LOCAL_TTL = 30.0


@dataclass
class ContractInfo:
    organization_id: int
    starts_on: dt.date
    ends_on: dt.date | None
    service_ids: frozenset[int]


@dataclass
class PolicyInfo:
    policy: SlaPolicy
    calendar: Calendar
    rules: list[EscalationRule]
    contract: ContractInfo | None
    specificity: int

    def matches(self, ticket: Ticket) -> bool:
        p = self.policy
        if p.organization_id is not None and p.organization_id != ticket.organization_id:
            return False
        if p.service_id is not None and p.service_id != ticket.service_id:
            return False
        if p.ticket_type and p.ticket_type != ticket.type:
            return False
        if p.priority is not None and p.priority != ticket.priority:
            return False
        c = self.contract
        if c is not None:
            if c.organization_id != ticket.organization_id:
                return False
            opened = timezone.localdate(ticket.created_at) if ticket.created_at else timezone.localdate()
            if opened < c.starts_on or (c.ends_on is not None and opened > c.ends_on):
                return False
            if c.service_ids and ticket.service_id not in c.service_ids:
                return False
        return True


@dataclass
class Snapshot:
    generation: str
    loaded: float
    calendars: dict[int, Calendar] = field(default_factory=dict)
    policies: list[PolicyInfo] = field(default_factory=list)
    by_id: dict[int, PolicyInfo] = field(default_factory=dict)


_snapshot: Snapshot | None = None


def invalidate() -> None:
    """Called after any calendar or policy write: every process reloads on its next use."""
    global _snapshot
    _snapshot = None
    transaction.on_commit(lambda: cache.set(_GENERATION_KEY, uuid.uuid4().hex, None))
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)


def calendar_from_model(
    calendar: BusinessCalendar,
    intervals: Iterable[CalendarInterval] | None = None,
    closures: Iterable[CalendarClosure] | None = None,
    extra_days: Iterable[ExtraWorkingDay] | None = None,
) -> Calendar:
    intervals = calendar.intervals.all() if intervals is None else intervals
    closures = calendar.closures.all() if closures is None else closures
    extra_days = calendar.extra_days.all() if extra_days is None else extra_days
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for interval in intervals:
        weekly.setdefault(interval.weekday, []).append((interval.start, interval.end))
    extra: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
    for day in extra_days:
        spans = extra.setdefault(day.date, [])
        if day.start is not None and day.end is not None:
            spans.append((day.start, day.end))
    return Calendar.build(
        time_zone=calendar.time_zone,
        weekly=weekly,
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision,
        closures=[c.date for c in closures],
        extra_working_days=extra,
    )


# How long this process trusts its snapshot without asking the shared cache whether another process
# changed a policy: a batch of mail or an import asks once instead of once per ticket (a Redis round trip
# each). A change made in this process forgets the snapshot at once (see above).
_GENERATION_CHECK = 1.0
_checked_at = float("-inf")


def snapshot() -> Snapshot:
    global _snapshot, _checked_at
    current = _snapshot
    now = time.monotonic()
    if current is not None and now - _checked_at < _GENERATION_CHECK and now - current.loaded < _LOCAL_TTL:
        return current
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(_GENERATION_KEY, generation, None)
    _checked_at = now
    if current is not None and current.generation == generation and now - current.loaded < _LOCAL_TTL:
        return current
    fresh = Snapshot(generation=generation, loaded=time.monotonic())
    for cal in BusinessCalendar.objects.prefetch_related("intervals", "closures", "extra_days"):
        try:
            fresh.calendars[cal.pk] = calendar_from_model(cal)
        except CalendarError:  # saved through the admin without validation: ignore rather than crash the desk
            logger.exception("business calendar %s is invalid", cal.pk)
    contracts = {
        c.pk: ContractInfo(
            organization_id=c.organization_id,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            service_ids=frozenset(s.pk for s in c.services.all()),
        )
        for c in Contract.objects.filter(sla_policies__is_active=True).distinct().prefetch_related("services")
    }
    for policy in SlaPolicy.objects.filter(is_active=True).prefetch_related("escalations"):
        calendar = fresh.calendars.get(policy.calendar_id)
        if calendar is None:
            continue
        info = PolicyInfo(
            policy=policy,
            calendar=calendar,
            rules=list(policy.escalations.all()),
            contract=contracts.get(policy.contract_id) if policy.contract_id else None,
            specificity=policy.specificity,
        )
        fresh.policies.append(info)
        fresh.by_id[policy.pk] = info
    fresh.policies.sort(key=lambda i: (-i.specificity, i.policy.pk))
    _snapshot = fresh
    return fresh


def match_policy(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy for ``ticket`` (see :class:`SlaPolicy` for the order), or None."""
    for info in snapshot().policies:
        if info.matches(ticket):
            return info.policy
    return None


def policy_info(policy_id: int) -> PolicyInfo | None:
    info = snapshot().by_id.get(policy_id)
    if info is None:  # an inactive policy still owns its old targets: load it on demand
        policy = SlaPolicy.objects.filter(pk=policy_id).select_related("calendar").first()
        if policy is None:
            return None
        calendar = snapshot().calendars.get(policy.calendar_id) or calendar_from_model(policy.calendar)
        info = PolicyInfo(
            policy=policy,
            calendar=calendar,
            rules=list(policy.escalations.all()),
            contract=None,
            specificity=policy.specificity,
        )
    return info
