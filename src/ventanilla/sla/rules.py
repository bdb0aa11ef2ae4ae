"""Who sees and changes SLA configuration and targets (see core.permissions).

Calendars, policies and escalation rules: staff read them, managers and administrators change them.
Targets: visible exactly when the ticket is (a customer sees the commitments of their own tickets).
Outbox: administrators only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import register, restrict
from ventanilla.tickets.models import Ticket

from .models import BusinessCalendar, EscalationFiring, EscalationRule, Outbox, SlaPolicy, TicketSlaTarget

MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})


def _configuration(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not user.is_staff_side:
        return qs.none()
    if action == "view" or user.role in MANAGERS:
        return qs
    return qs.none()


register(BusinessCalendar)(_configuration)
register(SlaPolicy)(_configuration)
register(EscalationRule)(_configuration)


@register(TicketSlaTarget)
def targets(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view":
        return qs.none()  # targets change only through the SLA services
    if user.sees_everything:
        return qs
    return qs.filter(ticket__in=restrict(Ticket.objects.all(), user, "view").values("pk"))


@register(EscalationFiring)
def firings(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view" or not user.is_staff_side:
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(ticket__in=restrict(Ticket.objects.all(), user, "view").values("pk"))


@register(Outbox)
def outbox(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.role == Role.ADMIN and action == "view" else qs.none()
