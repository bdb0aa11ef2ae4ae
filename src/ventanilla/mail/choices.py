"""Mail channel enumerations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    STDIN = "stdin", _("Pipe (stdin)")
    LMTP = "lmtp", _("LMTP")
    SMTP = "smtp", _("SMTP")
    IMAP = "imap", _("IMAP")
    API = "api", _("Replay / API")
    IMPORT = "import", _("Imported file")


class InboundState(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    DONE = "done", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")


class Outcome(models.TextChoices):
    TICKET = "ticket", _("New ticket")
    FOLLOW_UP = "follow_up", _("Follow-up ticket")
    COMMENT = "comment", _("Reply added")
    REOPENED = "reopened", _("Reply added, ticket reopened")
    UNTRUSTED = "untrusted", _("Stored as an untrusted note")
    AUTO_REPLY = "auto_reply", _("Automatic reply noted")
    BOUNCE = "bounce", _("Delivery failure recorded")
    LOOP = "loop", _("Our own mail, ignored")
    IGNORED = "ignored", _("Ignored")


class OutboundKind(models.TextChoices):
    ACK = "ack", _("Received acknowledgement")
    REPLY = "reply", _("Agent reply")
    STATUS = "status", _("Status change")
    RESOLVED = "resolved", _("Resolution")
    NEW_TICKET = "new_ticket", _("New ticket (to agents)")
    CUSTOMER_REPLY = "cust_reply", _("Customer reply (to agents)")


# Notifications that go to the desk's agents, not to customers.
AGENT_KINDS = frozenset({OutboundKind.NEW_TICKET, OutboundKind.CUSTOMER_REPLY})


class OutboundState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class UntrustedTagPolicy(models.TextChoices):
    NEW_TICKET = "new_ticket", _("Open a new ticket")
    QUARANTINE = "quarantine", _("Quarantine the message")
