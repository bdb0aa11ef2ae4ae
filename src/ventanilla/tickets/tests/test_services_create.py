"""create_ticket: numbering, routing, automatic assignment, priority, who may do what, bad input."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ventanilla.accounts.choices import AssignmentStrategy
from ventanilla.accounts.models import TeamMembership
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.models import ChangeAction, ChangeLogEntry
from ventanilla.testing.factories import (
    AgentFactory,
    CategoryFactory,
    CustomerFactory,
    OrganizationFactory,
    QueueFactory,
    ServiceFactory,
    TeamFactory,
    make_ticket,
)
from ventanilla.tickets.choices import (
    DEFAULT_PRIORITY_MATRIX,
    Impact,
    Priority,
    Status,
    TicketType,
    TimelineKind,
    Urgency,
)
from ventanilla.tickets.models import PriorityMatrixEntry, Ticket, TimelineEntry
from ventanilla.tickets.services import assign_ticket, compute_priority, transition_ticket

from .helpers import fresh, kinds, refused

pytestmark = pytest.mark.django_db


# --- numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticket_type", "prefix"),
    [
        (TicketType.INCIDENT, "INC"),
        (TicketType.REQUEST, "REQ"),
        (TicketType.QUESTION, "QST"),
    ],
)
def test_number_prefix_follows_type_and_digits_follow_id(personas, ticket_type, prefix):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, type=ticket_type)
    assert ticket.number == f"{prefix}-{ticket.pk:06d}"
    assert fresh(ticket).number == ticket.number  # stored, not only on the instance
    assert Ticket.pk_from_number(ticket.number) == ticket.pk
    assert Ticket.pk_from_number(ticket.number.lower()) == ticket.pk


def test_numbers_are_unique_across_types(personas):
    made = [make_ticket(personas.customer_a, actor=personas.agent_1, type=t) for t in TicketType.values * 3]
    numbers = [t.number for t in made]
    digits = [n.split("-")[1] for n in numbers]
    assert len(set(numbers)) == len(numbers)
    assert len(set(digits)) == len(digits), "digits must never repeat even with a different prefix"


def test_number_of_a_deleted_ticket_is_never_reused(personas):
    first = make_ticket(personas.customer_a, actor=personas.agent_1)
    last = make_ticket(personas.customer_a, actor=personas.agent_1)
    gone = last.number
    Ticket.objects.filter(pk=last.pk).delete()
    again = make_ticket(personas.customer_a, actor=personas.agent_1)
    assert again.number != gone
    assert again.pk > last.pk > first.pk


@pytest.mark.parametrize("text", ["", "123", "XYZ-000001", "INC-", "INC-12a", "INC000001"])
def test_pk_from_number_rejects_non_numbers(text):
    assert Ticket.pk_from_number(text) is None


# --- organisation, team, queue ----------------------------------------------------------------------------


def test_organization_comes_from_requester(personas):
    ticket = make_ticket(personas.customer_b, actor=personas.agent_1)
    assert fresh(ticket).organization == personas.org_b
    assert ticket.created_by == personas.agent_1


def test_requester_without_organization_gives_ticket_without_one(personas):
    loner = CustomerFactory(organization=None, email="solo@freelance.test")
    ticket = make_ticket(loner, actor=loner)
    assert ticket.organization is None


def test_team_from_service_owner(personas):
    service = ServiceFactory(name="VPN", owner_team=personas.team_2)
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, service=service)
    assert fresh(ticket).team == personas.team_2


def test_team_from_queue_wins_over_service_owner(personas):
    queue = QueueFactory(name="Desk queue", team=personas.team_1)
    service = ServiceFactory(name="VPN", owner_team=personas.team_2)
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, queue=queue, service=service)
    ticket = fresh(ticket)
    assert ticket.team == personas.team_1
    assert ticket.queue == queue


def test_explicit_team_wins(personas):
    service = ServiceFactory(name="VPN", owner_team=personas.team_2)
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, team=personas.team_1, service=service)
    assert fresh(ticket).team == personas.team_1


def test_created_ticket_has_public_created_entry_and_change_log(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, channel="email")
    entry = TimelineEntry.objects.get(ticket=ticket)
    assert entry.kind == TimelineKind.CREATED and entry.public
    assert entry.actor == personas.customer_a
    assert entry.data == {"channel": "email", "number": ticket.number}
    log = ChangeLogEntry.objects.get(object_id=str(ticket.pk), content_type__model="ticket")
    assert log.action == ChangeAction.CREATE
    assert log.actor_id == personas.customer_a.pk
    assert log.after["number"] == ticket.number
    assert "description_html" not in log.after


def test_html_description_is_sanitised_and_text_derived(personas):
    ticket = make_ticket(
        personas.customer_a,
        actor=personas.customer_a,
        description_html='<p onclick="x()">Screen <b>black</b></p><script>alert(1)</script>',
    )
    ticket = fresh(ticket)
    assert "script" not in ticket.description_html and "onclick" not in ticket.description_html
    assert "<b>black</b>" in ticket.description_html
    assert ticket.description == "Screen black"


def test_tags_normalised_and_watchers_exclude_requester(personas):
    ticket = make_ticket(
        personas.customer_a,
        actor=personas.agent_1,
        tags=[" VPN ", "vpn", "", "Urgent"],
        watchers=[personas.customer_a, personas.colleague_a],
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["urgent", "vpn"]
    assert list(ticket.watchers.all()) == [personas.colleague_a]


# --- automatic assignment ---------------------------------------------------------------------------------


@pytest.fixture
def rr_team(personas):
    team = TeamFactory(name="Round robin", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agents = [AgentFactory(email=f"rr{i}@desk.test") for i in range(3)]
    for agent in agents:
        TeamMembership.objects.create(team=team, user=agent)
    return team, agents


def test_manual_team_leaves_ticket_new_and_unassigned(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, team=personas.team_1)
    ticket = fresh(ticket)
    assert ticket.assignee is None and ticket.status == Status.NEW


def test_round_robin_rotates_through_members(personas, rr_team):
    team, agents = rr_team
    picked = [
        fresh(
            make_ticket(
                personas.customer_a,
                actor=personas.customer_a,
                team=None,
                service=ServiceFactory(name=f"S{i}", owner_team=team),
            )
        ).assignee
        for i in range(6)
    ]
    assert picked[:3] == agents  # never assigned before: in membership order
    assert picked[3:] == agents  # then the one waiting longest
    ticket = Ticket.objects.filter(assignee=agents[0]).first()
    assert ticket.status == Status.ASSIGNED
    assert TimelineKind.ASSIGNMENT in kinds(ticket)
    entry = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.ASSIGNMENT)
    assert entry.data["automatic"] is True and entry.public is False


def test_round_robin_skips_unavailable_and_inactive_members(personas, rr_team):
    team, (a0, a1, a2) = rr_team
    TeamMembership.objects.filter(team=team, user=a0).update(is_available=False)
    a1.is_active = False
    a1.save()
    service = ServiceFactory(name="S", owner_team=team)
    picked = {
        fresh(make_ticket(personas.customer_a, actor=personas.agent_1, service=service)).assignee
        for _ in range(3)
    }
    assert picked == {a2}


def test_round_robin_with_nobody_available_leaves_new(personas, rr_team):
    team, _agents = rr_team
    TeamMembership.objects.filter(team=team).update(is_available=False)
    ticket = fresh(make_ticket(personas.customer_a, actor=personas.agent_1, team=team))
    assert ticket.assignee is None and ticket.status == Status.NEW


def test_least_loaded_picks_agent_with_fewest_open_tickets(personas):
    team = TeamFactory(name="LL", assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    busy, idle, off = (AgentFactory(email=f"ll{i}@desk.test") for i in range(3))
    for agent in (busy, idle, off):
        TeamMembership.objects.create(team=team, user=agent)
    TeamMembership.objects.filter(user=off).update(is_available=False)
    for _ in range(2):
        make_ticket(personas.customer_a, actor=personas.agent_1, team=team, assignee=busy)
    # Resolved tickets are not load: idle gets two resolved ones and still counts as idle.
    for _ in range(2):
        t = make_ticket(personas.customer_a, actor=personas.agent_1, team=team, assignee=idle)
        transition_ticket(
            actor=personas.manager,
            ticket=t,
            to=Status.RESOLVED,
            resolution_code="solved",
            resolution_note="done",
        )
    first = fresh(make_ticket(personas.customer_a, actor=personas.agent_1, team=team))
    second = fresh(make_ticket(personas.customer_a, actor=personas.agent_1, team=team))
    third = fresh(make_ticket(personas.customer_a, actor=personas.agent_1, team=team))
    assert first.assignee == idle  # 0 open
    assert second.assignee == idle  # 1 open vs 2
    assert third.assignee in {idle, busy}  # 2 vs 2: tie broken by who waited longest
    assert third.assignee == busy
    assert off not in {first.assignee, second.assignee, third.assignee}


def test_explicit_assignee_is_not_overridden_by_strategy(personas, rr_team):
    team, agents = rr_team
    ticket = fresh(make_ticket(personas.customer_a, actor=personas.agent_1, team=team, assignee=agents[2]))
    assert ticket.assignee == agents[2] and ticket.status == Status.ASSIGNED


# --- priority ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("impact", "urgency"), sorted(DEFAULT_PRIORITY_MATRIX))
def test_priority_from_default_matrix(personas, impact, urgency):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, impact=impact, urgency=urgency)
    assert fresh(ticket).priority == DEFAULT_PRIORITY_MATRIX[(impact, urgency)]
    assert ticket.priority_overridden is False


def test_matrix_override_applies_even_after_the_matrix_was_cached(personas):
    assert compute_priority(Impact.MINOR, Urgency.LOW) == Priority.P4  # now cached
    cell = PriorityMatrixEntry.objects.create(impact=Impact.MINOR, urgency=Urgency.LOW, priority=Priority.P2)
    ticket = make_ticket(
        personas.customer_a, actor=personas.customer_a, impact=Impact.MINOR, urgency=Urgency.LOW
    )
    assert ticket.priority == Priority.P2
    cell.priority = Priority.P1
    cell.save()
    assert compute_priority(Impact.MINOR, Urgency.LOW) == Priority.P1
    cell.delete()
    assert compute_priority(Impact.MINOR, Urgency.LOW) == Priority.P4


def test_manual_priority_needs_reason(personas):
    with refused("priority_reason_required", ValidationFailed):
        make_ticket(personas.customer_a, actor=personas.agent_1, priority=Priority.P1)
    with refused("priority_reason_required", ValidationFailed):
        make_ticket(personas.customer_a, actor=personas.agent_1, priority=Priority.P1, priority_reason="   ")


def test_manual_priority_with_reason_is_recorded(personas):
    ticket = make_ticket(
        personas.customer_a, actor=personas.agent_1, priority=Priority.P1, priority_reason="  CEO laptop "
    )
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.priority_overridden, ticket.priority_reason) == (1, True, "CEO laptop")


def test_priority_equal_to_matrix_is_not_an_override(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, priority=Priority.P4)
    assert ticket.priority_overridden is False and ticket.priority_reason == ""


@pytest.mark.parametrize("bad", [0, 5, "P1", "high", -1])
def test_invalid_priority_is_refused_with_code(personas, bad):
    with refused("invalid_choice", ValidationFailed) as info:
        make_ticket(personas.customer_a, actor=personas.agent_1, priority=bad, priority_reason="why")
    assert info.value.field == "priority"


# --- customers' limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["team", "queue", "assignee", "priority"])
def test_customer_cannot_route_assign_or_prioritise(personas, field):
    value = {
        "team": personas.team_1,
        "queue": QueueFactory(name="Q", team=personas.team_1),
        "assignee": personas.agent_1,
        "priority": Priority.P4,
    }[field]
    with refused("routing_not_allowed", NotPermitted):
        make_ticket(personas.customer_a, actor=personas.customer_a, **{field: value})


def test_customer_cannot_open_for_someone_else(personas):
    with refused("requester_not_allowed", NotPermitted):
        make_ticket(personas.colleague_a, actor=personas.customer_a)
    with refused("requester_not_allowed", NotPermitted):
        make_ticket(personas.customer_a, actor=personas.customer_b)


def test_customer_manager_opens_for_colleagues_only(personas):
    ticket = make_ticket(personas.colleague_a, actor=personas.customer_manager_a)
    assert ticket.requester == personas.colleague_a and ticket.created_by == personas.customer_manager_a
    with refused("requester_not_allowed", NotPermitted):
        make_ticket(personas.customer_b, actor=personas.customer_manager_a)


def test_customer_cannot_file_ticket_under_another_organisation(personas):
    with refused("organization_mismatch", ValidationFailed):
        make_ticket(personas.customer_a, actor=personas.customer_a, organization=personas.org_b)
    loner = CustomerFactory(organization=None, email="solo@freelance.test")
    # Without an organisation of their own a customer still cannot attach themselves to one.
    with refused("organization_mismatch", ValidationFailed):
        make_ticket(loner, actor=loner, organization=personas.org_b)


# --- references that do not fit ---------------------------------------------------------------------------


def test_cross_organisation_references_refused(personas):
    with refused("organization_mismatch", ValidationFailed) as info:
        make_ticket(personas.customer_a, actor=personas.agent_1, organization=personas.org_b)
    assert info.value.field == "organization"


def test_watcher_from_another_organisation_refused(personas):
    with refused("organization_mismatch", ValidationFailed) as info:
        make_ticket(personas.customer_a, actor=personas.agent_1, watchers=[personas.customer_b])
    assert info.value.field == "watchers"
    with refused("organization_mismatch", ValidationFailed):
        make_ticket(personas.customer_a, actor=personas.customer_a, watchers=[personas.customer_b])
    # Agents and colleagues may watch.
    ticket = make_ticket(
        personas.customer_a, actor=personas.agent_1, watchers=[personas.colleague_a, personas.agent_2]
    )
    assert set(ticket.watchers.all()) == {personas.colleague_a, personas.agent_2}


def test_unusable_references_refused(personas):
    p = personas
    inactive_org = OrganizationFactory(name="Gone", is_active=False)
    gone_requester = CustomerFactory(email="gone@acme.test", organization=p.org_a, is_active=False)
    inactive_member = CustomerFactory(email="x@gone.test", organization=inactive_org)
    other_queue = QueueFactory(name="Net queue", team=p.team_2)
    old_service = ServiceFactory(name="Fax", is_active=False)
    service = ServiceFactory(name="Mail")
    other_service = ServiceFactory(name="ERP")
    category = CategoryFactory(name="Mailbox", service=service)
    dead_category = CategoryFactory(name="Old", is_active=False)
    cases = [
        ("inactive_requester", dict(requester=gone_requester)),
        ("inactive_organization", dict(requester=inactive_member)),
        ("queue_team_mismatch", dict(team=p.team_1, queue=other_queue)),
        ("invalid_assignee", dict(assignee=p.customer_a)),
        ("assignee_not_in_team", dict(team=p.team_1, assignee=p.agent_2)),
        ("inactive_service", dict(service=old_service)),
        ("inactive_category", dict(category=dead_category)),
        ("category_service_mismatch", dict(service=other_service, category=category)),
    ]
    for code, kwargs in cases:
        requester = kwargs.pop("requester", p.customer_a)
        with refused(code, ValidationFailed):
            make_ticket(requester, actor=p.agent_1, **kwargs)


def test_inactive_agent_cannot_be_assignee(personas):
    personas.agent_1.is_active = False
    personas.agent_1.save()
    with refused("invalid_assignee", ValidationFailed):
        make_ticket(personas.customer_a, actor=personas.manager, assignee=personas.agent_1)


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"type": "bug"}, "invalid_choice", "type"),
        ({"channel": "fax"}, "invalid_choice", "channel"),
        ({"impact": 9}, "invalid_choice", "impact"),
        ({"urgency": "soon"}, "invalid_choice", "urgency"),
        ({"title": "   "}, "required", "title"),
        ({"title": None}, "required", "title"),
        ({"title": "x" * 201}, "too_long", "title"),
    ],
)
def test_bad_input_refused_with_code_and_field(personas, kwargs, code, field):
    with refused(code, ValidationFailed) as info:
        make_ticket(personas.customer_a, actor=personas.customer_a, **kwargs)
    assert info.value.field == field


def test_title_at_limit_is_accepted(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="x" * 200)
    assert len(fresh(ticket).title) == 200


def test_system_actor_may_route_and_created_by_is_empty(personas):
    ticket = make_ticket(personas.customer_a, actor=None, team=personas.team_1, assignee=personas.agent_1)
    ticket = fresh(ticket)
    assert ticket.created_by is None and ticket.status == Status.ASSIGNED


def test_assign_after_create_keeps_number(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, team=personas.team_1)
    assign_ticket(actor=personas.agent_1, ticket=ticket, assignee=personas.agent_1)
    assert fresh(ticket).number == f"INC-{ticket.pk:06d}"
    assert fresh(ticket).created_at <= timezone.now() + datetime.timedelta(seconds=1)
