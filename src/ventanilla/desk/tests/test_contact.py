""" "Log a contact": find or create the caller, record the contact, resolve at first contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ventanilla.accounts.models import User
from ventanilla.desk.models import ContactLog
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db
CONTACT = reverse("desk:contact")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "phone",
        "title": "Cannot print",
        "description": "Printer shows error 49",
        "type": "incident",
        "impact": "4",
        "urgency": "3",
        "duration_minutes": "6",
    }
    data.update(overrides)
    return data


def test_new_caller_resolved_at_first_contact(personas: Any) -> None:
    response = client_for(personas.agent_1).post(
        CONTACT,
        form(
            new_name="Lucía Pérez",
            new_email="lucia@acme.test",
            new_phone="+34 600 111 222",
            resolve="on",
            resolution_code="solved",
            resolution_note="Cleared the paper jam",
        ),
    )
    caller = User.objects.get(email="lucia@acme.test")
    assert caller.organization == personas.org_a and caller.phone == "+34 600 111 222" and caller.is_customer
    ticket = Ticket.objects.get(requester=caller)
    assert response["Location"] == reverse("desk:ticket-detail", args=[ticket.pk])
    assert (ticket.channel, ticket.status, ticket.resolution_code) == ("phone", "resolved", "solved")
    assert ticket.assignee == personas.agent_1
    log = ContactLog.objects.get(ticket=ticket)
    assert (log.kind, log.duration_minutes, log.agent, log.resolved_at_first_contact) == (
        "phone",
        6,
        personas.agent_1,
        True,
    )
    page = client_for(personas.agent_1).get(response["Location"]).content.decode()
    assert "Phone call" in page and "resolved at first contact" in page


def test_existing_caller_remote_session(personas: Any) -> None:
    client_for(personas.agent_1).post(
        CONTACT,
        form(
            kind="remote",
            caller=personas.customer_a.pk,
            remote_tool="rustdesk",
            session_reference="123 456 789",
            team=personas.team_1.pk,
        ),
    )
    ticket = Ticket.objects.get(requester=personas.customer_a)
    log = ticket.contact_log
    assert (ticket.channel, ticket.status, ticket.team, ticket.assignee) == (
        "remote",
        "assigned",
        personas.team_1,
        personas.agent_1,
    )
    assert (log.remote_tool, log.session_reference) == ("rustdesk", "123 456 789")


def test_video_call_and_walk_in_channels(personas: Any) -> None:
    client = client_for(personas.agent_1)
    client.post(
        CONTACT,
        form(
            kind="video",
            caller=personas.customer_a.pk,
            title="Video",
            remote_tool="anydesk",
            session_reference="ignored",
        ),
    )
    client.post(CONTACT, form(kind="walk_in", caller=personas.colleague_a.pk, title="Walk"))
    video = Ticket.objects.get(title="Video")
    assert video.channel == "phone" and video.contact_log.kind == "video"
    assert video.contact_log.remote_tool == "" and video.contact_log.session_reference == ""
    assert Ticket.objects.get(title="Walk").channel == "walk_in"


def test_validation_keeps_everything_unwritten(personas: Any) -> None:
    client = client_for(personas.agent_1)
    response = client.post(CONTACT, form(new_name="No Mail"))
    assert response.status_code == 200 and "new caller&#x27;s email" in response.content.decode()
    response = client.post(CONTACT, form(new_name="X", new_email="ana@acme.test"))
    assert "already exists" in response.content.decode()
    response = client.post(CONTACT, form(caller=personas.customer_a.pk, resolve="on"))
    assert "Choose a resolution code." in response.content.decode()
    assert not Ticket.objects.exists() and not ContactLog.objects.exists()
    assert User.objects.filter(full_name="No Mail").count() == 0


def test_caller_search_as_you_type(personas: Any) -> None:
    personas.customer_b.phone = "+34 911 222 333"
    User.objects.filter(pk=personas.customer_b.pk).update(phone="+34 911 222 333")
    client = client_for(personas.agent_1)
    by_name = client.get(reverse("desk:callers"), {"caller_query": "ana"}).content.decode()
    assert "ana@acme.test" in by_name and "<html" not in by_name
    assert (
        "bob@globex.test" in client.get(reverse("desk:callers"), {"caller_query": "222 333"}).content.decode()
    )
    assert (
        "bob@globex.test" in client.get(reverse("desk:callers"), {"caller_query": "GLOBEX"}).content.decode()
    )
    assert "Nobody found" in client.get(reverse("desk:callers"), {"caller_query": "zzzz"}).content.decode()
    # Without JavaScript, the "Find" button shows the same matches inside the full form.
    page = client.post(CONTACT, {"caller_query": "ana", "find": "1", "title": "Keep me"}).content.decode()
    assert "ana@acme.test" in page and "Keep me" in page and "<html" in page


def test_only_agents_log_contacts(personas: Any) -> None:
    customer = client_for(personas.customer_a)
    assert customer.get(CONTACT).status_code == 404
    assert customer.get(reverse("desk:callers"), {"caller_query": "ana"}).status_code == 404
    assert customer.post(CONTACT, form(caller=personas.customer_a.pk)).status_code == 404
    assert client_for(personas.agent_1).get(CONTACT).status_code == 200
