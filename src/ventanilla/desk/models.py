"""Workspace data: saved queue views, canned responses (macros) and logged contacts.

Tickets themselves live in the tickets app; these rows only describe how agents look at and work them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel
from ventanilla.tickets.choices import Status

from .choices import ContactKind, RemoteTool, Sort


class SavedView(ChangeLoggedModel, TimeStampedModel):
    """A named set of queue filters. Personal (``team`` empty) or shared with every member of ``team``.

    ``filters`` holds the queue's GET parameters as lists of strings, exactly as the filter form reads
    them, so a saved view is just a remembered URL that survives renamed labels and translations.
    """

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("shared with team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=20, choices=Sort.choices, default=Sort.NEWEST)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                name="saved_view_unique_name_per_owner",
                violation_error_message=_("You already have a view with this name."),
            ),
        ]
        indexes = [models.Index(fields=["team"], name="saved_view_team_idx")]

    def __str__(self) -> str:
        return self.name


class Macro(ChangeLoggedModel, TimeStampedModel):
    """A canned response: text with placeholders such as ``{requester.first_name}``, and optionally a
    status and tags to set when it is sent. Available to everyone (no team) or to one team's members."""

    name = models.CharField(_("name"), max_length=100)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {ticket.number}, {ticket.title}, {requester.name}, {requester.first_name}, "
            "{requester.email}, {organization.name}, {agent.name}, {agent.first_name}."
        ),
    )
    public = models.BooleanField(
        _("public reply"), default=True, help_text=_("Off: the macro writes an internal note.")
    )
    set_status = models.CharField(_("set status"), max_length=20, choices=Status.choices, blank=True)
    add_tags = models.CharField(
        _("add tags"), max_length=300, blank=True, help_text=_("Comma-separated tags added to the ticket.")
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text=_("Empty: every agent may use it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.add_tags.split(",") if t.strip()]


class ContactLog(TimeStampedModel):
    """A phone/video call, walk-in or remote session that an agent typed into a ticket."""

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="contact_log"
    )
    kind = models.CharField(_("contact"), max_length=10, choices=ContactKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="+"
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    remote_tool = models.CharField(_("remote tool"), max_length=20, choices=RemoteTool.choices, blank=True)
    session_reference = models.CharField(_("session reference"), max_length=200, blank=True)
    resolved_at_first_contact = models.BooleanField(_("resolved at first contact"), default=False)

    class Meta:
        verbose_name = _("logged contact")
        verbose_name_plural = _("logged contacts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.ticket_id}"
