"""Signing in with a one-time link, signing up, resetting the password: nothing reveals an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from ventanilla.accounts.models import User
from ventanilla.portal.models import AccessToken
from ventanilla.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def link_path(message, pattern: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + pattern + r")", message.body)
    assert found, message.body
    return found.group(1)


def page(client, url: str) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'value="[^"]{32,}"', "", client.get(url).content.decode())


def ask_for_link(client, email: str):
    return client.post("/portal/sign-in/", {"email": email, "action": "link"})


def test_sign_in_with_password_and_redirect_to_portal(client, personas):
    response = client.post(
        "/portal/sign-in/", {"email": "ANA@acme.test", "password": PASSWORD, "action": "password"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").headers["Location"] == "/portal/"


def test_wrong_password_is_refused_without_detail(client, personas):
    response = client.post(
        "/portal/sign-in/", {"email": "ana@acme.test", "password": "nope", "action": "password"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_home_sends_each_visitor_to_their_side(client, personas):
    assert client.get("/").headers["Location"] == "/portal/sign-in/"
    client.force_login(personas.agent_1)
    assert client.get("/").headers["Location"].startswith("/desk/")
    client.force_login(personas.customer_manager_a)
    assert client.get("/").headers["Location"] == "/portal/"
    # Staff who wander into the portal are sent back to their workspace.
    client.force_login(personas.agent_1)
    assert client.get("/portal/tickets/").headers["Location"] == "/"


def test_magic_link_signs_in_once(client, personas):
    response = ask_for_link(client, "ana@acme.test")
    assert response.headers["Location"] == "/portal/sign-in/link/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@acme.test"]
    path = link_path(mail.outbox[0], r"/portal/sign-in/link/[^/\s]+/")
    token = AccessToken.objects.get()
    assert path.split("/")[-2] not in token.token_hash  # only the hash is stored
    # Opening the link (mail scanners do) does not use it up; the button does.
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert client.post(path).headers["Location"] == "/"
    assert client.session["_auth_user_id"] == str(personas.customer_a.pk)
    client.logout()
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert "_auth_user_id" not in client.session


def test_magic_link_expires(client, personas, settings):
    settings.PORTAL_SIGN_IN_LINK_MINUTES = 15
    ask_for_link(client, "ana@acme.test")
    path = link_path(mail.outbox[0], r"/portal/sign-in/link/[^/\s]+/")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.post(path).status_code == 410
    assert "_auth_user_id" not in client.session


def test_magic_link_request_reveals_nothing(client, personas):
    known = ask_for_link(client, "ana@acme.test")
    unknown = ask_for_link(client, "nobody@acme.test")
    staff = ask_for_link(client, "agent1@desk.test")  # staff sign in with their password
    assert known.status_code == unknown.status_code == staff.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == staff.headers["Location"]
    assert [m.to for m in mail.outbox] == [["ana@acme.test"]]


def test_password_reset_reveals_nothing_and_works(client, personas):
    known = client.post("/portal/password/reset/", {"email": "ana@acme.test"})
    unknown = client.post("/portal/password/reset/", {"email": "ghost@acme.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/portal/password/reset/sent/"
    assert page(client, known.headers["Location"]) == page(client, unknown.headers["Location"])
    assert len(mail.outbox) == 1
    path = link_path(mail.outbox[0], r"/portal/password/reset/[^\s]+/")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new = "a much better pass phrase 42"
    response = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    personas.customer_a.refresh_from_db()
    assert personas.customer_a.check_password(new)
    # The link is single-use: the password change invalidates it.
    client.logout()
    assert client.get(path, follow=True).context["validlink"] is False


def test_sign_up_refused_for_unknown_domain(client, personas):
    response = client.post(
        "/portal/sign-up/",
        {
            "full_name": "Eve",
            "email": "eve@unknown.test",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(email="eve@unknown.test").exists()
    assert mail.outbox == []


def test_sign_up_closed(client, personas, settings):
    settings.PORTAL_SIGNUP = "closed"
    response = client.post(
        "/portal/sign-up/",
        {
            "full_name": "Nora",
            "email": "nora@acme.test",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    assert response.status_code == 200 and response.context["closed"]
    assert not User.objects.filter(email="nora@acme.test").exists()


def test_sign_up_open_mode_accepts_any_domain(client, personas, settings):
    settings.PORTAL_SIGNUP = "open"
    client.post(
        "/portal/sign-up/",
        {
            "full_name": "Olga",
            "email": "olga@elsewhere.test",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    user = User.objects.get(email="olga@elsewhere.test")
    assert user.organization is None and not user.is_active


def test_sign_up_confirms_address_before_use(client, personas):
    data = {
        "full_name": "Nora Nueva",
        "email": "Nora@Acme.test",
        "password1": "a long pass phrase 9",
        "password2": "a long pass phrase 9",
    }
    response = client.post("/portal/sign-up/", data)
    assert response.headers["Location"] == "/portal/sign-up/sent/"
    user = User.objects.get(email="nora@acme.test")
    assert not user.is_active and user.organization == personas.org_a and user.role == "customer"
    # Not usable before confirmation.
    client.post(
        "/portal/sign-in/", {"email": "nora@acme.test", "password": data["password1"], "action": "password"}
    )
    assert "_auth_user_id" not in client.session
    path = link_path(mail.outbox[0], r"/portal/sign-up/confirm/[^/\s]+/")
    assert client.post(path).headers["Location"] == "/"
    user.refresh_from_db()
    assert user.is_active and client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    assert client.post(path).status_code == 410  # single use
    assert (
        client.post(
            "/portal/sign-in/",
            {"email": "nora@acme.test", "password": data["password1"], "action": "password"},
        ).status_code
        == 302
    )


def test_sign_up_with_existing_address_reveals_nothing(client, personas):
    data = {
        "full_name": "Ana",
        "email": "ana@acme.test",
        "password1": "a long pass phrase 9",
        "password2": "a long pass phrase 9",
    }
    response = client.post("/portal/sign-up/", data)
    assert response.headers["Location"] == "/portal/sign-up/sent/"
    personas.customer_a.refresh_from_db()
    assert personas.customer_a.check_password(PASSWORD)  # untouched
    assert len(mail.outbox) == 1 and "/portal/sign-up/confirm/" not in mail.outbox[0].body


def test_language_switch_is_remembered_on_the_account(client, personas):
    client.force_login(personas.customer_a)
    response = client.post("/portal/language/", {"language": "es", "next": "/portal/"})
    assert response.status_code == 302
    personas.customer_a.refresh_from_db()
    assert personas.customer_a.language == "es"
    client.cookies.pop("django_language", None)  # another browser: the account's language applies
    assert client.get("/portal/").content.decode().startswith('<!doctype html>\n\n<html lang="es"')
