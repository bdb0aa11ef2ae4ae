"""link_tickets, unlink_tickets, merge_tickets."""

from __future__ import annotations

import pytest

from ventanilla.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import LinkKind, ResolutionCode, Status, TimelineKind
from ventanilla.tickets.models import Attachment, Comment, TicketLink, TimelineEntry
from ventanilla.tickets.services import (
    add_attachment,
    add_comment,
    link_tickets,
    merge_tickets,
    set_watchers,
    transition_ticket,
    unlink_tickets,
)

from .helpers import fresh, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(personas):
    return [make_ticket(personas.customer_a, actor=personas.agent_1, title=f"T{i}") for i in range(3)]


# --- links -------------------------------------------------------------------------------------------------


def test_link_recorded_on_both_sides(personas, trio):
    a, b, _c = trio
    link = link_tickets(actor=personas.agent_1, source=a, target=b, kind=LinkKind.CAUSED_BY)
    assert (link.source, link.target, link.kind, link.created_by) == (a, b, "caused_by", personas.agent_1)
    out = TimelineEntry.objects.get(ticket=a, kind=TimelineKind.LINK)
    back = TimelineEntry.objects.get(ticket=b, kind=TimelineKind.LINK)
    assert out.data == {"kind": "caused_by", "other": b.number, "other_id": b.pk}
    assert back.data == {"kind": "caused_by", "other": a.number, "other_id": a.pk, "inverse": True}
    assert not out.public


def test_no_self_link(personas, trio):
    with refused("link_to_self", ValidationFailed):
        link_tickets(actor=personas.agent_1, source=trio[0], target=trio[0], kind=LinkKind.RELATED)


@pytest.mark.parametrize("kind", LinkKind.values)
def test_no_duplicate_link(personas, trio, kind):
    a, b, _c = trio
    link_tickets(actor=personas.agent_1, source=a, target=b, kind=kind)
    with refused("link_exists", Conflict):
        link_tickets(actor=personas.agent_1, source=a, target=b, kind=kind)


def test_related_is_symmetric_for_duplicates(personas, trio):
    a, b, _c = trio
    link_tickets(actor=personas.agent_1, source=a, target=b, kind=LinkKind.RELATED)
    with refused("link_exists", Conflict):
        link_tickets(actor=personas.agent_1, source=b, target=a, kind=LinkKind.RELATED)


def test_parent_cycles_refused(personas, trio):
    a, b, c = trio
    link_tickets(actor=personas.agent_1, source=a, target=b, kind=LinkKind.PARENT_OF)
    link_tickets(actor=personas.agent_1, source=b, target=c, kind=LinkKind.PARENT_OF)
    with refused("link_cycle", ValidationFailed):
        link_tickets(actor=personas.agent_1, source=b, target=a, kind=LinkKind.PARENT_OF)
    with refused("link_cycle", ValidationFailed):
        link_tickets(actor=personas.agent_1, source=c, target=a, kind=LinkKind.PARENT_OF)
    # Other kinds may point "up" without creating a hierarchy.
    link_tickets(actor=personas.agent_1, source=c, target=a, kind=LinkKind.CAUSED_BY)


def test_invalid_link_kind(personas, trio):
    with refused("invalid_choice", ValidationFailed):
        link_tickets(actor=personas.agent_1, source=trio[0], target=trio[1], kind="blocks")


def test_customers_cannot_link_and_invisible_targets_are_not_found(personas, trio):
    a, b, _c = trio
    with refused("permission_denied", NotPermitted):
        link_tickets(actor=personas.customer_a, source=a, target=b, kind=LinkKind.RELATED)
    other = make_ticket(personas.customer_b, actor=personas.agent_2, team=personas.team_2)
    with refused("not_found", NotFound):
        link_tickets(actor=personas.agent_1, source=a, target=other, kind=LinkKind.RELATED)


