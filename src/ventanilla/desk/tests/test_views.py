"""The minimal desk pages: permissions (404 outside them), notes hidden from customers, flat query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.services import add_comment, assign_ticket

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail(ticket: Ticket) -> str:
    return reverse("desk:ticket-detail", args=[ticket.pk])


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("desk:ticket-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_and_login_by_email(client: Client, personas: Any) -> None:
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "ANA@acme.test", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_outsider_gets_404_on_other_organisations_ticket(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="Printer jam")
    outsider = client_for(personas.customer_b)
    assert outsider.get(detail(ticket), follow=True).status_code == 404  # sent to the portal, which 404s
    assert outsider.post(reverse("desk:ticket-comment", args=[ticket.pk]), {"body": "hi"}).status_code == 404
    assert (
        outsider.post(reverse("desk:ticket-transition", args=[ticket.pk]), {"to": "cancelled"}).status_code
        == 404
    )
    assert "Printer jam" not in outsider.get(reverse("desk:ticket-list"), follow=True).content.decode()
    assert client_for(personas.customer_a).get(detail(ticket), follow=True).status_code == 200


def test_customer_never_sees_internal_notes(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    add_comment(actor=personas.agent_1, ticket=ticket, body="SECRET-NOTE about the customer", public=False)
    add_comment(actor=personas.agent_1, ticket=ticket, body="PUBLIC-REPLY we are on it", public=True)
    customer_page = client_for(personas.customer_a).get(detail(ticket), follow=True).content.decode()
    assert "PUBLIC-REPLY" in customer_page
    assert "SECRET-NOTE" not in customer_page
    agent_page = client_for(personas.agent_1).get(detail(ticket)).content.decode()
    assert "SECRET-NOTE" in agent_page and "PUBLIC-REPLY" in agent_page


def test_customer_cannot_write_an_internal_note(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client = client_for(personas.customer_a)
    response = client.post(
        reverse("desk:ticket-comment", args=[ticket.pk]),
        {"body": "sneaky", "visibility": "note"},
        follow=True,
    )
    assert response.status_code == 404  # the workspace's forms are not for customers at all
    assert not ticket.comments.exists()


def test_reply_and_note_go_through_the_service(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    agent = client_for(personas.agent_1)
    agent.post(reverse("desk:ticket-comment", args=[ticket.pk]), {"body": "Checking", "visibility": "note"})
    client_for(personas.customer_a).post(reverse("portal:ticket-reply", args=[ticket.pk]), {"body": "Thanks"})
    assert list(ticket.comments.values_list("body", "public")) == [("Checking", False), ("Thanks", True)]
    assert ticket.timeline.filter(kind="note").exists()


def test_transition_form_lists_only_allowed_statuses(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    staff_page = client_for(personas.agent_1).get(detail(ticket)).content.decode()
    assert 'value="resolved"' in staff_page


def test_refused_transition_shows_the_service_message(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    agent = client_for(personas.agent_1)
    response = agent.post(
        reverse("desk:ticket-transition", args=[ticket.pk]),
        {"to": "resolved", "version": ticket.version},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert "resolution code" in response.content.decode()
    response = agent.post(
        reverse("desk:ticket-transition", args=[ticket.pk]),
        {"to": "in_progress", "version": ticket.version},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_stale_form_is_refused(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    old_version = ticket.version
    add_comment(actor=personas.agent_1, ticket=ticket, body="meanwhile")
    client_for(personas.agent_1).post(
        reverse("desk:ticket-transition", args=[ticket.pk]), {"to": "in_progress", "version": old_version}
    )
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_take_assigns_to_me(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client_for(personas.agent_1).post(reverse("desk:ticket-take", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent_1
    assert ticket.status == "assigned"


def test_list_filters_and_search(personas: Any) -> None:
    make_ticket(personas.customer_a, actor=personas.customer_a, title="Laptop battery dies", type="incident")
    make_ticket(personas.customer_a, actor=personas.customer_a, title="New monitor please", type="request")
    client = client_for(personas.agent_1)
    page = client.get(reverse("desk:ticket-list"), {"type": "request"}).content.decode()
    assert "New monitor please" in page and "Laptop battery dies" not in page
    page = client.get(reverse("desk:ticket-list"), {"q": "battery"}).content.decode()
    assert "Laptop battery dies" in page and "New monitor please" not in page
    # Nonsense filter values are ignored, not errors.
    assert client.get(reverse("desk:ticket-list"), {"status": "bogus", "before": "x"}).status_code == 200


def test_keyset_pagination(personas: Any, monkeypatch: Any) -> None:
    from ventanilla.desk import queue

    tickets = [
        make_ticket(personas.customer_a, actor=personas.customer_a, title=f"Ticket {n}") for n in range(5)
    ]
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    client = client_for(personas.manager)
    first = client.get(reverse("desk:ticket-list"))
    assert [t.pk for t in first.context["tickets"]] == [tickets[4].pk, tickets[3].pk]
    assert first.context["prev_url"] == ""
    second = client.get(reverse("desk:ticket-list") + first.context["next_url"])
    assert [t.pk for t in second.context["tickets"]] == [tickets[2].pk, tickets[1].pk]
    last = client.get(reverse("desk:ticket-list") + second.context["next_url"])
    assert [t.pk for t in last.context["tickets"]] == [tickets[0].pk]
    assert last.context["next_url"] == ""
    # Going back from the last page returns the page before it, in the same order.
    back = client.get(reverse("desk:ticket-list") + last.context["prev_url"])
    assert [t.pk for t in back.context["tickets"]] == [tickets[2].pk, tickets[1].pk]
    assert back.context["next_url"] and back.context["prev_url"]


@pytest.mark.parametrize("who", ["agent_1", "lead_1", "manager"])
def test_list_query_count_is_flat(personas: Any, who: str) -> None:
    user = getattr(personas, who)

    def count() -> int:
        client = client_for(user)
        client.get(reverse("desk:ticket-list"))  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("desk:ticket-list"))
        assert response.status_code == 200
        return len(queries)

    for n in range(2):
        ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title=f"first {n}")
        assign_ticket(actor=personas.lead_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1)
    small = count()
    for n in range(15):
        requester = personas.colleague_a if n % 2 else personas.customer_a
        ticket = make_ticket(requester, actor=requester, title=f"more {n}")
        assign_ticket(
            actor=personas.lead_1,
            ticket=ticket,
            team=personas.team_1,
            assignee=personas.lead_1 if n % 3 else personas.agent_1,
        )
    assert count() == small


def test_detail_query_count_is_flat(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client = client_for(personas.agent_1)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(ticket)).status_code == 200
        return len(queries)

    client.get(detail(ticket))
    add_comment(actor=personas.agent_1, ticket=ticket, body="one")
    small = count()
    for n in range(10):
        if n % 2:
            add_comment(actor=personas.customer_a, ticket=ticket, body=f"customer {n}")
        else:
            add_comment(actor=personas.agent_1, ticket=ticket, body=f"agent {n}", public=bool(n % 3))
    assert count() == small


@pytest.mark.parametrize(("language", "expected"), [("es", "Cola"), ("en", "Queue")])
def test_pages_render_in_both_languages(personas: Any, language: str, expected: str, settings: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client = client_for(personas.agent_1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("desk:ticket-list")).content.decode()
    assert f'<html lang="{language}">' in page
    assert expected in page
    assert client.get(detail(ticket)).status_code == 200
    anonymous = Client()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert anonymous.get(reverse("login")).status_code == 200


def test_language_switch_posts_to_setlang(personas: Any, settings: Any) -> None:
    client = client_for(personas.agent_1)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("desk:ticket-list")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Queue" in client.get(reverse("desk:ticket-list")).content.decode()


def test_pages_have_no_inline_scripts_or_styles(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    for url in (reverse("desk:ticket-list"), detail(ticket)):
        page = client_for(personas.agent_1).get(url).content.decode()
        assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_custom_404_page(personas: Any, settings: Any) -> None:
    settings.DEBUG = False
    response = client_for(personas.agent_1).get("/desk/tickets/999999/")
    assert response.status_code == 404
