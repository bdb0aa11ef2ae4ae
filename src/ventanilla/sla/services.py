"""SLA services: the only code that writes calendars, policies and ticket targets.

Rules:

* :func:`apply_sla` reconciles a ticket's targets with its current policy and status. It is idempotent and
  is called explicitly by the ticket services (via :mod:`ventanilla.sla.hooks`) whenever something that
  selects the policy or moves the clock changes.
* Business time is banked when a clock stops, so a policy change keeps the business time already elapsed
  (measured on the old calendar) and never counts paused time.
* Paused statuses are per policy; closed/cancelled tickets stop every clock; a resolution meets the
  resolution target (and the first response target if nobody answered before); reopening re-arms it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Contract
from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, ValidationFailed
from ventanilla.tickets.choices import FINAL, Status, TicketType
from ventanilla.tickets.models import Ticket

from .calendar import Calendar, CalendarError
from .choices import PAUSABLE_STATUSES, EscalationAction, TargetKind
from .models import (
    BusinessCalendar,
    CalendarClosure,
    CalendarInterval,
    EscalationFiring,
    EscalationRule,
    ExtraWorkingDay,
    SlaPolicy,
    TicketSlaTarget,
)

logger = logging.getLogger(__name__)

DEFAULT_CALENDAR_NAME = "24×7"
_GENERATION_KEY = "sla:generation"
# Without a shared cache (embedded desk: one locmem per process) a process notices changes within this.
_LOCAL_TTL = 30.0


def _manager_roles() -> set[str]:
    return {Role.MANAGER, Role.ADMIN}


def can_manage(actor: Any) -> bool:
    """Calendars and policies are configured by service-desk managers and administrators."""
    return actor is None or getattr(actor, "role", None) in _manager_roles()


def _require_manager(actor: Any) -> None:
    from ventanilla.core.errors import NotPermitted

    if not can_manage(actor):
        raise NotPermitted(_("Only service-desk managers and administrators can change SLA settings."))


# ---------------------------------------------------------------------------------------------------------
# Configuration snapshot: calendars and policies, cached per process and invalidated by a shared generation.
# ---------------------------------------------------------------------------------------------------------
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


def snapshot() -> Snapshot:
    global _snapshot
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(_GENERATION_KEY, generation, None)
    current = _snapshot
    if (
        current is not None
        and current.generation == generation
        and time.monotonic() - current.loaded < _LOCAL_TTL
    ):
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


def default_calendar() -> BusinessCalendar:
    found = BusinessCalendar.objects.filter(name=DEFAULT_CALENDAR_NAME).first()
    if found is None:
        found = save_calendar(
            actor=None,
            data={"name": DEFAULT_CALENDAR_NAME, "time_zone": "UTC"},
            intervals=[(d, dt.time(0), dt.time(0)) for d in range(7)],
        )
    return found


# ---------------------------------------------------------------------------------------------------------
# Calendars and policies.
# ---------------------------------------------------------------------------------------------------------
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


POLICY_FIELDS = {
    "name",
    "calendar",
    "contract",
    "organization",
    "service",
    "ticket_type",
    "priority",
    "first_response_minutes",
    "resolution_minutes",
    "next_update_minutes",
    "pause_statuses",
    "is_active",
    "description",
}


@dataclass(frozen=True)
class RuleSpec:
    target: str
    threshold: int
    action: str
    team: Any = None


def _check_policy(policy: SlaPolicy, rules: Sequence[RuleSpec]) -> None:
    for name, label in (
        ("first_response_minutes", _("first response")),
        ("resolution_minutes", _("resolution")),
        ("next_update_minutes", _("next update")),
    ):
        value = getattr(policy, name)
        if value is None and name == "next_update_minutes":
            continue
        if value is None or int(value) <= 0:
            raise ValidationFailed(
                _("The %(target)s target must be a positive number of business minutes.") % {"target": label},
                code="invalid_target",
                field=name,
            )
    if policy.ticket_type and policy.ticket_type not in TicketType.values:
        raise ValidationFailed(
            _("Unknown ticket type “%(t)s”.") % {"t": policy.ticket_type},
            code="invalid_choice",
            field="ticket_type",
        )
    statuses = policy.pause_statuses
    if not isinstance(statuses, list) or any(s not in PAUSABLE_STATUSES for s in statuses):
        raise ValidationFailed(
            _("Only these statuses can stop the clock: %(all)s.") % {"all": ", ".join(PAUSABLE_STATUSES)},
            code="invalid_pause_status",
            field="pause_statuses",
        )
    policy.pause_statuses = sorted(set(statuses))
    contract = policy.contract
    if contract is not None:
        if policy.organization_id is not None and policy.organization_id != contract.organization_id:
            raise ValidationFailed(
                _("This policy can match no ticket: the contract belongs to another organisation."),
                code="policy_matches_nothing",
                field="contract",
            )
        if policy.service_id is not None:
            covered = set(contract.services.values_list("pk", flat=True))
            if covered and policy.service_id not in covered:
                raise ValidationFailed(
                    _("This policy can match no ticket: the contract does not cover this service."),
                    code="policy_matches_nothing",
                    field="service",
                )
        if contract.ends_on is not None and contract.ends_on < timezone.localdate():
            raise ValidationFailed(
                _("This policy can match no new ticket: the contract has ended."),
                code="policy_matches_nothing",
                field="contract",
            )
    if policy.service is not None and not policy.service.is_active:
        raise ValidationFailed(
            _("This policy can match no new ticket: the service is inactive."),
            code="policy_matches_nothing",
            field="service",
        )
    if policy.organization is not None and not policy.organization.is_active:
        raise ValidationFailed(
            _("This policy can match no new ticket: the organisation is inactive."),
            code="policy_matches_nothing",
            field="organization",
        )
    if policy.is_active:
        clash = [
            p
            for p in SlaPolicy.objects.filter(is_active=True).exclude(pk=policy.pk)
            if p.criteria() == policy.criteria()
        ]
        if clash:
            raise ValidationFailed(
                _("The active policy “%(other)s” already has exactly these criteria.")
                % {"other": clash[0].name},
                code="duplicate_criteria",
            )
    kinds = set(policy.target_minutes())
    seen: set[tuple[str, int, str]] = set()
    for rule in rules:
        if rule.target not in TargetKind.values:
            raise ValidationFailed(
                _("Unknown target “%(t)s”; use one of: %(all)s.")
                % {"t": rule.target, "all": ", ".join(TargetKind.values)},
                code="invalid_choice",
                field="escalations",
            )
        if rule.target not in kinds:
            raise ValidationFailed(
                _("An escalation refers to the %(t)s target, which this policy does not set.")
                % {"t": TargetKind(rule.target).label},
                code="invalid_escalation",
                field="escalations",
            )
        if rule.action not in EscalationAction.values:
            raise ValidationFailed(
                _("Unknown escalation action “%(a)s”; use one of: %(all)s.")
                % {"a": rule.action, "all": ", ".join(EscalationAction.values)},
                code="invalid_choice",
                field="escalations",
            )
        if not 1 <= int(rule.threshold) <= 1000:
            raise ValidationFailed(
                _("An escalation threshold is a percentage between 1 and 1000."),
                code="invalid_threshold",
                field="escalations",
            )
        if (rule.action == EscalationAction.REASSIGN_TEAM) != (rule.team is not None):
            raise ValidationFailed(
                _("Name a team for “reassign to a team”, and only for it."),
                code="invalid_escalation",
                field="escalations",
            )
        key = (rule.target, int(rule.threshold), rule.action)
        if key in seen:
            raise ValidationFailed(
                _("This escalation is already defined."), code="duplicate_escalation", field="escalations"
            )
        seen.add(key)


def save_policy(
    *,
    actor: Any,
    policy: SlaPolicy | None = None,
    data: Mapping[str, Any],
    escalations: Sequence[RuleSpec] | None = None,
) -> SlaPolicy:
    """Create or change a policy (and replace its escalation rules when given). Existing tickets keep
    their targets until something about them changes; see docs/admin/sla.md."""
    _require_manager(actor)
    unknown = set(data) - POLICY_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown policy fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="unknown_field"
        )
    instance = policy or SlaPolicy()
    if policy is not None:
        policy.snapshot()
    for name, value in data.items():
        setattr(instance, name, value)
    if "calendar" not in data and instance.calendar_id is None:
        instance.calendar = default_calendar()
    if not (instance.name or "").strip():
        raise ValidationFailed(_("A policy needs a name."), code="required", field="name")
    if SlaPolicy.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk).exists():
        raise ValidationFailed(
            _("A policy with this name already exists."), code="duplicate_name", field="name"
        )
    rules = (
        list(escalations)
        if escalations is not None
        else [RuleSpec(r.target, r.threshold, r.action, r.team) for r in instance.escalations.all()]
        if instance.pk
        else []
    )
    _check_policy(instance, rules)
    with acting_as(actor), transaction.atomic():
        instance.save()
        if escalations is not None:
            # Rules that survive unchanged keep their id (and so their firings); the rest are replaced.
            keep: set[int] = set()
            for spec in rules:
                existing = instance.escalations.filter(
                    target=spec.target, threshold=spec.threshold, action=spec.action
                ).first()
                if existing is None:
                    existing = EscalationRule.objects.create(
                        policy=instance,
                        target=spec.target,
                        threshold=spec.threshold,
                        action=spec.action,
                        team=spec.team,
                    )
                elif existing.team != spec.team:
                    existing.team = spec.team
                    existing.save(update_fields=["team"])
                keep.add(existing.pk)
            instance.escalations.exclude(pk__in=keep).delete()
        invalidate()
    return instance


def delete_policy(*, actor: Any, policy: SlaPolicy) -> None:
    _require_manager(actor)
    if TicketSlaTarget.objects.filter(policy=policy).exists():
        raise Conflict(_("Tickets have targets from this policy; deactivate it instead."), code="in_use")
    with acting_as(actor), transaction.atomic():
        policy.delete()
        invalidate()


# ---------------------------------------------------------------------------------------------------------
# Ticket targets.
# ---------------------------------------------------------------------------------------------------------
class Clock(Protocol):
    """What the clock arithmetic reads and writes: a target row, or a light copy of one (the tick)."""

    kind: str
    cycle: int
    target_seconds: int
    elapsed_seconds: float
    last_started_at: dt.datetime | None
    breached_at: dt.datetime | None
    due_at: dt.datetime | None
    escalate_at: dt.datetime | None


def elapsed_at(target: Clock, calendar: Calendar, now: dt.datetime) -> float:
    """Business seconds consumed by ``target`` up to ``now``."""
    elapsed = target.elapsed_seconds
    if target.last_started_at is not None and now > target.last_started_at:
        elapsed += calendar.between(target.last_started_at, now).total_seconds()
    return elapsed


def _bank(target: TicketSlaTarget, calendar: Calendar, until: dt.datetime) -> None:
    target.elapsed_seconds = elapsed_at(target, calendar, until)
    target.last_started_at = None


def _fired_thresholds(target: TicketSlaTarget, rules: Sequence[EscalationRule]) -> set[int]:
    if target.pk is None or not rules:
        return set()
    return set(
        EscalationFiring.objects.filter(target=target, cycle=target.cycle).values_list("rule_id", flat=True)
    )


def schedule(
    target: Clock, info: PolicyInfo, now: dt.datetime, fired: set[int] | None = None, *, due: bool = True
) -> None:
    """Set ``due_at`` (unless ``due`` is False) and ``escalate_at`` of a running target from its banked
    time. ``fired`` are the rule ids already fired this cycle (looked up when not given)."""
    calendar = info.calendar
    start = target.last_started_at or now
    banked = target.elapsed_seconds
    remaining = target.target_seconds - banked
    if due and target.breached_at is None:
        target.due_at = calendar.add(start, dt.timedelta(seconds=remaining)) if remaining > 0 else start
    rules = [r for r in info.rules if r.target == target.kind]
    if fired is None:
        assert isinstance(target, TicketSlaTarget)
        fired = _fired_thresholds(target, rules)
    times = []
    for rule in rules:
        if rule.pk in fired:
            continue
        at = target.target_seconds * rule.threshold / 100 - banked
        times.append(calendar.add(start, dt.timedelta(seconds=at)) if at > 0 else start)
    target.escalate_at = min(times) if times else None


def _met_time(kind: str, ticket: Ticket) -> dt.datetime | None:
    resolved = ticket.resolved_at if ticket.status in (Status.RESOLVED, Status.CLOSED) else None
    if kind == TargetKind.FIRST_RESPONSE:
        candidates = [t for t in (ticket.first_response_at, resolved) if t is not None]
        return min(candidates) if candidates else None
    if kind == TargetKind.RESOLUTION:
        return resolved
    return None


def _reconcile(target: TicketSlaTarget, ticket: Ticket, info: PolicyInfo, now: dt.datetime) -> None:
    calendar = info.calendar
    met = _met_time(target.kind, ticket)
    if met is not None:
        if target.met_at is None:
            if target.last_started_at is not None:
                _bank(target, calendar, max(met, target.last_started_at))
            target.met_at = met
            target.paused_since = None
            target.escalate_at = None
            if target.breached_at is None and target.elapsed_seconds >= target.target_seconds:
                # Met late, before the tick noticed: record the breach at the deadline.
                target.breached_at = target.due_at or met
                target.breach_count += 1
        return
    if target.met_at is not None and target.kind == TargetKind.FIRST_RESPONSE:
        return  # a first response stays given even if the ticket is reopened
    target.met_at = None  # reopened (or never met)
    stopped = ticket.status in FINAL or (
        target.kind == TargetKind.NEXT_UPDATE and ticket.status == Status.RESOLVED
    )
    if stopped:
        if target.stopped_at is None:
            _bank(target, calendar, now)
            target.stopped_at = now
            target.paused_since = None
            target.due_at = target.due_at if target.breached_at else None
            target.escalate_at = None
        return
    target.stopped_at = None
    if ticket.status in info.policy.pause_statuses:
        if target.last_started_at is not None or target.paused_since is None:
            _bank(target, calendar, now)
            target.paused_since = now
            if target.breached_at is None:
                target.due_at = None
            target.escalate_at = None
        return
    if target.last_started_at is None:
        target.last_started_at = now
        target.paused_since = None
    schedule(target, info, now)


TARGET_FIELDS = [
    "policy",
    "target_seconds",
    "elapsed_seconds",
    "last_started_at",
    "paused_since",
    "due_at",
    "met_at",
    "breached_at",
    "stopped_at",
    "escalate_at",
    "cycle",
    "breach_count",
    "updated_at",
]


def _state(target: TicketSlaTarget) -> tuple[Any, ...]:
    return (*(getattr(target, name) for name in TARGET_FIELDS[:-1] if name != "policy"), target.policy_id)


def apply_sla(
    ticket: Ticket,
    *,
    actor: Any,
    reason: str,
    now: dt.datetime | None = None,
    rearm: Iterable[str] = (),
    defer: list[TicketSlaTarget] | None = None,
) -> list[TicketSlaTarget]:
    """Bring ``ticket``'s targets in line with its current policy and status (idempotent).

    ``reason`` says why (logged). ``rearm`` lists target kinds that start a new cycle from zero (the next
    update target after a public staff reply). Returns the ticket's targets (empty: "no SLA").
    ``defer``: new targets are appended there for the caller to insert in bulk, instead of inserted here.
    """
    now = now or timezone.now()
    policy = match_policy(ticket)
    # No savepoint: callers run inside the ticket service's transaction, and a failure here must fail the
    # whole change anyway (a ticket without its clocks is worse than no ticket). Saves two round trips.
    with transaction.atomic(savepoint=False):
        existing: dict[str, TicketSlaTarget] = {}
        if reason != "created":
            existing = {t.kind: t for t in TicketSlaTarget.objects.select_for_update().filter(ticket=ticket)}
        if policy is None:
            if existing:
                TicketSlaTarget.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
                logger.info("ticket %s: no SLA policy matches any more (%s)", ticket.pk, reason)
            return []
        info = policy_info(policy.pk)
        assert info is not None
        wanted = info.policy.target_minutes()
        gone = [t.pk for kind, t in existing.items() if kind not in wanted]
        if gone:
            TicketSlaTarget.objects.filter(pk__in=gone).delete()
        result: list[TicketSlaTarget] = []
        created: list[TicketSlaTarget] = []
        for kind, minutes in wanted.items():
            target = existing.get(kind)
            if target is None:
                # The clock of a new target runs from the ticket's creation (a policy found later counts
                # the time the ticket already waited).
                start = ticket.created_at or now
                target = TicketSlaTarget(
                    ticket=ticket,
                    kind=kind,
                    policy=info.policy,
                    target_seconds=minutes * 60,
                    last_started_at=min(start, now),
                )
                _reconcile(target, ticket, info, now)
                created.append(target)
                result.append(target)
                continue
            before = _state(target)
            if target.policy_id != info.policy.pk or target.target_seconds != minutes * 60:
                old = policy_info(target.policy_id)
                if old is not None and target.last_started_at is not None:
                    _bank(target, old.calendar, now)  # time so far was measured on the old calendar
                    target.last_started_at = now
                target.policy = info.policy
                target.target_seconds = minutes * 60
                if (
                    target.met_at is None
                    and target.breached_at is not None
                    and target.elapsed_seconds < target.target_seconds
                ):
                    target.breached_at = None  # the new, longer target is not yet missed
                    target.breach_count = max(0, target.breach_count - 1)
                if target.met_at is None and target.breached_at is None:
                    target.due_at = None  # recomputed below on the new calendar
            if kind in rearm and target.stopped_at is None:
                target.elapsed_seconds = 0.0
                target.cycle += 1
                target.breached_at = None
                target.due_at = None
                target.last_started_at = now if target.last_started_at is not None else None
            _reconcile(target, ticket, info, now)
            if _state(target) != before:
                target.save(update_fields=TARGET_FIELDS)
                logger.debug("ticket %s: SLA %s updated (%s)", ticket.pk, kind, reason)
            result.append(target)
        if defer is not None:
            defer.extend(created)
        elif created:
            TicketSlaTarget.objects.bulk_create(created)  # one INSERT for all of a new ticket's clocks
    return result


def ticket_has_sla(ticket: Ticket) -> bool:
    return TicketSlaTarget.objects.filter(ticket=ticket).exists()


def tickets_with_targets() -> Q:
    return Q(Exists(TicketSlaTarget.objects.filter(ticket=OuterRef("pk"))))


def backfill_targets(tickets: QuerySet[Ticket], *, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Give open tickets without targets their targets (e.g. after the first policy is created).

    Bulk version of :func:`apply_sla` for tickets that have none: one policy lookup in memory per ticket,
    one bulk insert per batch. Returns the number of targets written.
    """
    now = now or timezone.now()
    written = 0
    pending = (
        tickets.exclude(status__in=list(FINAL))
        .filter(~Q(Exists(TicketSlaTarget.objects.filter(ticket=OuterRef("pk")))))
        .order_by("pk")
        .only(
            "pk",
            "organization_id",
            "service_id",
            "type",
            "priority",
            "status",
            "created_at",
            "first_response_at",
            "resolved_at",
        )
    )
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:batch])
        if not chunk:
            return written
        rows: list[TicketSlaTarget] = []
        for ticket in chunk:
            policy = match_policy(ticket)
            if policy is None:
                continue
            info = policy_info(policy.pk)
            assert info is not None
            for kind, minutes in info.policy.target_minutes().items():
                target = TicketSlaTarget(
                    ticket=ticket,
                    kind=kind,
                    policy=info.policy,
                    target_seconds=minutes * 60,
                    last_started_at=min(ticket.created_at or now, now),
                )
                _reconcile(target, ticket, info, now)
                rows.append(target)
        with transaction.atomic():
            TicketSlaTarget.objects.bulk_create(rows, batch_size=batch, ignore_conflicts=True)
        written += len(rows)
        last = chunk[-1].pk
