"""update_ticket, set_tags, set_watchers: what changes, what is recorded, what is refused."""

from __future__ import annotations

import pytest

from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from ventanilla.core.models import ChangeAction, ChangeLogEntry
from ventanilla.testing.factories import CategoryFactory, QueueFactory, ServiceFactory, make_ticket
from ventanilla.tickets.choices import Impact, Priority, Status, TicketType, TimelineKind, Urgency
from ventanilla.tickets.models import Ticket, TimelineEntry
from ventanilla.tickets.services import set_tags, set_watchers, transition_ticket, update_ticket

from .helpers import fresh, refused

pytestmark = pytest.mark.django_db


def _log(ticket):
    return ChangeLogEntry.objects.filter(
        content_type__model="ticket", object_id=str(ticket.pk), action=ChangeAction.UPDATE
    ).order_by("id")


@pytest.fixture
def ticket(personas):
    return make_ticket(
        personas.customer_a, actor=personas.customer_a, team=None, title="VPN drops", description="Every hour"
    )


def test_changes_recorded_in_timeline_and_change_log(personas, ticket):
    version = ticket.version
    with acting_as(personas.agent_1, "req-update-1"):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={"title": "VPN drops at noon"})
    stored = fresh(ticket)
    assert stored.title == "VPN drops at noon" and stored.version == version + 1 == ticket.version
    entry = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.FIELDS)
    assert entry.public is False and entry.actor == personas.agent_1
    assert entry.data == {"changes": [{"field": "title", "old": "VPN drops", "new": "VPN drops at noon"}]}
    log = _log(ticket).get()
    assert log.before == {"title": "VPN drops", "version": 1}
    assert log.after == {"title": "VPN drops at noon", "version": 2}
    assert log.actor_id == personas.agent_1.pk and log.request_id == "req-update-1"


def test_noop_update_writes_nothing(personas, ticket):
    update_ticket(
        actor=personas.agent_1, ticket=ticket, changes={"title": "VPN drops", "impact": ticket.impact}
    )
    assert fresh(ticket).version == 1
    assert not _log(ticket).exists()
    assert not TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.FIELDS).exists()


def test_type_change_renumbers_with_same_digits(personas, ticket):
    old_number = ticket.number
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"type": TicketType.REQUEST})
    stored = fresh(ticket)
    assert stored.number == f"REQ-{ticket.pk:06d}" != old_number
    assert old_number.split("-")[1] == stored.number.split("-")[1]
    assert _log(ticket).get().after == {"type": "request", "number": stored.number, "version": 2}


def test_impact_change_recomputes_priority_and_records_it(personas, ticket):
    assert ticket.priority == Priority.P4
    update_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        changes={"impact": Impact.EXTENSIVE, "urgency": Urgency.CRITICAL},
    )
    stored = fresh(ticket)
    assert stored.priority == Priority.P1 and not stored.priority_overridden
    entry = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.PRIORITY)
    assert entry.data["old"] == 4 and entry.data["new"] == 1 and entry.public is False


def test_manual_priority_override_needs_reason_and_is_recorded(personas, ticket):
    with refused("priority_reason_required", ValidationFailed):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={"priority": Priority.P1})
    assert fresh(ticket).priority == Priority.P4
    update_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        changes={"priority": Priority.P1, "priority_reason": "Whole floor down"},
    )
    stored = fresh(ticket)
    assert (stored.priority, stored.priority_overridden, stored.priority_reason) == (
        1,
        True,
        "Whole floor down",
    )
    entry = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.PRIORITY)
    assert entry.data == {"old": 4, "new": 1, "reason": "Whole floor down"}
    # An override survives a later impact change...
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"impact": Impact.MODERATE})
    assert fresh(ticket).priority == Priority.P1
    # ...until someone sets the priority back to what the matrix says.
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"priority": None})
    stored = fresh(ticket)
    assert (stored.priority, stored.priority_overridden, stored.priority_reason) == (3, False, "")  # 3×3


@pytest.mark.parametrize("bad", ["urgent", 0, 7])
def test_invalid_priority_on_update_refused(personas, ticket, bad):
    with refused("invalid_choice", ValidationFailed):
        update_ticket(
            actor=personas.agent_1, ticket=ticket, changes={"priority": bad, "priority_reason": "x"}
        )


def test_optimistic_version_check(personas, ticket):
    seen = ticket.version
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"title": "First"}, expected_version=seen)
    other = fresh(ticket)
    with refused("stale_ticket", Conflict):
        update_ticket(
            actor=personas.agent_2, ticket=other, changes={"title": "Second"}, expected_version=seen
        )
    assert fresh(ticket).title == "First"


def test_stale_version_refused_for_tags_only_change(personas, ticket):
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"title": "First"})
    with refused("stale_ticket", Conflict):
        update_ticket(
            actor=personas.agent_1, ticket=fresh(ticket), changes={"tags": ["x"]}, expected_version=1
        )
    assert not fresh(ticket).tags.exists()


