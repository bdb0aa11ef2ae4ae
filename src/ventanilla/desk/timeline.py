"""Readable lines for timeline entries (replies and notes show their own text instead)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ventanilla.tickets.choices import LINK_INVERSE_LABEL, Channel, LinkKind, Priority, Status, TimelineKind
from ventanilla.tickets.models import TimelineEntry


def inverse_label(kind: Any) -> str:
    """How a link reads from its target's side ("Duplicated by" for "Duplicate of")."""
    try:
        return str(LINK_INVERSE_LABEL[LinkKind(kind)])
    except (KeyError, ValueError):
        return str(kind or "")


def describe(entry: TimelineEntry) -> str:
    """One readable line for a timeline entry (replies and notes show their text separately)."""
    data: dict[str, Any] = entry.data or {}

    def label(choices: Any, value: Any) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value or "—")

    def name(value: Any) -> str:
        return str(value.get("name")) if isinstance(value, dict) else _("nobody")

    kind = entry.kind
    if kind == TimelineKind.CREATED:
        return _("Opened via %(channel)s") % {"channel": label(Channel, data.get("channel"))}
    if kind == TimelineKind.STATUS:
        text = _("Status: %(old)s → %(new)s") % {
            "old": label(Status, data.get("old")),
            "new": label(Status, data.get("new")),
        }
        if data.get("resolution_note"):
            text += " — " + str(data["resolution_note"])
        elif data.get("reason") and data["reason"] != "customer_reply":
            text += " — " + str(data["reason"])
        return text
    if kind == TimelineKind.ASSIGNMENT:
        return _("Assigned to %(agent)s (%(team)s)") % {
            "agent": name(data.get("new_assignee")),
            "team": name(data.get("new_team")),
        }
    if kind == TimelineKind.PRIORITY:
        text = _("Priority: %(old)s → %(new)s") % {
            "old": label(Priority, data.get("old")),
            "new": label(Priority, data.get("new")),
        }
        return text + (" — " + str(data["reason"]) if data.get("reason") else "")
    if kind == TimelineKind.FIELDS:
        fields = ", ".join(str(c.get("field")) for c in data.get("changes", []) if isinstance(c, dict))
        return _("Changed: %(fields)s") % {"fields": fields}
    if kind == TimelineKind.ATTACHMENT:
        return _("Attached %(file)s") % {"file": data.get("filename", "")}
    if kind in (TimelineKind.LINK, TimelineKind.UNLINK):
        kind_label = (
            inverse_label(data.get("kind")) if data.get("inverse") else label(LinkKind, data.get("kind"))
        )
        template = (
            _("Link added: %(kind)s %(other)s")
            if kind == TimelineKind.LINK
            else _("Link removed: %(kind)s %(other)s")
        )
        return template % {"kind": kind_label, "other": data.get("other", "")}
    if kind == TimelineKind.MERGE:
        if data.get("into"):
            return _("Merged into %(number)s") % {"number": data["into"]}
        return _("%(number)s was merged into this ticket") % {"number": data.get("merged", "")}
    if kind == TimelineKind.WATCHERS:
        return _("Watchers changed")
    return label(TimelineKind, kind)
