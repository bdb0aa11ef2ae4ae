"""The batch pipeline gives exactly what processing the same messages one by one, in order, gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ventanilla.accounts.models import User
from ventanilla.mail.models import Bounce, InboundMessage, OutboundMessage
from ventanilla.mail.services import process_message, process_pending, store_message, store_messages
from ventanilla.tickets.models import Attachment, TimelineEntry

from .generated import generate
from .helpers import make_mail

pytestmark = pytest.mark.django_db


def _ticket(ticket: Any) -> Any:
    if ticket is None:
        return None
    return (
        ticket.title,
        ticket.type,
        ticket.status,
        ticket.channel,
        ticket.requester.email,
        ticket.organization.name if ticket.organization else None,
        ticket.team_id,
        ticket.queue_id,
        ticket.assignee_id,
        ticket.priority,
        ticket.description,
        ticket.description_html,
        sorted(ticket.watchers.values_list("email", flat=True)),
        sorted(Attachment.objects.filter(ticket=ticket).values_list("filename", "content_type", "size")),
        sorted(TimelineEntry.objects.filter(ticket=ticket).values_list("kind", "public")),
        ticket.sla_targets.count(),
    )


def snapshot() -> dict[str, Any]:
    """Everything the messages produced, without database ids (they differ between the two runs)."""
    rows = {}
    for row in InboundMessage.objects.select_related("ticket", "comment", "sender"):
        comment = row.comment
        rows[row.message_id or row.sha256] = (
            row.state,
            row.outcome,
            row.notes,
            row.reason,
            row.attempts,
            row.sender.email if row.sender else None,
            _ticket(row.ticket),
            (
                comment.body,
                comment.body_html,
                comment.public,
                comment.author.email if comment.author else None,
            )
            if comment
            else None,
        )
    return {
        "rows": rows,
        "people": sorted(
            User.objects.values_list("email", "full_name", "role", "organization__name", "language")
        ),
        "outbox": sorted(
            OutboundMessage.objects.values_list(
                "kind", "to_address", "ticket__title", "in_reply_to", "mailbox_id"
            )
        ),
        "bounces": sorted(Bounce.objects.values_list("address", "action", "status", "user__email")),
    }


def test_a_varied_folder_gives_the_same_result_both_ways(
    personas: Any, mailbox: Any, tmp_path: Path, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    generate(tmp_path, 160, seed=3, prefix="eq")
    raws = [path.read_bytes() for path in sorted(tmp_path.glob("*.eml"))]
    # Mail from a known customer, Cc'd people, a reply to a message of the same batch, our own address.
    raws += [
        make_mail(
            sender="ana@acme.test", subject="Pantalla", msgid="<k1@c.test>", headers={"Cc": "nuevo@acme.test"}
        ),
        make_mail(
            sender="nuevo@acme.test",
            subject="Re: Pantalla",
            msgid="<k2@c.test>",
            headers={"In-Reply-To": "<k1@c.test>"},
        ),
        make_mail(sender="support@desk.test", subject="Eco", msgid="<k3@c.test>"),
    ]
    with transaction.atomic():
        for raw in raws:
            row, _created = store_message(raw, mailbox=mailbox)
            process_message(row.pk)
        one_by_one = snapshot()
        transaction.set_rollback(True)

    store_messages(raws, mailbox=mailbox)
    with CaptureQueriesContext(connection) as ctx:
        assert process_pending(batch=100) == len(raws)
    assert snapshot() == one_by_one
    assert {row[1] for row in one_by_one["rows"].values()} >= {
        "ticket",
        "comment",
        "ignored",
        "bounce",
        "loop",
    }
    # The fast path really ran: far fewer statements than messages (one by one takes over ten each).
    assert len(ctx.captured_queries) < len(raws) * 2