def test_stale_copy_update_does_not_overwrite_silently_when_version_sent(personas, ticket):
    a, b = fresh(ticket), fresh(ticket)
    update_ticket(actor=personas.agent_1, ticket=a, changes={"title": "A"}, expected_version=a.version)
    with refused("stale_ticket", Conflict):
        update_ticket(
            actor=personas.agent_2, ticket=b, changes={"description": "B"}, expected_version=b.version
        )


@pytest.mark.parametrize("field", ["status", "team", "assignee", "requester", "number", "version", "bogus"])
def test_fields_with_their_own_verbs_not_editable(personas, ticket, field):
    with refused("not_editable", ValidationFailed):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={field: None})


def test_customers_cannot_edit_and_outsiders_do_not_see(personas, ticket):
    with refused("permission_denied", NotPermitted):
        update_ticket(actor=personas.customer_a, ticket=ticket, changes={"title": "Mine"})
    with refused("not_found", NotFound):
        update_ticket(actor=personas.customer_b, ticket=ticket, changes={"title": "Hacked"})
    assert fresh(ticket).title == "VPN drops"


def test_final_tickets_cannot_be_edited(personas, ticket):
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("ticket_final", ValidationFailed):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={"title": "Late"})


def test_stale_copy_cannot_edit_a_ticket_closed_meanwhile(personas, ticket):
    stale = fresh(ticket)
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("stale_ticket", Conflict):
        update_ticket(actor=personas.agent_1, ticket=stale, changes={"title": "Late"})
    assert fresh(ticket).title == "VPN drops"


def test_cross_organisation_and_mismatched_references_refused(personas, ticket):
    service = ServiceFactory(name="Mail")
    category = CategoryFactory(name="Mailbox", service=ServiceFactory(name="ERP"))
    with refused("organization_mismatch", ValidationFailed):
        update_ticket(actor=personas.agent_1, ticket=ticket, changes={"organization": personas.org_b})
    with refused("category_service_mismatch", ValidationFailed):
        update_ticket(
            actor=personas.agent_1, ticket=ticket, changes={"service": service, "category": category}
        )
    routed = make_ticket(personas.customer_a, actor=personas.agent_1, team=personas.team_1)
    net_queue = QueueFactory(name="Net", team=personas.team_2)
    with refused("queue_team_mismatch", ValidationFailed):
        update_ticket(actor=personas.agent_1, ticket=routed, changes={"queue": net_queue})


def test_fk_changes_show_names_in_timeline(personas, ticket):
    service = ServiceFactory(name="Mail")
    update_ticket(actor=personas.agent_1, ticket=ticket, changes={"service": service})
    entry = TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.FIELDS)
    assert entry.data["changes"] == [
        {"field": "service", "old": None, "new": {"id": service.pk, "name": "Mail"}}
    ]
    assert _log(ticket).get().after == {"service_id": service.pk, "version": 2}
    assert Ticket.objects.get(pk=ticket.pk).service == service


def test_description_html_updates_text(personas, ticket):
    update_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        changes={"description_html": "<p>New <img src=x onerror=alert(1)> text</p>"},
    )
    stored = fresh(ticket)
    assert stored.description == "New  text" or stored.description == "New text"
    assert "onerror" not in stored.description_html


def test_set_tags_records_before_after(personas, ticket):
    set_tags(actor=personas.agent_1, ticket=ticket, names=["b", "A"])
    set_tags(actor=personas.agent_1, ticket=ticket, names=["a", "b"])  # no change, no entry
    set_tags(actor=personas.agent_1, ticket=ticket, names=["c"])
    entries = TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.FIELDS).order_by("id")
    assert [e.data["changes"][0] for e in entries] == [
        {"field": "tags", "old": [], "new": ["a", "b"]},
        {"field": "tags", "old": ["a", "b"], "new": ["c"]},
    ]
    with refused("permission_denied", NotPermitted):
        set_tags(actor=personas.customer_a, ticket=ticket, names=["mine"])


def test_set_watchers_rules(personas, ticket):
    p = personas
    set_watchers(actor=p.customer_a, ticket=ticket, add=[p.customer_a])
    with refused("permission_denied", NotPermitted):
        set_watchers(actor=p.customer_a, ticket=ticket, add=[p.colleague_a])
    with refused("organization_mismatch", ValidationFailed):
        set_watchers(actor=p.agent_1, ticket=ticket, add=[p.customer_b])
    with refused("not_found", NotFound):
        set_watchers(actor=p.customer_b, ticket=ticket, add=[p.customer_b])
    set_watchers(actor=p.agent_1, ticket=ticket, add=[p.colleague_a, p.agent_2], remove=[p.customer_a])
    assert set(ticket.watchers.all()) == {p.colleague_a, p.agent_2}
    assert TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.WATCHERS).count() == 2
