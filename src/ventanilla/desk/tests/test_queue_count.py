"""A text search shows its page first; the number of matches follows from a separate, restricted count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ventanilla.testing.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_search_defers_the_count_and_the_count_is_restricted(personas: Any, monkeypatch: Any) -> None:
    from ventanilla.desk import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)  # more matches than one page holds
    p = personas
    for n in range(3):
        make_ticket(p.customer_a, actor=p.customer_a, title=f"Impresora atascada {n}")
    make_ticket(p.customer_b, actor=p.customer_b, title="Impresora de Globex")

    agent = Client()
    agent.force_login(p.agent_1)
    page = agent.get(reverse("desk:ticket-list"), {"q": "impresora"}).content.decode()
    count_url = reverse("desk:queue-count")
    assert f'hx-get="{count_url}?q=impresora"' in page
    assert "4 tickets" not in page  # not counted inline
    assert "4 tickets" in agent.get(count_url, {"q": "impresora"}).content.decode()  # unrouted pool: all four

    outsider = Client()
    outsider.force_login(p.customer_b)
    assert outsider.get(count_url, {"q": "impresora"}).status_code == 404  # the workspace is for agents

    plain = agent.get(reverse("desk:ticket-list")).content.decode()
    assert "4 tickets" in plain and count_url not in plain  # without a text search the count is inline
    one_page = agent.get(reverse("desk:ticket-list"), {"q": "globex"}).content.decode()
    assert "1 ticket" in one_page and count_url not in one_page  # a complete first page counts itself


def test_count_requires_sign_in() -> None:
    response = Client().get(reverse("desk:queue-count"), {"q": "x"})
    assert response.status_code == 302
