"""Portal accounts (sign-up, one-time links, language) and ticket actions made of several service calls.

Everything that changes state for the portal happens here or in the services of the other apps.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import CUSTOMER_ROLES, Role
from ventanilla.accounts.models import Organization, User
from ventanilla.accounts.services import create_user, organization_for_email
from ventanilla.core.context import acting_as
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.services import update_reference
from ventanilla.tickets import services as tickets
from ventanilla.tickets.choices import Channel
from ventanilla.tickets.models import Ticket

from .models import AccessToken, TokenPurpose


# -- One-time links ---------------------------------------------------------------------------------------
def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: str, lifetime: timedelta) -> str:
    """A new random token for ``user``; returns the raw value (shown once, in the email)."""
    raw = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        user=user, purpose=purpose, token_hash=_digest(raw), expires_at=timezone.now() + lifetime
    )
    return raw


def peek_token(raw: str, purpose: str) -> AccessToken | None:
    """The usable token with this value (not consumed), for the page that asks to confirm."""
    return (
        AccessToken.objects.select_related("user")
        .filter(
            token_hash=_digest(raw or ""),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def redeem_token(raw: str, purpose: str) -> User | None:
    """Consume the token: the user it was issued to, or None when unknown, used or expired."""
    now = timezone.now()
    digest = _digest(raw or "")
    with transaction.atomic():
        consumed = AccessToken.objects.filter(
            token_hash=digest, purpose=purpose, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not consumed:
            return None
        return AccessToken.objects.select_related("user").get(token_hash=digest).user


def sign_in_link_lifetime() -> timedelta:
    return timedelta(minutes=settings.PORTAL_SIGN_IN_LINK_MINUTES)


def confirm_link_lifetime() -> timedelta:
    return timedelta(hours=settings.PORTAL_CONFIRM_LINK_HOURS)


def may_use_sign_in_link(user: User | None) -> bool:
    """One-time links are for customers; desk staff sign in with their password."""
    return user is not None and user.is_active and user.role in CUSTOMER_ROLES


def sign_in_with_link(raw: str) -> User | None:
    user = redeem_token(raw, TokenPurpose.SIGN_IN)
    return user if may_use_sign_in_link(user) else None


# -- Sign-up ------------------------------------------------------------------------------------------------
def signup_organization(email: str) -> tuple[bool, Organization | None]:
    """(allowed, organisation) for a sign-up with ``email`` under the PORTAL_SIGNUP policy."""
    mode = settings.PORTAL_SIGNUP
    if mode == "closed":
        return False, None
    organization = organization_for_email(email)
    if mode == "domains" and organization is None:
        return False, None
    return True, organization


def register_customer(
    *, email: str, full_name: str, password_hash: str, language: str
) -> tuple[User | None, bool]:
    """Create an inactive customer account awaiting confirmation.

    Returns ``(user, created)``. An existing address is left untouched (``created`` False) so that the
    caller can tell its owner by email, never the person at the keyboard.
    """
    email = User.objects.normalize_email(email or "").strip().lower()
    allowed, organization = signup_organization(email)
    if not allowed:
        raise NotPermitted(_("Sign-up is not open for this address."), code="signup_not_allowed")
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        user = create_user(
            actor=None,
            email=email,
            full_name=full_name.strip()[:200],
            role=Role.CUSTOMER,
            organization=organization,
            is_active=False,
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        )
        # The password was hashed in the request so that the clear text never reaches the broker.
        update_reference(user, {"password": password_hash}, actor=None)
    return user, True


def is_awaiting_confirmation(user: User) -> bool:
    return (
        not user.is_active
        and user.last_login is None
        and user.access_tokens.filter(purpose=TokenPurpose.CONFIRM_EMAIL).exists()
    )


def confirm_email(raw: str) -> User | None:
    """Activate the account the confirmation link was sent for (only one never used before)."""
    user = redeem_token(raw, TokenPurpose.CONFIRM_EMAIL)
    if user is None or user.last_login is not None:
        return None  # an account an administrator disabled is not revived by an old link
    if not user.is_active:
        user.snapshot()
        update_reference(user, {"is_active": True}, actor=None)
    return user


def set_language(*, actor: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), code="invalid_choice", field="language")
    if actor.language != language:
        actor.snapshot()
        update_reference(actor, {"language": language}, actor=actor)


def set_password(*, user: User, password: str) -> User:
    """New password after a reset (validated by the form); also ends the reset token's validity."""
    user.snapshot()
    user.set_password(password)
    return update_reference(user, {}, actor=user)


# -- Tickets -------------------------------------------------------------------------------------------------
Files = Iterable[tuple[str, IO[bytes] | bytes]]


def open_ticket(
    *,
    actor: User,
    type: str,
    title: str,
    description: str,
    impact: int,
    urgency: int,
    service: Any = None,
    files: Files = (),
) -> Ticket:
    """Open a ticket from the portal with its attachments, all or nothing."""
    with acting_as(actor), transaction.atomic():
        ticket = tickets.create_ticket(
            actor=actor,
            requester=actor,
            type=type,
            title=title,
            description=description,
            impact=impact,
            urgency=urgency,
            service=service,
            channel=Channel.PORTAL,
        )
        for name, content in files:
            tickets.add_attachment(actor=actor, ticket=ticket, filename=name, content=content)
    return ticket


def reopen_ticket(*, actor: User, ticket: Ticket, message: str = "") -> Ticket:
    """ "Still broken": back to in progress (inside the reopen window), with the customer's words."""
    from ventanilla.tickets.choices import Status

    with acting_as(actor), transaction.atomic():
        tickets.transition_ticket(actor=actor, ticket=ticket, to=Status.IN_PROGRESS)
        if message.strip():
            tickets.add_comment(actor=actor, ticket=ticket, body=message, public=True, channel=Channel.PORTAL)
    return ticket
