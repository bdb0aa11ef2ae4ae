from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import register

from .models import Service


@register(Service)
def services(qs: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if action == "view":
        return qs if user.is_staff_side else qs.filter(is_active=True)
    return qs if user.role in (Role.MANAGER, Role.ADMIN) else qs.none()
