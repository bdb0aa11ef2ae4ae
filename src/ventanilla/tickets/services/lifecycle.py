"""The ticket lifecycle: every status change goes through :func:`transition_ticket`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core import events
from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, ValidationFailed
from ventanilla.mail import hooks as mail_hooks
from ventanilla.sla import hooks

from ..choices import CUSTOMER_TRANSITIONS, TRANSITIONS, ResolutionCode, Status, TimelineKind
from ..models import Ticket
from .common import is_staff, require, timeline, write


def allowed_transitions(ticket: Ticket, actor: User | None) -> list[str]:
    """Statuses ``actor`` may move the ticket to now (for menus and the API)."""
    table = TRANSITIONS if is_staff(actor) else CUSTOMER_TRANSITIONS
    allowed = set(table.get(ticket.status, frozenset()))
    if not ticket.assignee_id:
        allowed.discard(Status.ASSIGNED)
    if not is_staff(actor) and ticket.status == Status.RESOLVED and not _within_reopen_window(ticket):
        allowed.discard(Status.IN_PROGRESS)
    return [s for s in Status.values if s in allowed]


def _within_reopen_window(ticket: Ticket) -> bool:
    if ticket.resolved_at is None:
        return True
    return timezone.now() - ticket.resolved_at <= timedelta(days=settings.REOPEN_WINDOW_DAYS)


def transition_ticket(
    *,
    actor: User | None,
    ticket: Ticket,
    to: str,
    resolution_code: str = "",
    resolution_note: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Move ``ticket`` to status ``to`` if the transitions table allows it for this actor.

    Resolving needs a resolution code and note. Two actors racing: the first wins, the second gets
    ``stale_ticket``. Refusals carry stable codes: ``invalid_status``, ``illegal_transition``,
    ``reopen_window_passed``, ``resolution_required``, ``assignee_required``.
    """
    require(actor, "transition", ticket)
    if to not in Status.values:
        raise ValidationFailed(
            _("“%(to)s” is not a status; use one of: %(all)s.") % {"to": to, "all": ", ".join(Status.values)},
            code="invalid_status",
            field="to",
        )
    old = ticket.status
    table = TRANSITIONS if is_staff(actor) else CUSTOMER_TRANSITIONS
    if to not in table.get(old, frozenset()):
        raise Conflict(
            _("A ticket cannot go from “%(old)s” to “%(new)s”.")
            % {"old": Status(old).label, "new": Status(to).label},
            code="illegal_transition",
            allowed=allowed_transitions(ticket, actor),
        )
    now = timezone.now()
    fields: dict[str, Any] = {"status": to}
    if to == Status.ASSIGNED and not ticket.assignee_id:
        raise Conflict(_("Assign the ticket to someone first."), code="assignee_required")
    if to == Status.NEW:
        fields["assignee"] = None
    if to == Status.RESOLVED:
        code = resolution_code or ""
        if code not in ResolutionCode.values or not resolution_note.strip():
            raise ValidationFailed(
                _("Resolving needs a resolution code (%(codes)s) and a note saying what was done.")
                % {"codes": ", ".join(ResolutionCode.values)},
                code="resolution_required",
                field="resolution_code" if code not in ResolutionCode.values else "resolution_note",
            )
        fields.update(resolution_code=code, resolution_note=resolution_note.strip(), resolved_at=now)
    if old == Status.RESOLVED and to == Status.IN_PROGRESS:
        if not is_staff(actor) and not _within_reopen_window(ticket):
            raise Conflict(
                _("This ticket was resolved more than %(days)d days ago; open a new ticket instead.")
                % {"days": settings.REOPEN_WINDOW_DAYS},
                code="reopen_window_passed",
            )
        fields.update(resolved_at=None, reopen_count=F("reopen_count") + 1)
    if to == Status.CLOSED:
        fields["closed_at"] = now
    if to == Status.CANCELLED:
        fields["closed_at"] = now
    with acting_as(actor), transaction.atomic():
        write(ticket, fields, expect_status=old, expect_version=expected_version)
        hooks.ticket_changed(ticket, actor=actor, reason="status")
        mail_hooks.status_changed(ticket, old=old, new=to, actor=actor)
        entry = {"old": old, "new": to}
        if reason:
            entry["reason"] = reason
        if to == Status.RESOLVED:
            entry.update(resolution_code=fields["resolution_code"], resolution_note=fields["resolution_note"])
        timeline(ticket, actor, TimelineKind.STATUS, public=True, **entry)
        events.emit("ticket.status_changed", ticket_id=ticket.pk, old=old, new=to)
    return ticket
