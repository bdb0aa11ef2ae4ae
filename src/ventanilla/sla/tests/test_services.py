"""Targets through the ticket services: creation, pause/resume, policy change, met, reopen, tick, outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from ventanilla.accounts.choices import Role
from ventanilla.core.errors import ValidationFailed
from ventanilla.sla import selectors
from ventanilla.sla.choices import EscalationAction, OutboxKind, OutboxState
from ventanilla.sla.delivery import deliver_outbox
from ventanilla.sla.models import EscalationFiring, Outbox, TicketSlaTarget
from ventanilla.sla.services import RuleSpec, apply_sla, default_calendar, match_policy, save_policy
from ventanilla.sla.tick import run_tick
from ventanilla.testing.factories import ContractFactory, ServiceFactory, UserFactory, make_ticket
from ventanilla.tickets.choices import Priority, Status
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.services import add_comment, transition_ticket, update_ticket

from .conftest import madrid

pytestmark = pytest.mark.django_db
H = 3600.0


def targets(ticket: Ticket) -> dict[str, TicketSlaTarget]:
    return {t.kind: t for t in TicketSlaTarget.objects.filter(ticket=ticket)}


def open_ticket(p: Any, **fields: Any) -> Ticket:
    fields.setdefault("team", p.team_1)
    fields.setdefault("assignee", p.agent_1)
    return make_ticket(p.customer_a, actor=p.agent_1, **fields)


def test_default_24x7_calendar_exists() -> None:
    calendar = default_calendar()
    assert calendar.name == "24×7"
    assert calendar.intervals.count() == 7


def test_no_matching_policy_means_no_sla(personas: Any, make_policy: Any) -> None:
    make_policy(organization=personas.org_b)
    ticket = open_ticket(personas)
    assert targets(ticket) == {}
    assert selectors.sla_state(ticket) == {"has_sla": False, "policy": None, "targets": {}}


def test_most_specific_policy_wins(personas: Any, make_policy: Any) -> None:
    service = ServiceFactory(name="Mail")
    contract = ContractFactory(organization=personas.org_a, starts_on=dt.date(2020, 1, 1))
    general = make_policy(name="General")
    by_priority = make_policy(name="P1", priority=Priority.P1)
    by_service = make_policy(name="Mail", service=service)
    by_org = make_policy(name="Acme", organization=personas.org_a)
    by_contract = make_policy(name="Acme contract", contract=contract)
    by_org_service = make_policy(name="Acme mail", organization=personas.org_a, service=service)
    t = Ticket(organization=personas.org_b, priority=Priority.P4, type="incident")
    assert match_policy(t) == general
    t.priority = Priority.P1
    assert match_policy(t) == by_priority
    t.service = service
    assert match_policy(t) == by_service
    t.organization = personas.org_a
    assert match_policy(t) == by_contract  # contract beats organisation + service
    t.service = None
    assert match_policy(t) == by_contract
    by_contract.is_active = False
    save_policy(actor=None, policy=by_contract, data={"is_active": False})
    assert match_policy(t) == by_org
    t.service = service
    assert match_policy(t) == by_org_service


def test_targets_on_creation_use_business_hours(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))  # Wednesday
    ticket = open_ticket(personas)
    found = targets(ticket)
    assert found["first_response"].due_at == madrid(2026, 6, 3, 11, 0)
    # 10–14 (4 h) + 15–18 (3 h) + Thursday 9–10 (1 h) = 8 h.
    assert found["resolution"].due_at == madrid(2026, 6, 4, 10, 0)
    state = selectors.sla_state(ticket)
    assert state["has_sla"] and state["targets"]["resolution"]["remaining_seconds"] == 8 * H
    assert "next_update" not in found


def test_pause_and_resume_exclude_waiting_time(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    clock(madrid(2026, 6, 3, 11, 0))
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.PENDING_CUSTOMER)
    res = targets(ticket)["resolution"]
    assert res.paused_since == madrid(2026, 6, 3, 11, 0) and res.due_at is None
    assert res.elapsed_seconds == H
    assert selectors.sla_state(ticket)["targets"]["resolution"]["paused"] is True
    assert list(selectors.paused(Ticket.objects.all())) == [ticket]

    clock(madrid(2026, 6, 5, 10, 0))  # two days later the customer answers
    ticket.refresh_from_db()
    add_comment(actor=personas.customer_a, ticket=ticket, body="Here is the log you asked for.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    res = targets(ticket)["resolution"]
    assert res.paused_since is None and res.elapsed_seconds == H
    # 7 hours left from Friday 10:00: 10–14 and 15–18.
    assert res.due_at == madrid(2026, 6, 5, 18, 0)


def test_policy_change_mid_life_keeps_elapsed_business_time(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    make_policy(name="Normal")
    make_policy(
        name="Critical",
        priority=Priority.P1,
        calendar=default_calendar(),
        first_response_minutes=30,
        resolution_minutes=240,
    )
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    clock(madrid(2026, 6, 3, 11, 0))
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.PENDING_THIRD_PARTY)
    clock(madrid(2026, 6, 3, 16, 0))
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.IN_PROGRESS)
    clock(madrid(2026, 6, 3, 16, 30))
    ticket.refresh_from_db()
    update_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        changes={"priority": Priority.P1, "priority_reason": "Whole floor down"},
    )
    res = targets(ticket)["resolution"]
    assert res.policy.name == "Critical"
    # 1 h before the pause + 30 min after it, measured on the office calendar; the pause does not count.
    assert res.elapsed_seconds == 1.5 * H
    assert res.target_seconds == 4 * H
    # 2.5 h left on the 24×7 calendar.
    assert res.due_at == madrid(2026, 6, 3, 19, 0)


def test_first_response_met_by_public_staff_reply_only(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    clock(madrid(2026, 6, 3, 10, 20))
    add_comment(actor=personas.agent_1, ticket=ticket, body="Internal: looking", public=False)
    assert targets(ticket)["first_response"].met_at is None
    clock(madrid(2026, 6, 3, 10, 40))
    add_comment(actor=personas.agent_1, ticket=ticket, body="We are on it.")
    first = targets(ticket)["first_response"]
    assert first.met_at == madrid(2026, 6, 3, 10, 40)
    assert first.breached_at is None and first.escalate_at is None
    assert selectors.sla_state(ticket)["targets"]["first_response"]["state"] == "met"


def test_resolve_meets_and_reopen_rearms(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    clock(madrid(2026, 6, 3, 12, 0))
    transition_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        to=Status.RESOLVED,
        resolution_code="solved",
        resolution_note="Replaced the toner.",
    )
    found = targets(ticket)
    assert found["resolution"].met_at == madrid(2026, 6, 3, 12, 0)
    assert found["first_response"].met_at == madrid(2026, 6, 3, 12, 0)  # resolving answers the customer
    clock(madrid(2026, 6, 4, 9, 0))
    ticket.refresh_from_db()
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.IN_PROGRESS)
    res = targets(ticket)["resolution"]
    assert res.met_at is None and res.elapsed_seconds == 2 * H
    assert res.due_at == madrid(2026, 6, 4, 16, 0)  # 6 h left from Thursday 09:00 (lunch excluded)
    assert targets(ticket)["first_response"].met_at is not None


def test_cancel_stops_the_clocks(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.CANCELLED)
    for target in targets(ticket).values():
        assert target.stopped_at is not None and target.due_at is None and target.last_started_at is None
    clock(madrid(2026, 6, 30, 10, 0))
    assert run_tick().breached == 0


def test_changing_service_to_one_without_policy_removes_the_sla(personas: Any, make_policy: Any) -> None:
    mail_service = ServiceFactory(name="Mail")
    make_policy(service=mail_service)
    ticket = open_ticket(personas, service=mail_service)
    assert set(targets(ticket)) == {"first_response", "resolution"}
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"service": None})
    assert targets(ticket) == {}


def test_tick_breaches_once_and_outbox_mails_the_assignee(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    clock(madrid(2026, 6, 3, 10, 59))
    assert run_tick().breached == 0
    assert list(selectors.breaching_within(Ticket.objects.all())) == [ticket]
    clock(madrid(2026, 6, 3, 11, 1))
    result = run_tick()
    assert result.breached == 1
    first = targets(ticket)["first_response"]
    assert first.breached_at == madrid(2026, 6, 3, 11, 0)
    assert run_tick().breached == 0  # idempotent
    assert list(selectors.breached(Ticket.objects.all())) == [ticket]
    state = selectors.sla_state(ticket)["targets"]["first_response"]
    assert state["breached"] and state["breached_for_seconds"] == 60 and state["remaining_seconds"] == -60
    assert Outbox.objects.filter(kind=OutboxKind.BREACH).count() == 1
    mail.outbox.clear()
    assert deliver_outbox() == 1
    assert [m.to for m in mail.outbox] == [[personas.agent_1.email]]
    row = Outbox.objects.get()
    assert row.state == OutboxState.DELIVERED and row.attempt_log.filter(ok=True).count() == 1
    assert deliver_outbox() == 0


def test_escalations_fire_once_each_and_actions_run(personas: Any, make_policy: Any, clock: Any) -> None:
    manager = personas.manager
    make_policy(
        escalations=[
            RuleSpec("resolution", 50, EscalationAction.NOTIFY_TEAM_LEAD),
            RuleSpec("resolution", 75, EscalationAction.RAISE_PRIORITY),
            RuleSpec("resolution", 90, EscalationAction.REASSIGN_TEAM, personas.team_2),
            RuleSpec("resolution", 100, EscalationAction.NOTIFY_MANAGER),
        ]
    )
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    res = targets(ticket)["resolution"]
    assert res.escalate_at == madrid(2026, 6, 3, 14, 0)  # 4 h of 8: the whole morning
    clock(madrid(2026, 6, 3, 15, 30))
    assert run_tick().escalated == 1
    assert run_tick().escalated == 0
    mail.outbox.clear()
    deliver_outbox()  # the first response breached at 11:00 (assignee) and the 50% escalation (lead)
    assert sorted(m.to[0] for m in mail.outbox) == [personas.agent_1.email, personas.lead_1.email]
    clock(madrid(2026, 6, 4, 9, 30))  # 7.5 h used: 75% and 90% are due
    assert run_tick().escalated == 2
    deliver_outbox()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P3 and ticket.team == personas.team_2
    assert EscalationFiring.objects.filter(ticket=ticket).count() == 3
    clock(madrid(2026, 6, 4, 11, 0))
    result = run_tick()
    assert result.breached == 1 and result.escalated == 1
    mail.outbox.clear()
    deliver_outbox()
    assert [manager.email] in [m.to for m in mail.outbox]
    assert run_tick().escalated == 0
    assert targets(ticket)["resolution"].escalate_at is None


def test_next_update_rearms_on_each_public_staff_reply(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy(
        next_update_minutes=120, escalations=[RuleSpec("next_update", 100, EscalationAction.NOTIFY_ASSIGNEE)]
    )
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    assert targets(ticket)["next_update"].due_at == madrid(2026, 6, 3, 12, 0)
    clock(madrid(2026, 6, 3, 11, 0))
    add_comment(actor=personas.agent_1, ticket=ticket, body="Still working on it.")
    update = targets(ticket)["next_update"]
    assert update.cycle == 2 and update.elapsed_seconds == 0 and update.due_at == madrid(2026, 6, 3, 13, 0)
    clock(madrid(2026, 6, 3, 15, 30))
    assert run_tick().escalated == 1
    add_comment(actor=personas.agent_1, ticket=ticket, body="Update: parts ordered.")
    update = targets(ticket)["next_update"]
    assert update.cycle == 3 and update.breached_at is None and update.breach_count == 1


def test_delivery_retries_with_backoff_and_logs_attempts(
    personas: Any, make_policy: Any, clock: Any, settings: Any
) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    open_ticket(personas)
    clock(madrid(2026, 6, 3, 11, 1))
    run_tick()
    settings.MAILERS = {"default": {"BACKEND": "ventanilla.sla.tests.broken_mail.Backend"}}
    assert deliver_outbox() == 0
    row = Outbox.objects.get()
    assert row.state == OutboxState.PENDING and row.attempts == 1 and "refused" in row.last_error
    assert row.next_attempt_at == madrid(2026, 6, 3, 11, 1, 30)
    assert deliver_outbox() == 0  # not due again yet
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    clock(madrid(2026, 6, 3, 11, 2))
    assert deliver_outbox() == 1
    assert list(Outbox.objects.get().attempt_log.values_list("ok", flat=True)) == [False, True]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"first_response_minutes": 0}, "invalid_target"),
        ({"resolution_minutes": -5}, "invalid_target"),
        ({"next_update_minutes": 0}, "invalid_target"),
        ({"pause_statuses": ["in_progress"]}, "invalid_pause_status"),
    ],
)
def test_bad_policies_are_refused(make_policy: Any, data: dict[str, Any], code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        make_policy(**data)
    assert info.value.code == code


def test_policy_that_matches_nothing_is_refused(personas: Any, make_policy: Any) -> None:
    contract = ContractFactory(organization=personas.org_a, starts_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationFailed) as info:
        make_policy(contract=contract, organization=personas.org_b)
    assert info.value.code == "policy_matches_nothing"
    covered = ServiceFactory(name="Covered")
    contract.services.set([covered])
    with pytest.raises(ValidationFailed) as info:
        make_policy(contract=contract, service=ServiceFactory(name="Other"))
    assert info.value.code == "policy_matches_nothing"
    make_policy(name="Same")
    with pytest.raises(ValidationFailed) as info:
        make_policy(name="Same criteria")
    assert info.value.code == "duplicate_criteria"
    with pytest.raises(ValidationFailed) as info:
        make_policy(name="Bad rule", priority=1, escalations=[RuleSpec("next_update", 50, "notify_assignee")])
    assert info.value.code == "invalid_escalation"


def test_only_managers_configure(personas: Any, make_policy: Any) -> None:
    from ventanilla.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        save_policy(
            actor=personas.agent_1, data={"name": "x", "first_response_minutes": 1, "resolution_minutes": 2}
        )
    assert UserFactory(role=Role.MANAGER).role == Role.MANAGER


def test_apply_sla_is_idempotent(personas: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    before = {k: (t.due_at, t.elapsed_seconds, t.updated_at) for k, t in targets(ticket).items()}
    clock(madrid(2026, 6, 3, 10, 30))
    apply_sla(ticket, actor=None, reason="test")
    apply_sla(ticket, actor=None, reason="test")
    after = {k: (t.due_at, t.elapsed_seconds, t.updated_at) for k, t in targets(ticket).items()}
    assert before == after


def test_backfill_gives_existing_open_tickets_their_targets(
    personas: Any, make_policy: Any, clock: Any
) -> None:
    from ventanilla.sla.services import backfill_targets

    clock(madrid(2026, 6, 3, 10, 0))
    ticket = open_ticket(personas)
    closed = open_ticket(personas)
    transition_ticket(actor=personas.agent_1, ticket=closed, to=Status.CANCELLED)
    assert targets(ticket) == {}
    make_policy()
    clock(madrid(2026, 6, 3, 11, 0))
    assert backfill_targets(Ticket.objects.all()) == 2
    assert targets(ticket)["first_response"].due_at == madrid(2026, 6, 3, 11, 0)  # counted from creation
    assert targets(closed) == {}
    assert backfill_targets(Ticket.objects.all()) == 0
