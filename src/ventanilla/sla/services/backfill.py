"""Targets in bulk: give existing tickets their targets at once, and tell which tickets have any.

:func:`backfill_targets` computes exactly what :func:`.clocks.apply_sla` would for a ticket without
targets, but matches in memory and inserts per batch, so it suits the first policy on a large desk.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ventanilla.tickets.choices import FINAL
from ventanilla.tickets.models import Ticket

from ..models import TicketSlaTarget
from .clocks import _reconcile
from .matching import match_policy, policy_info


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
