"""The queue: multi-select filters, sorting with keyset cursors, capped counts, default and saved views."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ventanilla.desk import queue
from ventanilla.desk.models import SavedView
from ventanilla.desk.services import save_view
from ventanilla.testing.factories import ServiceFactory, make_ticket
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.services import assign_ticket, set_tags, transition_ticket

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:ticket-list")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(response: Any) -> set[str]:
    return {t.number for t in response.context["tickets"]}


def sidebar(user: Any) -> list[Any]:
    """The views with their counts, as the htmx fragment loads them."""
    return client_for(user).get(reverse("desk:view-counts")).context["views"]


@pytest.fixture
def board(personas: Any) -> dict[str, Ticket]:
    """A small, varied queue: teams, assignees, statuses, priorities, organisations, tags, channels."""
    p = personas
    t: dict[str, Ticket] = {}
    t["mine"] = make_ticket(
        p.customer_a,
        actor=p.agent_1,
        title="Mine in progress",
        team=p.team_1,
        assignee=p.agent_1,
        impact=1,
        urgency=1,
        channel="phone",
    )
    transition_ticket(actor=p.agent_1, ticket=t["mine"], to="in_progress")
    t["pool"] = make_ticket(p.customer_a, actor=p.agent_1, title="Unassigned in team 1", team=p.team_1)
    t["lead"] = make_ticket(
        p.colleague_a, actor=p.lead_1, title="Lead's ticket", team=p.team_1, assignee=p.lead_1, type="request"
    )
    t["waiting"] = make_ticket(
        p.customer_b, actor=p.agent_1, title="Waiting for Globex", team=p.team_1, assignee=p.agent_1
    )
    transition_ticket(actor=p.agent_1, ticket=t["waiting"], to="pending_customer")
    t["other_team"] = make_ticket(p.customer_b, actor=p.agent_2, title="Team 2 only", team=p.team_2)
    t["loose"] = make_ticket(p.customer_a, actor=p.customer_a, title="Nobody routed it", type="question")
    set_tags(actor=p.agent_1, ticket=t["pool"], names=["vpn", "urgent"])
    set_tags(actor=p.agent_1, ticket=t["loose"], names=["printer"])
    for ticket in t.values():
        ticket.refresh_from_db()
    return t


def test_filters_are_multi_select_and_combine(personas: Any, board: dict[str, Ticket]) -> None:
    client = client_for(personas.agent_1)
    # Within a filter: alternatives. Two statuses, repeated or comma-separated.
    both = client.get(QUEUE, {"status": ["in_progress", "pending_customer"]})
    assert numbers(both) == {board["mine"].number, board["waiting"].number}
    assert numbers(client.get(QUEUE, {"status": "in_progress,pending_customer"})) == numbers(both)
    # Across filters: all must hold.
    assert numbers(
        client.get(
            QUEUE, {"status": ["in_progress", "pending_customer"], "organization": str(personas.org_a.pk)}
        )
    ) == {board["mine"].number}
    assert numbers(client.get(QUEUE, {"assignee": "none", "team": "mine"})) == {board["pool"].number}
    assert numbers(client.get(QUEUE, {"assignee": ["me"]})) == {board["mine"].number, board["waiting"].number}
    assert numbers(client.get(QUEUE, {"team": "none"})) == {board["loose"].number}
    assert numbers(client.get(QUEUE, {"type": ["request", "question"]})) == {
        board["lead"].number,
        board["loose"].number,
    }
    assert numbers(client.get(QUEUE, {"priority": "1"})) == {board["mine"].number}
    assert numbers(client.get(QUEUE, {"channel": "phone"})) == {board["mine"].number}
    assert numbers(client.get(QUEUE, {"tags": "vpn, printer"})) == {
        board["pool"].number,
        board["loose"].number,
    }
    assert numbers(client.get(QUEUE, {"q": "Globex"})) == {board["waiting"].number}
    assert board["other_team"].number not in numbers(client.get(QUEUE))  # the permission engine first


def test_filters_on_service_category_and_requester(personas: Any) -> None:
    service = ServiceFactory(name="Email")
    with_service = make_ticket(
        personas.customer_a, actor=personas.agent_1, title="Mail down", service=service
    )
    make_ticket(personas.customer_a, actor=personas.agent_1, title="Other")
    by_colleague = make_ticket(personas.colleague_a, actor=personas.colleague_a, title="Colleague")
    client = client_for(personas.manager)
    assert numbers(client.get(QUEUE, {"service": str(service.pk)})) == {with_service.number}
    assert numbers(client.get(QUEUE, {"requester": str(personas.colleague_a.pk)})) == {by_colleague.number}


def test_nonsense_filters_are_ignored(personas: Any, board: dict[str, Ticket]) -> None:
    client = client_for(personas.agent_1)
    response = client.get(
        QUEUE,
        {
            "status": "bogus",
            "priority": "x",
            "team": "999999",
            "sort": "password",
            "after": "not-a-cursor",
            "organization": "abc",
        },
    )
    assert response.status_code == 200


def test_customers_are_sent_to_the_portal(personas: Any, board: dict[str, Ticket]) -> None:
    client = client_for(personas.customer_a)
    response = client.get(QUEUE, {"team": str(personas.team_2.pk), "assignee": "none"})
    assert response.status_code == 302 and response.url == reverse("portal:tickets")


@pytest.mark.parametrize("sort", ["-id", "id", "-updated_at", "updated_at", "priority"])
def test_keyset_pages_cover_every_ticket_once_in_order(personas: Any, monkeypatch: Any, sort: str) -> None:
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    for n in range(8):
        make_ticket(personas.customer_a, actor=personas.agent_1, title=f"T{n}", impact=1 + n % 4, urgency=2)
    client = client_for(personas.manager)
    expected = list(Ticket.objects.order_by(*queue.SORTS[sort].ordering()).values_list("pk", flat=True))
    seen: list[int] = []
    url = f"?sort={sort}"
    pages = []
    while url:
        response = client.get(QUEUE + url)
        pages.append([t.pk for t in response.context["tickets"]])
        seen += pages[-1]
        url = response.context["next_url"]
    assert seen == expected
    # And backwards from the last page.
    back = client.get(QUEUE + response.context["prev_url"])
    assert [t.pk for t in back.context["tickets"]] == pages[-2]


def test_counts_are_capped(personas: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(queue, "COUNT_CAP", 3)
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    for n in range(5):
        make_ticket(personas.customer_a, actor=personas.agent_1, title=f"T{n}")
    response = client_for(personas.manager).get(QUEUE)
    assert response.context["page"].count_label == "3+"
    assert "3+ tickets" in response.content.decode()
    one = client_for(personas.manager).get(QUEUE, {"q": "T4"})
    assert one.context["page"].count_label == "1"
    monkeypatch.setattr(queue, "COUNT_CAP", 10)
    assert client_for(personas.manager).get(QUEUE).context["page"].count_label == "5"


def test_a_single_page_needs_no_count_query(personas: Any) -> None:
    make_ticket(personas.customer_a, actor=personas.agent_1, title="Only one")
    with CaptureQueriesContext(connection) as queries:
        response = client_for(personas.manager).get(QUEUE)
    assert response.context["page"].count_label == "1"
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_counts_stop_at_their_time_budget(personas: Any) -> None:
    make_ticket(personas.customer_a, actor=personas.agent_1, title="Slow")
    slow = Ticket.objects.extra(where=["pg_sleep(0.2) IS NOT NULL"])  # a count that cannot finish in time
    assert queue.capped_count(slow, budget_ms=20) == (None, True)
    assert Ticket.objects.count() == 1  # the connection is usable and the timeout is gone
    assert queue.capped_count(Ticket.objects.all(), budget_ms=20) == (1, False)


def test_default_views_and_their_counts(personas: Any, board: dict[str, Ticket]) -> None:
    response = client_for(personas.agent_1).get(QUEUE)
    assert response.context["counts_pending"] and 'hx-get="/desk/views/counts/' in response.content.decode()
    views = {v.key: v for v in sidebar(personas.agent_1)}
    # Counted once, the numbers come from the cache with the page itself.
    assert not client_for(personas.agent_1).get(QUEUE).context["counts_pending"]
    assert [views[k].name for k in ("mine", "unassigned", "awaiting", "today")] == [
        "My open",
        "Unassigned in my teams",
        "Awaiting customer",
        "Updated today",
    ]
    assert views["mine"].count == 2
    assert views["unassigned"].count == 1
    assert views["awaiting"].count == 1
    assert views["today"].count == 5  # everything agent 1 sees changed today
    page = client_for(personas.agent_1).get(QUEUE + "?" + views["unassigned"].query)
    assert numbers(page) == {board["pool"].number}
    assert 'aria-current="page"' in page.content.decode()


def test_saved_views_are_personal_or_shared_with_a_team(personas: Any, board: dict[str, Ticket]) -> None:
    agent = client_for(personas.agent_1)
    query = "status=new&status=assigned&tags=vpn"
    response = agent.post(
        reverse("desk:view-save"), {"name": "VPN work", "query": query, "team": personas.team_1.pk}
    )
    view = SavedView.objects.get(name="VPN work")
    assert response.status_code == 302 and f"view=saved-{view.pk}" in response["Location"]
    assert view.filters == {"status": ["new", "assigned"], "tags": ["vpn"]} and view.team == personas.team_1
    private = save_view(actor=personas.agent_1, name="Just mine", filters={"priority": ["1"]})
    # The team lead (same team) sees the shared view, not the private one; team 2 sees neither.
    lead_views = {v.name for v in sidebar(personas.lead_1)}
    assert "VPN work" in lead_views and "Just mine" not in lead_views
    assert not {"VPN work", "Just mine"} & {
        v.name for v in client_for(personas.agent_2).get(QUEUE).context["views"]
    }
    shared = next(v for v in sidebar(personas.lead_1) if v.name == "VPN work")
    assert shared.count == 1 and shared.saved_id is None  # not the lead's to delete
    assert numbers(client_for(personas.lead_1).get(QUEUE + "?" + shared.query)) == {board["pool"].number}
    # Only the owner deletes.
    assert client_for(personas.lead_1).post(reverse("desk:view-delete", args=[view.pk])).status_code == 404
    assert (
        client_for(personas.agent_2).post(reverse("desk:view-delete", args=[private.pk])).status_code == 404
    )
    agent.post(reverse("desk:view-delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_cannot_share_with_a_team_one_is_not_in(personas: Any) -> None:
    client_for(personas.agent_1).post(
        reverse("desk:view-save"), {"name": "Sneaky", "query": "status=new", "team": personas.team_2.pk}
    )
    assert not SavedView.objects.filter(name="Sneaky").exists()


def test_saving_a_view_twice_overwrites_it(personas: Any) -> None:
    save_view(actor=personas.agent_1, name="Mine", filters={"status": ["new"]})
    save_view(actor=personas.agent_1, name="Mine", filters={"status": ["resolved"]}, sort="priority")
    view = SavedView.objects.get(owner=personas.agent_1, name="Mine")
    assert view.filters == {"status": ["resolved"]} and view.sort == "priority"


def test_htmx_filtering_returns_only_the_results(personas: Any, board: dict[str, Ticket]) -> None:
    response = client_for(personas.agent_1).get(
        QUEUE, {"status": "new"}, headers={"HX-Request": "true", "HX-Target": "queue-results"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="queue-results"') and "<html" not in page


def test_assignment_for_saved_view_counts_reflects_changes(personas: Any, board: dict[str, Ticket]) -> None:
    assign_ticket(actor=personas.agent_1, ticket=board["pool"], assignee=personas.agent_1)
    views = {v.key: v for v in sidebar(personas.agent_1)}
    assert views["unassigned"].count == 0 and views["mine"].count == 3


def test_workspace_in_spanish(personas: Any, board: dict[str, Ticket], settings: Any) -> None:
    client = client_for(personas.agent_1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(QUEUE).content.decode()
    for text in (
        "Sin asignar en mis equipos",
        "Mis abiertos",
        "Acciones en bloque sobre los tickets seleccionados",
        "Registrar un contacto",
        "Atajos de teclado",
    ):
        assert text in page, text
    assert (
        "Nivel de servicio"
        in client.get(reverse("desk:ticket-detail", args=[board["pool"].pk])).content.decode()
    )
