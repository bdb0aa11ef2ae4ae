"""Presentation helpers for portal templates (no queries, no business rules)."""

from __future__ import annotations

from django import template

register = template.Library()

# Customer wording: one colour per stage the customer cares about (all pass WCAG AA with Bootstrap).
STATUS_CLASSES = {
    "new": "text-bg-info",
    "assigned": "text-bg-primary",
    "in_progress": "text-bg-primary",
    "pending_customer": "text-bg-warning",
    "pending_third_party": "text-bg-secondary",
    "pending_change": "text-bg-secondary",
    "resolved": "text-bg-success",
    "closed": "text-bg-light border",
    "cancelled": "text-bg-light border",
}


@register.filter
def portal_status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light border")
