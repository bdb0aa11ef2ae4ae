from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError

View = Callable[..., HttpResponseBase]


def customer_required(view: View) -> View:
    """Signed-in customers only: anonymous visitors go to the portal's sign-in, desk staff to the desk."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:sign-in"))
        if not getattr(user, "is_customer", False):
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def customer(request: HttpRequest) -> User:
    """The request's user; only inside views behind ``customer_required``."""
    return cast(User, request.user)


def refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error.message))
