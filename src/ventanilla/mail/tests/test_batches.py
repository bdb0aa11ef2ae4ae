"""The sweep processes pending mail in batches: one transaction, a savepoint per message."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ventanilla.mail.models import InboundMessage
from ventanilla.mail.services import process_pending, store_message
from ventanilla.tickets.models import Ticket

from .helpers import make_mail

pytestmark = pytest.mark.django_db


def test_a_bad_message_in_a_batch_is_quarantined_alone(personas: Any, mailbox: Any) -> None:
    store_message(make_mail(subject="Primero", msgid="<b1@c.test>"), mailbox=mailbox)
    store_message(make_mail(sender="", subject="Sin remitente", msgid="<b2@c.test>"), mailbox=mailbox)
    store_message(make_mail(subject="Tercero", msgid="<b3@c.test>"), mailbox=mailbox)
    assert process_pending(batch=10) == 3
    states = dict(InboundMessage.objects.values_list("message_id", "state"))
    assert states == {"b1@c.test": "done", "b2@c.test": "quarantined", "b3@c.test": "done"}
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["Primero", "Tercero"]
    bad = InboundMessage.objects.get(message_id="b2@c.test")
    assert bad.reason and bad.attempts == 1
    assert process_pending() == 0  # nothing left pending, nothing processed twice


def test_a_batch_commits_once_and_a_later_message_threads_on_an_earlier_one(
    personas: Any, mailbox: Any
) -> None:
    store_message(make_mail(subject="Impresora", msgid="<t1@c.test>"), mailbox=mailbox)
    store_message(
        make_mail(subject="Re: Impresora", msgid="<t2@c.test>", headers={"In-Reply-To": "<t1@c.test>"}),
        mailbox=mailbox,
    )
    for i in range(3):
        store_message(make_mail(subject=f"Otro {i}", msgid=f"<o{i}@c.test>"), mailbox=mailbox)
    with CaptureQueriesContext(connection) as ctx:
        assert process_pending(batch=10) == 5
    ticket = Ticket.objects.get(title="Impresora")
    assert ticket.comments.count() == 1  # the reply found the ticket created earlier in the same batch
    # One claim for the batch of five and the empty one that ends the sweep: not one per message.
    claims = [
        q for q in ctx.captured_queries if 'FROM "mail_inboundmessage"' in q["sql"] and "LIMIT 10" in q["sql"]
    ]
    assert len(claims) == 2


def test_batches_stop_at_the_limit(personas: Any, mailbox: Any) -> None:
    for i in range(5):
        store_message(make_mail(subject=f"Caso {i}", msgid=f"<l{i}@c.test>"), mailbox=mailbox)
    assert process_pending(limit=3, batch=2) == 3
    assert InboundMessage.objects.filter(state="pending").count() == 2
    assert process_pending(batch=2) == 2
    assert Ticket.objects.count() == 5


def test_a_batch_that_fails_falls_back_to_one_by_one_and_loses_nothing(
    personas: Any, mailbox: Any, settings: Any
) -> None:
    """A mailbox misconfigured after the fact (its queue moved to another team) makes the batch's
    ticket creation fail: the batch is rolled back and every message is handled alone, with its reason."""
    from ventanilla.tickets.models import Queue

    settings.LANGUAGE_CODE = "en"
    mailbox.queue = Queue.objects.create(name="Otra cola", team=personas.team_2)
    mailbox.save()
    store_message(make_mail(subject="Uno", msgid="<f1@c.test>"), mailbox=mailbox)
    store_message(
        make_mail(subject="Re: Uno", msgid="<f2@c.test>", headers={"In-Reply-To": "<f1@c.test>"}),
        mailbox=mailbox,
    )
    assert process_pending(batch=10) == 2
    rows = {r.message_id: r for r in InboundMessage.objects.all()}
    assert {r.state for r in rows.values()} == {"quarantined"}
    assert all("queue belongs to another team" in r.reason and r.attempts == 1 for r in rows.values())
    assert Ticket.objects.count() == 0  # nothing half-written
    assert process_pending() == 0
