"""Creating tickets and changing their fields."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Organization, Team, User
from ventanilla.catalog.models import Service
from ventanilla.core import changelog, events
from ventanilla.core.bulk import append_rows
from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, NotPermitted, ValidationFailed
from ventanilla.core.html import html_to_text, sanitize_html
from ventanilla.core.memo import SharedMemo
from ventanilla.mail import hooks as mail_hooks
from ventanilla.sla import hooks

from ..choices import (
    DEFAULT_PRIORITY_MATRIX,
    FINAL,
    Channel,
    Impact,
    Priority,
    Status,
    TicketType,
    TimelineKind,
    Urgency,
)
from ..models import Category, PriorityMatrixEntry, Queue, Tag, Ticket, TimelineEntry
from .common import is_staff, plain, require, timeline, timeline_entry, write

MATRIX_CACHE_KEY = "tickets:priority-matrix"
TITLE_MAX = 200


def _load_matrix() -> dict[tuple[int, int], int]:
    matrix = dict(DEFAULT_PRIORITY_MATRIX)
    for impact, urgency, priority in PriorityMatrixEntry.objects.values_list("impact", "urgency", "priority"):
        matrix[(impact, urgency)] = priority
    return matrix


_matrix = SharedMemo(MATRIX_CACHE_KEY, _load_matrix)


@receiver([post_save, post_delete], sender=PriorityMatrixEntry, dispatch_uid="tickets-priority-matrix-cache")
def _forget_priority_matrix(**kwargs: Any) -> None:
    forget_priority_matrix()


def forget_priority_matrix() -> None:
    """An edited matrix cell applies to the next ticket, not five minutes later (cache is shared)."""
    _matrix.forget()


def priority_matrix() -> dict[tuple[int, int], int]:
    return dict(_matrix.get())


def compute_priority(impact: int, urgency: int) -> int:
    return priority_matrix()[(int(impact), int(urgency))]


def _choice(value: Any, choices: Any, field: str) -> Any:
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(str(v) for v in choices.values)
        raise ValidationFailed(
            _("“%(value)s” is not a valid %(field)s; use one of: %(allowed)s.")
            % {"value": value, "field": field, "allowed": allowed},
            code="invalid_choice",
            field=field,
        ) from None


def _clean_text(title: str | None, description: str, description_html: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A title is required."), code="required", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is too long (at most %(n)d characters).") % {"n": TITLE_MAX},
            code="too_long",
            field="title",
        )
    clean_html = sanitize_html(description_html)
    if clean_html and not description.strip():
        description = html_to_text(clean_html)
    return title, description.strip(), clean_html


def _check_references(
    *,
    requester: User,
    organization: Organization | None,
    team: Team | None,
    queue: Queue | None,
    assignee: User | None,
    service: Service | None,
    category: Category | None,
) -> None:
    """Refuse combinations that cross organisations or point at unusable objects."""
    if not requester.is_active:
        raise ValidationFailed(
            _("The requester's account is disabled."), code="inactive_requester", field="requester"
        )
    if (
        organization is not None
        and requester.organization_id
        and organization.pk != requester.organization_id
    ):
        raise ValidationFailed(
            _("The requester does not belong to this organisation."),
            code="organization_mismatch",
            field="organization",
        )
    if organization is not None and not organization.is_active:
        raise ValidationFailed(
            _("This organisation is inactive."), code="inactive_organization", field="organization"
        )
    if queue is not None and team is not None and queue.team_id != team.pk:
        raise ValidationFailed(
            _("The queue belongs to another team."), code="queue_team_mismatch", field="queue"
        )
    if assignee is not None:
        if not assignee.is_active or not assignee.is_staff_side:
            raise ValidationFailed(
                _("Tickets can only be assigned to active agents."), code="invalid_assignee", field="assignee"
            )
        if team is not None and not team.memberships.filter(user=assignee).exists():
            raise ValidationFailed(
                _("The assignee is not a member of the team."), code="assignee_not_in_team", field="assignee"
            )
    if service is not None and not service.is_active:
        raise ValidationFailed(
            _("This service is no longer offered."), code="inactive_service", field="service"
        )
    if category is not None:
        if not category.is_active:
            raise ValidationFailed(
                _("This category is inactive."), code="inactive_category", field="category"
            )
        if service is not None and category.service_id and category.service_id != service.pk:
            raise ValidationFailed(
                _("The category belongs to another service."),
                code="category_service_mismatch",
                field="category",
            )


def _tag_name(name: str) -> str:
    return name.strip().lower()[:50]


def _tags(names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({_tag_name(n) for n in names if n and n.strip()})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    return [existing[n] for n in cleaned]


def create_ticket(
    *,
    actor: User | None,
    requester: User,
    title: str,
    channel: str,
    type: str = TicketType.INCIDENT,
    description: str = "",
    description_html: str = "",
    impact: int = Impact.MINOR,
    urgency: int = Urgency.MEDIUM,
    priority: int | None = None,
    priority_reason: str = "",
    organization: Organization | None = None,
    team: Team | None = None,
    queue: Queue | None = None,
    assignee: User | None = None,
    service: Service | None = None,
    category: Category | None = None,
    tags: Iterable[str] = (),
    watchers: Iterable[User] = (),
) -> Ticket:
    """Open a ticket. Priority comes from the matrix unless staff set it with a reason.

    Customers open tickets for themselves (a customer manager also for colleagues) and cannot route,
    assign or prioritise them. The team defaults to the queue's, then the service's owner.
    """
    prepared = _prepare(
        actor,
        requester=requester,
        title=title,
        channel=channel,
        type=type,
        description=description,
        description_html=description_html,
        impact=impact,
        urgency=urgency,
        priority=priority,
        priority_reason=priority_reason,
        organization=organization,
        team=team,
        queue=queue,
        assignee=assignee,
        service=service,
        category=category,
        tags=tags,
        watchers=watchers,
    )
    return _persist(actor, [prepared])[0]


def create_tickets(
    *, actor: User | None, items: Iterable[dict[str, Any]], notify: bool = True
) -> list[Ticket]:
    """Open many tickets at once (imports, migrations from another desk, monitoring storms).

    Each item takes the keyword arguments of :func:`create_ticket` (without ``actor``) and gets exactly
    the same checks, numbering, timeline, change log, SLA clocks, assignment and notifications. All or
    nothing: the first invalid item refuses the whole batch, its error's ``field`` prefixed with the
    item's position (``"3.title"``), and nothing is written. The rows are written with one statement per
    table instead of one per ticket, which is what makes an import of 100,000 tickets take seconds.
    ``notify=False`` writes no mail (an import of old tickets must not acknowledge them to customers).
    """
    prepared = []
    for index, item in enumerate(items):
        unknown = sorted(set(item) - _ITEM_FIELDS)
        missing = sorted(_ITEM_REQUIRED - set(item))
        if unknown or missing:
            raise ValidationFailed(
                _("Unknown field “%(field)s”.") % {"field": unknown[0]}
                if unknown
                else _("The field “%(field)s” is required.") % {"field": missing[0]},
                code="unknown_field" if unknown else "required",
                field=f"{index}.{(unknown or missing)[0]}",
            )
        try:
            prepared.append(_prepare(actor, **item))
        except ValidationFailed as error:
            error.field = f"{index}.{error.field}" if error.field else str(index)
            raise
    return _persist(actor, prepared, notify=notify) if prepared else []


def check_ticket(*, actor: User | None, **item: Any) -> None:
    """Run every check :func:`create_ticket` makes, write nothing (imports validate a whole file first)."""
    _prepare(actor, **item)


@dataclass
class _Prepared:
    """A validated ticket, not yet written, with what goes with it."""

    ticket: Ticket
    tags: list[str]
    watchers: list[User]


def _prepare(
    actor: User | None,
    *,
    requester: User,
    title: str,
    channel: str,
    type: str = TicketType.INCIDENT,
    description: str = "",
    description_html: str = "",
    impact: int = Impact.MINOR,
    urgency: int = Urgency.MEDIUM,
    priority: int | None = None,
    priority_reason: str = "",
    organization: Organization | None = None,
    team: Team | None = None,
    queue: Queue | None = None,
    assignee: User | None = None,
    service: Service | None = None,
    category: Category | None = None,
    tags: Iterable[str] = (),
    watchers: Iterable[User] = (),
) -> _Prepared:
    """Every check of a new ticket, in memory (reads only): the ticket to insert, or ValidationFailed."""
    ticket_type = _choice(type, TicketType, "type")
    channel = _choice(channel, Channel, "channel")
    impact = _choice(impact, Impact, "impact")
    urgency = _choice(urgency, Urgency, "urgency")
    title, description, description_html = _clean_text(title, description, description_html)
    if actor is not None and not is_staff(actor):
        if requester != actor and not (
            actor.role == "customer_manager" and requester.organization_id == actor.organization_id
        ):
            raise NotPermitted(_("You can only open tickets for yourself."), code="requester_not_allowed")
        if team or queue or assignee or priority is not None:
            raise NotPermitted(
                _("Only agents can route, assign or prioritise tickets."), code="routing_not_allowed"
            )
        if organization is not None and organization.pk != requester.organization_id:
            raise ValidationFailed(
                _("The requester does not belong to this organisation."),
                code="organization_mismatch",
                field="organization",
            )
    organization = organization or requester.organization
    watchers = list(watchers)
    for watcher in watchers:
        # A watcher sees the ticket: a customer of another organisation must never become one.
        if watcher.is_customer and organization is not None and watcher.organization_id != organization.pk:
            raise ValidationFailed(
                _("%(user)s belongs to another organisation and cannot watch this ticket.")
                % {"user": watcher},
                code="organization_mismatch",
                field="watchers",
            )
    if queue is not None and team is None:
        team = queue.team
    if team is None and service is not None:
        team = service.owner_team
    _check_references(
        requester=requester,
        organization=organization,
        team=team,
        queue=queue,
        assignee=assignee,
        service=service,
        category=category,
    )
    computed = compute_priority(impact, urgency)
    if priority is not None:
        priority = _choice(priority, Priority, "priority")
    overridden = priority is not None and priority != computed
    if overridden and not priority_reason.strip():
        raise ValidationFailed(
            _("Give a reason when you set the priority by hand."),
            code="priority_reason_required",
            field="priority_reason",
        )
    ticket = Ticket(
        type=ticket_type,
        title=title,
        description=description,
        description_html=description_html,
        status=Status.ASSIGNED if assignee else Status.NEW,
        impact=impact,
        urgency=urgency,
        priority=priority if overridden and priority is not None else computed,
        priority_overridden=overridden,
        priority_reason=priority_reason.strip() if overridden else "",
        channel=channel,
        requester=requester,
        organization=organization,
        team=team,
        queue=queue,
        assignee=assignee,
        service=service,
        category=category,
        created_by=actor,
    )
    return _Prepared(ticket=ticket, tags=list(tags), watchers=[w for w in watchers if w.pk != requester.pk])


_ITEM_FIELDS = frozenset(inspect.signature(_prepare).parameters) - {"actor"}
_ITEM_REQUIRED = frozenset({"requester", "title", "channel"})


def _persist(actor: User | None, batch: list[_Prepared], *, notify: bool = True) -> list[Ticket]:
    """Write prepared tickets with one statement per table, whatever the batch size."""
    from .assignment import assign_on_create

    tickets = [p.ticket for p in batch]
    # No savepoint (two round trips): every refusal was raised by _prepare before this point, so what can
    # fail here is the database, which must undo the caller's work as well (mail processing and bulk
    # actions wrap each item in their own savepoint).
    with acting_as(actor), transaction.atomic(savepoint=False):
        # The team's strategy picks the agent before the INSERT, so the row is written once, assigned.
        picked = assign_on_create(tickets)
        Ticket.objects.bulk_create(tickets)
        for ticket in tickets:
            # The database wrote the same number in the INSERT (tickets/numbering.py).
            ticket.number = Ticket.format_number(ticket.type, ticket.pk)
        _write_tags_and_watchers(batch)
        changelog.record_created(tickets)
        entries = []
        for ticket in tickets:
            entries.append(
                timeline_entry(
                    ticket,
                    actor,
                    TimelineKind.CREATED,
                    public=True,
                    channel=ticket.channel,
                    number=ticket.number,
                )
            )
            if id(ticket) in picked:
                entries.extend(picked[id(ticket)].timeline(ticket, actor))
        append_rows(TimelineEntry, entries)
        hooks.tickets_created(tickets, actor=actor)
        if notify:
            mail_hooks.tickets_created(tickets, actor=actor)
        for ticket in tickets:
            events.emit("ticket.created", ticket_id=ticket.pk)
            if id(ticket) in picked:
                picked[id(ticket)].emit(ticket)
    return tickets


def _write_tags_and_watchers(batch: list[_Prepared]) -> None:
    names = [name for p in batch for name in p.tags]
    by_name = {tag.name: tag for tag in _tags(names)} if names else {}
    tag_rows = []
    watcher_rows = []
    for p in batch:
        for name in {_tag_name(n) for n in p.tags if n and n.strip()}:
            tag_rows.append(Ticket.tags.through(ticket_id=p.ticket.pk, tag_id=by_name[name].pk))
        for watcher in {w.pk: w for w in p.watchers}.values():
            watcher_rows.append(Ticket.watchers.through(ticket_id=p.ticket.pk, user_id=watcher.pk))
    if tag_rows:
        Ticket.tags.through.objects.bulk_create(tag_rows)
    if watcher_rows:
        Ticket.watchers.through.objects.bulk_create(watcher_rows)


EDITABLE_FIELDS = {
    "title",
    "description",
    "description_html",
    "type",
    "impact",
    "urgency",
    "priority",
    "priority_reason",
    "channel",
    "organization",
    "service",
    "category",
    "queue",
    "tags",
}
FK_FIELDS = {"organization", "service", "category", "queue"}


def update_ticket(
    *, actor: User | None, ticket: Ticket, changes: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Change a ticket's descriptive fields (not status, team or assignee: those have their own verbs)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="not_editable",
        )
    require(actor, "change", ticket)
    if ticket.status in FINAL:
        raise ValidationFailed(_("A closed or cancelled ticket cannot be edited."), code="ticket_final")
    new: dict[str, Any] = {}
    if "title" in changes or "description" in changes or "description_html" in changes:
        title, description, description_html = _clean_text(
            changes.get("title", ticket.title),
            changes.get("description", ticket.description if "description_html" not in changes else ""),
            changes.get("description_html", ticket.description_html),
        )
        new.update(title=title, description=description, description_html=description_html)
    if "type" in changes:
        new["type"] = _choice(changes["type"], TicketType, "type")
        new["number"] = Ticket.format_number(new["type"], ticket.pk)
    if "channel" in changes:
        new["channel"] = _choice(changes["channel"], Channel, "channel")
    for name in ("organization", "service", "category", "queue"):
        if name in changes:
            new[name] = changes[name]
    impact = _choice(changes.get("impact", ticket.impact), Impact, "impact")
    urgency = _choice(changes.get("urgency", ticket.urgency), Urgency, "urgency")
    new.update(impact=impact, urgency=urgency)
    computed = compute_priority(impact, urgency)
    wanted = changes.get("priority")
    if wanted is not None:
        wanted = _choice(wanted, Priority, "priority")
    if wanted is not None and wanted != computed:
        reason = str(changes.get("priority_reason", "")).strip()
        if not reason:
            raise ValidationFailed(
                _("Give a reason when you set the priority by hand."),
                code="priority_reason_required",
                field="priority_reason",
            )
        new.update(priority=wanted, priority_overridden=True, priority_reason=reason)
    elif "priority" in changes or not ticket.priority_overridden:
        new.update(priority=computed, priority_overridden=False, priority_reason="")
    _check_references(
        requester=ticket.requester,
        organization=new.get("organization", ticket.organization),
        team=ticket.team,
        queue=new.get("queue", ticket.queue),
        assignee=None,
        service=new.get("service", ticket.service),
        category=new.get("category", ticket.category),
    )
    diffs = {k: v for k, v in new.items() if getattr(ticket, k) != v}
    old = {k: getattr(ticket, k) for k in diffs}
    with acting_as(actor), transaction.atomic():
        if (
            not diffs
            and expected_version is not None
            and not Ticket.objects.filter(pk=ticket.pk, version=expected_version).exists()
        ):  # a stale client must not change the tags either
            raise Conflict(
                _("The ticket was changed by someone else in the meantime. Reload it and try again."),
                code="stale_ticket",
            )
        if diffs:
            write(
                ticket,
                {
                    (f"{k}_id" if k in FK_FIELDS else k): (v.pk if k in FK_FIELDS and v else v)
                    for k, v in diffs.items()
                },
                expect_version=expected_version,
            )
            for k, v in diffs.items():
                setattr(ticket, k, v)
            if "priority" in diffs:
                timeline(
                    ticket,
                    actor,
                    TimelineKind.PRIORITY,
                    public=False,
                    old=old["priority"],
                    new=diffs["priority"],
                    reason=diffs.get("priority_reason", ""),
                )
            shown = [
                k
                for k in diffs
                if k
                not in {"priority", "priority_reason", "priority_overridden", "description_html", "number"}
            ]
            if shown:
                timeline(
                    ticket,
                    actor,
                    TimelineKind.FIELDS,
                    public=False,
                    changes=[{"field": k, "old": plain(old[k]), "new": plain(diffs[k])} for k in shown],
                )
        if "tags" in changes:
            set_tags(actor=actor, ticket=ticket, names=changes["tags"], checked=True)
        hooks.ticket_updated(ticket, actor=actor, fields=diffs)
        if diffs:
            events.emit("ticket.updated", ticket_id=ticket.pk, fields=sorted(diffs))
    return ticket


def set_tags(*, actor: User | None, ticket: Ticket, names: Iterable[str], checked: bool = False) -> Ticket:
    if not checked:
        require(actor, "change", ticket)
    with acting_as(actor), transaction.atomic():
        before = sorted(ticket.tags.values_list("name", flat=True))
        objects = _tags(names)
        after = sorted(t.name for t in objects)
        if before != after:
            ticket.tags.set(objects)
            timeline(
                ticket, actor, TimelineKind.FIELDS, changes=[{"field": "tags", "old": before, "new": after}]
            )
    return ticket


def set_watchers(
    *, actor: User | None, ticket: Ticket, add: Iterable[User] = (), remove: Iterable[User] = ()
) -> Ticket:
    """Add or remove watchers. Customers may only add or remove themselves; watchers must be able to see."""
    require(actor, "comment", ticket)
    add, remove = list(add), list(remove)
    if not is_staff(actor) and any(u.pk != actor.pk for u in add + remove):  # type: ignore[union-attr]
        raise NotPermitted(_("You can only add or remove yourself as a watcher."))
    for user in add:
        if user.is_customer and ticket.organization_id and user.organization_id != ticket.organization_id:
            raise ValidationFailed(
                _("%(user)s belongs to another organisation and cannot watch this ticket.") % {"user": user},
                code="organization_mismatch",
                field="watchers",
            )
    with acting_as(actor), transaction.atomic():
        if add:
            ticket.watchers.add(*add)
        if remove:
            ticket.watchers.remove(*remove)
        if add or remove:
            timeline(
                ticket,
                actor,
                TimelineKind.WATCHERS,
                added=[str(u) for u in add],
                removed=[str(u) for u in remove],
            )
    return ticket
