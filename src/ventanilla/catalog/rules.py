from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import register

from .models import CatalogItem, CatalogItemField, CatalogRequest, Service


@register(Service)
def services(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else qs.filter(is_active=True)
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()


# -- Catalogue items ------------------------------------------------------------------------------------
def _role_lists_including(role: str) -> list[list[str]]:
    """Every normalised ``roles`` value that lets ``role`` order an item ([] means any customer role)."""
    from itertools import combinations

    from ventanilla.accounts.choices import CUSTOMER_ROLES

    others = sorted(str(r) for r in CUSTOMER_ROLES if r != role)
    lists: list[list[str]] = [[]]
    for size in range(len(others) + 1):
        for extra in combinations(others, size):
            lists.append(sorted([role, *extra]))
    return lists


def orderable_items(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Active items a customer may order: offered to everyone or to their organisation, and to their role."""
    from django.db.models import Q

    audience = Q(all_customers=True)
    if user.organization_id:
        audience |= Q(organizations=user.organization_id)
    roles = Q()
    for allowed in _role_lists_including(user.role):
        roles |= Q(roles=allowed)
    matching = qs.model._default_manager.filter(audience, roles, is_active=True).values("pk")
    return qs.filter(pk__in=matching)


@register(CatalogItem)
def catalog_items(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else orderable_items(qs, user)
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()


@register(CatalogItemField)
def catalog_item_fields(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        if user.is_staff_side:
            return qs
        return qs.filter(item__in=catalog_items(CatalogItem.objects.all(), user, "view"))
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()


@register(CatalogRequest)
def catalog_requests(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """Answers are part of the ticket: visible exactly when the ticket is; changed only by services."""
    from ventanilla.core.permissions import restrict
    from ventanilla.tickets.models import Ticket

    if action != "view":
        return qs.none()
    return qs if user.sees_everything else qs.filter(ticket__in=restrict(Ticket.objects.all(), user, "view"))
