"""Two workers ticking at once on PostgreSQL: every breach and escalation is written exactly once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from ventanilla.sla.choices import EscalationAction, OutboxKind
from ventanilla.sla.models import EscalationFiring, Outbox, TicketSlaTarget
from ventanilla.sla.services import RuleSpec
from ventanilla.sla.tick import TickResult, run_tick
from ventanilla.testing.factories import make_ticket

from .conftest import madrid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")


def test_two_workers_never_double_a_breach_or_an_escalation(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    make_policy(
        escalations=[
            RuleSpec("resolution", 50, EscalationAction.NOTIFY_TEAM_LEAD),
            RuleSpec("resolution", 100, EscalationAction.NOTIFY_MANAGER),
            RuleSpec("first_response", 80, EscalationAction.NOTIFY_ASSIGNEE),
        ]
    )
    clock(madrid(2026, 6, 3, 10, 0))
    tickets = [
        make_ticket(
            personas.customer_a, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
        )
        for _ in range(60)
    ]
    clock(madrid(2026, 6, 5, 12, 0))  # everything is due
    barrier = threading.Barrier(2)
    results: list[TickResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _round in range(3):  # keep ticking, as beat would, while the other worker runs
                results.append(run_tick(batch=7))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    n = len(tickets)
    assert sum(r.breached for r in results) == 2 * n  # first response + resolution, once each
    assert sum(r.escalated for r in results) == 3 * n
    assert Outbox.objects.filter(kind=OutboxKind.BREACH).count() == 2 * n
    assert Outbox.objects.filter(kind=OutboxKind.ESCALATION).count() == 3 * n
    assert EscalationFiring.objects.count() == 3 * n
    assert not TicketSlaTarget.objects.filter(breached_at__isnull=True).exists()
    # A restarted worker finds nothing left to do.
    assert not run_tick()
