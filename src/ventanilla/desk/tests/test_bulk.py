"""Bulk actions: each ticket through its service, every ticket reported, refusals do not undo the rest."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ventanilla.core.models import ChangeLogEntry
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db
BULK = reverse("desk:bulk")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def tickets(personas: Any, n: int = 3, **fields: Any) -> list[Ticket]:
    return [
        make_ticket(personas.customer_a, actor=personas.agent_1, title=f"Bulk {i}", **fields)
        for i in range(n)
    ]


def refreshed(items: list[Ticket]) -> list[Ticket]:
    return [Ticket.objects.get(pk=t.pk) for t in items]


def test_bulk_assign(personas: Any) -> None:
    items = tickets(personas, team=personas.team_1)
    response = client_for(personas.lead_1).post(
        BULK, {"action": "assign", "ticket": [t.pk for t in items], "assignee": personas.agent_1.pk}
    )
    assert response.status_code == 200
    assert all(t.assignee == personas.agent_1 and t.status == "assigned" for t in refreshed(items))
    assert [o.ok for o in response.context["outcomes"]] == [True, True, True]
    assert (
        ChangeLogEntry.objects.filter(object_id__in=[str(t.pk) for t in items], action="update").count() >= 3
    )


def test_bulk_transition_reports_each_ticket(personas: Any) -> None:
    items = tickets(personas, team=personas.team_1)
    client = client_for(personas.agent_1)
    client.post(reverse("desk:ticket-transition", args=[items[0].pk]), {"to": "cancelled"})
    response = client.post(
        BULK, {"action": "transition", "ticket": [t.pk for t in items], "to": "in_progress"}
    )
    outcomes = {o.ticket_id: o for o in response.context["outcomes"]}
    assert not outcomes[items[0].pk].ok and "cannot go from" in outcomes[items[0].pk].message
    assert outcomes[items[1].pk].ok and outcomes[items[2].pk].ok
    assert [t.status for t in refreshed(items)] == ["cancelled", "in_progress", "in_progress"]
    page = response.content.decode()
    assert "2 done, 1 refused." in page and items[0].number in page


def test_bulk_resolve_needs_code_and_note(personas: Any) -> None:
    items = tickets(personas, 2)
    client = client_for(personas.manager)
    response = client.post(BULK, {"action": "transition", "ticket": [t.pk for t in items], "to": "resolved"})
    assert not any(o.ok for o in response.context["outcomes"])
    client.post(
        BULK,
        {
            "action": "transition",
            "ticket": [t.pk for t in items],
            "to": "resolved",
            "resolution_code": "solved",
            "resolution_note": "Rebooted the router",
        },
    )
    assert {t.status for t in refreshed(items)} == {"resolved"}


def test_bulk_tag(personas: Any) -> None:
    items = tickets(personas, 2, tags=["old"])
    client_for(personas.agent_1).post(
        BULK,
        {"action": "tag", "ticket": [t.pk for t in items], "add_tags": "vpn, outage", "remove_tags": "old"},
    )
    assert [sorted(t.tags.values_list("name", flat=True)) for t in items] == [["outage", "vpn"]] * 2


def test_bulk_merge(personas: Any) -> None:
    items = tickets(personas, 3)
    target = items[0]
    response = client_for(personas.agent_1).post(
        BULK, {"action": "merge", "ticket": [t.pk for t in items], "target": target.number}
    )
    assert len(response.context["outcomes"]) == 2  # the target is not merged into itself
    assert [t.merged_into_id for t in refreshed(items)] == [None, target.pk, target.pk]


def test_invisible_tickets_are_reported_not_found_and_untouched(personas: Any) -> None:
    mine = make_ticket(personas.customer_a, actor=personas.agent_1, title="Visible", team=personas.team_1)
    hidden = make_ticket(personas.customer_b, actor=personas.agent_2, title="Team 2", team=personas.team_2)
    response = client_for(personas.agent_1).post(
        BULK, {"action": "tag", "ticket": [mine.pk, hidden.pk], "add_tags": "x"}
    )
    outcomes = {o.ticket_id: o for o in response.context["outcomes"]}
    assert outcomes[mine.pk].ok and not outcomes[hidden.pk].ok
    assert "Team 2" not in response.content.decode()
    assert not hidden.tags.exists()


def test_bulk_needs_a_selection_and_parameters(personas: Any) -> None:
    client = client_for(personas.agent_1)
    response = client.post(BULK, {"action": "transition"}, follow=True)
    assert "Select at least one ticket." in response.content.decode()
    item = tickets(personas, 1)[0]
    response = client.post(BULK, {"action": "merge", "ticket": [item.pk]}, follow=True)
    assert "Give the number of the ticket to merge into." in response.content.decode()


def test_customers_cannot_bulk(personas: Any) -> None:
    item = make_ticket(personas.customer_a, actor=personas.customer_a)
    response = client_for(personas.customer_a).post(
        BULK, {"action": "transition", "ticket": [item.pk], "to": "cancelled"}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == "new"
