"""Helpers shared by the ticket services: conditional writes, timeline, permission checks."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.core import changelog
from ventanilla.core.errors import Conflict, NotFound, NotPermitted
from ventanilla.core.models import ChangeAction
from ventanilla.core.permissions import can

from ..choices import FINAL
from ..models import Ticket, TimelineEntry


def require(actor: Any, action: str, ticket: Ticket) -> None:
    """Refuse ``actor`` unless the permission engine allows ``action``; invisible tickets are 'not found'."""
    if actor is None:  # system actions (mail ingestion, SLA worker, demo) act on the system's authority
        return
    if not can(actor, "view", ticket):
        raise NotFound(_("Ticket not found."))
    if action != "view" and not can(actor, action, ticket):
        raise NotPermitted(_("You are not allowed to do this to this ticket."))


def is_staff(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_staff_side", False))


def write(
    ticket: Ticket,
    fields: dict[str, Any],
    *,
    expect_status: str | None = None,
    expect_version: int | None = None,
    log: list[Any] | None = None,
) -> None:
    """Write ``fields`` with a conditional UPDATE so a concurrent change makes this one fail, not win.

    A status change requires the row to still have the status this caller read; ``expect_version``
    (optimistic locking for clients that send the version they saw) requires an untouched row.
    ``log``: append the change-log entry there (unsaved) for the caller to insert with others.
    """
    before = changelog.serialize(ticket)
    now = timezone.now()
    # Closed and cancelled are final for every write, also one made from a copy read before the closing.
    qs = Ticket.objects.filter(pk=ticket.pk).exclude(status__in=FINAL)
    # The assignee is tied to the status (assigned ⇔ someone assigned), so it is guarded the same way.
    if expect_status is not None or "status" in fields or "assignee" in fields:
        qs = qs.filter(status=expect_status if expect_status is not None else ticket.status)
    if expect_version is not None:
        qs = qs.filter(version=expect_version)
    updated = qs.update(**fields, version=F("version") + 1, updated_at=now)
    if not updated:
        raise _stale()
    expressions = [name for name, value in fields.items() if hasattr(value, "resolve_expression")]
    for name, value in fields.items():
        if name not in expressions:
            setattr(ticket, name, value)
    if expressions:
        ticket.refresh_from_db(fields=expressions)
    ticket.version += 1
    ticket.updated_at = now
    changelog.record(ticket, ChangeAction.UPDATE, before, changelog.serialize(ticket), defer=log)


def _stale() -> Conflict:
    return Conflict(
        _("The ticket was changed by someone else in the meantime. Reload it and try again."),
        code="stale_ticket",
    )


def touch(tickets: list[Ticket], *, log: list[Any]) -> None:
    """Record one change (a reply, a file) of each ticket in ``tickets`` (a ticket may repeat): what
    :func:`write` with no fields does, with one UPDATE per distinct number of changes instead of one per
    change. Refused as a whole if any of them is closed or cancelled by now."""
    by_pk: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        by_pk.setdefault(ticket.pk, []).append(ticket)
    times: dict[int, list[int]] = {}  # number of changes -> tickets
    for pk, copies in by_pk.items():
        times.setdefault(len(copies), []).append(pk)
    now = timezone.now()
    for n, pks in times.items():
        updated = (
            Ticket.objects.filter(pk__in=pks)
            .exclude(status__in=FINAL)
            .update(version=F("version") + n, updated_at=now)
        )
        if updated != len(pks):
            raise _stale()
    for copies in by_pk.values():
        distinct = {id(t): t for t in copies}.values()
        before = copies[0].version
        for ticket in distinct:
            ticket.version = before + len(copies)
            ticket.updated_at = now
        log.append(
            changelog.entry(
                copies[0], ChangeAction.UPDATE, {"version": before}, {"version": before + len(copies)}
            )
        )


def timeline_entry(
    ticket: Ticket, actor: Any, kind: str, /, *, public: bool = False, comment: Any = None, **data: Any
) -> TimelineEntry:
    """An unsaved timeline entry (for services that write several rows in one statement)."""
    return TimelineEntry(
        ticket=ticket,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        public=public,
        comment=comment,
        data=data,
    )


def timeline(
    ticket: Ticket, actor: Any, kind: str, /, *, public: bool = False, comment: Any = None, **data: Any
) -> TimelineEntry:
    entry = timeline_entry(ticket, actor, kind, public=public, comment=comment, **data)
    entry.save(force_insert=True)
    return entry


def plain(value: Any) -> Any:
    """A JSON-friendly representation of a field value for timeline entries."""
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, list | tuple | set):
        return sorted(str(v) for v in value)
    return value
