"""add_comment and add_attachment: internal notes, first response, customer replies, file safety."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ventanilla.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import Status, TimelineKind
from ventanilla.tickets.models import Attachment, Comment, TimelineEntry
from ventanilla.tickets.services import (
    add_attachment,
    add_comment,
    assign_ticket,
    sniff_content_type,
    transition_ticket,
)
from ventanilla.tickets.services.conversation import safe_filename

from .helpers import fresh, refused

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 45
    + b"\x80\x00\x00\x00"
    + (b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 64 + b"PE\x00\x00L\x01")
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 40
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


@pytest.fixture
def ticket(personas):
    t = make_ticket(personas.customer_a, actor=personas.customer_a)
    assign_ticket(actor=personas.agent_1, ticket=t, team=personas.team_1, assignee=personas.agent_1)
    return t


# --- comments ----------------------------------------------------------------------------------------------


def test_internal_note_is_staff_only(personas, ticket):
    with refused("internal_note_not_allowed", NotPermitted):
        add_comment(actor=personas.customer_a, ticket=ticket, body="psst", public=False)
    note = add_comment(actor=personas.agent_1, ticket=ticket, body="Customer is VIP", public=False)
    entry = TimelineEntry.objects.get(comment=note)
    assert note.public is False and entry.kind == TimelineKind.NOTE and entry.public is False


def test_first_response_set_by_staff_public_reply_only(personas, ticket):
    add_comment(actor=personas.customer_a, ticket=ticket, body="Any news?")
    assert fresh(ticket).first_response_at is None
    add_comment(actor=personas.agent_1, ticket=ticket, body="Internal only", public=False)
    assert fresh(ticket).first_response_at is None
    add_comment(actor=personas.agent_1, ticket=ticket, body="Looking into it")
    first = fresh(ticket).first_response_at
    assert first is not None
    add_comment(actor=personas.agent_1, ticket=ticket, body="Still looking")
    assert fresh(ticket).first_response_at == first  # never moves once set


def test_agent_requester_does_not_count_as_first_response(personas):
    own = make_ticket(personas.agent_1, actor=personas.agent_1)
    add_comment(actor=personas.agent_1, ticket=own, body="note to self")
    assert fresh(own).first_response_at is None


def test_customer_reply_on_pending_customer_resumes_work(personas, ticket):
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=Status.PENDING_CUSTOMER)
    add_comment(actor=personas.agent_1, ticket=ticket, body="Reminder, please answer")
    assert fresh(ticket).status == Status.PENDING_CUSTOMER  # staff replies do not resume
    add_comment(actor=personas.customer_a, ticket=ticket, body="Here is the log")
    stored = fresh(ticket)
    assert stored.status == Status.IN_PROGRESS
    entry = TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.STATUS).latest("id")
    assert entry.data == {"old": "pending_customer", "new": "in_progress", "reason": "customer_reply"}
    assert entry.actor == personas.customer_a and entry.public


@pytest.mark.parametrize("status", [Status.PENDING_THIRD_PARTY, Status.PENDING_CHANGE])
def test_customer_reply_on_other_pending_does_not_resume(personas, ticket, status):
    transition_ticket(actor=personas.agent_1, ticket=ticket, to=status)
    add_comment(actor=personas.customer_a, ticket=ticket, body="Any news?")
    assert fresh(ticket).status == status


def test_comment_bumps_version(personas, ticket):
    version = fresh(ticket).version
    add_comment(actor=personas.customer_a, ticket=ticket, body="hello")
    assert fresh(ticket).version == version + 1 == ticket.version


def test_empty_comment_refused(personas, ticket):
    with refused("required", ValidationFailed):
        add_comment(actor=personas.customer_a, ticket=ticket, body="   ")
    with refused("required", ValidationFailed):
        add_comment(actor=personas.customer_a, ticket=ticket, body_html="<script>only script</script>")


def test_html_comment_sanitised_and_text_derived(personas, ticket):
    comment = add_comment(
        actor=personas.customer_a,
        ticket=ticket,
        body_html='<p>See <a href="javascript:alert(1)">this</a></p><img src="https://t.example/p.gif">',
    )
    assert "javascript" not in comment.body_html and "t.example" not in comment.body_html
    assert comment.body == "See this"


def test_outsiders_cannot_comment(personas, ticket):
    with refused("not_found", NotFound):
        add_comment(actor=personas.customer_b, ticket=ticket, body="hi")
    with refused("not_found", NotFound):
        add_comment(actor=personas.agent_2, ticket=ticket, body="hi")


def test_customer_cannot_write_as_someone_else(personas, ticket):
    with refused("author_not_allowed", NotPermitted):
        add_comment(actor=personas.customer_a, ticket=ticket, body="I fixed it", author=personas.agent_1)
    # Staff may log what a customer said on the phone.
    comment = add_comment(
        actor=personas.agent_1,
        ticket=ticket,
        body="Still broken",
        author=personas.customer_a,
        channel="phone",
    )
    assert comment.author == personas.customer_a
    assert fresh(ticket).first_response_at is None  # the customer spoke, not the desk


def test_final_ticket_takes_no_comments(personas, ticket):
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("ticket_final", ValidationFailed):
        add_comment(actor=personas.agent_1, ticket=ticket, body="too late")


def test_stale_copy_cannot_comment_on_ticket_closed_meanwhile(personas, ticket):
    stale = fresh(ticket)
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("stale_ticket", Conflict):
        add_comment(actor=personas.agent_1, ticket=stale, body="too late", files=[("a.pdf", PDF)])


def test_comment_with_attachments_inherits_visibility(personas, ticket):
    note = add_comment(
        actor=personas.agent_1,
        ticket=ticket,
        body="logs",
        public=False,
        files=[("server.log", b"line 1\nline 2\n")],
    )
    attachment = Attachment.objects.get(comment=note)
    assert attachment.public is False and attachment.uploaded_by == personas.agent_1
    assert TimelineEntry.objects.get(comment=note).data["attachments"] == ["server.log"]


def test_bad_attachment_rolls_back_the_comment(personas, ticket):
    with refused("attachment_forbidden_type", ValidationFailed):
        add_comment(
            actor=personas.customer_a, ticket=ticket, body="see file", files=[("ok.pdf", PDF), ("x.txt", EXE)]
        )
    assert not Comment.objects.exists()


# --- attachments -------------------------------------------------------------------------------------------


def test_attachment_stored_content_addressed_and_deduplicated(personas, ticket):
    first = add_attachment(actor=personas.customer_a, ticket=ticket, filename="scan.pdf", content=PDF)
    second = add_attachment(actor=personas.agent_1, ticket=ticket, filename="copy.pdf", content=PDF)
    assert first.sha256 == second.sha256
    assert first.file.name == second.file.name == f"attachments/{first.sha256[:2]}/{first.sha256}"
    storage = first.file.storage
    assert storage.exists(first.file.name)
    _dirs, files = storage.listdir(f"attachments/{first.sha256[:2]}")
    assert files == [first.sha256]  # stored once
    assert first.content_type == "application/pdf" and first.size == len(PDF)
    with first.file.open("rb") as fh:
        assert fh.read() == PDF
    assert TimelineEntry.objects.filter(ticket=ticket, kind=TimelineKind.ATTACHMENT).count() == 2


def test_size_limit(personas, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    add_attachment(actor=personas.customer_a, ticket=ticket, filename="ok.txt", content=b"a" * 1024)
    with refused("attachment_too_large", ValidationFailed):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename="big.txt", content=b"a" * 1025)
    upload = SimpleUploadedFile("big.bin", b"\x01" * 5000)
    with refused("attachment_too_large", ValidationFailed):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename="big.bin", content=upload)
    stream = io.BytesIO(b"b" * 2048)  # a stream without a size is read only up to the limit
    with refused("attachment_too_large", ValidationFailed):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename="stream.txt", content=stream)


def test_empty_file_refused(personas, ticket):
    with refused("attachment_empty", ValidationFailed):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename="empty.txt", content=b"")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", EXE),
        ("notes.txt", EXE),
        ("setup.exe", EXE),
        ("photo.jpg", ELF),
        ("run", ELF),
        ("page.txt", HTML),
        ("image.png", HTML),
        ("page.html", b"hello"),
        ("logo.png", SVG),
        ("logo.svg", b"<svg/>"),
        ("bom.txt", b"\xef\xbb\xbf" + HTML),
        ("script.txt", b"#!/bin/sh\nrm -rf ~\n"),
        ("upper.txt", b"<HTML><BODY onload=alert(1)></BODY></HTML>"),
        ("inline.txt", b"hello <script>x</script>"),
    ],
)
def test_forbidden_types_detected_by_content_not_name(personas, ticket, name, data):
    with refused("attachment_forbidden_type", ValidationFailed):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename=name, content=data)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("scan.pdf", PDF, "application/pdf"),
        ("scan.txt", PDF, "application/pdf"),  # the bytes decide, not the name
        ("pixel.png", PNG, "image/png"),
        ("pixel.exe", PNG, "image/png"),
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("notes.txt", b"plain words\n", "text/plain"),
        ("blob", b"\x00\x01\x02\x03binary", "application/octet-stream"),
    ],
)
def test_sniffed_types(name, data, expected):
    assert sniff_content_type(data, name) == expected


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("..", "attachment"),
        ("", "attachment"),
        ("a\x00b<c>:d|e?.txt", "abcde.txt"),
        ("  .hidden. ", "hidden"),
        ("x" * 300 + ".pdf", "x" * 200),
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_filename_cannot_escape_storage(personas, ticket):
    attachment = add_attachment(
        actor=personas.customer_a, ticket=ticket, filename="../../../../tmp/evil.txt", content=b"contents"
    )
    assert attachment.filename == "evil.txt"
    assert attachment.file.name.startswith("attachments/") and ".." not in attachment.file.name
    assert "evil" not in attachment.file.name


def test_internal_attachment_staff_only(personas, ticket):
    with refused("permission_denied", NotPermitted):
        add_attachment(actor=personas.customer_a, ticket=ticket, filename="x.txt", content=b"x", public=False)
    attachment = add_attachment(
        actor=personas.agent_1, ticket=ticket, filename="x.txt", content=b"x", public=False
    )
    assert TimelineEntry.objects.get(ticket=ticket, kind=TimelineKind.ATTACHMENT).public is False
    assert attachment.public is False


def test_attachment_refused_on_final_and_for_outsiders(personas, ticket):
    with refused("not_found", NotFound):
        add_attachment(actor=personas.customer_b, ticket=ticket, filename="x.txt", content=b"x")
    transition_ticket(actor=personas.customer_a, ticket=ticket, to=Status.CANCELLED)
    with refused("ticket_final", ValidationFailed):
        add_attachment(actor=personas.agent_1, ticket=ticket, filename="x.txt", content=b"x")
