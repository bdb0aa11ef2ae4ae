from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_number_trigger(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from .numbering import ensure_trigger

    ensure_trigger(connections[using])


class TicketsConfig(AppConfig):
    name = "ventanilla.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from . import rules  # noqa: F401
        from .services import records  # noqa: F401  (priority-matrix cache invalidation)

        post_migrate.connect(_ensure_number_trigger, dispatch_uid="ventanilla.tickets.number_trigger")
