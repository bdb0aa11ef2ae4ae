"""The agent workspace: queue, ticket page, bulk actions, saved views, "Log a contact".

Every read goes through the permission engine (objects outside it answer 404) and every write through
services; refusals from the services reach the agent as messages.
"""

from .contact import caller_search, log_contact
from .queue import bulk_action, delete_view, queue_count, save_view, ticket_list, view_counts
from .reports import sla_compliance
from .ticket import (
    macro_preview,
    ticket_assign,
    ticket_changed,
    ticket_comment,
    ticket_detail,
    ticket_link,
    ticket_merge,
    ticket_tags,
    ticket_take,
    ticket_transition,
    ticket_unlink,
    ticket_version,
)

__all__ = [
    "bulk_action",
    "caller_search",
    "delete_view",
    "log_contact",
    "macro_preview",
    "queue_count",
    "save_view",
    "sla_compliance",
    "ticket_assign",
    "ticket_changed",
    "ticket_comment",
    "ticket_detail",
    "ticket_link",
    "ticket_list",
    "ticket_merge",
    "ticket_tags",
    "ticket_take",
    "ticket_transition",
    "ticket_unlink",
    "ticket_version",
    "view_counts",
]
