"""Permission rules for people and organisations (see core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ventanilla.core.permissions import register

from .choices import Role
from .models import APIToken, Contract, Organization, OrganizationDomain, Team, TeamMembership, User

ADMINISTRATION = {Role.MANAGER, Role.ADMIN}


@register(User)
def users(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if user.is_staff_side:
        if action == "view" or user.role in ADMINISTRATION:
            return qs
        # Agents may edit customers' contact details, not colleagues' accounts.
        return qs.filter(Q(role__in=[Role.CUSTOMER, Role.CUSTOMER_MANAGER]) | Q(pk=user.pk))
    if (
        action == "view"
        and user.organization_id
        and (user.role == Role.CUSTOMER_MANAGER or user.organization.shares_tickets)
    ):
        return qs.filter(Q(organization_id=user.organization_id) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)


@register(Organization)
def organizations(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if user.is_staff_side:
        return qs if action == "view" or user.role in ADMINISTRATION else qs.none()
    if action == "view" and user.organization_id:
        return qs.filter(pk=user.organization_id)
    return qs.none()


@register(OrganizationDomain)
def organization_domains(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.is_staff_side and (action == "view" or user.role in ADMINISTRATION) else qs.none()


@register(Contract)
def contracts(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if user.is_staff_side:
        return qs if action == "view" or user.role in ADMINISTRATION else qs.none()
    if action == "view" and user.role == Role.CUSTOMER_MANAGER and user.organization_id:
        return qs.filter(organization_id=user.organization_id)
    return qs.none()


@register(Team)
def teams(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not user.is_staff_side:
        return qs.none()
    if action == "view" or user.role in ADMINISTRATION:
        return qs
    if user.role == Role.TEAM_LEAD:
        return qs.filter(memberships__user=user, memberships__is_lead=True)
    return qs.none()


@register(TeamMembership)
def team_memberships(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.is_staff_side and (action == "view" or user.role in ADMINISTRATION) else qs.none()


@register(APIToken)
def api_tokens(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    return qs if user.role == Role.ADMIN else qs.filter(user=user)
