"""Ticket enumerations and the lifecycle's allowed-transitions table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")
    QUESTION = "question", _("Question")


NUMBER_PREFIX = {TicketType.INCIDENT: "INC", TicketType.REQUEST: "REQ", TicketType.QUESTION: "QST"}
NUMBER_DIGITS = 6


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_CUSTOMER = "pending_customer", _("Awaiting customer")
    PENDING_THIRD_PARTY = "pending_third_party", _("Awaiting third party")
    PENDING_CHANGE = "pending_change", _("Awaiting change")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


PENDING = frozenset({Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.PENDING_CHANGE})
FINAL = frozenset({Status.CLOSED, Status.CANCELLED})
OPEN = frozenset(Status) - FINAL - {Status.RESOLVED}
_WORKING = {Status.IN_PROGRESS, *PENDING, Status.RESOLVED, Status.CANCELLED}

# status -> statuses it may move to. Reopen is resolved -> in progress. Closed and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ASSIGNED, *_WORKING}),
    Status.ASSIGNED: frozenset({Status.NEW, *_WORKING}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, *_WORKING} - {Status.IN_PROGRESS}),
    Status.PENDING_CUSTOMER: frozenset(_WORKING - {Status.PENDING_CUSTOMER}),
    Status.PENDING_THIRD_PARTY: frozenset(_WORKING - {Status.PENDING_THIRD_PARTY}),
    Status.PENDING_CHANGE: frozenset(_WORKING - {Status.PENDING_CHANGE}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# What a customer may do to their own ticket: withdraw it, confirm the fix, or say it is still broken.
CUSTOMER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.CANCELLED}),
    Status.ASSIGNED: frozenset({Status.CANCELLED}),
    Status.PENDING_CUSTOMER: frozenset({Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
}


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    REMOTE = "remote", _("Remote session")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")


class Impact(models.IntegerChoices):
    EXTENSIVE = 1, _("Extensive / widespread")
    SIGNIFICANT = 2, _("Significant / large")
    MODERATE = 3, _("Moderate / limited")
    MINOR = 4, _("Minor / localised")


class Urgency(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    MEDIUM = 3, _("Medium")
    LOW = 4, _("Low")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 – Critical")
    P2 = 2, _("P2 – High")
    P3 = 3, _("P3 – Medium")
    P4 = 4, _("P4 – Low")


# Default impact × urgency matrix (ITIL style); administrators override cells in PriorityMatrixEntry.
DEFAULT_PRIORITY_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1,
    (1, 2): 1,
    (1, 3): 2,
    (1, 4): 3,
    (2, 1): 1,
    (2, 2): 2,
    (2, 3): 3,
    (2, 4): 3,
    (3, 1): 2,
    (3, 2): 3,
    (3, 3): 3,
    (3, 4): 4,
    (4, 1): 3,
    (4, 2): 3,
    (4, 3): 4,
    (4, 4): 4,
}


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", _("Solved (permanent fix)")
    WORKAROUND = "workaround", _("Solved with a workaround")
    FULFILLED = "fulfilled", _("Request fulfilled")
    ANSWERED = "answered", _("Question answered")
    NOT_REPRODUCIBLE = "not_reproducible", _("Could not reproduce")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_RESPONSE = "no_response", _("No response from customer")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related to")
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    PARENT_OF = "parent_of", _("Parent of")
    CAUSED_BY = "caused_by", _("Caused by")


# How a link reads from the other end.
LINK_INVERSE_LABEL = {
    LinkKind.RELATED: _("Related to"),
    LinkKind.DUPLICATE_OF: _("Duplicated by"),
    LinkKind.PARENT_OF: _("Child of"),
    LinkKind.CAUSED_BY: _("Causes"),
}


class TimelineKind(models.TextChoices):
    CREATED = "created", _("Created")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    ASSIGNMENT = "assignment", _("Assignment changed")
    PRIORITY = "priority", _("Priority changed")
    FIELDS = "fields", _("Fields changed")
    ATTACHMENT = "attachment", _("Attachment added")
    LINK = "link", _("Link added")
    UNLINK = "unlink", _("Link removed")
    MERGE = "merge", _("Merged")
    WATCHERS = "watchers", _("Watchers changed")
