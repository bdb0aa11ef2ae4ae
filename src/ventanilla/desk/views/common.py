"""Helpers shared by the workspace views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from ventanilla.accounts.models import User
from ventanilla.core.errors import Conflict, DomainError
from ventanilla.tickets.models import Ticket

from ..services import STALE_MESSAGE


def signed_in(request: HttpRequest) -> User:
    """The request's user; only for views behind ``login_required``."""
    return cast(User, request.user)


def staff(request: HttpRequest) -> User:
    """The signed-in agent; customers get 404, as for anything they may not see."""
    user = signed_in(request)
    if not user.is_staff_side:
        raise Http404
    return user


def agents_only(view: Callable[..., HttpResponse], *, customers_to: str = "") -> Callable[..., HttpResponse]:
    """The workspace is for agents. A signed-in customer is sent to the portal page ``customers_to``
    (same arguments: their own ticket opens there, with the portal's own checks) or gets 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not cast(User, user).is_staff_side:
            if customers_to and request.method in ("GET", "HEAD"):
                return redirect(customers_to, *args, **kwargs)
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error.message))


def posted_version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def check_version(ticket: Ticket, expected: int | None) -> None:
    """For verbs whose service has no ``expected_version``: refuse when the page the agent acted on is
    older than the ticket (someone else changed it in between)."""
    if expected is not None and ticket.version != expected:
        raise Conflict(STALE_MESSAGE, code="stale_ticket")


def ticket_from_number(value: str, queryset: Any) -> Ticket | None:
    """A visible ticket by number (INC-000123), bare digits, or id; None when not found."""
    value = (value or "").strip()
    pk = Ticket.pk_from_number(value) if "-" in value else (int(value) if value.isdigit() else None)
    return queryset.filter(pk=pk).first() if pk else None
