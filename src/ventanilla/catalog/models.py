from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel


class Service(ChangeLoggedModel, TimeStampedModel):
    """A business service the IT organisation delivers (e-mail, ERP, laptops...)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team", verbose_name=_("owning team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="services", help_text=_("New tickets about this service go to this team."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
