"""Who sees and works which tickets. Everything that returns tickets goes through these rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import TeamMembership
from ventanilla.core.permissions import register, restrict

from .models import (
    Attachment,
    Category,
    Comment,
    PriorityMatrixEntry,
    Queue,
    Tag,
    Ticket,
    TicketLink,
    TimelineEntry,
)

CUSTOMER_ACTIONS = {"view", "comment", "transition"}


def team_ids(user: Any) -> list[int]:
    """The user's team ids, memoised on the user object for the request."""
    cached = getattr(user, "_team_ids", None)
    if cached is None:
        cached = list(TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))
        user._team_ids = cached
    return cached


def ticket_visibility(user: Any) -> Q | None:
    """A filter for the tickets ``user`` may view; None means every ticket."""
    if user.sees_everything:
        return None
    if user.is_staff_side:
        # Agents work their teams' tickets, anything assigned to them, and the not-yet-routed pool.
        return Q(team_id__in=team_ids(user)) | Q(assignee_id=user.pk) | Q(team__isnull=True)
    own = Q(requester_id=user.pk) | Q(
        Exists(Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk))
    )
    if user.organization_id and (user.role == Role.CUSTOMER_MANAGER or user.organization.shares_tickets):
        own |= Q(organization_id=user.organization_id)
    return own


@register(Ticket)
def tickets(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not user.is_staff_side and action not in CUSTOMER_ACTIONS:
        return qs.none()
    condition = ticket_visibility(user)
    if action == "transition" and not user.is_staff_side:
        # Withdrawing, confirming or reopening is the requester's call (or their customer manager's),
        # not a watcher's or a colleague's who merely sees the ticket.
        condition = Q(requester_id=user.pk)
        if user.role == Role.CUSTOMER_MANAGER and user.organization_id:
            condition |= Q(organization_id=user.organization_id)
    return qs if condition is None else qs.filter(condition)


def _child_of_visible_ticket(qs: QuerySet[Any], user: Any, public_field: str = "public") -> QuerySet[Any]:
    visible = restrict(Ticket.objects.all(), user, "view")
    qs = qs.filter(ticket__in=visible.values("pk")) if not user.sees_everything else qs
    if not user.is_staff_side:
        qs = qs.filter(**{public_field: True})
    return qs


@register(Comment)
def comments(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view":
        return qs.none()  # comments are immutable once written
    return _child_of_visible_ticket(qs, user)


@register(Attachment)
def attachments(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action != "view":
        return qs.none()
    qs = _child_of_visible_ticket(qs, user)
    if not user.is_staff_side:  # an attachment of an internal note is internal too
        qs = qs.filter(Q(comment__isnull=True) | Q(comment__public=True))
    return qs


@register(TimelineEntry)
def timeline(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return _child_of_visible_ticket(qs, user) if action == "view" else qs.none()


@register(TicketLink)
def links(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if user.sees_everything:
        return qs
    visible = restrict(Ticket.objects.all(), user, "view").values("pk")
    return qs.filter(source__in=visible, target__in=visible)


@register(Category)
def categories(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else qs.filter(is_active=True)
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()


@register(Queue)
def queues(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else qs.none()
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()


@register(Tag)
def tags(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.is_staff_side else qs.none()


@register(PriorityMatrixEntry)
def priority_matrix(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else qs.none()
    return qs if user.role == Role.ADMIN else qs.none()
