"""Every message of the corpus (corpus/manifest.json) through the whole pipeline, with its expected outcome.

Each case is also delivered a second time: the duplicate must change nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ventanilla.mail import tokens
from ventanilla.mail.models import Bounce, InboundMessage, OutboundMessage
from ventanilla.mail.services import process_pending, store_message
from ventanilla.tickets.models import Attachment, Comment, Ticket, TicketLink
from ventanilla.tickets.services import transition_ticket

from .helpers import ingest, make_mail

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def test_corpus_is_big_and_bilingual() -> None:
    assert len(CASES) >= 200
    assert {c["lang"] for c in CASES} == {"es", "en"}
    assert all((CORPUS / c["file"]).exists() for c in CASES)


def prepare(setup: str, personas: Any, mailbox: Any) -> tuple[Ticket | None, dict[str, str]]:
    if setup == "none":
        return None, {}
    origin = ingest(
        make_mail(
            subject="Impresora atascada", body="La impresora está atascada.", msgid="<origin@client.test>"
        ),
        mailbox,
    )
    ticket = origin.ticket
    assert ticket is not None, origin.reason
    if setup == "pending":
        transition_ticket(actor=personas.agent_1, ticket=ticket, to="pending_customer")
    if setup in ("resolved", "closed"):
        transition_ticket(
            actor=personas.agent_1,
            ticket=ticket,
            to="resolved",
            resolution_code="solved",
            resolution_note="Toner replaced.",
        )
    if setup == "resolved_old":
        with time_machine.travel(timezone.now() - timedelta(days=60)):
            transition_ticket(
                actor=personas.agent_1,
                ticket=ticket,
                to="resolved",
                resolution_code="solved",
                resolution_note="Toner replaced.",
            )
    if setup == "closed":
        ticket.refresh_from_db()
        transition_ticket(actor=personas.agent_1, ticket=ticket, to="closed")
    ticket.refresh_from_db()
    ack = OutboundMessage.objects.filter(ticket=ticket, kind="ack").first()
    assert ack is not None
    values = {
        "%%NUMBER%%": ticket.number or "",
        "%%TOKEN%%": tokens.make_token(ticket.pk, personas.customer_a.pk),
        "%%AGENT_TOKEN%%": tokens.make_token(ticket.pk, personas.agent_1.pk),
        "%%OUTBOUND%%": ack.message_id,
        "%%ORIGIN%%": "origin@client.test",
        "%%LOOP%%": tokens.loop_value(),
    }
    return ticket, values


@pytest.mark.parametrize("path", ["one", "batch"])
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_corpus_message(case: dict[str, Any], path: str, personas: Any, mailbox: Any, settings: Any) -> None:
    """Each message gives its expected outcome, processed alone (the task per message) or by the sweep
    (the batch pipeline, whose fast path writes the common cases in bulk)."""
    settings.ATTACHMENT_MAX_BYTES = 2048
    prepared, values = prepare(case["setup"], personas, mailbox)
    raw = (CORPUS / case["file"]).read_bytes()
    for key, value in values.items():
        raw = raw.replace(key.encode(), value.encode())
    before_version = prepared.version if prepared else None
    before_comments = Comment.objects.filter(ticket=prepared).count() if prepared else 0
    acks_before = OutboundMessage.objects.filter(kind="ack").count()
    replies_before = OutboundMessage.objects.filter(kind="reply", to_address="ana@acme.test").count()

    if path == "one":
        row = ingest(raw, mailbox)
    else:
        row, _created = store_message(raw, mailbox=mailbox)
        process_pending()
        row.refresh_from_db()
    expect = case["expect"]
    assert row.state == expect.get("state", "done"), (row.state, row.reason)
    if "reason_contains" in expect:
        assert expect["reason_contains"] in row.reason
    if "outcome" in expect:
        assert row.outcome == expect["outcome"], (row.outcome, row.notes)
    ticket = row.ticket
    comment = row.comment
    if "title" in expect:
        assert ticket.title == expect["title"]
    if "requester" in expect:
        assert ticket.requester.email == expect["requester"]
    if "organization" in expect:
        org = ticket.requester.organization
        assert (org.name if org else None) == expect["organization"]
    text = (ticket.description if ticket and not comment else "") + (comment.body if comment else "")
    html = (ticket.description_html if ticket and not comment else "") + (
        comment.body_html if comment else ""
    )
    for word in expect.get("body_contains", []):
        assert word in text, (word, text)
    for word in expect.get("html_contains", []):
        assert word in html, (word, html)
    for word in expect.get("html_excludes", []):
        assert word not in html and word not in text
    if "notes_contains" in expect:
        assert expect["notes_contains"] in " ".join(row.notes), row.notes
    if "attachments" in expect:
        assert Attachment.objects.filter(ticket=ticket).count() == expect["attachments"]
    for name in expect.get("attachment_names", []):
        assert Attachment.objects.filter(ticket=ticket, filename=name).exists(), list(
            Attachment.objects.values_list("filename", flat=True)
        )
    if "watchers" in expect:
        assert ticket.watchers.count() == expect["watchers"]
    if "acks" in expect:
        assert OutboundMessage.objects.filter(kind="ack").count() - acks_before == expect["acks"]
    if "comment_body" in expect:
        assert comment.body == expect["comment_body"]
    if "public" in expect:
        assert comment.public is expect["public"]
    if "notifies_customer" in expect:
        sent = (
            OutboundMessage.objects.filter(kind="reply", to_address="ana@acme.test").count() - replies_before
        )
        assert (sent > 0) is expect["notifies_customer"]
    if expect.get("prepared_untouched"):
        prepared.refresh_from_db()
        assert prepared.version == before_version
        assert Comment.objects.filter(ticket=prepared).count() == before_comments
        assert ticket != prepared
    if "status" in expect:
        (ticket or prepared).refresh_from_db()
        assert (ticket or prepared).status == expect["status"]
    if expect.get("linked"):
        assert TicketLink.objects.filter(source=ticket, target=prepared).exists()
    if "tickets" in expect:
        assert Ticket.objects.count() == expect["tickets"]
    if "bounce_address" in expect:
        bounce = Bounce.objects.get(inbound=row, address=expect["bounce_address"])
        if "bounce_status" in expect:
            assert bounce.status == expect["bounce_status"]
    if expect.get("bounce_note"):
        assert Comment.objects.filter(ticket=prepared, public=False, body__contains="ana@acme.test").exists()

    # The same message delivered again changes nothing.
    counts = (Ticket.objects.count(), Comment.objects.count(), OutboundMessage.objects.count())
    again, created = store_message(raw, mailbox=mailbox)
    assert not created and again.pk == row.pk
    process_pending()
    assert (Ticket.objects.count(), Comment.objects.count(), OutboundMessage.objects.count()) == counts
    assert InboundMessage.objects.count() == (2 if prepared else 1)
