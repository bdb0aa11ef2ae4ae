from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "ventanilla.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from . import rules  # noqa: F401
