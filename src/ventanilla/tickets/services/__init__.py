"""Ticket services: the only code that changes tickets. See each module for its rules."""

from .assignment import assign_ticket, auto_assign, pick_agent
from .conversation import add_attachment, add_attachments, add_comment, add_comments, sniff_content_type
from .lifecycle import allowed_transitions, transition_ticket
from .records import (
    check_ticket,
    compute_priority,
    create_ticket,
    create_tickets,
    set_tags,
    set_watchers,
    update_ticket,
)
from .relations import link_tickets, merge_tickets, unlink_tickets

__all__ = [
    "add_attachment",
    "add_attachments",
    "add_comment",
    "add_comments",
    "allowed_transitions",
    "assign_ticket",
    "auto_assign",
    "check_ticket",
    "compute_priority",
    "create_ticket",
    "create_tickets",
    "link_tickets",
    "merge_tickets",
    "pick_agent",
    "set_tags",
    "set_watchers",
    "sniff_content_type",
    "transition_ticket",
    "unlink_tickets",
    "update_ticket",
]
