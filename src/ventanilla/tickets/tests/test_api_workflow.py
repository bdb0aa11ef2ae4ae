"""Ticket workflow and nested endpoints: transition, assign, merge, watchers, links, comments, attachments,
timeline. Every one is tried by the outsider (customer of another organisation): always 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ventanilla.testing.factories import make_ticket
from ventanilla.tickets import services
from ventanilla.tickets.models import Attachment, Comment, Ticket, TicketLink

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.pk}/{suffix}"


@pytest.fixture
def ticket_a(personas):
    return make_ticket(personas.customer_a, actor=personas.customer_a, title="VPN drops", team=None)


@pytest.fixture
def routed(personas):
    """Org A's ticket in team 1 with a public reply, an internal note and one file of each kind."""
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="Mail down")
    services.assign_ticket(
        actor=personas.agent_1, ticket=ticket, team=personas.team_1, assignee=personas.agent_1
    )
    services.add_comment(actor=personas.agent_1, ticket=ticket, body="We are on it", public=True)
    services.add_comment(
        actor=personas.agent_1,
        ticket=ticket,
        body="SECRET internal note",
        public=False,
        files=[("internal.txt", b"internal file")],
    )
    services.add_attachment(actor=personas.agent_1, ticket=ticket, filename="public.txt", content=b"hello")
    return ticket


# --- The outsider ---------------------------------------------------------------------------------------


OUTSIDER_CALLS = [
    ("get", ""),
    ("patch", ""),
    ("get", "comments/"),
    ("post", "comments/"),
    ("get", "attachments/"),
    ("post", "attachments/"),
    ("get", "timeline/"),
    ("get", "links/"),
    ("post", "links/"),
    ("post", "transition/"),
    ("post", "assign/"),
    ("post", "merge/"),
    ("post", "watchers/"),
]


@pytest.mark.parametrize(("method", "suffix"), OUTSIDER_CALLS)
def test_outsider_gets_404_everywhere(api, personas, routed, method, suffix):
    client = api(personas.customer_b)
    bodies = {
        "comments/": {"body": "hi"},
        "links/": {"target": routed.pk},
        "transition/": {"to": "cancelled"},
        "assign/": {"assignee": "me"},
        "merge/": {"target": routed.pk},
        "watchers/": {"add": []},
        "": {"title": "x"},
        "attachments/": {},
    }
    response = getattr(client, method)(url(routed, suffix), bodies.get(suffix, {}), format="json")
    assert response.status_code == 404, (method, suffix, response.content)
    assert response.json()["code"] == "not_found"


def test_outsider_404_on_nested_objects(api, personas, routed):
    client = api(personas.customer_b)
    comment = routed.comments.first()
    attachment = routed.attachments.first()
    other = make_ticket(personas.customer_a)
    link = services.link_tickets(actor=personas.manager, source=routed, target=other, kind="related")
    for path in (
        f"comments/{comment.pk}/",
        f"attachments/{attachment.pk}/",
        f"attachments/{attachment.pk}/download/",
        f"links/{link.pk}/",
    ):
        assert client.get(url(routed, path)).status_code == 404, path
    assert client.delete(url(routed, f"links/{link.pk}/")).status_code == 404
    assert TicketLink.objects.filter(pk=link.pk).exists()
    # Reaching org A's attachment through the outsider's own ticket does not work either.
    own = make_ticket(personas.customer_b, actor=personas.customer_b)
    assert client.get(url(own, f"attachments/{attachment.pk}/download/")).status_code == 404
    assert client.get(url(own, f"comments/{comment.pk}/")).status_code == 404


def test_outsider_cannot_target_foreign_ticket(api, personas, routed):
    own = make_ticket(personas.customer_b, actor=personas.customer_b)
    client = api(personas.customer_b)
    response = client.post(url(own, "links/"), {"target": routed.pk}, format="json")
    assert response.status_code in (400, 403)
    assert not TicketLink.objects.exists()


