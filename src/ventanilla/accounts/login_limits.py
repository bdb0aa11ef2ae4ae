"""Password sign-in limits, for every form that signs in with a password (desk, admin, portal).

Rules:

* Two counters of *failed* sign-ins: per account address (case-insensitive; stops spraying one account
  from many addresses) and per client address (stops trying many accounts from one address). Both count
  addresses that have no account exactly like real ones, so a refusal reveals nothing.
* The limit is checked before the password is: while it holds, even the right password is refused, so
  the answer tells an attacker nothing about the guess.
* Only failures count (Django's ``user_login_failed``, sent by ``authenticate()`` whatever the form). A
  successful sign-in clears its account's counter (never the client address's).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from ventanilla.core import ratelimit

View = Callable[..., HttpResponseBase]


def login_checks(request: HttpRequest, email: str) -> tuple[ratelimit.Check, ...]:
    return (
        ("login-account", ratelimit.email_identity(email)),
        ("login-ip", ratelimit.ip_identity(request)),
    )


def login_wait(request: HttpRequest, email: str) -> int:
    """Seconds before this address may try a password again from this client; 0 when it may now."""
    return ratelimit.peek(*login_checks(request, email), request=request)


def refused_message() -> str:
    return _(
        "Too many failed sign-in attempts for this account or from your network. For your security, "
        "signing in with a password is paused for a while."
    )


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:  # not a web sign-in (a script calling authenticate())
        return
    email = str(credentials.get("username") or credentials.get("email") or "")
    ratelimit.record(*login_checks(request, email))


def _succeeded(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    email = getattr(user, "email", "")
    if email:
        ratelimit.reset("login-account", ratelimit.email_identity(email))


def connect_signals() -> None:
    user_login_failed.connect(_failed, dispatch_uid="ventanilla.login_limits.failed")
    user_logged_in.connect(_succeeded, dispatch_uid="ventanilla.login_limits.succeeded")


def login_rate_limited(view: View, *, field: str = "username") -> View:
    """Wrap a password login view (Django's LoginView, the admin's login): a refused POST answers 429."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            wait = login_wait(request, request.POST.get(field, ""))
            if wait:
                return ratelimit.too_many_requests(
                    request, wait, message=refused_message(), back_url=request.get_full_path()
                )
        return view(request, *args, **kwargs)

    return wrapper
