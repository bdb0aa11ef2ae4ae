from __future__ import annotations

from typing import Any

from ventanilla.mail.models import OutboundMessage
from ventanilla.tickets.models import Ticket

from .helpers import ingest, make_mail


def test_new_ticket_then_reply_by_token(personas: Any, mailbox: Any) -> None:
    row = ingest(make_mail(), mailbox)
    assert row.state == "done", row.reason
    assert row.outcome == "ticket"
    ticket = Ticket.objects.get()
    assert ticket.requester == personas.customer_a
    assert ticket.channel == "email"
    ack = OutboundMessage.objects.get(kind="ack")
    reply = make_mail(
        subject=f"Re: [{ticket.number}] Printer broken",
        body="Still broken.\n\nOn Mon wrote:\n> x",
        headers={"In-Reply-To": f"<{ack.message_id}>"},
    )
    row2 = ingest(reply, mailbox)
    assert row2.outcome == "comment", (row2.state, row2.reason)
    assert row2.comment.body == "Still broken."
