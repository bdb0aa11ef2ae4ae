"""Who sees and changes workspace data (see core.permissions). Customers see none of it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import register, restrict
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.rules import team_ids

from .models import ContactLog, Macro, SavedView

ADMINISTRATION = {Role.MANAGER, Role.ADMIN}


@register(SavedView)
def saved_views(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Agents see their own views and those shared with their teams; only the owner changes a view."""
    if not user.is_staff_side:
        return qs.none()
    if action == "view":
        return qs.filter(Q(owner_id=user.pk) | Q(team_id__in=team_ids(user)))
    return qs.filter(owner_id=user.pk)


@register(Macro)
def macros(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not user.is_staff_side:
        return qs.none()
    if action == "view":
        return qs if user.sees_everything else qs.filter(Q(team__isnull=True) | Q(team_id__in=team_ids(user)))
    return qs if user.role in ADMINISTRATION else qs.none()


@register(ContactLog)
def contact_logs(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not user.is_staff_side or action != "view":
        return qs.none()
    if user.sees_everything:
        return qs
    return qs.filter(ticket__in=restrict(Ticket.objects.all(), user, "view").values("pk"))
