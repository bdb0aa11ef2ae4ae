"""Mail bombing and scripted submissions through the portal are refused; nothing reveals an account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages asserted below are the English ones (the site's default language is Spanish)."""
    settings.LANGUAGE_CODE = "en"


SIGN_UP = {"full_name": "Eve", "password1": "a long pass phrase 9", "password2": "a long pass phrase 9"}


def ask_for_link(client, email: str, ip: str = "203.0.113.9"):
    return client.post("/portal/sign-in/", {"email": email, "action": "link"}, REMOTE_ADDR=ip)


def reset(client, email: str, ip: str = "203.0.113.9"):
    return client.post("/portal/password/reset/", {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("email", ["ana@acme.test", "nobody@acme.test"])
def test_link_and_reset_requests_for_one_address_are_limited_alike(client, personas, email):
    """Known and unknown addresses get the same answers in the same order: the limit reveals nothing."""
    answers = []
    for number in range(3):  # from three different networks, two kinds of request
        answers.append(ask_for_link(client, email.upper(), ip=f"198.51.100.{number}").status_code)
        answers.append(reset(client, email, ip=f"192.0.2.{number}").status_code)
    assert answers == [302, 302, 302, 302, 302, 429]
    refused = ask_for_link(client, email, ip="192.0.2.99")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many messages were requested" in refused.content.decode()
    assert len(mail.outbox) == (5 if email == "ana@acme.test" else 0)


def test_many_addresses_from_one_network_are_limited(client, personas, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mail-ip": (4, 3600)}
    for number in range(4):
        assert reset(client, f"victim{number}@example.test").status_code == 302
    assert reset(client, "victim9@example.test").status_code == 429
    assert ask_for_link(client, "ana@acme.test").status_code == 429
    assert mail.outbox == []
    assert ask_for_link(client, "ana@acme.test", ip="198.51.100.1").status_code == 302


def test_sign_up_counts_against_the_address(client, personas):
    data = {**SIGN_UP, "email": "ana@acme.test"}  # an existing account: the owner gets "you have one"
    answers = [client.post("/portal/sign-up/", data).status_code for _ in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5


def test_mail_limit_passes_with_time(client, personas):
    with time_machine.travel(datetime(2030, 5, 6, 8, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(5):
            ask_for_link(client, "ana@acme.test")
        refused = ask_for_link(client, "ana@acme.test")
        assert refused.status_code == 429
        traveller.shift(int(refused["Retry-After"]) + 1)
        assert ask_for_link(client, "ana@acme.test").status_code == 302


def test_scripted_tickets_are_refused_but_a_busy_customer_is_not(client, personas, settings):
    client.force_login(personas.customer_a)
    for number in range(20):  # a very busy morning is fine under the default limit
        response = client.post("/portal/new/question/", {"title": f"Question {number}"})
        assert response.status_code == 302
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "portal-submit": (25, 3600)}
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="Printer")
    for number in range(5):
        response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": f"More detail {number}"})
        assert response.status_code == 302
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "And more <b>detail</b>"})
    assert response.status_code == 429 and "Retry-After" in response
    page = response.content.decode()
    assert f"/portal/tickets/{ticket.pk}/" in page
    assert "And more &lt;b&gt;detail&lt;/b&gt;</textarea>" in page  # the refused text is kept, escaped
    assert not ticket.comments.filter(body__startswith="And more").exists()
    response = client.post("/portal/new/question/", {"title": "One too many"})
    assert response.status_code == 429
    assert "faster than the service desk accepts" in response.content.decode()
    assert 'value="One too many"' in response.content.decode()  # the form comes back filled in
    assert not Ticket.objects.filter(title="One too many").exists()
    # Another customer is not affected.
    client.force_login(personas.colleague_a)
    assert client.post("/portal/new/question/", {"title": "Mine"}).status_code == 302
