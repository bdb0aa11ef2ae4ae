"""Who works a ticket: manual assignment and the automatic strategies per team."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import STAFF_ROLES, AssignmentStrategy
from ventanilla.accounts.models import Team, TeamMembership, User
from ventanilla.core import events
from ventanilla.core.context import acting_as
from ventanilla.core.errors import ValidationFailed

from ..choices import FINAL, OPEN, Status, TimelineKind
from ..models import Ticket, TimelineEntry
from .common import plain, require, timeline, timeline_entry, write

UNSET: Any = object()


def pick_agent(team: Team, *, pending: Counter[int] | None = None) -> User | None:
    """The next agent for ``team`` by its strategy, among active, available members (None for manual).

    ``pending``: tickets already given to each agent (user id) in this batch but not yet written, so a
    batch of new tickets is spread the way one-by-one creation would spread it.
    """
    if team.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    members = TeamMembership.objects.filter(
        team=team, is_available=True, user__is_active=True, user__role__in=list(STAFF_ROLES)
    ).select_related("user")
    least_loaded = team.assignment_strategy == AssignmentStrategy.LEAST_LOADED
    if least_loaded:
        members = members.annotate(
            load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__status__in=list(OPEN)))
        )
    pending = pending or Counter()
    never = timezone.now().replace(year=1)

    def order(m: TeamMembership) -> tuple[Any, ...]:
        turn = (m.last_assigned_at or never, m.pk)
        return (m.load + pending[m.user_id], *turn) if least_loaded else turn  # type: ignore[attr-defined]

    # A team has a handful of agents: choosing in Python lets the batch's own picks count.
    candidates = sorted(members, key=order)
    return candidates[0].user if candidates else None


def auto_assign(ticket: Ticket, *, actor: User | None) -> User | None:
    if ticket.team is None or ticket.assignee_id:
        return None
    agent = pick_agent(ticket.team)
    if agent is not None:
        assign_ticket(actor=None, ticket=ticket, assignee=agent, automatic=True, acting=actor)
    return agent


@dataclass
class AutoAssignment:
    """An agent picked for a ticket that is about to be inserted (see :func:`assign_on_create`)."""

    team: Team
    agent: User

    def timeline(self, ticket: Ticket, actor: User | None) -> list[TimelineEntry]:
        """The entries :func:`assign_ticket` would write, so history reads the same either way."""
        return [
            timeline_entry(
                ticket,
                actor,
                TimelineKind.ASSIGNMENT,
                public=False,
                automatic=True,
                old_team=plain(self.team),
                new_team=plain(self.team),
                old_assignee=plain(None),
                new_assignee=plain(self.agent),
            ),
            timeline_entry(
                ticket, actor, TimelineKind.STATUS, public=True, old=Status.NEW, new=Status.ASSIGNED
            ),
        ]

    def emit(self, ticket: Ticket) -> None:
        events.emit("ticket.assigned", ticket_id=ticket.pk, team_id=self.team.pk, assignee_id=self.agent.pk)


def assign_on_create(tickets: list[Ticket]) -> dict[int, AutoAssignment]:
    """Give unassigned new tickets an agent by their team's strategy, before they are inserted.

    Sets ``assignee`` and status *assigned* on the (unsaved) tickets and returns the picks keyed by
    ``id(ticket)``. Runs inside the creating transaction.
    """
    picked: dict[int, AutoAssignment] = {}
    pending: Counter[int] = Counter()
    for ticket in tickets:
        if ticket.team is None or ticket.assignee_id:
            continue
        agent = pick_agent(ticket.team, pending=pending)
        if agent is None:
            continue
        ticket.assignee = agent
        ticket.status = Status.ASSIGNED
        pending[agent.pk] += 1
        # Round-robin reads this turn marker; the update is seen by the next pick in the same batch.
        TeamMembership.objects.filter(user=agent, team=ticket.team).update(last_assigned_at=timezone.now())
        picked[id(ticket)] = AutoAssignment(team=ticket.team, agent=agent)
    return picked


def assign_ticket(
    *,
    actor: User | None,
    ticket: Ticket,
    team: Team | None = UNSET,
    assignee: User | None = UNSET,
    automatic: bool = False,
    acting: User | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Route the ticket to a team and/or an agent (None clears). Assigning a new ticket marks it assigned;
    changing team without naming an agent leaves it to the new team's strategy."""
    require(actor, "assign", ticket)
    if ticket.status in FINAL:
        raise ValidationFailed(_("A closed or cancelled ticket cannot be reassigned."), code="ticket_final")
    new_team = ticket.team if team is UNSET else team
    new_assignee = ticket.assignee if assignee is UNSET else assignee
    if team is not UNSET and assignee is UNSET and new_team != ticket.team:
        new_assignee = None  # the old agent is probably not in the new team
    if new_assignee is not None:
        if not new_assignee.is_active or not new_assignee.is_staff_side:
            raise ValidationFailed(
                _("Tickets can only be assigned to active agents."), code="invalid_assignee", field="assignee"
            )
        if (
            new_team is not None
            and not TeamMembership.objects.filter(team=new_team, user=new_assignee).exists()
        ):
            raise ValidationFailed(
                _("%(agent)s is not a member of %(team)s.") % {"agent": new_assignee, "team": new_team},
                code="assignee_not_in_team",
                field="assignee",
            )
    if ticket.queue is not None and new_team is not None and ticket.queue.team_id != new_team.pk:
        queue_change: dict[str, Any] = {"queue": None}
    else:
        queue_change = {}
    if new_team == ticket.team and new_assignee == ticket.assignee:
        return ticket
    fields: dict[str, Any] = {"team": new_team, "assignee": new_assignee, **queue_change}
    if new_assignee is not None and ticket.status == Status.NEW:
        fields["status"] = Status.ASSIGNED
    if new_assignee is None and ticket.status == Status.ASSIGNED:
        fields["status"] = Status.NEW
    old_team, old_assignee, old_status = ticket.team, ticket.assignee, ticket.status
    who = acting if automatic else actor
    with acting_as(who), transaction.atomic():
        write(ticket, fields, expect_version=expected_version)
        if new_assignee is not None:
            TeamMembership.objects.filter(user=new_assignee, team=new_team).update(
                last_assigned_at=timezone.now()
            )
        timeline(
            ticket,
            who,
            TimelineKind.ASSIGNMENT,
            public=False,
            automatic=automatic,
            old_team=plain(old_team),
            new_team=plain(new_team),
            old_assignee=plain(old_assignee),
            new_assignee=plain(new_assignee),
        )
        if "status" in fields:
            timeline(ticket, who, TimelineKind.STATUS, public=True, old=old_status, new=fields["status"])
        events.emit(
            "ticket.assigned",
            ticket_id=ticket.pk,
            team_id=getattr(new_team, "pk", None),
            assignee_id=getattr(new_assignee, "pk", None),
        )
        if team is not UNSET and new_team is not None and new_assignee is None and not automatic:
            auto_assign(ticket, actor=actor)
    return ticket
