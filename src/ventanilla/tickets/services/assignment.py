"""Who works a ticket: manual assignment and the automatic strategies per team."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import STAFF_ROLES, AssignmentStrategy
from ventanilla.accounts.models import Team, TeamMembership, User
from ventanilla.core import events
from ventanilla.core.context import acting_as
from ventanilla.core.errors import ValidationFailed

from ..choices import FINAL, OPEN, Status, TimelineKind
from ..models import Ticket
from .common import plain, require, timeline, write

UNSET: Any = object()


def pick_agent(team: Team) -> User | None:
    """The next agent for ``team`` by its strategy, among active, available members (None for manual)."""
    if team.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    members = TeamMembership.objects.filter(
        team=team, is_available=True, user__is_active=True, user__role__in=list(STAFF_ROLES)
    )
    if team.assignment_strategy == AssignmentStrategy.LEAST_LOADED:
        members = members.annotate(
            load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__status__in=list(OPEN)))
        ).order_by("load", F("last_assigned_at").asc(nulls_first=True), "pk")
    else:
        members = members.order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    membership = members.select_related("user").first()
    return membership.user if membership else None


def auto_assign(ticket: Ticket, *, actor: User | None) -> User | None:
    if ticket.team is None or ticket.assignee_id:
        return None
    agent = pick_agent(ticket.team)
    if agent is not None:
        assign_ticket(actor=None, ticket=ticket, assignee=agent, automatic=True, acting=actor)
    return agent


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
