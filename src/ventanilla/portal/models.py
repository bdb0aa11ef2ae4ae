from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenPurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in link")
    CONFIRM_EMAIL = "confirm_email", _("Address confirmation")


class AccessToken(models.Model):
    """A one-time link sent by email. Only a SHA-256 of the random token is stored.

    Single use (``used_at`` is set by a conditional UPDATE, so two clicks cannot both win) and short-lived
    (``expires_at``). The raw token exists only in the email.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    purpose = models.CharField(_("purpose"), max_length=20, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time link")
        verbose_name_plural = _("one-time links")
        indexes = [models.Index(fields=["user", "purpose"], name="portal_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.user_id})"
