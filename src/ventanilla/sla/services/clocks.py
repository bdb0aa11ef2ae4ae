"""Ticket targets: the clocks, and :func:`apply_sla`, which reconciles them with the ticket.

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
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from ventanilla.tickets.choices import FINAL, Status
from ventanilla.tickets.models import Ticket

from ..calendar import Calendar
from ..choices import TargetKind
from ..models import EscalationFiring, EscalationRule, TicketSlaTarget
from .matching import PolicyInfo, match_policy, policy_info

logger = logging.getLogger(__name__)


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
    preloaded: dict[str, TicketSlaTarget] | None = None,
) -> list[TicketSlaTarget]:
    """Bring ``ticket``'s targets in line with its current policy and status (idempotent).

    ``reason`` says why (logged). ``rearm`` lists target kinds that start a new cycle from zero (the next
    update target after a public staff reply). Returns the ticket's targets (empty: "no SLA").
    ``defer``: new targets are appended there for the caller to insert in bulk, instead of inserted here.
    ``preloaded``: the ticket's targets by kind, already read (and locked) by a caller handling many
    tickets at once (see :func:`ventanilla.sla.hooks.comments_added`).
    """
    now = now or timezone.now()
    policy = match_policy(ticket)
    if policy is None and reason == "created":
        return []  # a new ticket has no targets to remove
    # No savepoint: callers run inside the ticket service's transaction, and a failure here must fail the
    # whole change anyway (a ticket without its clocks is worse than no ticket). Saves two round trips.
    with transaction.atomic(savepoint=False):
        existing: dict[str, TicketSlaTarget] = dict(preloaded or {})
        if reason != "created" and preloaded is None:
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
