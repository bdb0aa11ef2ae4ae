"""Every workspace URL answers 404 to someone who may not see the ticket (and to customers for agent-only
pages); anonymous visitors are sent to sign in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ventanilla.desk.services import save_view
from ventanilla.desk.urls import urlpatterns
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import TicketLink
from ventanilla.tickets.services import link_tickets

pytestmark = pytest.mark.django_db

TICKET_URLS = [p.name for p in urlpatterns if "<int:pk>" in str(p.pattern) and p.name.startswith("ticket-")]
AGENT_ONLY = ["bulk", "contact", "callers", "view-save"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build(name: str, ticket_pk: int, link_pk: int) -> str:
    args = [ticket_pk, link_pk] if name == "ticket-unlink" else [ticket_pk]
    return reverse(f"desk:{name}", args=args)


@pytest.mark.parametrize("outsider", ["customer_b", "agent_2"])
def test_outsiders_get_404_on_every_ticket_url(personas: Any, outsider: str) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1, title="Secret", team=personas.team_1)
    other = make_ticket(personas.customer_a, actor=personas.agent_1, title="Other", team=personas.team_1)
    link = link_tickets(actor=personas.agent_1, source=ticket, target=other, kind="related")
    client = client_for(getattr(personas, outsider))
    assert len(TICKET_URLS) >= 12
    for name in TICKET_URLS:
        target = build(name, ticket.pk, link.pk)
        for method in ("get", "post"):
            response = getattr(client, method)(
                target,
                {
                    "version": ticket.version,
                    "body": "x",
                    "to": "cancelled",
                    "target": other.number,
                    "kind": "related",
                    "tags": "x",
                },
                follow=method == "get",  # a customer's GET is sent on to the portal: follow it
            )
            assert response.status_code in (404, 405), (name, method, response.status_code)
            assert response.status_code == 404 or method != "get" or name != "ticket-detail"
    ticket.refresh_from_db()
    assert ticket.status == "new" and not ticket.comments.exists() and not ticket.tags.exists()
    assert TicketLink.objects.filter(pk=link.pk).exists()


def test_customers_get_404_on_agent_pages(personas: Any) -> None:
    view = save_view(actor=personas.agent_1, name="Mine", filters={})
    client = client_for(personas.customer_a)
    for name in AGENT_ONLY:
        assert client.post(reverse(f"desk:{name}")).status_code == 404, name
    assert client.post(reverse("desk:view-delete", args=[view.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client = Client()
    for name in TICKET_URLS:
        response = client.get(build(name, ticket.pk, 1))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login"))
    for name in ("queue", "contact"):
        assert client.get(reverse(f"desk:{name}")).status_code == 302
