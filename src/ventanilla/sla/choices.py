"""SLA enumerations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ventanilla.tickets.choices import Status


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    NEXT_UPDATE = "next_update", _("Next update")


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM_LEAD = "notify_team_lead", _("Notify the team lead")
    NOTIFY_MANAGER = "notify_manager", _("Notify the service-desk managers")
    NOTIFY_ACCOUNT_CONTACT = "notify_account_contact", _("Notify the customer's account contact")
    REASSIGN_TEAM = "reassign_team", _("Reassign to a team")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")


class OutboxKind(models.TextChoices):
    BREACH = "breach", _("Target breached")
    ESCALATION = "escalation", _("Escalation")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# Statuses a policy may choose to stop the clock in; the default are the two that wait on others.
PAUSABLE_STATUSES = (Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.PENDING_CHANGE)
DEFAULT_PAUSE_STATUSES = [Status.PENDING_CUSTOMER.value, Status.PENDING_THIRD_PARTY.value]


def default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)
