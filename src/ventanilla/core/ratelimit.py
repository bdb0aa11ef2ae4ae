"""Rate limits: shared counters in the Django cache (Redis in production), one per scope and identity.

Rules:

* A scope (``login-account``, ``mail-ip``, …) has a limit ``(count, window seconds)`` in
  ``settings.RATE_LIMITS`` (read from the environment); ``None`` or ``RATE_LIMITS_ENABLED=0`` means no limit.
* The window slides: two fixed buckets (this window and the previous one) are combined as
  ``previous × (1 − elapsed/window) + current``, so a burst at a window's edge cannot double the limit.
* Counting is atomic across processes (``cache.add`` then ``cache.incr``); nothing is read-modify-written.
* Identities are HMAC-ed with the secret key before they become cache keys: addresses and emails never
  sit in the cache in clear, and keys have a fixed length whatever the input.
* :func:`hit` counts and answers; :func:`peek` answers without counting (the login checks before the
  password and counts only failures). Both return the seconds to wait, 0 when allowed. A refused hit is
  not counted, so a client that keeps knocking is not kept out longer than it is told. Refusals are logged
  at WARNING with scope, identity and client address (never a password), ready for fail2ban and the like.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

logger = logging.getLogger("ventanilla.ratelimit")

Check = tuple[str, str]  # (scope, identity)


@dataclass(frozen=True)
class Limit:
    count: int
    window: int


def limit_for(scope: str) -> Limit | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    configured = settings.RATE_LIMITS.get(scope)
    return Limit(*configured) if configured else None


# --- identities -----------------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry written by the outermost trusted proxy.

    With ``TRUSTED_PROXY_COUNT = n`` the last *n* entries of X-Forwarded-For were appended by our own
    proxies; the n-th from the right is the address the outermost one saw. Anything left of it is whatever
    the client sent and is ignored. With 0 (the default) the header is never read.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        chain = [part.strip() for part in header.split(",") if part.strip()]
        if chain:
            candidate = chain[-hops] if len(chain) >= hops else chain[0]
            if _parse_ip(candidate) is not None:
                return candidate
    return remote or "unknown"


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return None


def ip_identity(request: HttpRequest) -> str:
    """The client address as a counter identity; IPv6 clients count per /64 (one host usually owns one)."""
    return address_identity(client_ip(request))


def address_identity(raw: str) -> str:
    """An IP address as written (``203.0.113.9``, ``2001:db8::1``) as a counter identity."""
    address = _parse_ip(raw)
    if address is None:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def user_identity(user_id: Any) -> str:
    """A signed-in account as a counter identity (portal submissions, API use)."""
    return f"user:{user_id}"


def email_identity(email: str) -> str:
    """Addresses compare case-insensitively and without surrounding spaces, as sign-in does."""
    return (email or "").strip().lower()


# --- counters -------------------------------------------------------------------------------------------


def _keys(scope: str, identity: str, limit: Limit, now: float) -> tuple[str, str, float]:
    digest = salted_hmac("ventanilla.ratelimit", f"{scope}\0{identity}", algorithm="sha256").hexdigest()[:40]
    index = int(now // limit.window)
    return f"rl:{scope}:{digest}:{index}", f"rl:{scope}:{digest}:{index - 1}", now - index * limit.window


def _estimate(limit: Limit, current: int, previous: int, elapsed: float) -> float:
    return previous * (1 - elapsed / limit.window) + current


def _wait(limit: Limit, current: int, previous: int, elapsed: float) -> int:
    """Seconds until one more request fits (the estimate is at most count − 1), if nothing else counts."""
    room = limit.count - 1
    if _estimate(limit, current, previous, elapsed) <= room:
        return 0
    window = limit.window
    if current <= room and previous > 0:  # the previous bucket fades enough within this window
        fade = window * (1 - (room - current) / previous) - elapsed
        if fade < window - elapsed:
            return max(1, math.ceil(fade))
    # Otherwise this window's count must fade during the next one.
    later = window * (1 - room / current) if current else 0.0
    return max(1, math.ceil(window - elapsed + later))


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout)
        return int(cache.incr(key))


def _count(scope: str, identity: str, *, add: bool) -> int:
    limit = limit_for(scope)
    if limit is None:
        return 0
    current_key, previous_key, elapsed = _keys(scope, identity, limit, time.time())
    if add:
        current = _incr(current_key, 2 * limit.window + 60)
        previous = int(cache.get(previous_key) or 0)
        # Judge on the count before this hit; a refused hit is taken back, so hammering while refused
        # does not push the end of the wait further (and Retry-After stays true).
        wait = _wait(limit, current - 1, previous, elapsed)
        if wait:
            with contextlib.suppress(ValueError):
                cache.decr(current_key)
        return wait
    values = cache.get_many([current_key, previous_key])
    return _wait(limit, int(values.get(current_key) or 0), int(values.get(previous_key) or 0), elapsed)


def _answer(checks: tuple[Check, ...], request: HttpRequest | None, *, add: bool) -> int:
    wait = 0
    for scope, identity in checks:
        scope_wait = _count(scope, identity, add=add)
        if scope_wait:
            logger.warning(
                "rate limit: refused scope=%s identity=%s client=%s retry_after=%ss",
                scope,
                identity,
                client_ip(request) if request is not None else "-",
                scope_wait,
            )
        wait = max(wait, scope_wait)
    return wait


def hit(*checks: Check, request: HttpRequest | None = None) -> int:
    """Count one request against every (scope, identity); the seconds to wait if any is over, else 0."""
    return _answer(checks, request, add=True)


def peek(*checks: Check, request: HttpRequest | None = None) -> int:
    """Like :func:`hit` without counting: would one more request be allowed?"""
    return _answer(checks, request, add=False)


def record(*checks: Check) -> None:
    """Count without answering (e.g. a failed password, after the answer was already given)."""
    for scope, identity in checks:
        _count(scope, identity, add=True)


def reset(scope: str, identity: str) -> None:
    limit = limit_for(scope)
    if limit is not None:
        current_key, previous_key, _elapsed = _keys(scope, identity, limit, time.time())
        cache.delete_many([current_key, previous_key])


# Scopes counted per client address, per email address and per account (see where each is used).
ADDRESS_SCOPES = ("login-ip", "mail-ip", "api-anon", "api-auth-ip")
EMAIL_SCOPES = ("login-account", "mail-address")
ACCOUNT_SCOPES = ("portal-submit", "api-user", "api-write")


def lift(*, email: str = "", address: str = "", user_id: int | None = None) -> list[str]:
    """Clear every counter of an email address, a client address and/or an account (an administrator
    lifting a lockout); returns the scopes cleared."""
    cleared = []
    targets = [
        *((scope, email_identity(email)) for scope in (EMAIL_SCOPES if email else ())),
        *((scope, address_identity(address)) for scope in (ADDRESS_SCOPES if address else ())),
        *((scope, user_identity(user_id)) for scope in (ACCOUNT_SCOPES if user_id else ())),
    ]
    for scope, identity in targets:
        reset(scope, identity)
        cleared.append(scope)
    return cleared


# --- answers --------------------------------------------------------------------------------------------


def retry_text(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes) % {
        "count": minutes
    }


def too_many_requests(
    request: HttpRequest,
    wait: int,
    *,
    message: str,
    back_url: str = "",
    base_template: str = "base.html",
    kept_text: str = "",
) -> HttpResponse:
    """The 429 page: what happened, when to try again, and the way back.

    ``kept_text``: what the person typed, shown again so a refusal loses nothing (they copy it and send
    it once the wait is over)."""
    response = refused_page(
        request,
        "429.html",
        {
            "message": message,
            "retry": retry_text(wait),
            "back_url": back_url,
            "base_template": base_template,
            "kept_text": kept_text,
        },
        wait,
    )
    add_never_cache_headers(response)
    return response


def refused_page(request: HttpRequest, template: str, context: dict[str, Any], wait: int) -> HttpResponse:
    """``template`` answered 429 with ``Retry-After`` (e.g. the same form again, the refusal as its error)."""
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response
