"""The SLA as agents see it in the workspace queue and on the ticket page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ventanilla.desk.sla import human_duration
from ventanilla.sla.tick import run_tick
from ventanilla.testing.factories import make_ticket

from .conftest import madrid

pytestmark = pytest.mark.django_db


def queue(client: Any, **params: str) -> str:
    return client.get(reverse("desk:ticket-list"), params).content.decode()


def test_queue_shows_remaining_time_then_breach_and_filters(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    p = personas
    make_policy(first_response_minutes=60, resolution_minutes=480)
    clock(madrid(2026, 6, 3, 10, 0))  # a Wednesday, office open
    late = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Breaching soon")
    clock(madrid(2026, 6, 3, 10, 50))
    fresh = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Fresh ticket")
    client = Client()
    client.force_login(p.agent_1)

    page = queue(client)
    assert "First response: 10 min left" in page  # 60 business minutes minus the 50 gone
    assert "sla-at-risk" in page
    breaching = queue(client, sla="breaching")
    assert late.number in breaching and fresh.number in breaching  # both due within the hour

    clock(madrid(2026, 6, 3, 11, 30))
    run_tick()
    page = queue(client, sla="breached")
    assert late.number in page and fresh.number not in page
    assert "First response: breached 30 min ago" in page
    assert "sla-breached" in page

    detail = client.get(reverse("desk:ticket-detail", args=[late.pk])).content.decode()
    assert "breached 30 min ago" in detail and "Resolution:" in detail


def test_paused_filter_and_no_sla(personas: Any, make_policy: Any, clock: Any) -> None:
    from ventanilla.tickets.services import transition_ticket

    p = personas
    clock(madrid(2026, 6, 3, 10, 0))
    without = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Before any policy")
    make_policy()
    waiting = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Waiting on customer")
    transition_ticket(actor=p.agent_1, ticket=waiting, to="pending_customer")

    client = Client()
    client.force_login(p.agent_1)
    page = queue(client, sla="paused")
    assert waiting.number in page and without.number not in page
    assert "paused, " in page
    assert "No SLA" in queue(client)


def test_customers_get_no_sla_filter(personas: Any, make_policy: Any) -> None:

    client = Client()
    client.force_login(personas.customer_a)
    page = queue(client, sla="breached")
    assert 'name="sla"' not in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 min"),
        (20, "1 min"),
        (600, "10 min"),
        (3600, "1 h"),
        (5400, "1 h 30 min"),
        (90000, "1 d 1 h"),
        (172800, "2 d"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_sort_by_next_deadline_pages_through_running_clocks(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    from ventanilla.desk.queue import paginate
    from ventanilla.tickets.models import Ticket

    p = personas
    clock(madrid(2026, 6, 3, 9, 0))
    make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Older policy-less")
    make_policy(first_response_minutes=240, resolution_minutes=480)
    created = []
    for minute in (0, 10, 20, 30, 40):
        clock(madrid(2026, 6, 3, 9, minute))
        created.append(make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title=f"At 9:{minute:02d}"))
    first = paginate(Ticket.objects.all(), "sla_next_due", page_size=2, with_count=False)
    assert [t.pk for t in first.tickets] == [created[0].pk, created[1].pk]
    second = paginate(
        Ticket.objects.all(), "sla_next_due", after=first.next_cursor, page_size=2, with_count=False
    )
    assert [t.pk for t in second.tickets] == [created[2].pk, created[3].pk]
    third = paginate(
        Ticket.objects.all(), "sla_next_due", after=second.next_cursor, page_size=2, with_count=False
    )
    assert [t.pk for t in third.tickets] == [created[4].pk] and not third.next_cursor
    client = Client()
    client.force_login(p.agent_1)
    page = queue(client, sort="sla_next_due")
    assert page.index(created[0].number) < page.index(created[4].number)
    assert "Older policy-less" not in page


def test_compliance_report_page(personas: Any, make_policy: Any, clock: Any) -> None:
    from ventanilla.tickets.services import add_comment

    p = personas
    make_policy(first_response_minutes=60, resolution_minutes=480)
    clock(madrid(2026, 6, 3, 10, 0))
    late = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Answered late")
    on_time = make_ticket(p.customer_a, actor=p.agent_1, team=p.team_1, title="Answered on time")
    hidden = make_ticket(p.customer_b, actor=p.agent_2, team=p.team_2, title="Another team's")
    clock(madrid(2026, 6, 3, 10, 30))
    add_comment(actor=p.agent_1, ticket=on_time, body="On it.")
    clock(madrid(2026, 6, 3, 12, 0))
    run_tick()
    add_comment(actor=p.agent_1, ticket=late, body="Sorry for the wait.")
    add_comment(actor=p.agent_2, ticket=hidden, body="Late too.")

    client = Client()
    client.force_login(p.agent_1)
    url = reverse("desk:report-sla")
    page = client.get(url, {"start": "2026-06-01", "end": "2026-06-30", "group_by": "organization"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "50.0 %" in html and "(1/2)" in html  # agent_1 sees only team 1's two tickets
    assert late.number in html and on_time.number not in html and hidden.number not in html
    assert 'id="sla-chart-data"' in html

    refused = client.get(url, {"start": "2026-06-30", "end": "2026-06-01"})
    assert "The period must start before it ends." in refused.content.decode()

    outsider = Client()
    outsider.force_login(p.customer_a)
    assert outsider.get(url).status_code == 404
