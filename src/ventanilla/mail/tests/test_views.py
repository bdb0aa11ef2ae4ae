"""The mail channel's pages: the resolution links, the admin replay of quarantined mail, the full message."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ventanilla.accounts.models import User
from ventanilla.mail.models import InboundMessage, OutboundMessage
from ventanilla.mail.outbound import build_message, resolution_link
from ventanilla.tickets.models import Comment, Ticket
from ventanilla.tickets.services import transition_ticket

from .helpers import ingest, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- the resolution links ---------------------------------------------------------------------------------


@pytest.fixture
def resolved(personas: Any, mailbox: Any) -> Ticket:
    ticket = ingest(make_mail(subject="Impresora rota", msgid="<res@c.test>"), mailbox).ticket
    transition_ticket(
        actor=personas.agent_1,
        ticket=ticket,
        to="resolved",
        resolution_code="solved",
        resolution_note="Tóner cambiado.",
    )
    ticket.refresh_from_db()
    return ticket


def _link(ticket: Ticket, user: Any, answer: str) -> str:
    """The path of the link a resolution mail to ``user`` carries."""
    return urlsplit(resolution_link(SimpleNamespace(ticket_id=ticket.pk, recipient_id=user.pk), answer)).path  # type: ignore[arg-type]


def test_resolution_mail_links_confirm_once(personas: Any, resolved: Ticket, web: Client) -> None:
    row = OutboundMessage.objects.get(kind="resolved", ticket=resolved)
    links = re.findall(r"https?://\S+?(/mail/resolution/[^\s/]+/)", build_message(row).body)
    assert [link.split(":")[2] for link in links] == ["confirm", "reopen"]
    confirm = links[0]  # the link exactly as the customer's mail carries it

    page = web.get(confirm)  # mail scanners open links: a GET changes nothing
    assert page.status_code == 200 and b"Yes, it is solved" in page.content
    resolved.refresh_from_db()
    assert resolved.status == "resolved"

    done = web.post(confirm)
    assert done.status_code == 200 and b"the ticket is closed" in done.content
    resolved.refresh_from_db()
    assert resolved.status == "closed"
    version = resolved.version

    again = web.post(confirm)  # a second click, or a replayed POST: same answer, nothing changes
    assert again.status_code == 200 and b"the ticket is closed" in again.content
    resolved.refresh_from_db()
    assert resolved.version == version and resolved.status == "closed"
    later = web.get(confirm)  # still says so, without offering the button again
    assert later.status_code == 200 and b"the ticket is closed" in later.content
    assert b"Yes, it is solved" not in later.content


def test_still_broken_link_reopens_once_and_tells_the_agents(
    personas: Any, resolved: Ticket, web: Client
) -> None:
    reopen = _link(resolved, personas.customer_a, "reopen")
    OutboundMessage.objects.all().delete()
    page = web.post(reopen, {"note": "Sigue saliendo la hoja en blanco."})
    assert page.status_code == 200 and b"we are looking at it again" in page.content
    resolved.refresh_from_db()
    assert resolved.status == "in_progress"
    note = Comment.objects.get(ticket=resolved, body="Sigue saliendo la hoja en blanco.")
    assert note.author == personas.customer_a and note.public
    # The customer's words reach the team by mail (nobody is assigned), not the customer.
    assert set(
        OutboundMessage.objects.filter(kind="cust_reply", comment=note).values_list("to_address", flat=True)
    ) == {"agent1@desk.test", "lead1@desk.test"}

    again = web.post(reopen, {"note": "Sigue saliendo la hoja en blanco."})
    assert again.status_code == 200 and b"we are looking at it again" in again.content
    assert Comment.objects.filter(ticket=resolved, body__startswith="Sigue saliendo").count() == 1

    # The other link of the same mail no longer applies: a clear refusal, not a silent success.
    late = web.post(_link(resolved, personas.customer_a, "confirm"))
    assert late.status_code == 409 and b"no longer waiting for your answer" in late.content
    resolved.refresh_from_db()
    assert resolved.status == "in_progress"


def test_tampered_and_expired_links_get_a_clear_page(personas: Any, resolved: Ticket, web: Client) -> None:
    confirm = _link(resolved, personas.customer_a, "confirm")
    signed = confirm.rstrip("/").rsplit("/", 1)[-1]
    broken_signature = confirm.replace(signed, signed[:-1] + ("A" if signed[-1] != "A" else "B"))
    other_answer = confirm.replace(":confirm:", ":reopen:")
    other_ticket = confirm.replace(f"/{resolved.pk}:", f"/{resolved.pk + 1}:")
    assert len({confirm, broken_signature, other_answer, other_ticket}) == 4
    for path in (broken_signature, other_answer, other_ticket, "/mail/resolution/garbage/"):
        for method in (web.get, web.post):
            response = method(path)
            assert response.status_code == 400, path
            assert b"This link is not valid" in response.content
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        for method in (web.get, web.post):
            response = method(confirm)
            assert response.status_code == 410 and b"This link has expired" in response.content
    resolved.refresh_from_db()
    assert resolved.status == "resolved"


def test_another_persons_link_cannot_act(personas: Any, resolved: Ticket, web: Client) -> None:
    # A link made out to a colleague (not the requester) is honest but gives no right to close it.
    colleague_link = _link(resolved, personas.colleague_a, "confirm")
    for method in (web.get, web.post):
        refused = method(colleague_link)
        assert refused.status_code == 403 and b"does not let its holder answer" in refused.content
    # Someone signed in who is not the person the mail went to cannot use it either.
    web.force_login(personas.customer_b)
    for method in (web.get, web.post):
        response = method(_link(resolved, personas.customer_a, "confirm"))
        assert response.status_code == 403 and b"sent to someone else" in response.content
    resolved.refresh_from_db()
    assert resolved.status == "resolved"
    # A link to a person who no longer has an account leads nowhere.
    User.objects.filter(pk=personas.customer_a.pk).update(is_active=False)
    web.logout()
    assert web.post(_link(resolved, personas.customer_a, "confirm")).status_code == 404
    resolved.refresh_from_db()
    assert resolved.status == "resolved"


# --- replaying quarantined mail from the admin --------------------------------------------------------------


def _replay(client: Client, *messages: InboundMessage) -> Any:
    return client.post(
        reverse("admin:mail_inboundmessage_changelist"),
        {"action": "replay", "_selected_action": [m.pk for m in messages]},
    )


def test_admin_replay_clears_quarantine_on_success_and_keeps_the_reason_on_failure(
    personas: Any, mailbox: Any, web: Client
) -> None:
    User.objects.filter(pk=personas.customer_a.pk).update(is_active=False)
    fixable = ingest(make_mail(subject="Cuenta desactivada", msgid="<fixable@c.test>"), mailbox)
    hopeless = ingest(make_mail(sender="", subject="Sin remitente", msgid="<hopeless@c.test>"), mailbox)
    assert fixable.state == hopeless.state == "quarantined"
    assert "disabled" in fixable.reason or "desactivada" in fixable.reason
    reason = hopeless.reason
    assert reason
    User.objects.filter(pk=personas.customer_a.pk).update(is_active=True)  # the admin fixes the cause

    web.force_login(personas.admin)
    response = _replay(web, fixable, hopeless)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 message processed."]
    fixable.refresh_from_db()
    hopeless.refresh_from_db()
    assert fixable.state == "done" and fixable.reason == "" and fixable.outcome == "ticket"
    assert fixable.ticket is not None and fixable.ticket.title == "Cuenta desactivada"
    assert hopeless.state == "quarantined" and hopeless.reason == reason
    assert hopeless.attempts == 2  # it was tried again

    # Replaying what is already done does nothing.
    _replay(web, fixable)
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("who", ["agent_1", "manager", "customer_a"])
def test_only_administrators_can_replay(personas: Any, mailbox: Any, web: Client, who: str) -> None:
    quarantined = ingest(make_mail(sender="", msgid="<nobody@c.test>"), mailbox)
    web.force_login(getattr(personas, who))
    response = _replay(web, quarantined)
    assert response.status_code == 302 and "/login/" in response["Location"]
    quarantined.refresh_from_db()
    assert quarantined.state == "quarantined" and quarantined.attempts == 1


# --- the full stored message ------------------------------------------------------------------------------


def test_agent_sees_the_full_message_with_its_quote(personas: Any, mailbox: Any, web: Client) -> None:
    ticket = ingest(make_mail(subject="Monitor", msgid="<mon@c.test>"), mailbox).ticket
    reply = ingest(
        make_mail(
            subject=f"Re: [{ticket.number}] Monitor",
            body="Ahora parpadea.\n\nEl lun, 5 ene 2026, Soporte escribió:\n> Texto citado de antes",
            headers={"In-Reply-To": "<mon@c.test>"},
        ),
        mailbox,
    )
    assert reply.outcome == "comment" and reply.comment.body == "Ahora parpadea."
    url = reverse("mail:message", args=[reply.pk])
    web.force_login(personas.agent_1)
    page = web.get(url)
    assert page.status_code == 200
    assert "Ahora parpadea." in page.content.decode() and "Texto citado de antes" in page.content.decode()


@pytest.mark.parametrize("who", ["customer_b", "agent_2", "customer_a"])
def test_full_message_is_404_for_people_who_may_not_read_it(
    personas: Any, mailbox: Any, web: Client, who: str
) -> None:
    row = ingest(make_mail(subject="Privado", msgid="<priv@c.test>"), mailbox)
    web.force_login(getattr(personas, who))
    assert web.get(reverse("mail:message", args=[row.pk])).status_code == 404
    assert web.get(reverse("mail:message", args=[row.pk + 1000])).status_code == 404


def test_full_message_needs_a_login(personas: Any, mailbox: Any, web: Client) -> None:
    row = ingest(make_mail(msgid="<anon@c.test>"), mailbox)
    response = web.get(reverse("mail:message", args=[row.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_full_message_html_is_sanitised(personas: Any, mailbox: Any, web: Client) -> None:
    html = (
        "<p>Hola <b>equipo</b></p><script>alert('s')</script>"
        '<img src="https://tracker.example/p.gif" onerror="alert(\'i\')">'
        '<a href="javascript:alert(\'a\')">clic</a><iframe src="https://evil.example/"></iframe>'
        '<div style="background:url(javascript:alert(1))" onclick="alert(\'c\')">fin</div>'
    )
    row = ingest(make_mail(subject="HTML", body="Hola equipo", html=html, msgid="<html@c.test>"), mailbox)
    web.force_login(personas.manager)
    page = web.get(reverse("mail:message", args=[row.pk])).content.decode()
    assert "<b>equipo</b>" in page and "fin" in page
    for bad in ("alert(", "onerror", "onclick", "javascript:", "<iframe", "tracker.example", "evil.example"):
        assert bad not in page, bad
