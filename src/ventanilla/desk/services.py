"""Workspace verbs: saved views, macros, the composer, bulk actions and "Log a contact".

Everything that touches a ticket calls ``tickets.services``; this module only combines those verbs the
way the workspace offers them and owns the workspace's own rows (saved views, logged contacts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import Organization, Team, TeamMembership, User
from ventanilla.accounts.services import create_user
from ventanilla.catalog.models import Service
from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, DomainError, NotPermitted, ValidationFailed
from ventanilla.core.permissions import can
from ventanilla.core.services import delete_reference, save_reference
from ventanilla.tickets import services as tickets
from ventanilla.tickets.choices import Status
from ventanilla.tickets.models import Category, Ticket
from ventanilla.tickets.rules import team_ids

from .choices import CONTACT_CHANNEL, ContactKind, RemoteTool, Sort
from .models import ContactLog, Macro, SavedView

STALE_MESSAGE = _("The ticket was changed by someone else in the meantime. Reload it and try again.")


def _require_staff(actor: User) -> None:
    if not actor.is_staff_side:
        raise NotPermitted(_("Only agents can do this."))


# -- Saved views --------------------------------------------------------------------------------------------
def save_view(
    *,
    actor: User,
    name: str,
    filters: dict[str, list[str]],
    sort: str = Sort.NEWEST,
    team: Team | None = None,
) -> SavedView:
    """Save (or overwrite, by name) one of ``actor``'s views, optionally shared with one of their teams."""
    _require_staff(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the view a name."), code="required", field="name")
    if team is not None and not actor.sees_everything and team.pk not in team_ids(actor):
        raise NotPermitted(_("You can only share a view with a team you belong to."), code="not_team_member")
    if sort not in Sort.values:
        sort = Sort.NEWEST
    clean = {k: [str(v) for v in values if str(v)] for k, values in filters.items()}
    clean = {k: v for k, v in clean.items() if v}
    view = SavedView.objects.filter(owner=actor, name=name).first()
    if view is None:
        view = SavedView(owner=actor, name=name)
    else:
        view.snapshot()
    view.filters, view.sort, view.team = clean, sort, team
    return save_reference(view, actor=actor)


def delete_view(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise NotPermitted(_("Only the owner can delete a saved view."))
    delete_reference(view, actor=actor)


# -- Macros -------------------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{(ticket|requester|organization|agent)\.([a-z_]+)\}")


def _first_name(user: User | None) -> str:
    return user.get_short_name() if user is not None else ""


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    """The values a macro may use. A fixed list (not the template engine): macros are data typed by
    administrators and must not reach arbitrary attributes."""
    requester = ticket.requester
    organization = ticket.organization
    return {
        "ticket.number": ticket.number or "",
        "ticket.title": ticket.title,
        "ticket.status": str(ticket.get_status_display()),
        "requester.name": requester.get_full_name(),
        "requester.first_name": _first_name(requester),
        "requester.email": requester.email,
        "organization.name": organization.name if organization else "",
        "agent.name": agent.get_full_name(),
        "agent.first_name": _first_name(agent),
        "agent.email": agent.email,
    }


def render_macro(macro: Macro, ticket: Ticket, agent: User) -> str:
    """The macro's text with its placeholders filled; unknown placeholders stay as typed."""
    values = placeholder_values(ticket, agent)

    def fill(match: re.Match[str]) -> str:
        return values.get(f"{match.group(1)}.{match.group(2)}", match.group(0))

    return _PLACEHOLDER.sub(fill, macro.body)


@dataclass
class ComposerResult:
    comment: Any
    notes: list[str] = field(default_factory=list)  # things the macro could not do, for the agent to see


def send_composer(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    public: bool,
    files: Iterable[tuple[str, IO[bytes] | bytes]] = (),
    macro: Macro | None = None,
    expected_version: int | None = None,
) -> ComposerResult:
    """Post a reply or note and then apply the macro's tags and status.

    ``expected_version`` is the version the agent's page showed: when someone changed the ticket since,
    nothing is written (``stale_ticket``) so the agent reads the change before speaking over it. The
    reply stands on its own: a macro status the lifecycle refuses now is reported, not fatal.
    """
    if expected_version is not None and ticket.version != expected_version:
        raise Conflict(STALE_MESSAGE, code="stale_ticket")
    result = ComposerResult(comment=None)
    with acting_as(actor), transaction.atomic():
        result.comment = tickets.add_comment(
            actor=actor, ticket=ticket, body=body, public=public, files=files
        )
        if macro is None:
            return result
        if macro.tag_names:
            current = list(ticket.tags.values_list("name", flat=True))
            tickets.set_tags(actor=actor, ticket=ticket, names=sorted({*current, *macro.tag_names}))
        if macro.set_status and macro.set_status != ticket.status:
            try:
                with transaction.atomic():
                    tickets.transition_ticket(actor=actor, ticket=ticket, to=macro.set_status)
            except DomainError as error:
                result.notes.append(str(error.message))
    return result


# -- Bulk actions -------------------------------------------------------------------------------------------
@dataclass
class BulkOutcome:
    ticket_id: int
    number: str
    ok: bool
    message: str = ""


def bulk_apply(*, actor: User, tickets_: Sequence[Ticket], action: str, **params: Any) -> list[BulkOutcome]:
    """Apply ``action`` (assign, transition, tag, merge) to each ticket on its own.

    Each ticket succeeds or fails alone through its service (its own transaction, timeline and change
    log), so one refusal never undoes the others; the outcome lists every ticket with its result.
    """
    _require_staff(actor)
    handlers = {
        "assign": _bulk_assign,
        "transition": _bulk_transition,
        "tag": _bulk_tag,
        "merge": _bulk_merge,
    }
    handler = handlers.get(action)
    if handler is None:
        raise ValidationFailed(_("Unknown bulk action."), code="invalid_choice", field="action")
    target = params.get("target")
    outcomes: list[BulkOutcome] = []
    for ticket in tickets_:
        if action == "merge" and target is not None and ticket.pk == target.pk:
            continue  # the survivor of a merge is not merged into itself
        try:
            with transaction.atomic():
                message = handler(actor, ticket, **params)
        except DomainError as error:
            outcomes.append(BulkOutcome(ticket.pk, ticket.number or "", False, str(error.message)))
        else:
            outcomes.append(BulkOutcome(ticket.pk, ticket.number or "", True, message))
    return outcomes


def _bulk_assign(
    actor: User, ticket: Ticket, *, assignee: User | None = None, team: Team | None = None, **_params: Any
) -> str:
    if team is not None and assignee is not None:
        tickets.assign_ticket(actor=actor, ticket=ticket, team=team, assignee=assignee)
    elif team is not None:
        tickets.assign_ticket(actor=actor, ticket=ticket, team=team)
    elif assignee is not None:
        if (
            ticket.team_id
            and not TeamMembership.objects.filter(team_id=ticket.team_id, user=assignee).exists()
        ):
            # The agent works elsewhere: move the ticket to a team of theirs rather than refuse.
            first_team = assignee.memberships.select_related("team").first()
            tickets.assign_ticket(
                actor=actor, ticket=ticket, assignee=assignee, team=first_team.team if first_team else None
            )
        else:
            tickets.assign_ticket(actor=actor, ticket=ticket, assignee=assignee)
    else:
        tickets.assign_ticket(actor=actor, ticket=ticket, assignee=None)
        return _("Unassigned")
    return _("Assigned to %(agent)s") % {"agent": ticket.assignee or ticket.team or "—"}


def _bulk_transition(
    actor: User,
    ticket: Ticket,
    *,
    to: str = "",
    resolution_code: str = "",
    resolution_note: str = "",
    **_params: Any,
) -> str:
    tickets.transition_ticket(
        actor=actor, ticket=ticket, to=to, resolution_code=resolution_code, resolution_note=resolution_note
    )
    return str(Status(to).label)


def _bulk_tag(
    actor: User,
    ticket: Ticket,
    *,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
    **_params: Any,
) -> str:
    current = set(ticket.tags.values_list("name", flat=True))
    wanted = (current | {t for t in add_tags if t}) - set(remove_tags)
    tickets.set_tags(actor=actor, ticket=ticket, names=sorted(wanted))
    return ", ".join(sorted(wanted)) or _("No tags")


def _bulk_merge(actor: User, ticket: Ticket, *, target: Ticket | None = None, **_params: Any) -> str:
    if target is None:
        raise ValidationFailed(_("Choose the ticket to merge into."), code="required", field="target")
    tickets.merge_tickets(actor=actor, source=ticket, target=target)
    return _("Merged into %(number)s") % {"number": target.number}


# -- Log a contact ------------------------------------------------------------------------------------------
@dataclass
class NewCaller:
    full_name: str
    email: str
    phone: str = ""
    organization: Organization | None = None


def log_contact(
    *,
    actor: User,
    kind: str,
    title: str,
    caller: User | None = None,
    new_caller: NewCaller | None = None,
    description: str = "",
    ticket_type: str = "incident",
    impact: int | None = None,
    urgency: int | None = None,
    team: Team | None = None,
    service: Service | None = None,
    category: Category | None = None,
    duration_minutes: int = 0,
    remote_tool: str = "",
    session_reference: str = "",
    resolve: bool = False,
    resolution_code: str = "",
    resolution_note: str = "",
) -> Ticket:
    """Record a call, walk-in or remote session as a ticket in one step, all or nothing.

    The caller is an existing person or created on the spot (``accounts.services.create_user``). The
    agent who took the contact is the assignee when they can be (no team given, or a member of it).
    With ``resolve`` the ticket is resolved at first contact with the given code and note.
    """
    _require_staff(actor)
    if kind not in ContactKind.values:
        raise ValidationFailed(_("Choose how the contact came in."), code="invalid_choice", field="kind")
    if (caller is None) == (new_caller is None):
        raise ValidationFailed(_("Choose the caller or enter a new one."), code="required", field="caller")
    if caller is not None and not can(actor, "view", caller):
        raise ValidationFailed(_("Unknown caller."), code="not_found", field="caller")
    if kind == ContactKind.REMOTE:
        if remote_tool and remote_tool not in RemoteTool.values:
            raise ValidationFailed(_("Unknown remote tool."), code="invalid_choice", field="remote_tool")
    else:
        remote_tool, session_reference = "", ""
    if duration_minutes < 0:
        raise ValidationFailed(
            _("The duration cannot be negative."), code="invalid", field="duration_minutes"
        )
    options: dict[str, Any] = {}
    if impact is not None:
        options["impact"] = impact
    if urgency is not None:
        options["urgency"] = urgency
    take = team is None or team.pk in team_ids(actor)
    with acting_as(actor), transaction.atomic():
        if new_caller is not None:
            caller = create_user(
                actor=actor,
                email=new_caller.email,
                full_name=new_caller.full_name.strip(),
                phone=new_caller.phone.strip(),
                organization=new_caller.organization,
            )
        assert caller is not None
        ticket = tickets.create_ticket(
            actor=actor,
            requester=caller,
            title=title,
            description=description,
            type=ticket_type,
            channel=CONTACT_CHANNEL[kind],
            organization=caller.organization,
            team=team,
            service=service,
            category=category,
            assignee=actor if take else None,
            **options,
        )
        ContactLog.objects.create(
            ticket=ticket,
            kind=kind,
            agent=actor,
            caller=caller,
            duration_minutes=duration_minutes,
            remote_tool=remote_tool,
            session_reference=session_reference.strip(),
            resolved_at_first_contact=resolve,
        )
        if resolve:
            tickets.transition_ticket(
                actor=actor,
                ticket=ticket,
                to=Status.RESOLVED,
                resolution_code=resolution_code,
                resolution_note=resolution_note,
            )
    return ticket
