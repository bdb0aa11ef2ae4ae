"""Who may change SLA settings: service-desk managers and administrators (``actor=None`` is the system)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ventanilla.accounts.choices import Role


def _manager_roles() -> set[str]:
    return {Role.MANAGER, Role.ADMIN}


def can_manage(actor: Any) -> bool:
    """Calendars and policies are configured by service-desk managers and administrators."""
    return actor is None or getattr(actor, "role", None) in _manager_roles()


def _require_manager(actor: Any) -> None:
    from ventanilla.core.errors import NotPermitted

    if not can_manage(actor):
        raise NotPermitted(_("Only service-desk managers and administrators can change SLA settings."))
