"""People and API tokens: creation rules, domain matching, token storage and checking."""

from __future__ import annotations

import datetime
import hashlib
import hmac

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from ventanilla.accounts import services
from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import APIToken, User
from ventanilla.accounts.services import (
    authenticate_token,
    create_token,
    create_user,
    get_or_create_customer,
    organization_for_email,
    revoke_token,
)
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.models import ChangeLogEntry
from ventanilla.testing.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


# --- people ------------------------------------------------------------------------------------------------


def test_customer_joins_organisation_of_exact_domain(personas):
    user = create_user(actor=personas.admin, email="  New.Person@ACME.test ", full_name="New Person")
    assert user.email == "new.person@acme.test"
    assert user.organization == personas.org_a and user.role == Role.CUSTOMER
    assert not user.has_usable_password()


@pytest.mark.parametrize("email", ["x@sub.acme.test", "x@acme.test.evil", "x@notacme.test", "x@acme.tes"])
def test_no_domain_guessing(personas, email):
    assert organization_for_email(email) is None
    assert create_user(actor=personas.admin, email=email).organization is None


def test_inactive_organisation_adopts_nobody(personas):
    OrganizationFactory(name="Closed Ltd", domains=["closed.test"], is_active=False)
    assert organization_for_email("x@closed.test") is None


def test_agents_do_not_join_customer_organisations(personas):
    agent = create_user(actor=personas.admin, email="helper@acme.test", role=Role.AGENT)
    assert agent.organization is None


@pytest.mark.parametrize("email", ["", "no-at-sign", None])
def test_invalid_email_refused(personas, email):
    with pytest.raises(ValidationFailed) as info:
        create_user(actor=personas.admin, email=email)
    assert info.value.code == "invalid_email"


def test_duplicate_email_refused_case_insensitively(personas):
    with pytest.raises(ValidationFailed) as info:
        create_user(actor=personas.admin, email="ANA@acme.test")
    assert info.value.code == "duplicate_email"
    assert User.objects.filter(email__iexact="ana@acme.test").count() == 1


def test_bad_time_zone_and_orphan_customer_manager_refused(personas):
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as info:
        create_user(actor=personas.admin, email="tz@acme.test", time_zone="Mars/Olympus")
    assert "time_zone" in info.value.extra["errors"]
    with pytest.raises(ValidationFailed) as info:
        create_user(actor=personas.admin, email="boss@nowhere.test", role=Role.CUSTOMER_MANAGER)
    assert "organization" in info.value.extra["errors"]
    assert User.objects.count() == before


def test_password_hashed_and_never_in_change_log(personas):
    user = create_user(actor=personas.admin, email="pw@acme.test", password="s3cret-Passw0rd")
    assert user.check_password("s3cret-Passw0rd")
    user.set_password("an0ther-Secret")
    user.save()
    entries = ChangeLogEntry.objects.filter(content_type__model="user", object_id=str(user.pk))
    assert entries.exists()
    for entry in entries:
        blob = repr(entry.before) + repr(entry.after)
        assert "password" not in blob and user.password not in blob and "s3cret" not in blob
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert "an0ther-Secret" not in stored


def test_get_or_create_customer_reuses_existing(personas):
    assert get_or_create_customer(actor=None, email=" ANA@acme.test") == personas.customer_a
    new = get_or_create_customer(actor=None, email="fresh@globex.test", full_name="Fresh")
    assert new.organization == personas.org_b


# --- tokens ------------------------------------------------------------------------------------------------


def test_key_shown_once_and_only_its_hash_stored(personas):
    token, key = create_token(actor=personas.agent_1, user=personas.agent_1, scope="write", name="ci")
    assert key.startswith(f"vnt_{token.prefix}_")
    stored = APIToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret_part = key.split("_", 2)[2]
    for field in stored._meta.concrete_fields:
        value = str(getattr(stored, field.attname))
        assert key not in value and secret_part not in value, f"{field.name} leaks the key"
    assert not hasattr(stored, "key")
    assert str(stored) == f"{token.prefix}… ({personas.agent_1})"


def test_every_token_authenticates(personas):
    """The random part is URL-safe base64 and often contains "_"; such keys must work too."""
    keys = [create_token(actor=None, user=personas.agent_1)[1] for _ in range(40)]
    assert any("_" in k.split("_", 2)[2] for k in keys), "sample should include keys with '_' in the secret"
    for key in keys:
        token = authenticate_token(key)
        assert token is not None and token.user == personas.agent_1, key


def test_wrong_and_malformed_keys_refused(personas):
    token, key = create_token(actor=None, user=personas.agent_1)
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    for bad in [
        tampered,
        key + "x",
        key.upper(),
        "",
        "vnt",
        "vnt__",
        f"vnt_{token.prefix}_",
        f"xyz_{token.prefix}_{key.split('_', 2)[2]}",
        "Token " + key,
        key.replace("vnt_", ""),
    ]:
        assert authenticate_token(bad) is None, bad


def test_comparison_goes_through_constant_time_compare(personas, monkeypatch):
    _token, key = create_token(actor=None, user=personas.agent_1)
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(services.hmac, "compare_digest", spy)
    assert authenticate_token(key) is not None
    assert authenticate_token(key[:-2] + "zz") is None
    assert len(calls) == 2


def test_revoked_token_refused(personas):
    token, key = create_token(actor=None, user=personas.agent_1)
    revoke_token(actor=personas.admin, token=token)
    assert token.revoked_at is not None and not token.is_usable
    first = token.revoked_at
    revoke_token(actor=personas.admin, token=token)  # idempotent
    assert APIToken.objects.get(pk=token.pk).revoked_at == first
    assert authenticate_token(key) is None


def test_expired_token_refused(personas):
    start = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _token, key = create_token(
            actor=None, user=personas.agent_1, expires_at=start + datetime.timedelta(hours=1)
        )
        assert authenticate_token(key) is not None
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        assert authenticate_token(key) is None


def test_last_used_touched_at_most_once_a_minute(personas):
    start = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        token, key = create_token(actor=None, user=personas.agent_1)
        authenticate_token(key)
    assert APIToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        authenticate_token(key)
    assert APIToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        authenticate_token(key)
    assert APIToken.objects.get(pk=token.pk).last_used_at == start + datetime.timedelta(seconds=61)


def test_token_creation_rules(personas):
    with pytest.raises(ValidationFailed) as info:
        create_token(actor=personas.agent_1, user=personas.agent_1, scope="admin")
    assert info.value.code == "invalid_scope"
    with pytest.raises(NotPermitted):
        create_token(actor=personas.manager, user=personas.agent_1)
    token, _key = create_token(actor=personas.admin, user=personas.agent_1, scope="read")
    assert token.scope == "read"
    personas.agent_2.is_active = False
    personas.agent_2.save()
    with pytest.raises(ValidationFailed) as info:
        create_token(actor=None, user=personas.agent_2)
    assert info.value.code == "inactive_user"
    assert APIToken.objects.count() == 1


def test_prefixes_unique_and_keys_random(personas):
    made = [create_token(actor=None, user=personas.agent_1) for _ in range(20)]
    assert len({t.prefix for t, _k in made}) == 20
    assert len({k for _t, k in made}) == 20
    assert all(len(k.split("_", 2)[2]) >= 40 for _t, k in made)
    assert timezone.now() >= made[0][0].created_at
