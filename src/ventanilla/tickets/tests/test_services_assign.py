"""assign_ticket: team membership, status follows the assignee, automatic strategies after rerouting."""

from __future__ import annotations

import pytest

from ventanilla.accounts.choices import AssignmentStrategy
from ventanilla.accounts.models import TeamMembership
from ventanilla.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from ventanilla.testing.factories import QueueFactory, make_ticket
from ventanilla.tickets.choices import Status, TimelineKind
from ventanilla.tickets.models import TimelineEntry
from ventanilla.tickets.services import assign_ticket, transition_ticket, update_ticket

from .helpers import fresh, kinds, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    return make_ticket(personas.customer_a, actor=personas.customer_a)


def test_assigning_new_ticket_marks_it_assigned(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    stored = fresh(ticket)
    assert (stored.team, stored.assignee, stored.status) == (
        personas.team_1,
        personas.agent_1,
        Status.ASSIGNED,
    )
    assert kinds(ticket) == [TimelineKind.CREATED, TimelineKind.ASSIGNMENT, TimelineKind.STATUS]
    assignment = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.ASSIGNMENT)
    assert assignment.public is False and assignment.data["automatic"] is False
    assert assignment.data["new_assignee"] == {"id": personas.agent_1.pk, "name": str(personas.agent_1)}
    status = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.STATUS)
    assert status.public and status.data == {"old": "new", "new": "assigned"}
    membership = TeamMembership.objects.get(team=personas.team_1, user=personas.agent_1)
    assert membership.last_assigned_at is not None


def test_unassigning_assigned_ticket_returns_it_to_new(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    assign_ticket(actor=personas.agent_1, ticket=ticket, assignee=None)
    stored = fresh(ticket)
    assert (stored.assignee, stored.status, stored.team) == (None, Status.NEW, personas.team_1)


def test_unassigning_in_progress_keeps_status(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.IN_PROGRESS)
    assign_ticket(actor=personas.agent_1, ticket=ticket, assignee=None)
    assert fresh(ticket).status == Status.IN_PROGRESS


def test_assignee_must_be_member_of_team(personas, ticket):
    with refused("assignee_not_in_team", ValidationFailed):
        assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_2)
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1)
    with refused("assignee_not_in_team", ValidationFailed):
        assign_ticket(actor=personas.agent_1, ticket=ticket, assignee=personas.agent_2)


@pytest.mark.parametrize("who", ["customer_a", "inactive_agent"])
def test_assignee_must_be_active_staff(personas, ticket, who):
    target = personas.customer_a
    if who == "inactive_agent":
        target = personas.agent_1
        target.is_active = False
        target.save()
    with refused("invalid_assignee", ValidationFailed):
        assign_ticket(actor=personas.manager, ticket=ticket, team=personas.team_1, assignee=target)


def test_customers_cannot_assign_and_outsiders_get_not_found(personas, ticket):
    with refused("permission_denied", NotPermitted):
        assign_ticket(actor=personas.customer_a, ticket=ticket, team=personas.team_1)
    with refused("not_found", NotFound):
        assign_ticket(actor=personas.customer_b, ticket=ticket, team=personas.team_1)


def test_agent_of_other_team_cannot_assign_routed_ticket(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1)
    with refused("not_found", NotFound):
        assign_ticket(actor=personas.agent_2, ticket=ticket, team=personas.team_2)


def test_change_of_team_drops_old_agent_and_lets_new_team_strategy_pick(personas, ticket):
    personas.team_2.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    personas.team_2.save()
    queue = QueueFactory(name="Desk queue", team=personas.team_1)
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"queue": queue})
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_2)
    stored = fresh(ticket)
    assert stored.team == personas.team_2
    assert stored.assignee == personas.agent_2  # picked by round robin, not the old agent
    assert stored.queue is None  # the old team's queue does not follow
    assert stored.status == Status.ASSIGNED


def test_noop_assignment_writes_nothing(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    version = fresh(ticket).version
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    assert fresh(ticket).version == version


def test_final_ticket_cannot_be_reassigned(personas, ticket):
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("ticket_final", ValidationFailed):
        assign_ticket(actor=personas.manager, ticket=ticket, team=personas.team_1)


def test_stale_copy_cannot_reassign_a_ticket_cancelled_meanwhile(personas, ticket):
    stale = fresh(ticket)
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("stale_ticket", Conflict):
        assign_ticket(actor=personas.manager, ticket=stale, team=personas.team_1, assignee=personas.agent_1)
    stored = fresh(ticket)
    assert stored.assignee is None and stored.team is None


def test_stale_unassign_cannot_leave_assigned_ticket_without_assignee(personas, ticket):
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.IN_PROGRESS)
    stale = fresh(ticket)  # in progress
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.ASSIGNED)
    with refused("stale_ticket", Conflict):
        assign_ticket(actor=personas.lead_1, ticket=stale, assignee=None)
    stored = fresh(ticket)
    assert stored.status == Status.ASSIGNED and stored.assignee == personas.agent_1


def test_optimistic_version_on_assignment(personas, ticket):
    with refused("stale_ticket", Conflict):
        assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, expected_version=99)
