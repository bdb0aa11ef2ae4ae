from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel


class Service(ChangeLoggedModel, TimeStampedModel):
    """A business service the IT organisation delivers (e-mail, ERP, laptops...)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("owning team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text=_("New tickets about this service go to this team."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    USER = "user", _("Person")
    ATTACHMENT = "attachment", _("Attachment")


class CatalogItem(ChangeLoggedModel, TimeStampedModel):
    """Something customers can order from the portal ("New laptop", "VPN access").

    Who may order it: every customer, or only members of the listed organisations; ``roles`` narrows
    either to some customer roles (empty = any). Ordering it opens a service request for ``service``,
    routed to ``team`` (or the service's owning team), with the answers to its fields kept on the ticket.
    """

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="catalog_items",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalog_items",
        help_text=_("Requests go to this team; empty means the service's owning team."),
    )
    all_customers = models.BooleanField(
        _("every customer may order it"),
        default=True,
        help_text=_("Turn off to offer it only to the organisations listed below."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization", verbose_name=_("organisations"), blank=True, related_name="catalog_items"
    )
    roles = models.JSONField(
        _("roles"),
        default=list,
        blank=True,
        help_text=_("Customer roles that may order it; empty means every customer role."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["is_active", "position", "name"], name="catalog_item_list_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from ventanilla.accounts.choices import CUSTOMER_ROLES

        roles = self.roles if isinstance(self.roles, list) else None
        if roles is None or any(role not in CUSTOMER_ROLES for role in roles):
            allowed = ", ".join(sorted(str(r) for r in CUSTOMER_ROLES))
            raise ValidationError(
                {"roles": _("Roles must be a list of customer roles (%(allowed)s).") % {"allowed": allowed}}
            )
        # Sorted and unique: the permission rule matches the stored list exactly (JSON "contains" is not
        # available on SQLite).
        self.roles = sorted({str(role) for role in roles})


class CatalogItemField(ChangeLoggedModel, models.Model):
    """One question of a catalogue item's form."""

    item = models.ForeignKey(
        CatalogItem, verbose_name=_("catalogue item"), on_delete=models.CASCADE, related_name="fields"
    )
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("For choice fields: one option per line.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == FieldKind.CHOICE and not self.choice_list:
            raise ValidationError({"choices": _("A choice field needs at least one option.")})


class CatalogRequest(models.Model):
    """The catalogue item a request ticket was ordered from, and the validated answers (a snapshot).

    ``answers`` is a list of ``{"field": id, "label", "kind", "value", "display"}`` in form order; the
    labels are copied so later edits of the item never change what the customer answered.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="catalog_request"
    )
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("catalogue item"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    item_name = models.CharField(_("item"), max_length=150)
    answers = models.JSONField(_("answers"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("catalogue request")
        verbose_name_plural = _("catalogue requests")

    def __str__(self) -> str:
        return f"{self.item_name} ({self.ticket_id})"
