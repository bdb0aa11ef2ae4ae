"""How the workspace shows service levels: remaining business time or "breached N ago", colour-coded.

The SLA engine owns the numbers (``ventanilla.sla.selectors``); this module only words and groups them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ventanilla.sla.choices import TargetKind
from ventanilla.sla.models import TicketSlaTarget
from ventanilla.sla.selectors import sla_state
from ventanilla.tickets.models import Ticket

# Running targets with less business time left than this are shown as "at risk".
AT_RISK_SECONDS = 3600


def human_duration(seconds: float) -> str:
    """“2 d 3 h”, “1 h 20 min”, “5 min”: two units at most, never “0 min” for something positive."""
    minutes = max(1, round(abs(seconds) / 60)) if seconds else 0
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours} if hours else _("%(d)d d") % {"d": days}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins} if mins else _("%(h)d h") % {"h": hours}
    return ngettext("%(m)d min", "%(m)d min", mins) % {"m": mins}


def describe(target: dict[str, Any]) -> dict[str, Any]:
    """A target's state as words and a CSS class: met, stopped, paused, breached, at risk or running."""
    state = target["state"]
    if state == "met":
        text, css = _("met"), "sla-met"
    elif state == "stopped":
        text, css = _("stopped"), "sla-stopped"
    elif state == "paused":
        text, css = (
            _("paused, %(left)s left") % {"left": human_duration(target["remaining_seconds"])},
            "sla-paused",
        )
    elif state == "breached":
        text = _("breached %(ago)s ago") % {"ago": human_duration(target["breached_for_seconds"] or 0)}
        css = "sla-breached"
    else:
        text = _("%(left)s left") % {"left": human_duration(target["remaining_seconds"])}
        css = "sla-at-risk" if target["remaining_seconds"] < AT_RISK_SECONDS else "sla-running"
    return {**target, "text": text, "css": css, "label": TargetKind(target["kind"]).label}


def ticket_targets(
    ticket: Ticket, *, now: dt.datetime | None = None, targets: Iterable[TicketSlaTarget] | None = None
) -> list[dict[str, Any]]:
    state = sla_state(ticket, now=now, targets=targets)
    return [describe(target) for target in (state.get("targets") or {}).values()]


def _urgency(target: dict[str, Any]) -> tuple[int, float]:
    rank = {"breached": 0, "running": 1, "paused": 2}.get(target["state"], 3)
    return rank, target["remaining_seconds"]


def annotate_page(tickets: list[Ticket]) -> None:
    """Give each ticket of a list page ``sla_summary``: its most urgent live target (or None for no SLA).

    One query for the whole page, whatever its size.
    """
    by_ticket: dict[int, list[TicketSlaTarget]] = defaultdict(list)
    for target in TicketSlaTarget.objects.filter(ticket_id__in=[t.pk for t in tickets]):
        by_ticket[target.ticket_id].append(target)
    now = timezone.now()
    for ticket in tickets:
        rows = ticket_targets(ticket, now=now, targets=by_ticket.get(ticket.pk, ()))
        live = [r for r in rows if r["state"] in ("breached", "running", "paused")]
        ticket.sla_summary = min(live, key=_urgency) if live else None  # type: ignore[attr-defined]
        ticket.sla_has_policy = bool(rows)  # type: ignore[attr-defined]
