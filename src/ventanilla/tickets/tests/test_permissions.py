"""Permission matrix for tickets and what hangs off them: roles × objects × actions through ``restrict``.

The expected tables are written out by hand. Letters: v=view, c=change, m=comment, t=transition, a=assign.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from ventanilla.accounts.models import TeamMembership
from ventanilla.core.permissions import can, get_restricted_or_404, restrict
from ventanilla.testing.factories import UserFactory, make_ticket
from ventanilla.tickets.choices import LinkKind, TimelineKind
from ventanilla.tickets.models import Attachment, Comment, Ticket, TicketLink, TimelineEntry
from ventanilla.tickets.services import (
    add_attachment,
    add_comment,
    assign_ticket,
    link_tickets,
    set_watchers,
    update_ticket,
)

pytestmark = pytest.mark.django_db

ACTIONS = {"v": "view", "c": "change", "m": "comment", "t": "transition", "a": "assign"}
CUSTOMER = "vmt"
STAFF = "vcmta"
NONE = ""

OBJECTS = ["a_unrouted", "a_team1", "a_colleague_team2", "b_team2", "b_team1_agent2", "b_unrouted"]

# persona → object → allowed actions
TICKETS: dict[str, dict[str, str]] = {
    "customer_a": {
        "a_unrouted": CUSTOMER,
        "a_team1": CUSTOMER,
        "a_colleague_team2": NONE,
        "b_team2": NONE,
        "b_team1_agent2": NONE,
        "b_unrouted": NONE,
    },
    "colleague_a": {
        "a_unrouted": NONE,
        "a_team1": NONE,
        "a_colleague_team2": CUSTOMER,
        "b_team2": NONE,
        "b_team1_agent2": NONE,
        "b_unrouted": NONE,
    },
    "customer_manager_a": {
        "a_unrouted": CUSTOMER,
        "a_team1": CUSTOMER,
        "a_colleague_team2": CUSTOMER,
        "b_team2": NONE,
        "b_team1_agent2": NONE,
        "b_unrouted": NONE,
    },
    "customer_b": {
        "a_unrouted": NONE,
        "a_team1": NONE,
        "a_colleague_team2": NONE,
        "b_team2": CUSTOMER,
        "b_team1_agent2": CUSTOMER,
        "b_unrouted": CUSTOMER,
    },
    "agent_1": {
        "a_unrouted": STAFF,
        "a_team1": STAFF,
        "a_colleague_team2": NONE,
        "b_team2": NONE,
        "b_team1_agent2": STAFF,
        "b_unrouted": STAFF,
    },
    "agent_2": {
        "a_unrouted": STAFF,
        "a_team1": NONE,
        "a_colleague_team2": STAFF,
        "b_team2": STAFF,
        "b_team1_agent2": STAFF,
        "b_unrouted": STAFF,
    },
    "lead_1": {
        "a_unrouted": STAFF,
        "a_team1": STAFF,
        "a_colleague_team2": NONE,
        "b_team2": NONE,
        "b_team1_agent2": STAFF,
        "b_unrouted": STAFF,
    },
    "manager": dict.fromkeys(OBJECTS, STAFF),
    "admin": dict.fromkeys(OBJECTS, STAFF),
    "inactive_agent": dict.fromkeys(OBJECTS, NONE),
    "anonymous": dict.fromkeys(OBJECTS, NONE),
}


def build_tickets(p: Any) -> dict[str, Ticket]:
    t = {
        "a_unrouted": make_ticket(p.customer_a, actor=p.customer_a),
        "a_team1": make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1),
        "a_colleague_team2": make_ticket(p.colleague_a, actor=p.agent_2, team=p.team_2),
        "b_team2": make_ticket(p.customer_b, actor=p.agent_2, team=p.team_2),
        "b_team1_agent2": make_ticket(p.customer_b, actor=p.agent_1, team=p.team_1),
        "b_unrouted": make_ticket(p.customer_b, actor=p.customer_b),
    }
    # agent_2 helped team 1 once and keeps the ticket after leaving the team: visible through the assignee.
    helper = TeamMembership.objects.create(team=p.team_1, user=p.agent_2)
    assign_ticket(actor=p.manager, ticket=t["b_team1_agent2"], assignee=p.agent_2)
    helper.delete()
    return t


def persona(p: Any, name: str) -> Any:
    if name == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    if name == "inactive_agent":
        user = UserFactory(email="gone@desk.test", role="agent", is_active=False)
        TeamMembership.objects.create(team=p.team_1, user=user)
        return user
    return getattr(p, name)


@pytest.fixture
def world(personas):
    return personas, build_tickets(personas)


@pytest.mark.parametrize("who", list(TICKETS))
def test_ticket_matrix(world, who):
    p, tickets = world
    user = persona(p, who)
    for letter, action in ACTIONS.items():
        visible = set(restrict(Ticket.objects.all(), user, action).values_list("pk", flat=True))
        expected = {tickets[name].pk for name, allowed in TICKETS[who].items() if letter in allowed}
        got = {name for name, t in tickets.items() if t.pk in visible}
        want = {name for name, t in tickets.items() if t.pk in expected}
        assert got == want, f"{who} {action}: got {sorted(got)}, expected {sorted(want)}"
        for ticket in tickets.values():
            assert can(user, action, ticket) == (ticket.pk in expected)


@pytest.mark.parametrize("who", ["customer_b", "agent_2", "colleague_a"])
def test_forbidden_ticket_answers_404(world, who):
    p, tickets = world
    with pytest.raises(Http404):
        get_restricted_or_404(Ticket.objects.all(), getattr(p, who), "view", pk=tickets["a_team1"].pk)
    with pytest.raises(Http404):
        get_restricted_or_404(Ticket.objects.all(), getattr(p, who), "view", pk="not-a-number")


def test_shares_tickets_toggle(world):
    p, tickets = world
    a_tickets = {tickets[n].pk for n in ("a_unrouted", "a_team1", "a_colleague_team2")}

    def seen(user):
        user = type(user).objects.get(pk=user.pk)  # a fresh request: no cached organisation
        return set(restrict(Ticket.objects.all(), user, "view").values_list("pk", flat=True))

    assert seen(p.customer_a) == {tickets["a_unrouted"].pk, tickets["a_team1"].pk}
    p.org_a.shares_tickets = True
    p.org_a.save()
    assert seen(p.customer_a) == a_tickets
    assert seen(p.colleague_a) == a_tickets
    assert seen(p.customer_b) & a_tickets == set()
    p.org_b.shares_tickets = True
    p.org_b.save()
    assert seen(p.customer_b) & a_tickets == set()
    p.org_a.shares_tickets = False
    p.org_a.save()
    assert seen(p.colleague_a) == {tickets["a_colleague_team2"].pk}
    assert seen(p.customer_manager_a) == a_tickets  # managers see the organisation regardless


def test_watcher_sees_ticket_and_loses_it_when_removed(world):
    p, tickets = world
    ticket = tickets["a_team1"]
    assert not can(p.colleague_a, "view", ticket)
    set_watchers(actor=p.agent_1, ticket=ticket, add=[p.colleague_a])
    assert can(p.colleague_a, "view", ticket) and can(p.colleague_a, "comment", ticket)
    assert not can(p.colleague_a, "change", ticket)
    set_watchers(actor=p.agent_1, ticket=ticket, remove=[p.colleague_a])
    assert not can(p.colleague_a, "view", ticket)


def test_moving_ticket_to_other_organisation_moves_visibility(world):
    p, _tickets = world
    loner = UserFactory(email="solo@freelance.test", role="customer")
    ticket = make_ticket(loner, actor=p.agent_1)
    assert not can(p.customer_manager_a, "view", ticket)
    update_ticket(actor=p.agent_1, ticket=ticket, changes={"organization": p.org_a})
    assert can(p.customer_manager_a, "view", ticket)
    assert not can(p.customer_b, "view", ticket)


# --- what hangs off a ticket ------------------------------------------------------------------------------


@pytest.fixture
def conversation(world):
    p, tickets = world
    ticket = tickets["a_team1"]
    reply = add_comment(actor=p.agent_1, ticket=ticket, body="public reply", files=[("r.txt", b"reply file")])
    note = add_comment(
        actor=p.agent_1, ticket=ticket, body="internal note", public=False, files=[("n.txt", b"note file")]
    )
    loose_public = add_attachment(actor=p.customer_a, ticket=ticket, filename="p.txt", content=b"public file")
    loose_internal = add_attachment(
        actor=p.agent_1, ticket=ticket, filename="i.txt", content=b"internal file", public=False
    )
    reply_file, note_file = reply.attachments.get(), note.attachments.get()
    # Defence in depth: an attachment flagged public but hanging off an internal note stays internal.
    mislabelled = Attachment.objects.create(
        ticket=ticket,
        comment=note,
        filename="m.txt",
        content_type="text/plain",
        size=1,
        sha256="0" * 64,
        public=True,
        file="attachments/00/0",
    )
    return (
        p,
        tickets,
        {
            "reply": reply,
            "note": note,
            "reply_file": reply_file,
            "note_file": note_file,
            "loose_public": loose_public,
            "loose_internal": loose_internal,
            "mislabelled": mislabelled,
        },
    )


# persona → (visible comments, visible attachments)
CONVERSATION: dict[str, tuple[set[str], set[str]]] = {
    "customer_a": ({"reply"}, {"reply_file", "loose_public"}),
    "customer_manager_a": ({"reply"}, {"reply_file", "loose_public"}),
    "colleague_a": (set(), set()),
    "customer_b": (set(), set()),
    "agent_1": (
        {"reply", "note"},
        {"reply_file", "note_file", "loose_public", "loose_internal", "mislabelled"},
    ),
    "lead_1": (
        {"reply", "note"},
        {"reply_file", "note_file", "loose_public", "loose_internal", "mislabelled"},
    ),
    "agent_2": (set(), set()),
    "manager": (
        {"reply", "note"},
        {"reply_file", "note_file", "loose_public", "loose_internal", "mislabelled"},
    ),
    "admin": (
        {"reply", "note"},
        {"reply_file", "note_file", "loose_public", "loose_internal", "mislabelled"},
    ),
}


@pytest.mark.parametrize("who", list(CONVERSATION))
def test_comment_and_attachment_matrix(conversation, who):
    p, _tickets, objs = conversation
    user = getattr(p, who)
    want_comments, want_files = CONVERSATION[who]
    comment_ids = set(restrict(Comment.objects.all(), user, "view").values_list("pk", flat=True))
    file_ids = set(restrict(Attachment.objects.all(), user, "view").values_list("pk", flat=True))
    assert {k for k in ("reply", "note") if objs[k].pk in comment_ids} == want_comments
    assert {k for k, o in objs.items() if k not in ("reply", "note") and o.pk in file_ids} == want_files
    for action in ("change", "delete"):  # written once, never edited: nobody, not even admins
        assert not restrict(Comment.objects.all(), user, action).exists()
        assert not restrict(Attachment.objects.all(), user, action).exists()


TIMELINE_PUBLIC = {TimelineKind.CREATED, TimelineKind.REPLY, TimelineKind.STATUS, TimelineKind.ATTACHMENT}


@pytest.mark.parametrize("who", list(CONVERSATION))
def test_timeline_matrix(conversation, who):
    p, tickets, _objs = conversation
    user = getattr(p, who)
    ticket = tickets["a_team1"]
    assign_ticket(actor=p.agent_1, ticket=ticket, assignee=p.agent_1)
    update_ticket(actor=p.agent_1, ticket=ticket, changes={"title": "secret triage title"})
    entries = restrict(TimelineEntry.objects.filter(ticket=ticket), user, "view")
    kinds = set(entries.values_list("kind", flat=True))
    all_kinds = set(TimelineEntry.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {TimelineKind.NOTE, TimelineKind.ASSIGNMENT, TimelineKind.FIELDS} <= all_kinds
    if who in ("customer_a", "customer_manager_a"):
        assert kinds == TIMELINE_PUBLIC
        assert not entries.filter(public=False).exists()
    elif who in ("agent_1", "lead_1", "manager", "admin"):
        assert kinds == all_kinds
    else:
        assert kinds == set()
    assert not restrict(TimelineEntry.objects.all(), user, "change").exists()


def test_customer_b_sees_nothing_of_org_a_anywhere(conversation):
    p, tickets, _objs = conversation
    link_tickets(actor=p.manager, source=tickets["a_team1"], target=tickets["b_team2"], kind=LinkKind.RELATED)
    a_ticket_ids = set(Ticket.objects.filter(organization=p.org_a).values_list("pk", flat=True))
    user = p.customer_b
    assert not restrict(Ticket.objects.filter(pk__in=a_ticket_ids), user, "view").exists()
    assert not restrict(Comment.objects.filter(ticket_id__in=a_ticket_ids), user, "view").exists()
    assert not restrict(Attachment.objects.filter(ticket_id__in=a_ticket_ids), user, "view").exists()
    assert not restrict(TimelineEntry.objects.filter(ticket_id__in=a_ticket_ids), user, "view").exists()
    assert not restrict(TicketLink.objects.all(), user, "view").exists()


# persona → visible links (a link shows only when both of its tickets are visible)
LINKS: dict[str, set[str]] = {
    "customer_a": {"a_a"},
    "customer_manager_a": {"a_a", "a_colleague"},
    "colleague_a": set(),
    "customer_b": {"b_b"},
    "agent_1": {"a_a", "a_b", "b_b"},
    "agent_2": {"b_b", "colleague_b"},
    "lead_1": {"a_a", "a_b", "b_b"},
    "manager": {"a_a", "a_b", "b_b", "a_colleague", "colleague_b"},
    "admin": {"a_a", "a_b", "b_b", "a_colleague", "colleague_b"},
}


@pytest.mark.parametrize("who", list(LINKS))
def test_link_matrix(world, who):
    p, t = world
    made = {
        "a_a": link_tickets(
            actor=p.manager, source=t["a_unrouted"], target=t["a_team1"], kind=LinkKind.RELATED
        ),
        "a_b": link_tickets(
            actor=p.manager, source=t["a_team1"], target=t["b_team1_agent2"], kind=LinkKind.CAUSED_BY
        ),
        "b_b": link_tickets(
            actor=p.manager, source=t["b_unrouted"], target=t["b_team1_agent2"], kind=LinkKind.PARENT_OF
        ),
        "a_colleague": link_tickets(
            actor=p.manager, source=t["a_team1"], target=t["a_colleague_team2"], kind=LinkKind.DUPLICATE_OF
        ),
        "colleague_b": link_tickets(
            actor=p.manager, source=t["a_colleague_team2"], target=t["b_team2"], kind=LinkKind.RELATED
        ),
    }
    visible = set(restrict(TicketLink.objects.all(), getattr(p, who), "view").values_list("pk", flat=True))
    assert {name for name, link in made.items() if link.pk in visible} == LINKS[who]


def test_only_requester_or_customer_manager_may_transition_a_shared_ticket(personas: Any) -> None:
    """Sharing lets colleagues and watchers see a ticket; withdrawing or closing it stays the requester's."""
    p = personas
    p.org_a.shares_tickets = True
    p.org_a.save()
    ticket = make_ticket(p.customer_a, actor=p.customer_a)
    set_watchers(actor=p.agent_1, ticket=ticket, add=[p.colleague_a])
    for user in (p.colleague_a,):
        user.refresh_from_db()
        assert can(user, "view", ticket)
        assert can(user, "comment", ticket)
        assert not can(user, "transition", ticket)
    assert can(p.customer_a, "transition", ticket)
    assert can(p.customer_manager_a, "transition", ticket)
    assert not can(p.customer_b, "transition", ticket)
