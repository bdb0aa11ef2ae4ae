"""Presentation helpers for portal templates (no queries, no business rules)."""

from __future__ import annotations

import functools

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static

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


@functools.cache
def _asset(path: str) -> str:
    name = f"vendor/{path}"
    try:
        url = static(name)
    except ValueError:  # not in the manifest: the package was not installed when collecting
        return ""
    if finders.find(name) is None and not staticfiles_storage.exists(name):
        return ""
    return url


@register.simple_tag
def portal_vendor(path: str) -> str:
    """URL of a front-end package file, or "" when npm packages are not installed (pages stay usable)."""
    return _asset(path)