# --- Internal notes never reach customers -----------------------------------------------------------------


def test_customer_never_sees_internal_notes(api, personas, routed):
    client = api(personas.customer_a)
    comments = client.get(url(routed, "comments/")).json()["results"]
    assert [c["body"] for c in comments] == ["We are on it"]
    assert all(c["public"] for c in comments)
    note = routed.comments.get(public=False)
    assert client.get(url(routed, f"comments/{note.pk}/")).status_code == 404
    files = client.get(url(routed, "attachments/")).json()["results"]
    assert [f["filename"] for f in files] == ["public.txt"]
    internal = Attachment.objects.get(filename="internal.txt")
    assert client.get(url(routed, f"attachments/{internal.pk}/download/")).status_code == 404
    timeline = client.get(url(routed, "timeline/")).json()["results"]
    assert timeline and all(entry["public"] for entry in timeline)
    assert "note" not in {entry["kind"] for entry in timeline}
    assert "SECRET" not in str(timeline)
    assert "SECRET" not in client.get(url(routed)).content.decode()
    assert client.get(url(routed, "comments/?public=false")).json()["results"] == []
    # ...and they cannot write one.
    response = client.post(url(routed, "comments/"), {"body": "psst", "public": False}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "internal_note_not_allowed"


def test_agent_sees_internal_notes(api, personas, routed):
    client = api(personas.agent_1)
    assert len(client.get(url(routed, "comments/")).json()["results"]) == 2
    kinds = {e["kind"] for e in client.get(url(routed, "timeline/")).json()["results"]}
    assert {"note", "assignment"} <= kinds


# --- Comments ---------------------------------------------------------------------------------------------


def test_comment_json_and_multipart(api, personas, routed):
    client = api(personas.customer_a)
    response = client.post(
        url(routed, "comments/"),
        {"body": "Still broken", "body_html": "<p>x<script>1</script></p>"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["public"] is True and body["channel"] == "api" and body["author"] == personas.customer_a.pk
    assert "<script>" not in body["body_html"]
    upload = SimpleUploadedFile("screen.png", PNG, content_type="application/octet-stream")
    response = client.post(
        url(routed, "comments/"), {"body": "screenshot", "files": [upload]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert [a["filename"] for a in response.json()["attachments"]] == ["screen.png"]
    assert response.json()["attachments"][0]["content_type"] == "image/png"


def test_comment_bad_input(api, personas, routed):
    client = api(personas.agent_1)
    assert client.post(url(routed, "comments/"), {"body": ""}, format="json").json()["code"] == "required"
    assert (
        client.post(url(routed, "comments/"), {"text": "x"}, format="json").json()["code"] == "unknown_field"
    )
    assert (
        client.post(url(routed, "comments/"), {"body": "x", "public": "maybe"}, format="json").status_code
        == 400
    )


# --- Attachments ------------------------------------------------------------------------------------------


def test_attachment_upload_and_download_headers(api, personas, routed):
    client = api(personas.customer_a)
    upload = SimpleUploadedFile("informe año.png", PNG, content_type="text/html")
    response = client.post(url(routed, "attachments/"), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == "image/png"  # sniffed, not the claimed text/html
    download = client.get(body["download_url"], HTTP_ACCEPT="text/html")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''informe%20a%C3%B1o.png" in disposition
    assert 'filename="informe a_o.png"' in disposition


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.txt", b"", "attachment_empty"),
        ("page.html", b"<!doctype html><html><script>alert(1)</script></html>", "attachment_forbidden_type"),
        ("big.bin", b"x" * 2048, "attachment_too_large"),
    ],
)
def test_attachment_refusals(api, personas, routed, settings, name, content, code):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = api(personas.agent_1).post(
        url(routed, "attachments/"), {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code


def test_attachment_oversized_body_is_json(api, personas, routed, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = api(personas.agent_1).post(
        url(routed, "attachments/"),
        {"file": SimpleUploadedFile("huge.bin", b"x" * 10_000)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_attachment_needs_a_file(api, personas, routed):
    response = api(personas.agent_1).post(url(routed, "attachments/"), {"public": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_customer_cannot_upload_internal_attachment(api, personas, routed):
    response = api(personas.customer_a).post(
        url(routed, "attachments/"),
        {"file": SimpleUploadedFile("a.txt", b"abc"), "public": "false"},
        format="multipart",
    )
    assert response.status_code == 403


# --- Transition -------------------------------------------------------------------------------------------


def test_transition_and_illegal_transition(api, personas, routed):
    client = api(personas.agent_1)
    response = client.post(url(routed, "transition/"), {"to": "in_progress"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    response = client.post(url(routed, "transition/"), {"to": "resolved"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "resolution_required"
    response = client.post(
        url(routed, "transition/"),
        {"to": "resolved", "resolution_code": "solved", "resolution_note": "Restarted"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["resolved_at"]
    response = client.post(url(routed, "transition/"), {"to": "pending_customer"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["detail"]
    assert set(body["allowed"]) == {"closed", "in_progress"}


def test_transition_bad_input_and_stale_version(api, personas, routed):
    client = api(personas.agent_1)
    assert client.post(url(routed, "transition/"), {"to": "flying"}, format="json").status_code == 400
    assert client.post(url(routed, "transition/"), {}, format="json").json()["code"] == "required"
    assert (
        client.post(url(routed, "transition/"), {"to": "in_progress", "why": 1}, format="json").json()["code"]
        == "unknown_field"
    )
    response = client.post(url(routed, "transition/"), {"to": "in_progress", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_ticket"


def test_customer_transitions(api, personas, routed):
    client = api(personas.customer_a)
    response = client.post(url(routed, "transition/"), {"to": "in_progress"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    response = client.post(url(routed, "transition/"), {"to": "cancelled"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


# --- Assign -------------------------------------------------------------------------------------------------


def test_assign(api, personas, ticket_a):
    client = api(personas.agent_1)
    response = client.post(
        url(ticket_a, "assign/"), {"team": personas.team_1.pk, "assignee": "me"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"] == personas.agent_1.pk
    assert response.json()["status"] == "assigned"
    response = client.post(url(ticket_a, "assign/"), {"assignee": None}, format="json")
    assert response.json()["assignee"] is None
    assert response.json()["team"] == personas.team_1.pk
    response = client.post(url(ticket_a, "assign/"), {"assignee": personas.agent_2.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "assignee_not_in_team"
    assert client.post(url(ticket_a, "assign/"), {}, format="json").json()["code"] == "required"
    assert (
        client.post(url(ticket_a, "assign/"), {"assignee": 99999}, format="json").json()["code"]
        == "does_not_exist"
    )


def test_customer_cannot_assign(api, personas, ticket_a):
    response = api(personas.customer_a).post(url(ticket_a, "assign/"), {"team": None}, format="json")
    assert response.status_code == 403


# --- Links, merge, watchers -------------------------------------------------------------------------------


def test_links(api, personas, routed):
    other = make_ticket(personas.customer_a, team=personas.team_1)
    client = api(personas.agent_1)
    response = client.post(url(routed, "links/"), {"target": other.pk, "kind": "caused_by"}, format="json")
    assert response.status_code == 201, response.json()
    link_id = response.json()["id"]
    assert response.json()["target_number"] == other.number
    assert [link["id"] for link in client.get(url(other, "links/")).json()["results"]] == [link_id]
    response = client.post(url(routed, "links/"), {"target": other.pk, "kind": "caused_by"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "link_exists"
    assert (
        client.post(url(routed, "links/"), {"target": routed.pk}, format="json").json()["code"]
        == "link_to_self"
    )
    assert (
        client.post(url(routed, "links/"), {"target": other.pk, "kind": "x"}, format="json").status_code
        == 400
    )
    hidden = make_ticket(personas.customer_a, team=personas.team_2)
    assert (
        client.post(url(routed, "links/"), {"target": hidden.pk}, format="json").json()["code"]
        == "does_not_exist"
    )
    assert client.delete(url(routed, f"links/{link_id}/")).status_code == 204
    assert not TicketLink.objects.exists()


def test_customer_reads_links_but_cannot_delete(api, personas, routed):
    other = make_ticket(personas.customer_a, actor=personas.customer_a)
    link = services.link_tickets(actor=personas.manager, source=routed, target=other, kind="related")
    client = api(personas.customer_a)
    assert [x["id"] for x in client.get(url(routed, "links/")).json()["results"]] == [link.pk]
    assert client.delete(url(routed, f"links/{link.pk}/")).status_code == 403


def test_merge(api, personas, routed):
    duplicate = make_ticket(personas.colleague_a, actor=personas.colleague_a, title="Mail down too")
    services.add_comment(actor=personas.colleague_a, ticket=duplicate, body="me too")
    client = api(personas.manager)
    response = client.post(url(duplicate, "merge/"), {"target": routed.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == routed.pk
    assert personas.colleague_a.pk in response.json()["watchers"]
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into_id == routed.pk
    assert Comment.objects.filter(ticket=routed, body="me too").exists()
    response = client.post(url(duplicate, "merge/"), {"target": routed.pk}, format="json")
    assert response.status_code == 409
    foreign = make_ticket(personas.customer_b)
    response = client.post(url(routed, "merge/"), {"target": foreign.pk}, format="json")
    assert response.json()["code"] == "organization_mismatch"
    response = api(personas.agent_1).post(url(routed, "merge/"), {"target": 123456}, format="json")
    assert response.json()["code"] == "does_not_exist"


def test_watchers(api, personas, routed):
    client = api(personas.agent_1)
    response = client.post(url(routed, "watchers/"), {"add": [personas.colleague_a.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["watchers"] == [personas.colleague_a.pk]
    response = client.post(url(routed, "watchers/"), {"add": [personas.customer_b.pk]}, format="json")
    assert response.json()["code"] == "organization_mismatch"
    response = client.post(url(routed, "watchers/"), {"remove": [personas.colleague_a.pk]}, format="json")
    assert response.json()["watchers"] == []
    # A customer can only name themselves, and cannot even name people they cannot see.
    customer = api(personas.customer_a)
    response = customer.post(url(routed, "watchers/"), {"add": [personas.colleague_a.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist"


# --- Timeline ---------------------------------------------------------------------------------------------


def test_timeline_pagination_walks_all(api, personas, routed):
    client = api(personas.agent_1)
    expected = list(routed.timeline.order_by("id").values_list("id", flat=True))
    seen, next_url = [], url(routed, "timeline/?page_size=2")
    while next_url:
        body = client.get(next_url).json()
        seen += [e["id"] for e in body["results"]]
        next_url = body["next"]
    assert seen == expected


@pytest.mark.parametrize("suffix", ["comments/", "timeline/", "attachments/", "links/"])
def test_nested_list_query_counts_do_not_grow(api, personas, routed, django_assert_max_num_queries, suffix):
    client = api(personas.agent_1)
    client.get(url(routed, suffix))

    def grow() -> None:
        for i in range(5):
            services.add_comment(
                actor=personas.agent_1,
                ticket=routed,
                body=f"c{i}",
                public=bool(i % 2),
                files=[(f"f{i}.txt", f"file {i}".encode())],
            )
            other = make_ticket(personas.customer_a, team=personas.team_1)
            services.link_tickets(actor=personas.agent_1, source=routed, target=other, kind="related")

    with django_assert_max_num_queries(10) as small:
        client.get(url(routed, suffix))
    grow()
    grow()
    with django_assert_max_num_queries(10) as large:
        assert len(client.get(url(routed, suffix)).json()["results"]) >= 10
    assert len(large.captured_queries) == len(small.captured_queries)
