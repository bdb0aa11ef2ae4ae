"""Signing in (password or one-time link), signing up, confirming the address, resetting the password.

Nothing here tells a visitor whether an address has an account: the link, sign-up and reset requests
only enqueue a task with the address and always answer the same page.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from ventanilla.accounts import login_limits
from ventanilla.accounts.backends import EmailBackend
from ventanilla.accounts.models import User
from ventanilla.core import ratelimit
from ventanilla.core.errors import DomainError

from .. import services, tasks
from ..forms import EmailForm, LanguageForm, PortalSetPasswordForm, SignInForm, SignUpForm
from ..models import TokenPurpose

BACKEND = f"{EmailBackend.__module__}.{EmailBackend.__qualname__}"


def _mail_wait(request: HttpRequest, email: str) -> int:
    """Count a request that mails ``email`` (link, reset, sign-up); seconds to wait when it is one too many.

    Counted per address and per client whether or not the address has an account, so the answer (429 or
    "check your email") never depends on it.
    """
    return ratelimit.hit(
        ("mail-address", ratelimit.email_identity(email)),
        ("mail-ip", ratelimit.ip_identity(request)),
        request=request,
    )


def _mail_refused(form: Any, wait: int) -> None:
    form.add_error(
        None,
        _("Too many messages were requested for this address or from your network. %(retry)s")
        % {"retry": ratelimit.retry_text(wait)},
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    """One email field, two buttons: "Sign in" with the password, or "Email me a sign-in link"."""
    if request.user.is_authenticated:
        return redirect(_next(request))
    form = SignInForm(request.POST or None)
    wait = 0
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if request.POST.get("action") == "link":
            wait = _mail_wait(request, email)
            if not wait:
                tasks.send_sign_in_link.delay(email, get_language())
                return redirect("portal:sign-in-link-sent")
            _mail_refused(form, wait)
        elif wait := login_limits.login_wait(request, email):
            form.add_error(
                None,
                " ".join(
                    [
                        login_limits.refused_message(),
                        ratelimit.retry_text(wait),
                        _("You can still ask for a sign-in link by email."),
                    ]
                ),
            )
        else:
            password = form.cleaned_data["password"]
            user = authenticate(request, username=email, password=password) if password else None
            if user is not None:
                login(request, user, backend=BACKEND)
                return redirect(_next(request))
            form.add_error(
                None,
                _(
                    "That email and password do not match an active account. Check them, or "
                    "ask for a sign-in link by email."
                ),
            )
    context = {"form": form, "next": _next(request)}
    if wait:
        return ratelimit.refused_page(request, "portal/sign_in.html", context, wait)
    return render(request, "portal/sign_in.html", context)


def sign_in_link_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "title": _("Check your email"),
            "text": _(
                "If the address belongs to a customer account, a sign-in link is on its way. It works "
                "once, for a short time."
            ),
        },
    )


@never_cache
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button (mail scanners follow links); the POST consumes the link."""
    if request.method == "POST":
        user = services.sign_in_with_link(token)
        if user is not None:
            login(request, user, backend=BACKEND)
            return redirect("home")
    elif services.peek_token(token, TokenPurpose.SIGN_IN) is not None:
        return render(
            request,
            "portal/link_confirm.html",
            {
                "title": _("Sign in"),
                "button": _("Sign in now"),
                "text": _("Press the button to sign in to the service desk."),
            },
        )
    return render(
        request,
        "portal/message.html",
        {
            "title": _("This link no longer works"),
            "text": _("Sign-in links work once and only for a short time. Ask for a new one."),
            "link": reverse("portal:sign-in"),
            "link_text": _("Back to sign-in"),
        },
        status=410,
    )


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    closed = settings.PORTAL_SIGNUP == "closed"
    form = SignUpForm(request.POST or None)
    if not closed and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wait = _mail_wait(request, data["email"])
        if wait:
            _mail_refused(form, wait)
            context = {"form": form, "closed": closed}
            return ratelimit.refused_page(request, "portal/sign_up.html", context, wait)
        # Hashed here, so the clear password never travels through the broker.
        tasks.process_sign_up.delay(
            data["email"], data["full_name"], make_password(data["password1"]), get_language()
        )
        return redirect("portal:sign-up-sent")
    return render(request, "portal/sign_up.html", {"form": form, "closed": closed})


def sign_up_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "title": _("Check your email"),
            "text": _(
                "We sent a message to the address you gave. Open the link in it to confirm the address "
                "and activate your account."
            ),
        },
    )


@never_cache
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        user = services.confirm_email(token)
        if user is not None:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Your address is confirmed. Welcome!"))
            return redirect("home")
    elif services.peek_token(token, TokenPurpose.CONFIRM_EMAIL) is not None:
        return render(
            request,
            "portal/link_confirm.html",
            {
                "title": _("Confirm your address"),
                "button": _("Confirm and sign in"),
                "text": _("Press the button to confirm your email address and activate your account."),
            },
        )
    return render(
        request,
        "portal/message.html",
        {
            "title": _("This link no longer works"),
            "text": _("Confirmation links work once and expire. Sign up again to get a new one."),
            "link": reverse("portal:sign-up"),
            "link_text": _("Sign up"),
        },
        status=410,
    )


@csrf_protect
def password_reset(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = _mail_wait(request, form.cleaned_data["email"])
        if wait:
            _mail_refused(form, wait)
            return ratelimit.refused_page(request, "portal/password_reset.html", {"form": form}, wait)
        tasks.send_password_reset.delay(form.cleaned_data["email"], get_language())
        return redirect("portal:password-reset-sent")
    return render(request, "portal/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "title": _("Check your email"),
            "text": _("If the address belongs to an account, a link to choose a new password is on its way."),
        },
    )


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    post_reset_login = True
    post_reset_login_backend = BACKEND
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your new password is set. You are signed in."))
        return super().form_valid(form)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language cookie, and the signed-in user's language (mail and other devices follow it)."""
    response = django_set_language(request)
    form = LanguageForm(request.POST)
    if form.is_valid() and request.user.is_authenticated:
        with contextlib.suppress(DomainError):
            services.set_language(actor=cast(User, request.user), language=form.cleaned_data["language"])
    if not isinstance(response, HttpResponseRedirect):
        return redirect("home")
    return response
