"""Permission rules for the mail channel: raw mail and the outbox are for managers and administrators;
an agent may read the full stored message of a ticket they can see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import register, restrict
from ventanilla.tickets.models import Ticket

from .models import Bounce, InboundMessage, Mailbox, OutboundMessage

ADMINISTRATION = {Role.MANAGER, Role.ADMIN}


@register(InboundMessage)
def inbound(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if user.role in ADMINISTRATION:
        return qs
    if user.is_staff_side and action == "view":
        return qs.filter(ticket__in=restrict(Ticket.objects.all(), user, "view"))
    return qs.none()


@register(Mailbox)
@register(OutboundMessage)
@register(Bounce)
def administration_only(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.role in ADMINISTRATION else qs.none()
