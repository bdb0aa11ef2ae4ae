"""Property: no sequence of service calls, by anyone, from fresh or stale copies, reaches an illegal state.

A hypothesis state machine drives transition/assign/comment/update/merge with random personas on a few
tickets, keeping two in-memory copies of each (so some calls act on stale data, as two browser tabs would).
After every call the stored ticket is checked against the lifecycle's invariants.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from ventanilla.accounts.choices import AssignmentStrategy
from ventanilla.core.errors import DomainError
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import (
    CUSTOMER_TRANSITIONS,
    FINAL,
    OPEN,
    TRANSITIONS,
    ResolutionCode,
    Status,
    TimelineKind,
)
from ventanilla.tickets.models import Comment, Ticket, TimelineEntry
from ventanilla.tickets.services import (
    add_comment,
    assign_ticket,
    merge_tickets,
    transition_ticket,
    update_ticket,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("VENTANILLA_PROPERTY_EXAMPLES", "30"))


@dataclass(frozen=True)
class Observed:
    status: str
    assignee_id: int | None
    team_id: int | None
    version: int
    title: str
    resolution_code: str
    resolution_note: str
    resolved_at: Any
    closed_at: Any
    first_response_at: Any
    merged_into_id: int | None
    comments: int
    timeline: int

    @classmethod
    def of(cls, pk: int) -> Observed:
        t = Ticket.objects.get(pk=pk)
        return cls(
            t.status,
            t.assignee_id,
            t.team_id,
            t.version,
            t.title,
            t.resolution_code,
            t.resolution_note,
            t.resolved_at,
            t.closed_at,
            t.first_response_at,
            t.merged_into_id,
            Comment.objects.filter(ticket_id=pk).count(),
            TimelineEntry.objects.filter(ticket_id=pk).count(),
        )


def check_state(o: Observed) -> None:
    if o.status == Status.RESOLVED:
        assert o.resolution_code in ResolutionCode.values and o.resolution_note.strip() and o.resolved_at
    if o.status == Status.ASSIGNED:
        assert o.assignee_id is not None, "assigned without an assignee"
    if o.status in OPEN:
        assert o.resolved_at is None, "an open ticket keeps a resolution time"
    if o.status in FINAL:
        assert o.closed_at is not None


def make_machine(p: Any) -> type[RuleBasedStateMachine]:
    customers = [p.customer_a, p.colleague_a, p.customer_manager_a, p.customer_b]
    staff = [p.agent_1, p.agent_2, p.lead_1, p.manager, None]
    actors = st.sampled_from(customers + staff)
    p.team_1.assignment_strategy = AssignmentStrategy.ROUND_ROBIN
    p.team_1.save()

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.copies: list[list[Ticket]] = []

        @initialize()
        def open_tickets(self) -> None:
            for ticket in (
                make_ticket(p.customer_a, actor=p.customer_a),  # unrouted
                make_ticket(p.colleague_a, actor=p.agent_1, team=p.team_1),  # round robin picks someone
                make_ticket(p.customer_manager_a, actor=p.agent_2, team=p.team_2, assignee=p.agent_2),
            ):
                self.copies.append([Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)])
                check_state(Observed.of(ticket.pk))

        # Each rule acts on one of two copies of a ticket; either may be stale.
        def _ticket(self, index: int, copy: int) -> Ticket:
            return self.copies[index % len(self.copies)][copy]

        def _act(self, actor: Any, tickets: list[Ticket], call: Any, customer_moves: bool = False) -> None:
            pks = [t.pk for t in tickets]
            before = {pk: Observed.of(pk) for pk in pks}
            entries = {pk: _last_entry_id(pk) for pk in pks}
            try:
                call()
                ok = True
            except DomainError:
                ok = False
            if actor is not None and actor == p.customer_b:
                assert not ok, "a customer of another organisation changed an Acme ticket"
            for pk in pks:
                old, new = before[pk], Observed.of(pk)
                check_state(new)
                if not ok:
                    assert new == old, "a refused call changed the ticket"
                    continue
                if old.status in FINAL:
                    assert new == old, "a closed or cancelled ticket changed"
                if new != old:
                    assert new.version > old.version, "a change without a new version"
                if old.first_response_at is not None:
                    assert new.first_response_at == old.first_response_at
                if new.first_response_at is not None and old.first_response_at is None:
                    assert actor is None or actor.is_staff_side
                self._check_status_entries(pk, old, new, entries[pk], customer_moves)

        def _check_status_entries(
            self, pk: int, old: Observed, new: Observed, after_id: int, customer_moves: bool
        ) -> None:
            """The status entries written by this call form a legal chain from the old to the new status."""
            hops = list(
                TimelineEntry.objects.filter(ticket_id=pk, kind=TimelineKind.STATUS, id__gt=after_id)
                .order_by("id")
                .values_list("data", flat=True)
            )
            current = old.status
            for hop in hops:
                assert hop["old"] == current, f"timeline says {hop['old']}, ticket was {current}"
                merged = new.merged_into_id is not None and hop["new"] == Status.CLOSED
                table = CUSTOMER_TRANSITIONS if customer_moves else TRANSITIONS
                assert merged or hop["new"] in table.get(current, ()), f"illegal hop {current} → {hop['new']}"
                current = hop["new"]
            assert current == new.status, "status changed without a timeline entry"

        @rule(
            index=st.integers(0, 5),
            copy=st.integers(0, 1),
            actor=actors,
            to=st.sampled_from(Status.values),
            resolve=st.booleans(),
            reason=st.sampled_from(["", "because"]),
        )
        def transition(self, index: int, copy: int, actor: Any, to: str, resolve: bool, reason: str) -> None:
            ticket = self._ticket(index, copy)
            extra = {"resolution_code": "solved", "resolution_note": "fixed"} if resolve else {}
            self._act(
                actor,
                [ticket],
                lambda: transition_ticket(actor=actor, ticket=ticket, to=to, reason=reason, **extra),
                customer_moves=actor is not None and not actor.is_staff_side,
            )

        @rule(
            index=st.integers(0, 5),
            copy=st.integers(0, 1),
            actor=actors,
            team=st.sampled_from(["unset", None, "team_1", "team_2"]),
            assignee=st.sampled_from(["unset", None, "agent_1", "agent_2", "lead_1", "customer_a"]),
        )
        def assign(self, index: int, copy: int, actor: Any, team: Any, assignee: Any) -> None:
            ticket = self._ticket(index, copy)
            kwargs = {}
            if team != "unset":
                kwargs["team"] = getattr(p, team) if team else None
            if assignee != "unset":
                kwargs["assignee"] = getattr(p, assignee) if assignee else None
            self._act(actor, [ticket], lambda: assign_ticket(actor=actor, ticket=ticket, **kwargs))

        @rule(index=st.integers(0, 5), copy=st.integers(0, 1), actor=actors, public=st.booleans())
        def comment(self, index: int, copy: int, actor: Any, public: bool) -> None:
            ticket = self._ticket(index, copy)
            self._act(
                actor, [ticket], lambda: add_comment(actor=actor, ticket=ticket, body="words", public=public)
            )

        @rule(
            index=st.integers(0, 5), copy=st.integers(0, 1), actor=actors, title=st.sampled_from(["A", "B"])
        )
        def edit(self, index: int, copy: int, actor: Any, title: str) -> None:
            ticket = self._ticket(index, copy)
            self._act(
                actor, [ticket], lambda: update_ticket(actor=actor, ticket=ticket, changes={"title": title})
            )

        @rule(source=st.integers(0, 5), into=st.integers(0, 5), copy=st.integers(0, 1), actor=actors)
        def merge(self, source: int, into: int, copy: int, actor: Any) -> None:
            a, b = self._ticket(source, copy), self._ticket(into, 1 - copy)
            if a.pk == b.pk:
                return
            self._act(actor, [a, b], lambda: merge_tickets(actor=actor, source=a, target=b))

        @rule(index=st.integers(0, 5), copy=st.integers(0, 1))
        def reload(self, index: int, copy: int) -> None:
            ticket = self._ticket(index, copy)
            self.copies[index % len(self.copies)][copy] = Ticket.objects.get(pk=ticket.pk)

    return Lifecycle


def _last_entry_id(pk: int) -> int:
    last = TimelineEntry.objects.filter(ticket_id=pk).order_by("-id").values_list("id", flat=True).first()
    return last or 0


def test_no_sequence_of_calls_reaches_an_illegal_state(personas):
    run_state_machine_as_test(
        make_machine(personas),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_invariant_checker_is_not_vacuous(personas):
    """The checker must reject the states it is meant to forbid (guards against a checker that passes all)."""
    ticket = make_ticket(personas.customer_a, actor=personas.agent_1)
    base = Observed.of(ticket.pk)
    bad = [
        {"status": Status.ASSIGNED, "assignee_id": None},
        {"status": Status.RESOLVED, "resolution_code": "", "resolution_note": "x", "resolved_at": 1},
        {"status": Status.RESOLVED, "resolution_code": "solved", "resolution_note": " ", "resolved_at": 1},
        {"status": Status.RESOLVED, "resolution_code": "solved", "resolution_note": "x", "resolved_at": None},
        {"status": Status.CLOSED, "closed_at": None},
        {"status": Status.IN_PROGRESS, "resolved_at": 1},
    ]
    for changes in bad:
        with pytest.raises(AssertionError):
            check_state(Observed(**{**base.__dict__, **changes}))
