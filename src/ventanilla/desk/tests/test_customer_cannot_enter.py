"""The attacker's view of the workspace: a customer (even a customer manager) gets nothing from /desk/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ventanilla.testing.factories import make_ticket

pytestmark = pytest.mark.django_db

GET_ROUTES = [
    ("desk:ticket-version", True),
    ("desk:ticket-changed", True),
    ("desk:ticket-macro", True),
    ("desk:view-counts", False),
    ("desk:queue-count", False),
    ("desk:contact", False),
    ("desk:callers", False),
    ("desk:report-sla", False),
]
POST_ROUTES = [
    "desk:ticket-comment",
    "desk:ticket-transition",
    "desk:ticket-take",
    "desk:ticket-assign",
    "desk:ticket-tags",
    "desk:ticket-link",
    "desk:ticket-merge",
]


@pytest.mark.parametrize("persona", ["customer_a", "customer_manager_a"])
@pytest.mark.parametrize(("name", "needs_ticket"), GET_ROUTES)
def test_customers_get_404_from_every_workspace_page(client, personas, persona, name, needs_ticket):
    user = getattr(personas, persona)
    ticket = make_ticket(user, actor=user)  # even their own ticket
    client.force_login(user)
    url = reverse(name, args=[ticket.pk]) if needs_ticket else reverse(name)
    response = client.get(url)
    assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("persona", ["customer_a", "customer_manager_a"])
def test_customers_following_a_workspace_link_land_in_the_portal(client, personas, persona):
    user = getattr(personas, persona)
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client.force_login(user)
    assert client.get(reverse("desk:queue")).url == reverse("portal:tickets")
    assert client.get(reverse("desk:ticket-list") + "?status=new").url == reverse("portal:tickets")
    response = client.get(reverse("desk:ticket-detail", args=[ticket.pk]))
    assert response.url == reverse("portal:ticket", args=[ticket.pk])


def test_outsider_following_a_workspace_link_gets_404_in_the_portal(client, personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client.force_login(personas.customer_b)
    response = client.get(reverse("desk:ticket-detail", args=[ticket.pk]), follow=True)
    assert response.status_code == 404


@pytest.mark.parametrize("name", POST_ROUTES)
def test_customers_cannot_act_through_workspace_forms(client, personas, name):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    version = ticket.version
    client.force_login(personas.customer_a)
    response = client.post(reverse(name, args=[ticket.pk]), {"body": "hola", "to": "resolved"})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.version == version


@pytest.mark.parametrize("name", ["desk:bulk", "desk:view-save"])
def test_customers_cannot_bulk_or_save_views(client, personas, name):
    client.force_login(personas.customer_a)
    assert client.post(reverse(name), {"name": "x", "action": "close"}).status_code == 404
