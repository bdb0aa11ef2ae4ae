"""The ticket services call these, one line each, so SLA reactions stay explicit (ARCHITECTURE §3.5).

They run inside the ticket service's transaction: a ticket change and its SLA consequences commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ventanilla.tickets.models import Comment, Ticket

from .choices import TargetKind

# Changing any of these may select another policy.
POLICY_FIELDS = frozenset({"priority", "service", "organization", "type"})


def tickets_created(tickets: Iterable[Ticket], *, actor: Any) -> None:
    """New tickets start their clocks; all their targets are inserted in one statement."""
    from .models import TicketSlaTarget
    from .services import apply_sla

    pending: list[TicketSlaTarget] = []
    for ticket in tickets:
        apply_sla(ticket, actor=actor, reason="created", defer=pending)
    if pending:
        TicketSlaTarget.objects.bulk_create(pending)


def ticket_updated(ticket: Ticket, *, actor: Any, fields: Iterable[str]) -> None:
    """After ``update_ticket``: recompute only when a field that selects the policy changed."""
    if POLICY_FIELDS.intersection(fields):
        from .services import apply_sla

        apply_sla(ticket, actor=actor, reason="fields")


def ticket_changed(ticket: Ticket, *, actor: Any, reason: str = "status") -> None:
    """After a status change (transition, merge, assignment): pause, resume, meet, stop or re-arm."""
    from .services import apply_sla

    apply_sla(ticket, actor=actor, reason=reason)


def comment_added(ticket: Ticket, comment: Comment, *, actor: Any) -> None:
    """A public staff reply meets the first response and starts a new next-update cycle; a customer's reply
    that moved the ticket out of "awaiting customer" resumes the clocks."""
    comments_added([(ticket, comment)], actor=actor)


def comments_added(items: list[tuple[Ticket, Comment]], *, actor: Any) -> None:
    """:func:`comment_added` for many comments: the tickets' targets are read (and locked) in one query."""
    from .models import TicketSlaTarget
    from .services import apply_sla

    targets: dict[int, dict[str, TicketSlaTarget]] = {ticket.pk: {} for ticket, _comment in items}
    for target in TicketSlaTarget.objects.select_for_update().filter(ticket_id__in=list(targets)):
        targets[target.ticket_id][target.kind] = target
    for ticket, comment in items:
        author = comment.author
        staff_reply = (
            comment.public and author is not None and author.is_staff_side and author != ticket.requester
        )
        result = apply_sla(
            ticket,
            actor=actor,
            reason="comment",
            rearm=[TargetKind.NEXT_UPDATE.value] if staff_reply else [],
            preloaded=targets[ticket.pk],
        )
        targets[ticket.pk] = {target.kind: target for target in result}
