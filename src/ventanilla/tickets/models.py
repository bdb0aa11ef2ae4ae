from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel

from .choices import (
    NUMBER_DIGITS,
    NUMBER_PREFIX,
    OPEN,
    Channel,
    Impact,
    LinkKind,
    Priority,
    ResolutionCode,
    Status,
    TicketType,
    TimelineKind,
    Urgency,
)

# Listed in declaration order so the partial-index predicate matches the views' IN lists exactly.
OPEN_STATUSES = [status for status in Status.values if status in OPEN]


class Queue(ChangeLoggedModel, TimeStampedModel):
    """A work queue owned by a team (e.g. "Network – L2"); tickets sit in at most one."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="queues"
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(ChangeLoggedModel, TimeStampedModel):
    """Hierarchical classification ("Hardware › Laptop › Battery")."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
    )
    is_active = models.BooleanField(_("active"), default=True)
    full_path = models.CharField(_("path"), max_length=500, editable=False, db_index=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["full_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="category_unique_sibling",
                violation_error_message=_("A category with this name already exists here."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_path or self.name

    def clean(self) -> None:
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_path = f"{self.parent.full_path} › {self.name}" if self.parent else self.name
        super().save(*args, **kwargs)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriorityMatrixEntry(ChangeLoggedModel, models.Model):
    """One cell of the impact × urgency → priority matrix; missing cells use the built-in default."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priority_matrix_cell")]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.get_priority_display()}"


class Ticket(ChangeLoggedModel, TimeStampedModel):
    """An incident, service request or question: the unit of work of the single point of contact."""

    type = models.CharField(_("type"), max_length=10, choices=TicketType.choices, default=TicketType.INCIDENT)
    # Digits come from the primary key, so a number is never reused; the prefix follows the type.
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(_("description (HTML)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=Impact.MINOR)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P4)
    priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    priority_reason = models.CharField(_("reason for priority"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        db_index=False,
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), blank=True, related_name="watched_tickets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    resolution_code = models.CharField(
        _("resolution code"), max_length=20, choices=ResolutionCode.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    # Bumped by every service write: lets a client detect that someone else changed the ticket.
    version = models.PositiveIntegerField(default=1)

    changelog_exclude = ("description_html",)
    changelog_by_service = True

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        # Each list filter has an index ending in id so "filter, newest first, first page" is an index walk.
        indexes = [
            models.Index(fields=["status", "-id"], name="ticket_status_idx"),
            models.Index(fields=["team", "status", "-id"], name="ticket_team_status_idx"),
            models.Index(fields=["assignee", "status", "-id"], name="ticket_assignee_status_idx"),
            models.Index(fields=["requester", "-id"], name="ticket_requester_idx"),
            models.Index(fields=["organization", "-id"], name="ticket_org_idx"),
            models.Index(fields=["priority", "-id"], name="ticket_priority_idx"),
            models.Index(fields=["type", "-id"], name="ticket_type_idx"),
            models.Index(fields=["channel", "-id"], name="ticket_channel_idx"),
            models.Index(fields=["service", "-id"], name="ticket_service_idx"),
            models.Index(fields=["category", "-id"], name="ticket_category_idx"),
            models.Index(fields=["updated_at"], name="ticket_updated_idx"),
            # The two busiest agent views ("My open", "Unassigned in my teams") walk these small indexes.
            models.Index(
                fields=["assignee", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee_idx",
            ),
            models.Index(
                fields=["team", "-id"],
                condition=models.Q(assignee__isnull=True, status__in=OPEN_STATUSES),
                name="ticket_open_unassigned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.title}"

    @staticmethod
    def format_number(ticket_type: str, pk: int) -> str:
        return f"{NUMBER_PREFIX[TicketType(ticket_type)]}-{pk:0{NUMBER_DIGITS}d}"

    @staticmethod
    def pk_from_number(number: str) -> int | None:
        """``INC-000123`` (any prefix, any case, leading zeros optional) → 123; None when not a number."""
        prefix, _sep, digits = number.strip().upper().partition("-")
        if prefix in NUMBER_PREFIX.values() and digits.isdigit():
            return int(digits)
        return None


class Comment(TimeStampedModel):
    """A public reply (visible to the customer) or an internal note (never visible to customers)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    public = models.BooleanField(_("public"), default=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="comment_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the uploader: no path tricks, no collisions.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(_("public"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class TicketLink(ChangeLoggedModel, models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TimelineEntry(models.Model):
    """What happened to a ticket, typed, for people to read. Non-public entries are for agents only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="timeline")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)
    public = models.BooleanField(_("visible to customer"), default=False)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="timeline_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
