"""create_tickets: a batch gets exactly what one-by-one creation gives, in a fixed number of statements."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from ventanilla.accounts.choices import AssignmentStrategy
from ventanilla.accounts.models import TeamMembership
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.models import ChangeAction, ChangeLogEntry
from ventanilla.testing.factories import AgentFactory, CustomerFactory, TeamFactory, make_ticket
from ventanilla.tickets.choices import Status, TicketType, TimelineKind
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.services import create_ticket, create_tickets

from .helpers import counts, fresh, kinds

pytestmark = pytest.mark.django_db


def items(requester, n, **extra):
    return [{"requester": requester, "title": f"Fallo {i}", "channel": "phone", **extra} for i in range(n)]


def test_batch_numbers_history_and_fields_match_single_creation(personas):
    single = create_ticket(
        actor=personas.agent_1, requester=personas.customer_a, title="Uno", channel="phone"
    )
    batch = create_tickets(
        actor=personas.agent_1,
        items=[
            {"requester": personas.customer_a, "title": "Dos", "channel": "phone", "tags": ["VPN", "vpn "]},
            {
                "requester": personas.customer_a,
                "title": "Tres",
                "channel": "email",
                "type": TicketType.REQUEST,
                "watchers": [personas.agent_2, personas.customer_a],
            },
        ],
    )
    assert [t.pk for t in batch] == sorted(t.pk for t in batch) and batch[0].pk > single.pk
    for ticket in batch:
        stored = fresh(ticket)
        assert stored.number == ticket.number == Ticket.format_number(ticket.type, ticket.pk)
        assert stored.status == Status.NEW and stored.organization == personas.customer_a.organization
        assert kinds(ticket) == kinds(single) == [TimelineKind.CREATED]
        entry = ChangeLogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(Ticket),
            object_id=str(ticket.pk),
            action=ChangeAction.CREATE,
        )
        assert entry.actor_id == personas.agent_1.pk and entry.after["title"] == ticket.title
    assert batch[1].number.startswith("REQ-")
    assert list(fresh(batch[0]).tags.values_list("name", flat=True)) == ["vpn"]
    # The requester is never listed as a watcher of their own ticket.
    assert list(fresh(batch[1]).watchers.all()) == [personas.agent_2]


def test_one_bad_item_refuses_the_whole_batch_and_names_it(personas):
    before = counts()
    bad = items(personas.customer_a, 3)
    bad[1]["title"] = "   "
    with pytest.raises(ValidationFailed) as info:
        create_tickets(actor=personas.agent_1, items=bad)
    assert info.value.code == "required" and info.value.field == "1.title"
    unknown = items(personas.customer_a, 2)
    unknown[0]["colour"] = "red"
    with pytest.raises(ValidationFailed) as info:
        create_tickets(actor=personas.agent_1, items=unknown)
    assert info.value.field == "0.colour" and info.value.code == "unknown_field"
    missing = items(personas.customer_a, 2)
    del missing[1]["channel"]
    with pytest.raises(ValidationFailed) as info:
        create_tickets(actor=personas.agent_1, items=missing)
    assert info.value.field == "1.channel" and info.value.code == "required"
    assert counts() == before


def test_attacker_cannot_batch_tickets_for_someone_else(personas):
    """A customer importing tickets 'for' another organisation's user is refused, nothing written."""
    before = counts()
    mine = items(personas.customer_a, 1)
    theirs = items(personas.customer_b, 1)
    with pytest.raises(NotPermitted):
        create_tickets(actor=personas.customer_a, items=[*mine, *theirs])
    with pytest.raises(NotPermitted):
        create_tickets(actor=personas.customer_a, items=items(personas.customer_a, 1, team=personas.team_1))
    assert counts() == before


def test_round_robin_spreads_a_batch_like_one_by_one(personas):
    team = TeamFactory(name="RR batch", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agents = [AgentFactory(email=f"rrb{i}@desk.test") for i in range(3)]
    for agent in agents:
        TeamMembership.objects.create(team=team, user=agent)
    batch = create_tickets(actor=personas.agent_1, items=items(personas.customer_a, 6, team=team))
    assert [fresh(t).assignee for t in batch] == agents + agents
    ticket = fresh(batch[0])
    assert ticket.status == Status.ASSIGNED
    assert kinds(ticket) == [TimelineKind.CREATED, TimelineKind.ASSIGNMENT, TimelineKind.STATUS]


def test_least_loaded_counts_the_batch_own_tickets(personas):
    team = TeamFactory(name="LL batch", assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    busy, idle = (AgentFactory(email=f"llb{i}@desk.test") for i in range(2))
    for agent in (busy, idle):
        TeamMembership.objects.create(team=team, user=agent)
    for _ in range(2):
        make_ticket(personas.customer_a, actor=personas.agent_1, team=team, assignee=busy)
    batch = create_tickets(actor=personas.agent_1, items=items(personas.customer_a, 4, team=team))
    # idle: 0 → 1 → 2 open; then 2 vs 2 (busy waited longer) → busy; then 2 vs 3 → idle.
    assert [fresh(t).assignee for t in batch] == [idle, idle, busy, idle]


@override_settings(MAIL_NOTIFY_ACK=False)
def test_statements_do_not_grow_with_the_batch(personas):
    """One statement per table: 5 and 50 tickets cost the same number of queries (no N+1)."""
    create_tickets(actor=personas.agent_1, items=items(personas.customer_a, 1, tags=["batch"]))  # warm caches
    sizes = {}
    for n in (5, 50):
        with CaptureQueriesContext(connection) as ctx:
            create_tickets(actor=personas.agent_1, items=items(personas.customer_a, n, tags=["batch"]))
        sizes[n] = len(ctx.captured_queries)
    assert sizes[5] == sizes[50], sizes
    assert sizes[5] <= 12, sizes


def test_single_creation_statement_budget(personas):
    """A portal ticket: INSERT (number included), change log, timeline, acknowledgement (rate check + row)."""
    create_ticket(
        actor=personas.customer_a, requester=personas.customer_a, title="Calentar", channel="portal"
    )
    with CaptureQueriesContext(connection) as ctx:
        ticket = create_ticket(
            actor=personas.customer_a, requester=personas.customer_a, title="Sin red", channel="portal"
        )
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"] not in ("BEGIN", "COMMIT") and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert not any(s.startswith("UPDATE") for s in statements), statements
    assert len(statements) <= 6, statements
    assert fresh(ticket).number == ticket.number


def test_rows_written_outside_the_services_get_numbers_too(personas):
    """The number is the database's job: a raw insert (import script, fixture) is numbered as well."""
    ticket = Ticket.objects.create(
        type=TicketType.QUESTION, title="Raw", requester=personas.customer_a, channel="api"
    )
    ticket.refresh_from_db()
    assert ticket.number == f"QST-{ticket.pk:06d}"
    big = Ticket.objects.create(pk=12_345_678, title="Big", requester=personas.customer_a, channel="api")
    big.refresh_from_db()
    assert big.number == "INC-12345678"  # wider than the padding, never cut
    kept = Ticket.objects.create(
        number="INC-LEGACY-7", title="Kept", requester=personas.customer_a, channel="api"
    )
    kept.refresh_from_db()
    assert kept.number == "INC-LEGACY-7"


def test_customer_without_organisation_can_still_batch_for_self():
    loner = CustomerFactory(email="loner@example.test", organization=None)
    (ticket,) = create_tickets(actor=loner, items=items(loner, 1))
    assert fresh(ticket).requester == loner
