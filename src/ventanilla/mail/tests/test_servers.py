"""The pipeline against real servers: LMTP/SMTP receiver, Dovecot IMAP, an SMTP sink for outbound mail."""

from __future__ import annotations

import io
import smtplib
import threading
import time
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.core.management import call_command
from imapclient import IMAPClient

from ventanilla.mail import tokens
from ventanilla.mail.imap import idle_loop, poll_mailbox
from ventanilla.mail.models import InboundMessage, Mailbox, OutboundAttempt, OutboundMessage
from ventanilla.mail.outbound import deliver_outbox
from ventanilla.mail.receiver import make_controller
from ventanilla.mail.services import process_pending
from ventanilla.tickets.models import Comment, Ticket
from ventanilla.tickets.services import add_comment, update_ticket

from .helpers import ingest, make_mail
from .servers import Sink, dovecot_server, free_port, smtp_sink

pytestmark = pytest.mark.django_db(transaction=True)


def run_ingest(raw: bytes, *args: str) -> tuple[int, str]:
    """``ventanilla ingest_email`` in-process with ``raw`` on stdin: (exit status, stderr)."""
    import sys

    stdin, sys.stdin = sys.stdin, io.TextIOWrapper(io.BytesIO(raw))
    err = io.StringIO()
    try:
        call_command("ingest_email", *args, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdin = stdin
    return code, err.getvalue()


def test_ingest_email_exit_codes(personas: Any, mailbox: Any) -> None:
    raw = make_mail()
    assert run_ingest(raw, "--mailbox", "support", "--now") == (0, "")
    assert Ticket.objects.count() == 1
    code, err = run_ingest(raw, "--mailbox", "support", "--now")  # the MTA delivers it again
    assert code == 0 and str(InboundMessage.objects.get().pk) in err
    assert Ticket.objects.count() == 1
    code, err = run_ingest(b"", "--now")
    assert code == 65 and err.strip() and "Traceback" not in err
    code, err = run_ingest(b"just some words, no header at all\n")
    assert code == 65 and "Traceback" not in err
    code, err = run_ingest(make_mail(msgid="<x@y.test>"), "--mailbox", "nope")
    assert code == 75 and "nope" in err
    code, err = run_ingest(make_mail(sender="", msgid="<nofrom@y.test>"), "--now")
    assert code == 0 and InboundMessage.objects.filter(state="quarantined").count() == 1


def _terminate_my_backend() -> None:
    """Kill this test's database session from another one, as a database restart would."""
    import psycopg
    from django.db import connection

    pid = connection.connection.info.backend_pid
    cfg = connection.settings_dict
    with psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname=cfg["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
def test_database_restart_mid_ingest_is_tempfail_then_exactly_once(personas: Any, mailbox: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (terminates the session's backend)")
    raw = make_mail(msgid="<restart@c.test>")
    connection.ensure_connection()
    _terminate_my_backend()
    code, err = run_ingest(raw, "--mailbox", "support", "--now")
    assert code == 75, err
    assert "Traceback" not in err
    connection.close()  # the MTA retries with a new process: a new connection
    assert run_ingest(raw, "--mailbox", "support", "--now")[0] == 0
    assert run_ingest(raw, "--mailbox", "support", "--now")[0] == 0
    assert InboundMessage.objects.filter(message_id="restart@c.test").count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("lmtp", [True, False], ids=["lmtp", "smtp"])
def test_receiver_answers_250_4xx_5xx(personas: Any, mailbox: Any, lmtp: bool) -> None:
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port, lmtp=lmtp)
    controller.start()
    try:
        client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
        if not lmtp:
            client.ehlo()
        raw = make_mail()
        assert client.sendmail("ana@acme.test", ["support@desk.test"], raw) == {}
        assert client.sendmail("ana@acme.test", ["support+abc@desk.test"], raw) == {}  # duplicate: 250 again
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("ana@acme.test", ["stranger@desk.test"], make_mail(msgid="<r2@c.test>"))
        assert refused.value.recipients["stranger@desk.test"][0] == 550
        with pytest.raises(smtplib.SMTPDataError) as bad:
            client.sendmail("ana@acme.test", ["support@desk.test"], b"no headers here at all\r\n")
        assert bad.value.smtp_code == 554
        client.quit()
    finally:
        controller.stop()
    assert InboundMessage.objects.count() == 1
    assert process_pending() == 1
    assert Ticket.objects.count() == 1


def test_imap_poll_acknowledges_only_after_store_and_idle(personas: Any, settings: Any) -> None:
    with dovecot_server() as server:
        box = Mailbox.objects.create(
            name="imap",
            address="imap@desk.test",
            team=personas.team_1,
            imap_host="127.0.0.1",
            imap_port=server.port,
            imap_security="none",
            imap_username=server.user,
            imap_password=server.password,
            imap_done_folder="Procesado",
        )
        with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
            client.login(server.user, server.password)
            for n in range(3):
                client.append("INBOX", make_mail(subject=f"IMAP {n}", msgid=f"<imap-{n}@c.test>"))
            client.append("INBOX", b"garbage without headers\r\n")
        assert poll_mailbox(box) == 3
        assert poll_mailbox(box) == 0  # all acknowledged (moved); nothing fetched twice
        with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
            client.login(server.user, server.password)
            assert client.select_folder("INBOX")[b"EXISTS"] == 0
            assert client.select_folder("Procesado")[b"EXISTS"] == 4
        assert process_pending() == 3
        assert Ticket.objects.count() == 3

        # IDLE: a message appended while the poller waits is stored without another poll.
        stop = threading.Event()
        worker = threading.Thread(
            target=idle_loop, args=(box,), kwargs={"idle_seconds": 1, "stop": stop.is_set}
        )
        worker.start()
        try:
            time.sleep(0.5)
            with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
                client.login(server.user, server.password)
                client.append("INBOX", make_mail(subject="IDLE", msgid="<idle@c.test>"))
            deadline = time.monotonic() + 15
            while (
                time.monotonic() < deadline
                and not InboundMessage.objects.filter(message_id="idle@c.test").exists()
            ):
                time.sleep(0.2)
        finally:
            stop.set()
            worker.join(20)
        assert InboundMessage.objects.filter(message_id="idle@c.test").count() == 1


def test_imap_flag_mode_and_store_failure_leaves_mail_on_server(personas: Any, monkeypatch: Any) -> None:
    from ventanilla.mail import imap, services

    with dovecot_server() as server:
        box = Mailbox.objects.create(
            name="imap2",
            address="imap2@desk.test",
            imap_host="127.0.0.1",
            imap_port=server.port,
            imap_security="none",
            imap_username=server.user,
            imap_password=server.password,
        )
        with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
            client.login(server.user, server.password)
            client.append("INBOX", make_mail(msgid="<flag-1@c.test>"))
            client.append("INBOX", make_mail(msgid="<flag-2@c.test>"))

        calls = {"n": 0}
        real = services.store_messages

        def store_then_fail(raws: list[bytes], **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:  # the database goes away after the first chunk
                raise services.TemporaryFailure("database restarting")
            return real(raws, **kwargs)

        monkeypatch.setattr(imap, "store_messages", store_then_fail)
        assert poll_mailbox(box, batch=1) == 1  # chunks of one message: the first is stored and flagged
        with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
            client.login(server.user, server.password)
            client.select_folder("INBOX")
            assert len(client.search(["UNSEEN"])) == 1  # the unstored one is still waiting
        monkeypatch.setattr(imap, "store_messages", real)
        assert poll_mailbox(box) == 1
        assert poll_mailbox(box) == 0
        assert InboundMessage.objects.count() == 2


def test_outbox_delivered_in_chunks_with_statements_per_message_fixed(
    personas: Any, mailbox: Any, settings: Any, monkeypatch: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ventanilla.mail import outbound

    settings.MAIL_NOTIFY_AGENTS = False
    for i in range(7):
        ingest(
            make_mail(sender=f"user{i}@acme.test", subject=f"Problema {i}", msgid=f"<chunk{i}@c.test>"),
            mailbox,
        )
    assert OutboundMessage.objects.filter(state="pending").count() == 7
    monkeypatch.setattr(outbound, "DELIVERY_CHUNK", 4)
    with smtp_sink(settings) as sink, CaptureQueriesContext(connection) as queries:
        assert deliver_outbox() == 7
    # Per chunk: lease (select, update, load), tickets, first inbound ids, outbox history, and an empty
    # lease at the end; per message: its "sent" update and its attempt.
    statements = [q for q in queries.captured_queries if q["sql"].startswith(("SELECT", "UPDATE", "INSERT"))]
    assert len(statements) <= 2 * 6 + 1 + 7 * 2
    assert len(sink.messages) == 7
    assert {m.decode(errors="replace").count("In-Reply-To: <chunk") for m in sink.messages} == {1}
    assert OutboundAttempt.objects.filter(ok=True).count() == 7
    assert not OutboundMessage.objects.exclude(state="sent").exists()


def test_outbound_threading_headers_and_round_trip(personas: Any, mailbox: Any, settings: Any) -> None:
    from ventanilla.core.services import update_reference

    update_reference(personas.customer_a, {"language": "es"}, actor=None)
    settings.MAIL_NOTIFY_AGENTS = False  # the customer's side of the thread (agents: test_notifications)
    with smtp_sink(settings) as sink:
        row = ingest(make_mail(subject="Impresora rota", msgid="<orig@c.test>"), mailbox)
        ticket = row.ticket
        # Ticket data with a line break must not become a header of its own (header injection).
        update_ticket(actor=None, ticket=ticket, changes={"title": "Impresora rota\r\nBcc: evil@x.test"})
        add_comment(actor=personas.agent_1, ticket=ticket, body="Hemos cambiado el tóner.", public=True)
        add_comment(actor=personas.agent_1, ticket=ticket, body="internal only", public=False)
        assert deliver_outbox() == 2
        assert deliver_outbox() == 0
    ack, reply = (message_from_bytes(m, policy=policy.default) for m in sink.messages)
    assert ack["Auto-Submitted"] == "auto-replied"
    assert reply["Auto-Submitted"] == "auto-generated"
    assert ack["In-Reply-To"] == "<orig@c.test>"
    assert "<orig@c.test>" in reply["References"]
    assert tokens.find_tokens(reply["Message-ID"])[0].ticket_id == ticket.pk
    assert str(reply["Reply-To"]).startswith("support+")
    assert reply["From"].addresses[0].addr_spec == "support@desk.test"
    assert "Bcc" not in reply and "\n" not in str(reply["Subject"])  # one line, no extra header
    assert f"[{ticket.number}]" in str(reply["Subject"])
    assert tokens.is_our_loop(reply[tokens.LOOP_HEADER])
    body = reply.get_body(("plain",)).get_content()
    assert "Hemos cambiado el tóner." in body and "internal only" not in body
    marker = {
        "es": "Escriba su respuesta por encima de esta línea",
        "en": "Please type your reply above this line",
    }
    assert marker[personas.customer_a.language] in body  # the template in the customer's language

    # The customer answers that mail from their client: it threads onto the ticket, quote stripped.
    answer = make_mail(
        subject=f"Re: {reply['Subject']}",
        to=str(reply["Reply-To"]),
        body="Sigue sin imprimir.\n\nEl lun, 5 ene 2026, Soporte escribió:\n> " + body[:200],
        headers={
            "In-Reply-To": reply["Message-ID"],
            "References": reply["References"] + " " + reply["Message-ID"],
        },
    )
    row2 = ingest(answer, mailbox)
    assert row2.outcome == "comment" and row2.ticket == ticket
    assert row2.comment.body == "Sigue sin imprimir."


def test_smtp_down_then_back_loses_and_duplicates_nothing(personas: Any, mailbox: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    port = free_port()
    settings.MAIL_NOTIFY_AGENTS = False  # one acknowledgement per message keeps the counts readable
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    for n in range(5):
        ingest(make_mail(subject=f"Caso {n}", msgid=f"<down-{n}@c.test>"), mailbox)
    assert OutboundMessage.objects.filter(state="pending").count() == 5
    assert deliver_outbox() == 0  # nobody listens
    assert OutboundMessage.objects.filter(state="pending", attempts=1).count() == 5
    assert OutboundAttempt.objects.filter(ok=False).count() == 5
    assert deliver_outbox() == 0  # backing off: not due yet, not attempted again
    assert OutboundAttempt.objects.count() == 5
    sink = Sink(port=port)
    sink.start()
    try:
        later = timezone.now() + timedelta(hours=2)
        assert deliver_outbox(now=later) == 5
        assert deliver_outbox(now=later) == 0
    finally:
        sink.stop()
    assert len(sink.messages) == 5
    ids = {message_from_bytes(m, policy=policy.default)["Message-ID"] for m in sink.messages}
    assert len(ids) == 5
    assert OutboundMessage.objects.filter(state="sent").count() == 5


def test_bounce_of_our_mail_is_shown_on_the_ticket(personas: Any, mailbox: Any, settings: Any) -> None:
    with smtp_sink(settings) as sink:
        ticket = ingest(make_mail(), mailbox).ticket
        deliver_outbox()
    sent = message_from_bytes(sink.messages[0], policy=policy.default)
    dsn = (
        b"From: MAILER-DAEMON@mx.acme.test\r\nTo: support@desk.test\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <dsn-x@mx.acme.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nFailed.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        b"Final-Recipient: rfc822; ana@acme.test\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n"
        + sink.messages[0]
        + b"\r\n--B--\r\n"
    )
    row = ingest(dsn, mailbox)
    assert row.outcome == "bounce" and row.ticket == ticket
    assert OutboundMessage.objects.get(message_id=sent["Message-ID"].strip("<>")).state == "bounced"
    note = Comment.objects.filter(ticket=ticket, public=False).last()
    assert note is not None and "ana@acme.test" in note.body and "5.1.1" in note.body
    assert Ticket.objects.count() == 1
