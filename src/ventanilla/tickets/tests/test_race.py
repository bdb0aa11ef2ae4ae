"""Two agents acting on the same ticket at once: exactly one wins, the other gets ``stale_ticket``."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from ventanilla.core.errors import Conflict
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import Status, TimelineKind
from ventanilla.tickets.models import Ticket, TimelineEntry
from ventanilla.tickets.services import add_comment, assign_ticket, transition_ticket

from .helpers import fresh


@pytest.fixture
def assigned(personas):
    return make_ticket(
        personas.customer_a, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Status.IN_PROGRESS, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.CANCELLED),
        (Status.CANCELLED, Status.RESOLVED),
        (Status.NEW, Status.IN_PROGRESS),
    ],
)
def test_two_stale_copies_only_one_transition_wins(personas, assigned, first, second):
    mine, theirs = Ticket.objects.get(pk=assigned.pk), Ticket.objects.get(pk=assigned.pk)
    transition_ticket(
        actor=personas.agent_1, ticket=mine, to=first, resolution_code="solved", resolution_note="done"
    )
    with pytest.raises(Conflict) as info:
        transition_ticket(
            actor=personas.lead_1, ticket=theirs, to=second, resolution_code="solved", resolution_note="done"
        )
    assert info.value.code == "stale_ticket"
    stored = fresh(assigned)
    assert stored.status == first and stored.version == 2
    assert TimelineEntry.objects.filter(ticket=assigned, kind=TimelineKind.STATUS).count() == 1


@pytest.mark.django_db
def test_stale_assignment_cannot_undo_a_transition(personas, assigned):
    mine, theirs = fresh(assigned), fresh(assigned)
    transition_ticket(actor=personas.agent_1, ticket=mine, to=Status.NEW)  # unassigns
    with pytest.raises(Conflict) as info:
        assign_ticket(actor=personas.lead_1, ticket=theirs, assignee=personas.lead_1)
    assert info.value.code == "stale_ticket"
    stored = fresh(assigned)
    assert stored.status == Status.NEW and stored.assignee is None


@pytest.mark.django_db
def test_customer_reply_racing_agent_transition(personas, assigned):
    transition_ticket(actor=personas.agent_1, ticket=assigned, to=Status.PENDING_CUSTOMER)
    agent_copy, customer_copy = fresh(assigned), fresh(assigned)
    transition_ticket(
        actor=personas.agent_1,
        ticket=agent_copy,
        to=Status.RESOLVED,
        resolution_code="solved",
        resolution_note="no answer needed",
    )
    # The customer's reply must not drag a resolved ticket back to "in progress" behind the agent's back.
    with pytest.raises(Conflict):
        add_comment(actor=personas.customer_a, ticket=customer_copy, body="here is the info")
    assert fresh(assigned).status == Status.RESOLVED


def _race(pk: int, actors: list[Any], targets: list[str]) -> list[Any]:
    """Run one transition per thread, released together; each thread uses its own DB connection."""
    barrier = threading.Barrier(len(actors))
    results: list[Any] = [None] * len(actors)

    def work(i: int) -> None:
        try:
            ticket = Ticket.objects.get(pk=pk)  # both read the same status before either writes
            barrier.wait(timeout=10)
            transition_ticket(
                actor=actors[i],
                ticket=ticket,
                to=targets[i],
                resolution_code="solved",
                resolution_note="done",
            )
            results[i] = "won"
        except Conflict as exc:
            results[i] = exc.code
        except Exception as exc:  # surfaced in the assertion below
            results[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "targets",
    [
        [Status.IN_PROGRESS, Status.IN_PROGRESS],
        [Status.RESOLVED, Status.CANCELLED],
        [Status.IN_PROGRESS, Status.CANCELLED, Status.PENDING_CUSTOMER, Status.RESOLVED],
    ],
)
def test_real_concurrent_transitions_on_postgresql(targets):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locking with separate connections")
    from ventanilla.testing.personas import build_personas

    p = build_personas()
    ticket = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, assignee=p.agent_1)
    actors = [p.agent_1, p.lead_1, p.manager, p.admin][: len(targets)]
    for _attempt in range(5):  # repeat: the interleaving differs from run to run
        results = _race(ticket.pk, actors, targets)
        assert results.count("won") == 1, results
        assert all(r in {"won", "stale_ticket"} for r in results), results
        stored = fresh(ticket)
        winner = targets[results.index("won")]
        assert stored.status == winner
        entries = TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.STATUS).order_by("-id")
        assert entries[0].data["new"] == winner
        if winner in {Status.CANCELLED, Status.CLOSED}:
            break
        # back to assigned for the next round (through legal moves)
        if stored.status != Status.IN_PROGRESS:
            transition_ticket(actor=p.manager, ticket=stored, to=Status.IN_PROGRESS)
        transition_ticket(actor=p.manager, ticket=stored, to=Status.ASSIGNED)


@pytest.mark.django_db
def test_reply_from_stale_copy_keeps_first_response_time(personas, assigned):
    mine, theirs = fresh(assigned), fresh(assigned)
    add_comment(actor=personas.agent_1, ticket=mine, body="On it")
    first = fresh(assigned).first_response_at
    assert first is not None
    add_comment(actor=personas.lead_1, ticket=theirs, body="Me too")  # theirs still thinks nobody answered
    assert fresh(assigned).first_response_at == first
    assert theirs.first_response_at == first  # the in-memory copy is brought up to date
