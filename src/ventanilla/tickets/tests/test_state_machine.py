"""The ticket lifecycle: every (from, to) pair for staff and customers, resolution, reopen window."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ventanilla.core.errors import Conflict, NotFound, ValidationFailed
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import CUSTOMER_TRANSITIONS, FINAL, TRANSITIONS, Status, TimelineKind
from ventanilla.tickets.models import TimelineEntry
from ventanilla.tickets.services import allowed_transitions, transition_ticket

from .helpers import fresh, refused

pytestmark = pytest.mark.django_db

N, A, IP, PC, PT, PX, R, C, X = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_CUSTOMER,
    Status.PENDING_THIRD_PARTY,
    Status.PENDING_CHANGE,
    Status.RESOLVED,
    Status.CLOSED,
    Status.CANCELLED,
)

# Written out by hand on purpose: a change to choices.TRANSITIONS must be a conscious change here too.
STAFF_ALLOWED: dict[str, set[str]] = {
    N: {A, IP, PC, PT, PX, R, X},
    A: {N, IP, PC, PT, PX, R, X},
    IP: {A, PC, PT, PX, R, X},
    PC: {IP, PT, PX, R, X},
    PT: {IP, PC, PX, R, X},
    PX: {IP, PC, PT, R, X},
    R: {C, IP},
    C: set(),
    X: set(),
}
CUSTOMER_ALLOWED: dict[str, set[str]] = {
    N: {X},
    A: {X},
    IP: set(),
    PC: {X},
    PT: set(),
    PX: set(),
    R: {C, IP},
    C: set(),
    X: set(),
}
RESOLUTION = {"resolution_code": "solved", "resolution_note": "Replaced the cable."}

# How to reach each status (staff moves, starting from an assigned ticket).
PATHS: dict[str, list[str]] = {
    A: [],
    IP: [IP],
    PC: [IP, PC],
    PT: [IP, PT],
    PX: [IP, PX],
    R: [IP, R],
    C: [IP, R, C],
    X: [X],
}


def test_tables_match_choices():
    assert {k: set(v) for k, v in TRANSITIONS.items()} == STAFF_ALLOWED
    assert {s: set(CUSTOMER_TRANSITIONS.get(s, ())) for s in Status.values} == CUSTOMER_ALLOWED
    for status in FINAL:
        assert not TRANSITIONS[status] and not CUSTOMER_TRANSITIONS.get(status)


def ticket_in(personas, status: str):
    """A ticket of customer_a in ``status``; every status but new has agent_1 as assignee."""
    if status == N:
        ticket = make_ticket(personas.customer_a, actor=personas.agent_1, team=personas.team_1)
        assert ticket.status == N
        return ticket
    ticket = make_ticket(
        personas.customer_a, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
    )
    for step in PATHS[status]:
        transition_ticket(actor=personas.agent_1, ticket=ticket, to=step, **RESOLUTION)
    assert fresh(ticket).status == status
    return ticket


def _status_entries(ticket):
    return list(TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.STATUS).order_by("id"))


@pytest.mark.parametrize("old", Status.values)
@pytest.mark.parametrize("new", Status.values)
def test_staff_transition_pair(personas, old, new):
    ticket = ticket_in(personas, old)
    version = fresh(ticket).version
    entries = len(_status_entries(ticket))
    if new not in STAFF_ALLOWED[old]:
        with refused("illegal_transition", Conflict) as info:
            transition_ticket(actor=personas.agent_1, ticket=ticket, to=new, **RESOLUTION)
        assert info.value.extra["allowed"] == allowed_transitions(fresh(ticket), personas.agent_1)
        return
    if old == N and new == A:  # a new ticket has nobody to be assigned to
        with refused("assignee_required", Conflict):
            transition_ticket(actor=personas.agent_1, ticket=ticket, to=new, **RESOLUTION)
        return
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=new, **RESOLUTION)
    stored = fresh(ticket)
    assert stored.status == new and stored.version == version + 1
    made = _status_entries(ticket)
    assert len(made) == entries + 1
    assert made[-1].data["old"] == old and made[-1].data["new"] == new and made[-1].public
    assert made[-1].actor == personas.agent_1
    if new == N:
        assert stored.assignee is None
    if new == R:
        assert (stored.resolution_code, stored.resolution_note) == ("solved", "Replaced the cable.")
        assert stored.resolved_at is not None
    if new in FINAL:
        assert stored.closed_at is not None
    if old == R and new == IP:
        assert stored.resolved_at is None and stored.reopen_count == 1


@pytest.mark.parametrize("old", Status.values)
@pytest.mark.parametrize("new", Status.values)
def test_customer_transition_pair(personas, old, new):
    ticket = ticket_in(personas, old)
    if new in CUSTOMER_ALLOWED[old]:
        transition_ticket(actor=personas.customer_a, ticket=ticket, to=new)
        assert fresh(ticket).status == new
        assert _status_entries(ticket)[-1].actor == personas.customer_a
    else:
        with refused("illegal_transition", Conflict):
            transition_ticket(actor=personas.customer_a, ticket=ticket, to=new, **RESOLUTION)


@pytest.mark.parametrize("old", [N, A, PC, R])
def test_outsider_customer_cannot_transition(personas, old):
    ticket = ticket_in(personas, old)
    for outsider in (personas.customer_b, personas.colleague_a):
        for new in CUSTOMER_ALLOWED[old]:
            with refused("not_found", NotFound):
                transition_ticket(actor=outsider, ticket=ticket, to=new)


def test_agent_of_other_team_cannot_transition(personas):
    ticket = ticket_in(personas, A)
    with refused("not_found", NotFound):
        transition_ticket(actor=personas.agent_2, ticket=ticket, to=IP)


def test_unknown_status_refused(personas):
    ticket = ticket_in(personas, A)
    with refused("invalid_status", ValidationFailed):
        transition_ticket(actor=personas.agent_1, ticket=ticket, to="done")


@pytest.mark.parametrize(
    ("code", "note", "field"),
    [
        ("", "did things", "resolution_code"),
        ("magic", "did things", "resolution_code"),
        ("solved", "", "resolution_note"),
        ("solved", "   \n ", "resolution_note"),
    ],
)
def test_resolution_requires_code_and_note(personas, code, note, field):
    ticket = ticket_in(personas, IP)
    with refused("resolution_required", ValidationFailed) as info:
        transition_ticket(
            actor=personas.agent_1, ticket=ticket, to=R, resolution_code=code, resolution_note=note
        )
    assert info.value.field == field
    assert fresh(ticket).status == IP


def test_resolution_entry_carries_code_and_note(personas):
    ticket = ticket_in(personas, IP)
    transition_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        to=R,
        resolution_code="workaround",
        resolution_note="  Use the web client.  ",
        reason="customer confirmed",
    )
    entry = _status_entries(ticket)[-1]
    assert entry.data == {
        "old": IP,
        "new": R,
        "reason": "customer confirmed",
        "resolution_code": "workaround",
        "resolution_note": "Use the web client.",
    }


def test_reopen_window_for_customers(personas, settings):
    settings.REOPEN_WINDOW_DAYS = 14
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        ticket = ticket_in(personas, R)
        assert fresh(ticket).resolved_at == start
    with time_machine.travel(start + datetime.timedelta(days=14), tick=False):
        assert IP in allowed_transitions(fresh(ticket), personas.customer_a)
    late = start + datetime.timedelta(days=14, seconds=1)
    with time_machine.travel(late, tick=False):
        stale = fresh(ticket)
        assert allowed_transitions(stale, personas.customer_a) == [C]
        with refused("reopen_window_passed", Conflict):
            transition_ticket(actor=personas.customer_a, ticket=stale, to=IP)
        # Closing still works for the customer, reopening still works for staff.
        transition_ticket(actor=personas.agent_1, ticket=stale, to=IP)
        stored = fresh(ticket)
        assert stored.status == IP and stored.reopen_count == 1 and stored.resolved_at is None


def test_customer_reopens_within_window_and_counts(personas):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ticket = ticket_in(personas, R)
    with time_machine.travel(start + datetime.timedelta(days=3), tick=False):
        transition_ticket(actor=personas.customer_a, ticket=ticket, to=IP, reason="still broken")
        transition_ticket(actor=personas.agent_1, ticket=ticket, to=R, **RESOLUTION)
        transition_ticket(actor=personas.customer_a, ticket=ticket, to=IP)
    stored = fresh(ticket)
    assert stored.reopen_count == 2 and stored.resolved_at is None


def test_allowed_transitions_menu(personas):
    new = ticket_in(personas, N)
    assert allowed_transitions(new, personas.agent_1) == [IP, PC, PT, PX, R, X]  # no assignee: not "assigned"
    assert allowed_transitions(new, personas.customer_a) == [X]
    assigned = ticket_in(personas, A)
    assert allowed_transitions(assigned, personas.agent_1) == [N, IP, PC, PT, PX, R, X]
    assert allowed_transitions(ticket_in(personas, C), personas.manager) == []


def test_expected_version_guards_transitions(personas):
    ticket = ticket_in(personas, A)
    with refused("stale_ticket", Conflict):
        transition_ticket(actor=personas.agent_1, ticket=ticket, to=IP, expected_version=ticket.version - 1)
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=IP, expected_version=ticket.version)
