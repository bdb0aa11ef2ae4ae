"""Mailboxes, the raw inbound store, the outbound outbox and what happened to each message."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.core.models import ChangeLoggedModel, TimeStampedModel
from ventanilla.tickets.choices import TicketType

from .choices import InboundState, OutboundKind, OutboundState, Outcome, Source, UntrustedTagPolicy


class Mailbox(ChangeLoggedModel, TimeStampedModel):
    """One address the desk answers (support@, facturacion@…), routed to a team/queue with defaults."""

    name = models.SlugField(
        _("name"),
        max_length=50,
        unique=True,
        help_text=_("Used by `ingest_email --mailbox NAME` and in logs."),
    )
    address = models.EmailField(_("address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
    )
    queue = models.ForeignKey(
        "tickets.Queue",
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
    )
    ticket_type = models.CharField(
        _("default ticket type"), max_length=10, choices=TicketType.choices, default=TicketType.INCIDENT
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    cc_as_watchers = models.BooleanField(_("Cc addresses become watchers"), default=True)
    untrusted_tag_policy = models.CharField(
        _("subject tag from a non-participant"),
        max_length=12,
        choices=UntrustedTagPolicy.choices,
        default=UntrustedTagPolicy.NEW_TICKET,
    )
    is_active = models.BooleanField(_("active"), default=True)
    # IMAP (optional): the poller reads this folder and moves (or flags) what it has stored.
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"),
        max_length=8,
        default="ssl",
        choices=[("ssl", "TLS"), ("starttls", "STARTTLS"), ("none", _("none (loopback only)"))],
    )
    imap_username = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    imap_done_folder = models.CharField(
        _("move processed mail to"),
        max_length=255,
        blank=True,
        help_text=_("Empty: flag as seen and leave in place."),
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundMessage(models.Model):
    """A raw message exactly as received, stored before anything else happens to it.

    ``dedup_key`` (Message-ID, or the content hash when there is none) makes a second delivery of the
    same message a no-op. A worker turns a pending row into a ticket or comment and marks it done in the
    same transaction, so a crash anywhere leaves it pending and it is processed once after restart.
    """

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    source = models.CharField(_("received by"), max_length=8, choices=Source.choices)
    # Unique, sha256 and message_id indexes are declared in Meta: fields with unique=True or db_index=True
    # get a second, ``LIKE``-prefix index on PostgreSQL that no query here uses, and every stored and
    # every processed message paid for its upkeep. sha256 is kept for audits; nothing looks rows up by it.
    dedup_key = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"))
    envelope_recipients = models.JSONField(_("envelope recipients"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InboundState.choices, default=InboundState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )
    comment = models.ForeignKey(
        "tickets.Comment",
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "id"], name="mail_inbound_state_idx"),
            models.Index(fields=["message_id"], name="mail_inbound_message_id_idx"),  # threading
        ]
        constraints = [models.UniqueConstraint(fields=["dedup_key"], name="mail_inbound_dedup_key_uniq")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:60]}"


class OutboundMessage(models.Model):
    """The outbox: one notification to one person, written in the transaction of the change it reports.

    Its Message-ID is fixed when the row is written, so a retry after a crash re-sends the same message
    (receivers collapse it) instead of a new one.
    """

    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=OutboundKind.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="outbound_mail")
    comment = models.ForeignKey(
        "tickets.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=5)
    message_id = models.CharField(_("Message-ID"), max_length=300)  # unique: Meta (no LIKE index)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=OutboundState.choices, default=OutboundState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="mail_outbox_due_idx"),
            models.Index(fields=["to_address", "kind", "created_at"], name="mail_outbox_rate_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["message_id"], name="mail_outbox_message_id_uniq")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address}"


class OutboundAttempt(models.Model):
    """One try at handing an outbound message to the SMTP server, successful or not."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    ok = models.BooleanField(_("delivered"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.message_id} {'ok' if self.ok else self.error[:60]}"


class Bounce(models.Model):
    """A delivery status notification: which address failed, why, and for which ticket."""

    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="bounces")
    address = models.CharField(_("failing address"), max_length=320, db_index=True)
    action = models.CharField(_("action"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, blank=True)
    diagnostic = models.TextField(_("diagnostic"), blank=True)
    outbound = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="bounces"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="mail_bounces"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_bounces",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.address} {self.status}"
