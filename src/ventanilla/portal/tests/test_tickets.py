"""Portal ticket pages: what a customer sees (public only), what an outsider gets (404), what they can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ventanilla.core.services import update_reference
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets import services
from ventanilla.tickets.choices import Status
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="VPN drops every hour")
    services.add_attachment(
        actor=personas.customer_a, ticket=ticket, filename="log.txt", content=b"timeout\n"
    )
    services.add_comment(actor=personas.agent_1, ticket=ticket, body="Public answer from the desk")
    services.add_comment(
        actor=personas.agent_1,
        ticket=ticket,
        body="SECRET internal note",
        public=False,
        files=[("secret-notes.txt", b"internal only\n")],
    )
    return ticket


def resolve(ticket: Ticket, agent) -> None:
    services.transition_ticket(
        actor=agent,
        ticket=ticket,
        to=Status.RESOLVED,
        resolution_code="solved",
        resolution_note="Replaced the router",
    )


def portal_urls(ticket: Ticket) -> list[tuple[str, str]]:
    file_id = ticket.attachments.first().pk
    return [
        ("get", f"/portal/tickets/{ticket.pk}/"),
        ("get", f"/portal/tickets/{ticket.pk}/files/{file_id}/"),
        ("post", f"/portal/tickets/{ticket.pk}/reply/"),
        ("post", f"/portal/tickets/{ticket.pk}/solved/"),
        ("post", f"/portal/tickets/{ticket.pk}/reopen/"),
        ("post", f"/portal/tickets/{ticket.pk}/withdraw/"),
    ]


def test_outsider_gets_404_on_every_ticket_url(client, personas, ticket):
    client.force_login(personas.customer_b)
    for method, url in portal_urls(ticket):
        response = getattr(client, method)(url, {"body": "hi"} if method == "post" else None)
        assert response.status_code == 404, (method, url)
    listed = client.get("/portal/tickets/?state=all&scope=organization").content.decode()
    assert ticket.number not in listed
    ticket.refresh_from_db()
    assert ticket.comments.count() == 2 and ticket.status != Status.CANCELLED


def test_colleague_sees_only_when_the_organisation_shares(client, personas, ticket):
    client.force_login(personas.colleague_a)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404
    update_reference(personas.org_a, {"shares_tickets": True}, actor=None)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
    assert ticket.number not in client.get("/portal/tickets/").content.decode()  # "mine" by default
    assert ticket.number in client.get("/portal/tickets/?scope=organization").content.decode()


def test_customer_manager_sees_the_organisation(client, personas, ticket):
    client.force_login(personas.customer_manager_a)
    assert ticket.number in client.get("/portal/tickets/?scope=organization").content.decode()


def test_internal_notes_and_their_files_are_never_shown(client, personas, ticket):
    client.force_login(personas.customer_a)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Public answer from the desk" in page and "log.txt" in page
    assert "SECRET" not in page and "secret-notes.txt" not in page
    assert "Internal note" not in page
    note_file = ticket.attachments.get(filename="secret-notes.txt")
    assert client.get(f"/portal/tickets/{ticket.pk}/files/{note_file.pk}/").status_code == 404
    public_file = ticket.attachments.get(filename="log.txt")
    download = client.get(f"/portal/tickets/{ticket.pk}/files/{public_file.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"timeout\n"


def test_internal_assignment_entries_are_not_shown(client, personas, ticket):
    services.assign_ticket(
        actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1
    )
    client.force_login(personas.customer_a)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Service Desk L1" not in page


def test_open_an_incident_with_attachments(client, personas):
    client.force_login(personas.customer_a)
    response = client.post(
        "/portal/new/incident/",
        {
            "title": "Printer jams",
            "description": "Every third page",
            "impact": "4",
            "urgency": "2",
            "attachments": [
                SimpleUploadedFile("jam.txt", b"paper jam\n"),
                SimpleUploadedFile("b.csv", b"a,b\n"),
            ],
        },
    )
    ticket = Ticket.objects.get(title="Printer jams")
    assert response.headers["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (
        ticket.requester == personas.customer_a and ticket.channel == "portal" and ticket.type == "incident"
    )
    assert sorted(ticket.attachments.values_list("filename", flat=True)) == ["b.csv", "jam.txt"]


def test_forbidden_attachment_leaves_no_ticket(client, personas):
    client.force_login(personas.customer_a)
    response = client.post(
        "/portal/new/incident/",
        {
            "title": "Look at this",
            "impact": "4",
            "urgency": "3",
            "attachments": [SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>")],
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Ticket.objects.filter(title="Look at this").exists()


def test_question_form_has_no_impact(client, personas):
    client.force_login(personas.customer_a)
    response = client.post("/portal/new/question/", {"title": "How do I share a calendar?"})
    assert Ticket.objects.get(title="How do I share a calendar?").type == "question"
    assert response.status_code == 302


def test_reply_with_attachment(client, personas, ticket):
    client.force_login(personas.customer_a)
    client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {"body": "Still dropping", "attachments": SimpleUploadedFile("trace.txt", b"trace\n")},
    )
    comment = ticket.comments.order_by("-id").first()
    assert comment.body == "Still dropping" and comment.public and comment.author == personas.customer_a
    assert list(comment.attachments.values_list("filename", flat=True)) == ["trace.txt"]


def test_solved_closes(client, personas, ticket):
    resolve(ticket, personas.agent_1)
    client.force_login(personas.customer_a)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Replaced the router" in page
    client.post(f"/portal/tickets/{ticket.pk}/solved/")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_still_broken_reopens_within_the_window_only(client, personas, ticket, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    resolve(ticket, personas.agent_1)
    client.force_login(personas.customer_a)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
        assert "still broken" not in page and "too long ago" in page
        response = client.post(f"/portal/tickets/{ticket.pk}/reopen/", {"message": "again"}, follow=True)
        assert "open a new ticket instead" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    client.post(f"/portal/tickets/{ticket.pk}/reopen/", {"message": "It fails again"})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.reopen_count == 1
    assert ticket.comments.order_by("-id").first().body == "It fails again"


def test_withdraw(client, personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    client.force_login(personas.customer_a)
    client.post(f"/portal/tickets/{ticket.pk}/withdraw/")
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/portal/", "/portal/tickets/?state=all", "/portal/tickets/?scope=organization"]
)
def test_list_queries_stay_flat(client, personas, url):
    client.force_login(personas.customer_manager_a)
    make_ticket(personas.customer_manager_a, actor=personas.customer_manager_a)
    few = count_queries(client, url)
    for n in range(15):
        make_ticket(personas.customer_a if n % 2 else personas.customer_manager_a, actor=None, title=f"T{n}")
    assert count_queries(client, url) == few


def test_ticket_page_queries_stay_flat(client, personas, ticket):
    client.force_login(personas.customer_a)
    url = f"/portal/tickets/{ticket.pk}/"
    few = count_queries(client, url)
    for n in range(6):
        services.add_comment(
            actor=personas.agent_1, ticket=ticket, body=f"reply {n}", files=[(f"f{n}.txt", b"x\n")]
        )
        services.add_comment(actor=personas.customer_a, ticket=ticket, body=f"answer {n}")
    assert count_queries(client, url) == few
