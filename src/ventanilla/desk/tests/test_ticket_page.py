"""The ticket page: header, composer with macros, stale-page protection, links, merge, related tickets."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ventanilla.desk.models import Macro
from ventanilla.desk.services import render_macro, save_view
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket, TicketLink
from ventanilla.tickets.services import add_comment, assign_ticket, link_tickets

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, ticket: Ticket, *args: Any) -> str:
    return reverse(f"desk:{name}", args=[ticket.pk, *args])


@pytest.fixture
def ticket(personas: Any) -> Ticket:
    return make_ticket(
        personas.customer_a, actor=personas.customer_a, title="VPN drops every hour", team=None
    )


def test_header_shows_number_status_priority_requester_and_vip(personas: Any, ticket: Ticket) -> None:
    personas.org_a.vip = True
    Ticket.objects.filter(pk=ticket.pk).update(organization=personas.org_a)
    type(personas.org_a).objects.filter(pk=personas.org_a.pk).update(vip=True)
    page = client_for(personas.agent_1).get(url("ticket-detail", ticket)).content.decode()
    assert ticket.number in page and "VPN drops every hour" in page
    assert "New" in page and "P4" in page
    assert "Ana" in page and "ana@acme.test" in page
    assert "Acme Corp" in page and "VIP" in page
    assert "No SLA" in page  # the SLA slot, empty without a policy


def test_only_legal_transitions_are_offered(personas: Any, ticket: Ticket) -> None:
    response = client_for(personas.agent_1).get(url("ticket-detail", ticket))
    offered = [value for value, _label in response.context["transition_form"].fields["to"].choices]
    assert "resolved" in offered and "closed" not in offered and "assigned" not in offered  # nobody assigned


def test_macro_placeholders_are_filled(personas: Any, ticket: Ticket) -> None:
    macro = Macro.objects.create(
        name="Greeting",
        body="Hola {requester.first_name}, about {ticket.number} ({organization.name}). "
        "{agent.name} · {ticket.__class__} {unknown.thing}",
    )
    text = render_macro(macro, ticket, personas.agent_1)
    assert text.startswith(f"Hola Ana, about {ticket.number} (Acme Corp). Agent1")
    assert "{ticket.__class__} {unknown.thing}" in text  # nothing outside the fixed list is reachable
    # The composer shows it filled in: without JavaScript via ?macro=, with htmx as a fragment.
    client = client_for(personas.agent_1)
    page = client.get(url("ticket-macro", ticket), {"macro": macro.pk}).content.decode()
    assert "Hola Ana" in page and "<html" in page
    fragment = client.get(url("ticket-macro", ticket), {"macro": macro.pk}, headers={"HX-Request": "true"})
    assert "Hola Ana" in fragment.content.decode() and "<html" not in fragment.content.decode()


def test_macro_sets_status_and_tags_when_sent(personas: Any, ticket: Ticket) -> None:
    macro = Macro.objects.create(
        name="Need info",
        body="Could you send a screenshot?",
        set_status="pending_customer",
        add_tags="needs-info, vpn",
    )
    client = client_for(personas.agent_1)
    client.post(
        url("ticket-comment", ticket),
        {
            "body": "Could you send a screenshot?",
            "visibility": "reply",
            "macro": macro.pk,
            "version": ticket.version,
        },
    )
    ticket.refresh_from_db()
    assert ticket.status == "pending_customer"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["needs-info", "vpn"]
    assert ticket.comments.get().public


def test_macros_of_other_teams_are_not_usable(personas: Any, ticket: Ticket) -> None:
    macro = Macro.objects.create(name="Team 2 secret", body="x", team=personas.team_2, set_status="cancelled")
    page = client_for(personas.agent_1).get(url("ticket-detail", ticket)).content.decode()
    assert "Team 2 secret" not in page
    client_for(personas.agent_1).post(url("ticket-comment", ticket), {"body": "hi", "macro": macro.pk})
    ticket.refresh_from_db()
    assert ticket.status == "new" and not ticket.comments.exists()


def test_reply_with_attachment(personas: Any, ticket: Ticket) -> None:
    upload = SimpleUploadedFile("log.txt", b"error at 10:02\n", content_type="text/plain")
    client_for(personas.agent_1).post(
        url("ticket-comment", ticket),
        {"body": "See the log", "attachments": upload, "version": ticket.version},
    )
    comment = ticket.comments.get()
    assert comment.attachments.get().filename == "log.txt"
    page = client_for(personas.customer_a).get(url("ticket-detail", ticket), follow=True).content.decode()
    assert "log.txt" in page  # the customer, sent on to the portal, sees the agent's file


def test_stale_page_is_told_before_overwriting(personas: Any, ticket: Ticket) -> None:
    seen = ticket.version
    add_comment(actor=personas.lead_1, ticket=ticket, body="I am on it", public=False)
    client = client_for(personas.agent_1)
    response = client.post(url("ticket-comment", ticket), {"body": "My late answer", "version": seen})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone changed this ticket" in page and "My late answer" in page and "I am on it" in page
    assert ticket.comments.count() == 1
    # The re-shown form carries the new version: sending again now works.
    ticket.refresh_from_db()
    assert response.context["composer"]["version"].value() == str(ticket.version)
    client.post(url("ticket-comment", ticket), {"body": "My late answer", "version": ticket.version})
    assert ticket.comments.count() == 2
    # Status changes and assignment are guarded the same way.
    client.post(url("ticket-transition", ticket), {"to": "in_progress", "version": seen})
    client.post(url("ticket-take", ticket), {"version": seen})
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.assignee is None


def test_version_poll(personas: Any, ticket: Ticket) -> None:
    client = client_for(personas.agent_1)
    data = client.get(url("ticket-version", ticket)).json()
    assert data == {"id": ticket.pk, "version": ticket.version, "updated_at": data["updated_at"]}
    quiet = client.get(url("ticket-changed", ticket), {"version": ticket.version})
    assert quiet.status_code == 200 and quiet.content == b""
    add_comment(actor=personas.lead_1, ticket=ticket, body="changed")
    warned = client.get(url("ticket-changed", ticket), {"version": ticket.version - 1})
    assert warned.status_code == 286 and "Lead1 changed this ticket" in warned.content.decode()


def test_assign_take_tags_links_and_merge(personas: Any, ticket: Ticket) -> None:
    client = client_for(personas.agent_1)
    client.post(
        url("ticket-assign", ticket),
        {"team": personas.team_1.pk, "assignee": personas.lead_1.pk, "version": ticket.version},
    )
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.status) == (personas.team_1, personas.lead_1, "assigned")
    client.post(url("ticket-take", ticket), {"version": ticket.version})
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent_1
    client.post(url("ticket-tags", ticket), {"tags": "vpn, network", "version": ticket.version})
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["network", "vpn"]

    other = make_ticket(personas.customer_a, actor=personas.customer_a, title="VPN again")
    client.post(url("ticket-link", ticket), {"kind": "related", "target": other.number})
    link = TicketLink.objects.get(source=ticket, target=other)
    assert other.number in client.get(url("ticket-detail", ticket)).content.decode()
    client.post(url("ticket-unlink", ticket, link.pk))
    assert not TicketLink.objects.filter(pk=link.pk).exists()
    response = client.post(
        url("ticket-link", ticket), {"kind": "related", "target": "INC-999999"}, follow=True
    )
    assert "not found" in response.content.decode()

    ticket.refresh_from_db()
    add_comment(actor=personas.customer_a, ticket=other, body="Same problem here")
    other.refresh_from_db()
    response = client.post(url("ticket-merge", other), {"target": ticket.number, "version": other.version})
    assert response["Location"] == url("ticket-detail", ticket)
    other.refresh_from_db()
    assert other.merged_into == ticket and other.status == "closed"
    assert ticket.comments.filter(body="Same problem here").exists()


def test_related_tickets_of_requester_and_organisation(personas: Any, ticket: Ticket) -> None:
    same_person = make_ticket(personas.customer_a, actor=personas.customer_a, title="Mouse broken")
    colleague = make_ticket(personas.colleague_a, actor=personas.colleague_a, title="Colleague's screen")
    make_ticket(personas.customer_b, actor=personas.customer_b, title="Globex thing")
    response = client_for(personas.agent_1).get(url("ticket-detail", ticket))
    assert [t.pk for t in response.context["same_requester"]] == [same_person.pk]
    assert [t.pk for t in response.context["same_org"]] == [colleague.pk]


def test_customer_sees_no_workspace_parts(personas: Any, ticket: Ticket) -> None:
    Macro.objects.create(name="Hidden macro", body="x")
    page = client_for(personas.customer_a).get(url("ticket-detail", ticket)).content.decode()
    for hidden in ("Hidden macro", "Internal note", "Assignment", "Related tickets", "Merge", "No SLA"):
        assert hidden not in page
    for name in ("ticket-take", "ticket-assign", "ticket-tags", "ticket-link", "ticket-merge"):
        assert client_for(personas.customer_a).post(url(name, ticket), {}).status_code == 404


def test_ticket_page_query_count_is_flat(personas: Any, ticket: Ticket) -> None:
    client = client_for(personas.agent_1)
    Macro.objects.create(name="One", body="x")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("ticket-detail", ticket)).status_code == 200
        return len(queries)

    client.get(url("ticket-detail", ticket))
    add_comment(actor=personas.agent_1, ticket=ticket, body="first", files=[("a.txt", b"a")])
    small = count()
    for n in range(8):
        add_comment(
            actor=personas.customer_a if n % 2 else personas.agent_1,
            ticket=ticket,
            body=f"c{n}",
            public=bool(n % 2 or n % 3),
            files=[(f"f{n}.txt", b"x")],
        )
        other = make_ticket(
            personas.customer_a if n % 2 else personas.colleague_a, actor=personas.agent_1, title=f"other {n}"
        )
        link_tickets(actor=personas.agent_1, source=ticket, target=other, kind="related")
        Macro.objects.create(name=f"Macro {n}", body="x")
    assign_ticket(actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    assert count() == small


def test_queue_page_query_count_is_flat(personas: Any) -> None:
    client = client_for(personas.agent_1)
    save_view(actor=personas.agent_1, name="Mine", filters={"status": ["new"]})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("desk:ticket-list")).status_code == 200
        return len(queries)

    make_ticket(personas.customer_a, actor=personas.agent_1, title="one", team=personas.team_1, tags=["a"])
    client.get(reverse("desk:ticket-list"))
    small = count()
    for n in range(20):
        requester = personas.customer_b if n % 2 else personas.colleague_a
        make_ticket(
            requester,
            actor=personas.agent_1,
            title=f"t{n}",
            team=personas.team_1,
            assignee=personas.agent_1 if n % 3 else None,
            tags=[f"tag{n}", "x"],
        )
    assert count() == small
