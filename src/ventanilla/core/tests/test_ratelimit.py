"""Shared rate-limit counters: client address, windows, and the API's 429 answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory

from ventanilla.core import ratelimit

START = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def request(remote: str = "203.0.113.9", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_ignored_by_default(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert ratelimit.client_ip(request(forwarded="1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # what the client wrote is left of the proxy's entry
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.5", "192.0.2.1"),
        (2, "192.0.2.1", "192.0.2.1"),  # a shorter chain: all entries came from our proxies
        (1, "not-an-address", "203.0.113.9"),
        (1, "", "203.0.113.9"),
    ],
)
def test_trusted_proxies(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    assert ratelimit.client_ip(request(forwarded=forwarded)) == expected


def test_ipv6_clients_count_per_64():
    one = ratelimit.ip_identity(request("2001:db8:1:2::1"))
    assert one == ratelimit.ip_identity(request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert ratelimit.ip_identity(request("::ffff:192.0.2.7")) == "192.0.2.7"


def test_sliding_window_refuses_bursts_at_the_edge(settings):
    settings.RATE_LIMITS = {"t": (10, 60)}
    with time_machine.travel(START, tick=False) as traveller:
        traveller.shift(55)  # late in a window
        assert [ratelimit.hit(("t", "x")) for _ in range(10)] == [0] * 10
        assert ratelimit.hit(("t", "x")) > 0
        traveller.shift(10)  # early in the next window the previous burst still weighs
        assert ratelimit.hit(("t", "x")) > 0
        traveller.shift(60)
        assert ratelimit.hit(("t", "x")) == 0


def test_retry_after_is_honest(settings):
    settings.RATE_LIMITS = {"t": (3, 600)}
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            ratelimit.hit(("t", "x"))
        wait = ratelimit.hit(("t", "x"))
        for _ in range(20):  # hammering while refused does not extend the wait
            assert ratelimit.hit(("t", "x")) == wait
        traveller.shift(wait - 1)
        assert ratelimit.peek(("t", "x")) > 0
        traveller.shift(1)
        assert ratelimit.peek(("t", "x")) == 0


def test_identities_and_scopes_are_separate(settings):
    settings.RATE_LIMITS = {"a": (1, 60), "b": (1, 60)}
    assert ratelimit.hit(("a", "x")) == 0
    assert ratelimit.hit(("a", "x")) > 0
    assert ratelimit.hit(("a", "y")) == 0
    assert ratelimit.hit(("b", "x")) == 0
    ratelimit.reset("a", "x")
    assert ratelimit.hit(("a", "x")) == 0


def test_switched_off(settings):
    settings.RATE_LIMITS = {"a": (1, 60), "off": None}
    assert [ratelimit.hit(("off", "x")) for _ in range(5)] == [0] * 5
    settings.RATE_LIMITS_ENABLED = False
    assert [ratelimit.hit(("a", "x")) for _ in range(5)] == [0] * 5


# --- API --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_api_clients_are_throttled(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api-anon": (2, 60)}
    url = "/api/v1/schema/?format=json"  # the one endpoint open to anonymous clients
    for _ in range(2):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    body = json.loads(response.content)
    assert body["code"] == "throttled" and body["detail"]
    assert int(response["Retry-After"]) > 0
    assert client.get(url, REMOTE_ADDR="198.51.100.1").status_code == 200


@pytest.mark.django_db
def test_guessing_tokens_is_throttled_per_address(client, api, personas, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api-auth-ip": (3, 900)}
    for number in range(3):
        response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token guess{number}")
        assert response.status_code == 401
    good = api(personas.agent_1)
    response = good.get("/api/v1/tickets/")  # even a right key, from the guessing address
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert "Retry-After" in response
    assert good.get("/api/v1/tickets/", REMOTE_ADDR="198.51.100.1").status_code == 200


@pytest.mark.django_db
def test_token_clients_are_throttled_per_user(api, personas, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api-user": (5, 60), "api-write": (2, 60)}
    client = api(personas.customer_a)
    for number in range(2):
        response = client.post("/api/v1/tickets/", {"title": f"Scripted {number}"}, format="json")
        assert response.status_code == 201, response.json()
    response = client.post("/api/v1/tickets/", {"title": "Scripted 3"}, format="json")
    assert response.status_code == 429, response.json()
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
    assert client.get("/api/v1/tickets/").status_code == 200  # reads still go on
    # Every token of the user shares the counter; another user is not affected.
    other_token = api(personas.customer_a)
    assert other_token.get("/api/v1/tickets/").status_code == 200
    assert other_token.get("/api/v1/tickets/").status_code == 429
    assert api(personas.colleague_a).get("/api/v1/tickets/").status_code == 200


@pytest.mark.django_db
def test_normal_api_use_is_not_throttled(api, personas):
    client = api(personas.agent_1)
    for _ in range(100):
        assert client.get("/api/v1/tickets/").status_code == 200
