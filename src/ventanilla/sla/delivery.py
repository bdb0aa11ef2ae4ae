"""Outbox delivery: mail the people an escalation names, reassign, raise the priority.

A worker claims a row by pushing its ``next_attempt_at`` forward (conditional UPDATE); if it dies the row
comes back after the lease. Failures retry with exponential backoff up to ``MAX_ATTEMPTS``; every attempt is
logged in :class:`OutboxAttempt`. Delivery is at-least-once: a worker killed between sending and recording
may send a mail twice, never zero times.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Team, TeamMembership, User
from ventanilla.tickets.choices import FINAL, Priority
from ventanilla.tickets.models import Ticket

from .choices import EscalationAction, OutboxKind, OutboxState, TargetKind
from .models import Outbox, OutboxAttempt

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=5)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def recipients(action: str, ticket: Ticket) -> list[User]:
    """Who an action notifies. Without an assignee, "notify the assignee" falls back to the team leads."""
    people: list[User] = []
    if action == EscalationAction.NOTIFY_ASSIGNEE and ticket.assignee is not None:
        people = [ticket.assignee]
    elif action in (EscalationAction.NOTIFY_ASSIGNEE, EscalationAction.NOTIFY_TEAM_LEAD) and ticket.team_id:
        people = [
            m.user
            for m in TeamMembership.objects.filter(team_id=ticket.team_id, is_lead=True).select_related(
                "user"
            )
        ]
    if action == EscalationAction.NOTIFY_MANAGER or (
        action == EscalationAction.NOTIFY_TEAM_LEAD and not people
    ):
        people = list(User.objects.filter(role=Role.MANAGER, is_active=True))
    if (
        action == EscalationAction.NOTIFY_ACCOUNT_CONTACT
        and ticket.organization is not None
        and ticket.organization.account_contact is not None
    ):
        people = [ticket.organization.account_contact]
    return [p for p in people if p.is_active and p.email]


def _message(row: Outbox, ticket: Ticket) -> tuple[str, str]:
    target = TargetKind(row.payload.get("target", TargetKind.RESOLUTION)).label
    link = f"{settings.BASE_URL}/tickets/{ticket.pk}/"
    if row.kind == OutboxKind.BREACH:
        subject = _("[%(number)s] SLA breached: %(target)s") % {"number": ticket.number, "target": target}
        body = _("The %(target)s target of ticket %(number)s “%(title)s” has been missed.\n\n%(link)s") % {
            "target": target,
            "number": ticket.number,
            "title": ticket.title,
            "link": link,
        }
    else:
        subject = _("[%(number)s] SLA escalation: %(target)s at %(threshold)s%%") % {
            "number": ticket.number,
            "target": target,
            "threshold": row.payload.get("threshold"),
        }
        body = _(
            "Ticket %(number)s “%(title)s” has used %(threshold)s%% of its %(target)s time.\n\n%(link)s"
        ) % {
            "number": ticket.number,
            "title": ticket.title,
            "threshold": row.payload.get("threshold"),
            "target": target,
            "link": link,
        }
    return subject, body


def perform(row: Outbox) -> list[str]:
    """Carry out one outbox row; returns the addresses mailed (empty for ticket actions)."""
    from ventanilla.tickets.services import assign_ticket, update_ticket

    ticket = Ticket.objects.select_related("assignee", "organization__account_contact").get(pk=row.ticket_id)
    action = row.action or EscalationAction.NOTIFY_ASSIGNEE
    if action == EscalationAction.REASSIGN_TEAM:
        team = Team.objects.filter(pk=row.payload.get("team_id")).first()
        if team is not None and ticket.status not in FINAL and ticket.team_id != team.pk:
            assign_ticket(actor=None, ticket=ticket, team=team)
        return []
    if action == EscalationAction.RAISE_PRIORITY:
        if ticket.status not in FINAL and ticket.priority > Priority.P1:
            update_ticket(
                actor=None,
                ticket=ticket,
                changes={
                    "priority": ticket.priority - 1,
                    "priority_reason": _("Raised by an SLA escalation."),
                },
            )
        return []
    sent: list[str] = []
    for person in recipients(action, ticket):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject, body = _message(row, ticket)
        EmailMessage(subject, body, None, [person.email]).send()
        sent.append(person.email)
    return sent


def deliver_outbox(now: dt.datetime | None = None, *, limit: int = 200) -> int:
    """Deliver up to ``limit`` due rows; returns how many were delivered."""
    now = now or timezone.now()
    delivered = 0
    ids = list(
        Outbox.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        claimed = Outbox.objects.filter(pk=pk, state=OutboxState.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another worker has it
        row = Outbox.objects.get(pk=pk)
        try:
            with transaction.atomic():
                sent = perform(row)
                row.state, row.delivered_at, row.last_error = OutboxState.DELIVERED, timezone.now(), ""
                row.save(update_fields=["state", "delivered_at", "last_error"])
                OutboxAttempt.objects.create(outbox=row, ok=True, recipients=sent)
            delivered += 1
        except Exception as exc:  # any failure is retried later; the error is kept for the admin
            logger.warning("SLA outbox %s attempt %s failed: %s", pk, row.attempts, exc)
            failed = row.attempts >= MAX_ATTEMPTS
            Outbox.objects.filter(pk=pk).update(
                state=OutboxState.FAILED if failed else OutboxState.PENDING,
                next_attempt_at=now + backoff(row.attempts),
                last_error=str(exc)[:2000],
            )
            OutboxAttempt.objects.create(outbox=row, ok=False, detail=str(exc)[:2000])
    return delivered


def pending_count(now: Any = None) -> int:
    return Outbox.objects.filter(
        state=OutboxState.PENDING, next_attempt_at__lte=now or timezone.now()
    ).count()