def test_unlink_records_and_deletes(personas, trio):
    a, b, _c = trio
    link = link_tickets(actor=personas.agent_1, source=a, target=b, kind=LinkKind.RELATED)
    with refused("permission_denied", NotPermitted):
        unlink_tickets(actor=personas.customer_a, link=link)
    unlink_tickets(actor=personas.agent_1, link=link)
    assert not TicketLink.objects.exists()
    assert TimelineEntry.objects.filter(ticket=a, kind=TimelineKind.UNLINK).count() == 1


# --- merge -------------------------------------------------------------------------------------------------


def test_merge_moves_everything_and_closes_source(personas, trio):
    p = personas
    source = make_ticket(p.colleague_a, actor=p.agent_1, title="dup")
    target = trio[0]
    reply = add_comment(
        actor=p.colleague_a,
        ticket=source,
        body="me too",
        files=[("shot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20)],
    )
    note = add_comment(actor=p.agent_1, ticket=source, body="same as T0", public=False)
    loose = add_attachment(actor=p.agent_1, ticket=source, filename="trace.txt", content=b"trace")
    set_watchers(actor=p.agent_1, ticket=source, add=[p.agent_2, p.customer_manager_a])

    merge_tickets(actor=p.agent_1, source=source, target=target)

    assert set(Comment.objects.filter(ticket=target)) == {reply, note}
    assert set(Attachment.objects.filter(ticket=target)) == set(
        Attachment.objects.filter(pk__in=[loose.pk, *reply.attachments.values_list("pk", flat=True)])
    )
    assert not Comment.objects.filter(ticket=source).exists()
    assert not Attachment.objects.filter(ticket=source).exists()
    # The comments' timeline entries follow them.
    assert TimelineEntry.objects.filter(comment=reply, ticket=target).exists()
    assert set(target.watchers.all()) == {p.agent_2, p.customer_manager_a, p.colleague_a}
    stored = fresh(source)
    assert stored.status == Status.CLOSED and stored.merged_into_id == target.pk
    assert stored.resolution_code == ResolutionCode.DUPLICATE and target.number in stored.resolution_note
    assert stored.closed_at is not None
    assert TicketLink.objects.filter(source=source, target=target, kind=LinkKind.DUPLICATE_OF).exists()
    assert TimelineEntry.objects.filter(ticket=source, kind=TimelineKind.STATUS, data__new="closed").exists()
    merge_entry = TimelineEntry.objects.get(ticket=target, kind=TimelineKind.MERGE)
    assert merge_entry.data["comments"] == 2 and merge_entry.data["attachments"] == 2
    assert fresh(target).version > 1


def test_merge_refused_across_organisations(personas, trio):
    foreign = make_ticket(personas.customer_b, actor=personas.agent_1)
    add_comment(actor=personas.customer_b, ticket=foreign, body="private to Globex")
    with refused("organization_mismatch", ValidationFailed):
        merge_tickets(actor=personas.manager, source=foreign, target=trio[0])
    assert Comment.objects.get().ticket_id == foreign.pk


@pytest.mark.parametrize("which", ["source", "target"])
def test_merge_refused_for_final_tickets(personas, trio, which):
    source, target, _c = trio
    transition_ticket(
        actor=personas.agent_1, ticket=source if which == "source" else target, to=Status.CANCELLED
    )
    with refused("merge_final", Conflict):
        merge_tickets(actor=personas.agent_1, source=source, target=target)


def test_merge_into_self_and_by_customers_refused(personas, trio):
    with refused("merge_into_self", ValidationFailed):
        merge_tickets(actor=personas.agent_1, source=trio[0], target=trio[0])
    with refused("permission_denied", NotPermitted):
        merge_tickets(actor=personas.customer_a, source=trio[0], target=trio[1])


def test_merge_from_stale_copy_of_closed_target_refused(personas, trio):
    source, target, _c = trio
    stale_target = fresh(target)
    transition_ticket(actor=personas.agent_1, ticket=target, to=Status.CANCELLED)
    with refused("stale_ticket", Conflict):
        merge_tickets(actor=personas.agent_1, source=source, target=stale_target)
    assert fresh(source).status == Status.NEW
