from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ChangeLoggedModel(models.Model):
    """Models with this mixin get every create/update/delete written to the change log.

    Callers that are about to change an instance call ``snapshot()`` first so the log can show the
    values before the change; without it the entry records only the values after.
    """

    changelog_exclude: tuple[str, ...] = ()
    # True when the model's services write the log themselves (they use conditional UPDATEs).
    changelog_by_service = False

    class Meta:
        abstract = True

    def snapshot(self) -> None:
        from .changelog import serialize

        self._prechange_snapshot = serialize(self)


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")


class ChangeLogEntry(models.Model):
    """Generic history of every change-logged model: who, when, before → after, under which request."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-id"], name="changelog_object_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class Heartbeat(models.Model):
    """Last time each background process reported in; lets admins see a dead worker or beat."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name
