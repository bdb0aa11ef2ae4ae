"""Mail the portal sends. Views only enqueue these with an address: looking the account up happens here,
so the web response is the same whether or not an account exists (nothing to learn from it or its timing).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError

from .models import TokenPurpose
from .services import (
    confirm_link_lifetime,
    is_awaiting_confirmation,
    issue_token,
    may_use_sign_in_link,
    register_customer,
    sign_in_link_lifetime,
)


def _find(email: str) -> User | None:
    return User.objects.filter(email__iexact=(email or "").strip()).first()


def _send(template: str, to: str, language: str, context: dict[str, Any]) -> None:
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        context = {"base_url": settings.BASE_URL, "site_name": "Ventanilla", **context}
        subject = " ".join(render_to_string(f"registration/{template}_subject.txt", context).split())
        body = render_to_string(f"registration/{template}_email.txt", context)
    EmailMessage(subject, body, None, [to]).send()


def _url(name: str, **kwargs: Any) -> str:
    return settings.BASE_URL + reverse(name, kwargs=kwargs)


@shared_task(name="ventanilla.portal.tasks.send_sign_in_link")
def send_sign_in_link(email: str, language: str) -> None:
    user = _find(email)
    if not may_use_sign_in_link(user):
        return
    assert user is not None
    raw = issue_token(user, TokenPurpose.SIGN_IN, sign_in_link_lifetime())
    _send(
        "sign_in_link",
        user.email,
        user.language or language,
        {
            "user": user,
            "url": _url("portal:sign-in-link", token=raw),
            "minutes": settings.PORTAL_SIGN_IN_LINK_MINUTES,
        },
    )


@shared_task(name="ventanilla.portal.tasks.send_password_reset")
def send_password_reset(email: str, language: str) -> None:
    user = _find(email)
    # Also for accounts the desk created without a password (from an email or a call): this is how their
    # owners choose one.
    if user is None or not user.is_active:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    _send(
        "password_reset",
        user.email,
        user.language or language,
        {
            "user": user,
            "url": _url("portal:password-reset-confirm", uidb64=uid, token=token),
            "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
    )


@shared_task(name="ventanilla.portal.tasks.process_sign_up")
def process_sign_up(email: str, full_name: str, password_hash: str, language: str) -> None:
    """New address: create the inactive account and send the confirmation link. Known address: tell its
    owner (a pending sign-up gets a fresh confirmation link; an existing account, a reminder to sign in)."""
    try:
        user, created = register_customer(
            email=email, full_name=full_name, password_hash=password_hash, language=language
        )
    except DomainError:  # the policy changed since the form was checked
        return
    if user is None:
        return
    if created or is_awaiting_confirmation(user):
        raw = issue_token(user, TokenPurpose.CONFIRM_EMAIL, confirm_link_lifetime())
        _send(
            "confirm_email",
            user.email,
            user.language or language,
            {
                "user": user,
                "url": _url("portal:confirm-email", token=raw),
                "hours": settings.PORTAL_CONFIRM_LINK_HOURS,
            },
        )
    elif user.is_active:
        _send(
            "account_exists",
            user.email,
            user.language or language,
            {
                "user": user,
                "sign_in_url": _url("portal:sign-in"),
                "reset_url": _url("portal:password-reset"),
            },
        )
