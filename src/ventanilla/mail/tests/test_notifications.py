"""Agents hear about mail: a new ticket by email for their team, a customer's emailed reply on their ticket.

The notifications go through the outbox to a real SMTP sink (aiosmtpd), in each agent's language, and
carry the agent's own reply token so that answering the mail is a trusted public reply.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import TeamMembership, User
from ventanilla.mail import tokens
from ventanilla.mail.models import OutboundMessage
from ventanilla.mail.outbound import deliver_outbox
from ventanilla.tickets.choices import Channel
from ventanilla.tickets.models import Comment
from ventanilla.tickets.services import add_comment, assign_ticket, update_ticket

from .helpers import ingest, make_mail
from .servers import smtp_sink

pytestmark = pytest.mark.django_db


def _agent_rows(kind: str) -> dict[str, OutboundMessage]:
    return {row.to_address: row for row in OutboundMessage.objects.filter(kind=kind)}


def _sent_to(sink: Any, address: str) -> EmailMessage:
    found = [
        message_from_bytes(raw, policy=policy.default)
        for raw, rcpt in zip(sink.messages, sink.recipients, strict=True)
        if rcpt == [address]
    ]
    assert len(found) == 1, (address, sink.recipients)
    message = found[0]
    assert isinstance(message, EmailMessage)
    return message


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_new_ticket_by_email_notifies_the_team_in_each_language(
    personas: Any, mailbox: Any, settings: Any
) -> None:
    User.objects.filter(pk=personas.lead_1.pk).update(language="es")
    row = ingest(
        make_mail(subject="Impresora rota", body="No imprime nada.", msgid="<new-1@c.test>"), mailbox
    )
    ticket = row.ticket
    assert ticket.assignee is None  # team 1 assigns by hand: everyone in the team hears about it
    rows = _agent_rows("new_ticket")
    assert set(rows) == {"agent1@desk.test", "lead1@desk.test"}  # not team 2, not the customer
    assert rows["lead1@desk.test"].language == "es"

    with smtp_sink(settings) as sink:
        assert deliver_outbox() == 3  # the customer's acknowledgement and two agents
    english = _sent_to(sink, "agent1@desk.test")
    spanish = _sent_to(sink, "lead1@desk.test")
    for message, agent in ((english, personas.agent_1), (spanish, personas.lead_1)):
        assert f"[{ticket.number}]" in str(message["Subject"]) and "Impresora rota" in str(message["Subject"])
        assert message["Auto-Submitted"] == "auto-generated"
        assert tokens.is_our_loop(str(message[tokens.LOOP_HEADER]))
        assert message["In-Reply-To"] == "<new-1@c.test>"  # threads under the customer's mail
        # The agent's own token: answering this mail is trusted as this agent and nobody else.
        reply_to = str(message["Reply-To"])
        assert reply_to.startswith("support+") and reply_to.endswith("@desk.test")
        assert tokens.find_tokens(reply_to) == [tokens.ReplyToken(ticket.pk, agent.pk)]
        assert tokens.find_tokens(str(message["Message-ID"]))[0].user_id == agent.pk
        assert "No imprime nada." in _text(message) and "No imprime nada." in _html(message)
        assert f"/desk/tickets/{ticket.pk}/" in _text(message)  # the workspace, not the portal
    assert "New ticket from Ana" in str(english["Subject"])
    assert "has opened" in _text(english) and "Please type your reply above this line" in _text(english)
    assert "Ticket nuevo de Ana" in str(spanish["Subject"])
    assert "ha abierto" in _text(spanish)
    assert "Escriba su respuesta por encima de esta línea" in _text(spanish)


def test_customer_reply_notifies_the_assignee_who_answers_by_mail(
    personas: Any, mailbox: Any, settings: Any
) -> None:
    ticket = ingest(make_mail(subject="VPN caída", msgid="<vpn@c.test>"), mailbox).ticket
    assign_ticket(actor=personas.lead_1, ticket=ticket, assignee=personas.agent_1)
    with smtp_sink(settings) as sink:
        deliver_outbox()
        ack = _sent_to(sink, "ana@acme.test")
        sink.messages.clear()
        sink.recipients.clear()

        answer = make_mail(
            subject=f"Re: {ack['Subject']}",
            to=str(ack["Reply-To"]),
            body="Sigue sin conectar desde casa.\n\nEl lun, 5 ene 2026, Soporte escribió:\n> recibido",
            headers={"In-Reply-To": str(ack["Message-ID"]), "References": str(ack["Message-ID"])},
        )
        reply_row = ingest(answer, mailbox)
        assert reply_row.outcome == "comment"
        # Only the assignee: the rest of the team is not told, and never the customer who wrote it.
        assert set(_agent_rows("cust_reply")) == {"agent1@desk.test"}
        assert deliver_outbox() == 1
        notice = _sent_to(sink, "agent1@desk.test")
    assert "Reply from Ana" in str(notice["Subject"]) and f"[{ticket.number}]" in str(notice["Subject"])
    body = _text(notice)
    assert "Sigue sin conectar desde casa." in body
    assert "recibido" not in body  # the customer's quote was stripped from the comment it shows
    assert notice["In-Reply-To"] == answer_message_id(answer)

    # The agent presses Reply: the answer is a public reply by the agent, sent on to the customer.
    agent_answer = make_mail(
        sender="agent1@desk.test",
        subject=f"Re: {notice['Subject']}",
        to=str(notice["Reply-To"]),
        body="Reinicie el router, por favor.\n\n" + body,
        headers={"In-Reply-To": str(notice["Message-ID"]), "References": str(notice["References"])},
    )
    row = ingest(agent_answer, mailbox)
    assert row.outcome == "comment", (row.outcome, row.notes)
    comment = row.comment
    assert comment.author == personas.agent_1 and comment.public
    assert comment.body == "Reinicie el router, por favor."
    assert OutboundMessage.objects.filter(kind="reply", comment=comment, to_address="ana@acme.test").exists()
    assert not OutboundMessage.objects.filter(comment=comment, to_address="agent1@desk.test").exists()


def answer_message_id(raw: bytes) -> str:
    return str(message_from_bytes(raw, policy=policy.default)["Message-ID"])


def test_the_author_is_never_notified(personas: Any, mailbox: Any) -> None:
    # An agent of the team writes to the team's mailbox: the others are told, the writer is not.
    ingest(make_mail(sender="lead1@desk.test", subject="Switch del piso 3"), mailbox)
    assert set(_agent_rows("new_ticket")) == {"agent1@desk.test"}
    assert not OutboundMessage.objects.filter(kind="ack").exists()  # no acknowledgement to staff


def test_automatic_mail_notes_portal_replies_and_loops_notify_nobody(
    personas: Any, mailbox: Any, settings: Any
) -> None:
    # A team member whose address is one of our mailboxes would mail the desk itself: a loop.
    robot = User.objects.create_user(email="support@desk.test", role=Role.AGENT, full_name="Robot")
    TeamMembership.objects.create(team=personas.team_1, user=robot)
    gone = User.objects.create_user(email="gone@desk.test", role=Role.AGENT, is_active=False)
    TeamMembership.objects.create(team=personas.team_1, user=gone)
    ticket = ingest(make_mail(subject="Correo lento", msgid="<slow@c.test>"), mailbox).ticket
    assert set(_agent_rows("new_ticket")) == {"agent1@desk.test", "lead1@desk.test"}
    OutboundMessage.objects.all().delete()
    ack_token = tokens.make_token(ticket.pk, personas.customer_a.pk)
    thread = {"In-Reply-To": f"<vnt-{ack_token}-x@desk.test>"}

    # Out-of-office from the customer: an internal note, nobody is mailed.
    ooo = ingest(
        make_mail(
            subject="Respuesta automática: Correo lento",
            body="Estoy de vacaciones hasta el lunes.",
            headers={**thread, "Auto-Submitted": "auto-replied"},
        ),
        mailbox,
    )
    assert ooo.outcome == "auto_reply"
    # Other automatic mail that lands as a reply (RFC 3834 Auto-Submitted): kept, but answered by no one.
    auto = ingest(
        make_mail(
            subject="Re: Correo lento",
            body="Informe generado automáticamente.",
            headers={**thread, "Auto-Submitted": "auto-generated"},
        ),
        mailbox,
    )
    assert auto.outcome == "comment"
    # A reply written in the portal is not mail: this channel does not mail it to the agents.
    add_comment(actor=personas.customer_a, ticket=ticket, body="Desde el portal.", channel=Channel.PORTAL)
    # Mail that is our own notification coming back is ignored altogether.
    loop = ingest(
        make_mail(body="eco", headers={**thread, tokens.LOOP_HEADER: tokens.loop_value()}),
        mailbox,
    )
    assert loop.outcome == "loop"
    assert not OutboundMessage.objects.exists()

    settings.MAIL_NOTIFY_AGENTS = False
    ingest(make_mail(subject="Re: Correo lento", body="Una persona de verdad.", headers=thread), mailbox)
    assert not OutboundMessage.objects.exists()
    settings.MAIL_NOTIFY_AGENTS = True
    ingest(make_mail(subject="Re: Correo lento", body="Otra vez yo.", headers=thread), mailbox)
    assert set(_agent_rows("cust_reply")) == {"agent1@desk.test", "lead1@desk.test"}
    assert Comment.objects.filter(ticket=ticket, public=True, body="Otra vez yo.").exists()


def test_no_header_injection_from_names_and_titles(personas: Any, mailbox: Any, settings: Any) -> None:
    User.objects.filter(pk=personas.customer_a.pk).update(full_name="Ana\r\nBcc: evil@x.test")
    ticket = ingest(make_mail(subject="Impresora rota"), mailbox).ticket
    update_ticket(actor=None, ticket=ticket, changes={"title": "Impresora\r\nCc: evil@x.test"})
    with smtp_sink(settings) as sink:
        deliver_outbox()
    assert all("evil@x.test" not in rcpt for rcpt in sink.recipients)
    notice = _sent_to(sink, "agent1@desk.test")
    assert "Bcc" not in notice and "Cc" not in notice
    subject = str(notice["Subject"])
    assert "\n" not in subject and "\r" not in subject and "Ana Bcc: evil@x.test" in subject
    assert all("evil" not in str(value) for key, value in notice.items() if key != "Subject")
