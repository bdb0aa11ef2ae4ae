"""The attacker's view of password sign-in: guessing is refused after a few failures, whoever asks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from ventanilla.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages asserted below are the English ones (the site's default language is Spanish)."""
    settings.LANGUAGE_CODE = "en"


START = datetime(2030, 3, 4, 10, 0, 7, tzinfo=UTC)


def portal(client, email: str, password: str, ip: str = "203.0.113.9", **extra):
    return client.post(
        "/portal/sign-in/",
        {"email": email, "password": password, "action": "password"},
        REMOTE_ADDR=ip,
        **extra,
    )


def desk(client, email: str, password: str, ip: str = "203.0.113.9"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_brute_force_on_one_account_is_refused_after_the_limit(client, personas, caplog):
    caplog.set_level(logging.WARNING, logger="ventanilla.ratelimit")
    for attempt in range(10):
        assert portal(client, "ana@acme.test", f"guess-{attempt}").status_code == 200
    response = portal(client, "ana@acme.test", "guess-10")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in response.content.decode()
    # The right password is refused too while the limit holds: the answer tells nothing about the guess.
    response = portal(client, "ana@acme.test", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert "scope=login-account identity=ana@acme.test client=203.0.113.9" in caplog.text
    assert PASSWORD not in caplog.text and "guess-" not in caplog.text


def test_the_limit_follows_the_account_across_case_and_addresses(client, personas):
    for attempt in range(10):
        email = "ANA@Acme.Test" if attempt % 2 else " ana@acme.test"
        portal(client, email.strip(), "wrong", ip=f"198.51.100.{attempt}")
    # A fresh address, another spelling, and the desk's login form: all refused for this account.
    assert portal(client, "Ana@ACME.test", PASSWORD, ip="192.0.2.200").status_code == 429
    assert desk(client, "ana@acme.test", PASSWORD, ip="192.0.2.201").status_code == 429
    assert not signed_in(client)
    # Other accounts are not affected.
    assert portal(client, "carlos@acme.test", PASSWORD, ip="192.0.2.200").status_code == 302


def test_many_accounts_from_one_address_are_refused(client, personas, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": (5, 900)}
    for number in range(5):  # spraying: one guess per (mostly unknown) account
        assert portal(client, f"user{number}@acme.test", "Winter2030!").status_code == 200
    assert portal(client, "ana@acme.test", PASSWORD).status_code == 429
    assert desk(client, "carlos@acme.test", PASSWORD).status_code == 429
    # Someone else, elsewhere, signs in normally.
    assert portal(client, "ana@acme.test", PASSWORD, ip="198.51.100.7").status_code == 302


def test_refused_until_the_window_passes_then_allowed(client, personas):
    with time_machine.travel(START, tick=False) as traveller:
        for _attempt in range(10):
            desk(client, "ana@acme.test", "wrong")
        response = desk(client, "ana@acme.test", PASSWORD)
        assert response.status_code == 429
        wait = int(response["Retry-After"])
        assert 0 < wait <= 2 * 15 * 60
        assert "Try again in" in response.content.decode()
        traveller.shift(wait - 30)
        assert desk(client, "ana@acme.test", PASSWORD).status_code == 429
        traveller.shift(31)
        assert desk(client, "ana@acme.test", PASSWORD).status_code == 302
        assert signed_in(client)


def test_success_clears_the_account_counter(client, personas):
    for _attempt in range(9):
        portal(client, "ana@acme.test", "typo")
    assert portal(client, "ana@acme.test", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(9):  # a fresh allowance, not one left
        assert portal(client, "ana@acme.test", "typo").status_code == 200
    assert portal(client, "ana@acme.test", PASSWORD).status_code == 302


def test_admin_login_is_limited_too(client, personas):
    for _attempt in range(10):
        response = client.post("/admin/login/", {"username": "admin@desk.test", "password": "x"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "admin@desk.test", "password": PASSWORD})
    assert response.status_code == 429 and not signed_in(client)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, personas, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": (3, 900)}
    for number in range(3):  # a forged header per request does not give a fresh address
        portal(client, f"x{number}@acme.test", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}")
    assert portal(client, "ana@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.99").status_code == 429


def test_trusted_proxy_gives_each_client_its_own_counter(client, personas, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-ip": (3, 900)}
    proxy = "10.0.0.2"
    for number in range(3):  # what the client prepends is ignored; the proxy's own entry counts
        portal(
            client,
            f"x{number}@acme.test",
            "wrong",
            ip=proxy,
            HTTP_X_FORWARDED_FOR=f"1.1.1.{number}, 192.0.2.5",
        )
    assert (
        portal(client, "ana@acme.test", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.5").status_code
        == 429
    )
    response = portal(client, "ana@acme.test", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.6")
    assert response.status_code == 302


def test_normal_use_is_never_limited(client, personas):
    for _day in range(30):  # sign in, make a typo now and then, sign out: every day of a month, at once
        assert portal(client, "ana@acme.test", "typo").status_code == 200
        assert portal(client, "ana@acme.test", PASSWORD).status_code == 302
        client.logout()


def test_an_administrator_can_lift_a_lockout_at_once(client, personas):
    """The call "I mistyped my password too often": ``ventanilla lift_rate_limits`` ends it now."""
    for attempt in range(11):
        portal(client, "ana@acme.test", f"guess-{attempt}")
    assert portal(client, "ana@acme.test", PASSWORD).status_code == 429
    out = StringIO()
    call_command("lift_rate_limits", "--email", "ANA@acme.test", "--ip", "203.0.113.9", stdout=out)
    assert "login-account" in out.getvalue() and "login-ip" in out.getvalue()
    portal(client, "ana@acme.test", PASSWORD)
    assert signed_in(client)


def test_lifting_needs_an_address_and_refuses_a_malformed_ip(db):
    with pytest.raises(CommandError):
        call_command("lift_rate_limits")
    with pytest.raises(CommandError, match="not an IP address"):
        call_command("lift_rate_limits", "--ip", "not-an-ip")
