"""Admin: only administrators get in; reference data saves through the services; tickets are read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from ventanilla.accounts.models import APIToken, Organization, User
from ventanilla.accounts.services import create_token
from ventanilla.core.models import ChangeLogEntry
from ventanilla.testing.factories import make_ticket

pytestmark = pytest.mark.django_db


def admin_client(personas: Any) -> Client:
    client = Client()
    client.force_login(personas.admin)
    return client


@pytest.mark.parametrize("who", ["agent_1", "lead_1", "manager", "customer_manager_a"])
def test_only_administrators_enter(personas: Any, who: str) -> None:
    client = Client()
    client.force_login(getattr(personas, who))
    assert client.get(reverse("admin:index")).status_code == 302


def test_every_admin_page_renders(personas: Any) -> None:
    make_ticket(personas.customer_a, actor=personas.customer_a)
    create_token(actor=personas.admin, user=personas.agent_1)
    client = admin_client(personas)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200


def test_tickets_are_read_only(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client = admin_client(personas)
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    client.post(reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"title": "hacked"})
    ticket.refresh_from_db()
    assert ticket.title != "hacked"


def test_cancel_action_uses_the_service(personas: Any) -> None:
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    admin_client(personas).post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "cancel_tickets", "_selected_action": [ticket.pk]},
    )
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    assert ticket.timeline.filter(kind="status").exists()


def test_revoke_token_action(personas: Any) -> None:
    token, _key = create_token(actor=personas.admin, user=personas.agent_1)
    admin_client(personas).post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert APIToken.objects.count() == 1


def test_organisation_edit_is_change_logged(personas: Any) -> None:
    client = admin_client(personas)
    url = reverse("admin:accounts_organization_change", args=[personas.org_a.pk])
    data = {
        "name": "Acme Corporation",
        "vip": "on",
        "is_active": "on",
        "notes": "",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "acme-corp.test",
        "contracts-TOTAL_FORMS": "0",
        "contracts-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(pk=personas.org_a.pk)
    assert org.name == "Acme Corporation" and org.vip
    assert org.domains.filter(domain="acme-corp.test").exists()
    entry = ChangeLogEntry.objects.filter(object_id=str(org.pk), action="update").first()
    assert entry is not None and entry.actor == personas.admin
    assert entry.before["name"] == "Acme Corp" and entry.after["name"] == "Acme Corporation"


def test_admin_creates_user_through_the_service(personas: Any) -> None:
    client = admin_client(personas)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@ACME.test",
            "full_name": "New Person",
            "role": "customer",
            "organization": "",
            "language": "es",
            "time_zone": "Europe/Madrid",
            "phone": "",
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="new.person@acme.test")
    assert user.organization == personas.org_a  # joined by e-mail domain, as create_user does
    assert user.check_password("a-long-unusual-passphrase")


def test_admin_cannot_demote_themselves(personas: Any) -> None:
    client = admin_client(personas)
    url = reverse("admin:accounts_user_change", args=[personas.admin.pk])
    client.post(
        url,
        {
            "email": personas.admin.email,
            "full_name": "Admin",
            "role": "customer",
            "language": "es",
            "time_zone": "Europe/Madrid",
            "phone": "",
        },
    )
    personas.admin.refresh_from_db()
    assert personas.admin.role == "admin" and personas.admin.is_active
