"""People, organisations and API tokens: the only code that changes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.core.context import acting_as
from ventanilla.core.errors import NotPermitted, ValidationFailed

from .choices import Role, TokenScope
from .models import APIToken, Organization, OrganizationDomain, User

TOKEN_PREFIX = "vnt"  # noqa: S105 - a public marker, not a secret


def organization_for_email(email: str) -> Organization | None:
    """The organisation whose registered domain is exactly the address's domain (no subdomain guessing)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    link = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    if link and link.organization.is_active:
        return link.organization
    return None


def create_user(
    *,
    actor: Any,
    email: str,
    full_name: str = "",
    role: str = Role.CUSTOMER,
    organization: Organization | None = None,
    password: str | None = None,
    **fields: Any,
) -> User:
    """Create a person. Customers without an explicit organisation join the one owning their domain."""
    email = User.objects.normalize_email(email or "").strip().lower()
    if not email or "@" not in email:
        raise ValidationFailed(_("A valid email address is required."), code="invalid_email", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(
            _("A user with this email already exists."), code="duplicate_email", field="email"
        )
    if organization is None and role in (Role.CUSTOMER, Role.CUSTOMER_MANAGER):
        organization = organization_for_email(email)
    user = User(email=email, full_name=full_name, role=role, organization=organization, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    from ventanilla.core.services import validation_message

    try:
        # The address was checked above (case-insensitively) and the organisation is a stored row: skip
        # the three existence queries full_clean would repeat (mail creates people by the hundred). The
        # database's unique constraint still refuses a duplicate created at the same moment.
        user.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(
            validation_message(exc), code="invalid", errors=getattr(exc, "message_dict", None)
        ) from exc
    try:
        with acting_as(actor), transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationFailed(
            _("A user with this email already exists."), code="duplicate_email", field="email"
        ) from None
    return user


def create_customers(*, actor: Any, people: dict[str, str], **fields: Any) -> dict[str, User]:
    """Create many customers at once (mail from new people): ``people`` maps lower-case address → name.

    The same rules as :func:`create_user` (organisation only by an exact domain match) with one query for
    the domains, one INSERT and one change-log INSERT. The caller has checked that none exists yet;
    an address created meanwhile by someone else makes the INSERT fail as a whole (retried by the caller).
    """
    from ventanilla.core import changelog

    if not people:
        return {}
    domains = {email.rsplit("@", 1)[-1] for email in people}
    owners = {
        link.domain: link.organization
        for link in OrganizationDomain.objects.select_related("organization").filter(domain__in=domains)
        if link.organization.is_active
    }
    users = []
    for email, name in people.items():
        user = User(
            email=email,
            full_name=name[:200],
            role=Role.CUSTOMER,
            organization=owners.get(email.rsplit("@", 1)[-1]),
            **fields,
        )
        # What set_unusable_password() stores, from one call to the system's random source instead of 40.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        users.append(user)
    with acting_as(actor), transaction.atomic(savepoint=False):
        User.objects.bulk_create(users)
        changelog.record_created(users)
    return {user.email: user for user in users}


def get_or_create_customer(*, actor: Any, email: str, full_name: str = "") -> User:
    existing = User.objects.filter(email__iexact=email.strip()).first()
    return existing or create_user(actor=actor, email=email, full_name=full_name)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(
    *, actor: Any, user: User, scope: str = TokenScope.READ, name: str = "", expires_at: Any = None
) -> tuple[APIToken, str]:
    """Create a token and return it with the clear key, which is never stored and cannot be shown again."""
    if scope not in TokenScope.values:
        raise ValidationFailed(
            _("Unknown scope “%(scope)s”; use read or write.") % {"scope": scope},
            code="invalid_scope",
            field="scope",
        )
    if not user.is_active:
        raise ValidationFailed(_("Inactive users cannot have API tokens."), code="inactive_user")
    if actor is not None and actor != user and getattr(actor, "role", None) != Role.ADMIN:
        raise NotPermitted(_("Only administrators create tokens for other people."))
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with acting_as(actor), transaction.atomic():
        token = APIToken.objects.create(
            user=user, name=name, prefix=prefix, key_hash=_hash(key), scope=scope, expires_at=expires_at
        )
    return token, key


def revoke_token(*, actor: Any, token: APIToken) -> APIToken:
    if token.revoked_at is None:
        APIToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
    return token


def authenticate_token(key: str) -> APIToken | None:
    """The usable token matching ``key``, or None. Constant-time comparison of the hash."""
    # The random part is URL-safe base64 and may itself contain "_": split off prefix and id only.
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = APIToken.objects.select_related("user", "user__organization").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)) or not token.is_usable:
        return None
    now = timezone.now()
    # Touch at most once a minute so reads do not turn into writes on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
