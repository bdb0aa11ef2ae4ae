"""Read side of the SLA: a ticket's SLA state, list filters and ordering, and the compliance report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ventanilla.tickets.models import Ticket

from .choices import TargetKind
from .models import TicketSlaTarget
from .services import elapsed_at, policy_info

GroupBy = Literal["organization", "service", "priority", "team"]
GROUPS: dict[str, str] = {
    "organization": "ticket__organization",
    "service": "ticket__service",
    "priority": "ticket__priority",
    "team": "ticket__team",
}
_LIVE = Q(met_at__isnull=True, stopped_at__isnull=True)


def target_state(target: TicketSlaTarget, now: dt.datetime) -> dict[str, Any]:
    """One target as the API shows it. ``remaining_seconds`` is business time (negative once breached);
    ``breached_for_seconds`` is real time since the deadline."""
    info = policy_info(target.policy_id)
    elapsed = elapsed_at(target, info.calendar, now) if info is not None else target.elapsed_seconds
    remaining = target.target_seconds - elapsed
    breached = target.breached_at is not None or (
        target.met_at is None
        and target.stopped_at is None
        and target.due_at is not None
        and target.due_at <= now
    )
    breached_at = target.breached_at or (target.due_at if breached else None)
    if target.met_at is not None:
        state = "met"
    elif target.stopped_at is not None:
        state = "stopped"
    elif target.paused_since is not None:
        state = "paused"
    elif breached:
        state = "breached"
    else:
        state = "running"
    return {
        "kind": target.kind,
        "state": state,
        "policy": target.policy_id,
        "target_seconds": target.target_seconds,
        "elapsed_seconds": round(elapsed, 3),
        "remaining_seconds": round(remaining, 3),
        "due_at": target.due_at,
        "paused": target.paused_since is not None,
        "paused_since": target.paused_since,
        "breached": breached,
        "breached_at": breached_at,
        "breached_for_seconds": (
            max((target.met_at or now) - breached_at, dt.timedelta()).total_seconds()
            if breached_at is not None
            else None
        ),
        "met_at": target.met_at,
        "cycle": target.cycle,
    }


def sla_state(
    ticket: Ticket, now: dt.datetime | None = None, targets: Iterable[TicketSlaTarget] | None = None
) -> dict[str, Any]:
    """``{"has_sla": bool, "policy": id|None, "targets": {kind: state}}``; no targets means "no SLA"."""
    now = now or timezone.now()
    rows = list(targets) if targets is not None else list(TicketSlaTarget.objects.filter(ticket=ticket))
    order = {k: i for i, k in enumerate(TargetKind.values)}
    rows.sort(key=lambda t: order.get(t.kind, 99))
    return {
        "has_sla": bool(rows),
        "policy": rows[0].policy_id if rows else None,
        "targets": {t.kind: target_state(t, now) for t in rows},
    }


# -- List filters and ordering ------------------------------------------------------------------------------
def _live_targets() -> QuerySet[TicketSlaTarget]:
    return TicketSlaTarget.objects.filter(ticket=OuterRef("pk")).filter(_LIVE)


def breaching_within(
    qs: QuerySet[Ticket], delta: dt.timedelta = dt.timedelta(hours=1), now: dt.datetime | None = None
) -> QuerySet[Ticket]:
    """Tickets with a running target due within ``delta`` and not yet breached."""
    now = now or timezone.now()
    return qs.filter(
        Exists(_live_targets().filter(breached_at__isnull=True, due_at__gt=now, due_at__lte=now + delta))
    )


def breached(qs: QuerySet[Ticket], now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Tickets with an unmet target past its deadline (flipped by the tick, or due and not yet flipped)."""
    now = now or timezone.now()
    return qs.filter(Exists(_live_targets().filter(Q(breached_at__isnull=False) | Q(due_at__lte=now))))


def paused(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.filter(Exists(_live_targets().filter(paused_since__isnull=False)))


def with_next_due(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``sla_next_due`` (earliest deadline of a live target) for sorting by next due."""
    first = _live_targets().filter(due_at__isnull=False).order_by("due_at").values("due_at")[:1]
    return qs.annotate(sla_next_due=Subquery(first))


def order_by_next_due(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return with_next_due(qs).order_by(F("sla_next_due").asc(nulls_last=True), "-id")


# -- Compliance ------------------------------------------------------------------------------------------
def compliance(
    start: dt.datetime,
    end: dt.datetime,
    group_by: GroupBy = "organization",
    tickets: QuerySet[Ticket] | None = None,
) -> list[dict[str, Any]]:
    """% of response and resolution targets met, per group, for tickets created in ``[start, end)``.

    Only decided targets count: met (on time or late) or breached. A late target is a breach. Each group
    lists the ids of its breached tickets so the numbers can be checked. ``tickets`` narrows the ticket
    set (pass the permission-restricted queryset).
    """
    if group_by not in GROUPS:
        raise ValueError(group_by)
    key = GROUPS[group_by]
    qs = TicketSlaTarget.objects.filter(
        ticket__created_at__gte=start,
        ticket__created_at__lt=end,
        kind__in=[TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION],
    ).filter(Q(met_at__isnull=False) | Q(breached_at__isnull=False))
    if tickets is not None:
        qs = qs.filter(ticket__in=tickets.values("pk"))
    label_field = {
        "organization": "ticket__organization__name",
        "service": "ticket__service__name",
        "team": "ticket__team__name",
        "priority": None,
    }[group_by]
    fields = ["kind", key, "ticket_id", "breached_at"] + ([label_field] if label_field else [])
    groups: dict[Any, dict[str, Any]] = {}
    counts: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0])
    breached_ids: dict[tuple[Any, str], set[int]] = defaultdict(set)
    for row in qs.values(*fields).iterator(chunk_size=5000):
        group = row[key]
        if group not in groups:
            if group_by == "priority":
                from ventanilla.tickets.choices import Priority

                label = str(Priority(group).label) if group is not None else ""
            else:
                label = row[label_field] if label_field else ""
            groups[group] = {"id": group, "name": label or ""}
        bucket = counts[(group, row["kind"])]
        bucket[0] += 1
        if row["breached_at"] is not None:
            breached_ids[(group, row["kind"])].add(row["ticket_id"])
        else:
            bucket[1] += 1
    result = []
    for group, meta in sorted(groups.items(), key=lambda g: (g[0] is None, str(g[1]["name"]), g[0] or 0)):
        entry: dict[str, Any] = {"group": meta}
        for kind, name in ((TargetKind.FIRST_RESPONSE, "response"), (TargetKind.RESOLUTION, "resolution")):
            total, met = counts.get((group, kind), [0, 0])
            entry[name] = {
                "total": total,
                "met": met,
                "percent_met": round(100.0 * met / total, 1) if total else None,
                "breached_ticket_ids": sorted(breached_ids.get((group, kind), set())),
            }
        result.append(entry)
    return result
