"""Presentation helpers for the desk templates (no queries, no business rules)."""

from __future__ import annotations

import functools

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.formats import number_format

register = template.Library()

STATUS_CLASSES = {
    "new": "text-bg-info",
    "assigned": "text-bg-primary",
    "in_progress": "text-bg-primary",
    "pending_customer": "text-bg-warning",
    "pending_third_party": "text-bg-warning",
    "pending_change": "text-bg-warning",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "cancelled": "text-bg-light border",
}
PRIORITY_CLASSES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-info", 4: "text-bg-light border"}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def priority_class(priority: int) -> str:
    return PRIORITY_CLASSES.get(priority, "text-bg-light")


@register.filter
def capped_count(count: int | None, capped: bool = False) -> str:
    """``1,000+`` for a count that stopped at its cap, ``…`` for one that ran out of time."""
    if count is None:
        return "…"
    text = number_format(count, force_grouping=True)
    return f"{text}+" if capped else text


@functools.cache
def _vendor_url(name: str) -> str:
    try:
        url = static(name)
    except ValueError:  # the manifest storage does not know the file
        return ""
    if finders.find(name) is None and not staticfiles_storage.exists(name):
        return ""
    return url


@register.simple_tag
def vendor_static(path: str) -> str:
    """URL of a front-end package file, or "" when it is not installed (``npm install`` not run yet).

    The pages still work without Bootstrap, only plainer; a missing package must not turn every page into
    a server error, which is what ``{% static %}`` does under the manifest storage.
    """
    return _vendor_url(f"vendor/{path}")
