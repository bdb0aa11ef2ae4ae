"""Enumerations of the agent workspace."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.tickets.choices import Channel


class ContactKind(models.TextChoices):
    """How the person reached the desk when the agent types the ticket (the "Log a contact" screen)."""

    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")
    WALK_IN = "walk_in", _("Walk-in (in person)")
    REMOTE = "remote", _("Remote-support session")


# The ticket records the channel; a video call is a call, so it shares the phone channel.
CONTACT_CHANNEL: dict[str, str] = {
    ContactKind.PHONE: Channel.PHONE,
    ContactKind.VIDEO: Channel.PHONE,
    ContactKind.WALK_IN: Channel.WALK_IN,
    ContactKind.REMOTE: Channel.REMOTE,
}


class RemoteTool(models.TextChoices):
    RUSTDESK = "rustdesk", "RustDesk"
    ANYDESK = "anydesk", "AnyDesk"
    TEAMVIEWER = "teamviewer", "TeamViewer"
    QUICK_ASSIST = "quick_assist", "Quick Assist"
    VNC = "vnc", "VNC"
    RDP = "rdp", _("Remote desktop (RDP)")
    OTHER = "other", _("Other")


class Sort(models.TextChoices):
    """Queue orderings. Each ends in the id so keyset pagination has a unique, indexed cursor."""

    NEWEST = "-id", _("Newest first")
    OLDEST = "id", _("Oldest first")
    UPDATED = "-updated_at", _("Recently updated")
    STALE = "updated_at", _("Least recently updated")
    PRIORITY = "priority", _("Highest priority")
    SLA_DUE = "sla_next_due", _("Next SLA deadline")
