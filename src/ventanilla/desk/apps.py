from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "ventanilla.desk"
    label = "desk"
    verbose_name = _("Agent workspace")

    def ready(self) -> None:
        from . import rules  # noqa: F401
