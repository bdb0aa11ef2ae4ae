from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "ventanilla.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from . import rules  # noqa: F401
        from .services import records  # noqa: F401  (priority-matrix cache invalidation)
