"""Ticket endpoints: list, create, read, update; filters, search, pagination, query counts, bad input."""

from __future__ import annotations

import json

import pytest

from ventanilla.accounts.models import User
from ventanilla.testing.factories import CategoryFactory, ServiceFactory, make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


def detail(ticket: Ticket) -> str:
    return f"{URL}{ticket.pk}/"


@pytest.fixture
def ticket_a(personas):
    return make_ticket(personas.customer_a, actor=personas.customer_a, title="VPN drops every hour")


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Authentication and scopes --------------------------------------------------------------------------


def test_no_token_is_401_json(api):
    response = api().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token vnt_deadbeef_nope")
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_read_token_cannot_write(api, personas):
    client = api(personas.agent_1, scope="read")
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"title": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_session_auth_works(client, personas):
    client.force_login(personas.agent_1)
    assert client.get(URL).status_code == 200


# --- Create ---------------------------------------------------------------------------------------------


def test_customer_creates_for_themselves_via_api_channel(api, personas):
    response = api(personas.customer_a).post(
        URL, {"title": "Printer jam", "description": "Floor 2"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["requester"] == personas.customer_a.pk
    assert body["organization"] == personas.org_a.pk
    assert body["channel"] == "api"
    assert body["status"] == "new"
    assert body["number"].startswith("INC-")
    assert body["allowed_transitions"] == ["cancelled"]
    assert response["ETag"] == f'"{body["version"]}"'


def test_create_full_fields_by_agent(api, personas):
    service = ServiceFactory(owner_team=personas.team_1)
    category = CategoryFactory(service=service)
    response = api(personas.agent_1).post(
        URL,
        {
            "type": "request",
            "title": "New laptop",
            "description_html": "<p>Need <b>one</b><script>x</script></p>",
            "impact": 2,
            "urgency": "2",
            "requester": personas.customer_a.pk,
            "service": service.pk,
            "category": category.pk,
            "tags": ["Hardware", "laptop"],
            "watchers": [personas.colleague_a.pk],
            "team": personas.team_1.pk,
            "assignee": personas.agent_1.pk,
            "channel": "phone",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("REQ-")
    assert "<script>" not in body["description_html"]
    assert body["priority"] == 2
    assert body["tags"] == ["hardware", "laptop"]
    assert body["watchers"] == [personas.colleague_a.pk]
    assert body["assignee"] == personas.agent_1.pk
    assert body["status"] == "assigned"
    assert body["channel"] == "phone"


def test_agent_creates_with_requester_email_new_customer(api, personas):
    response = api(personas.agent_1).post(
        URL, {"title": "Call from reception", "requester_email": "new@acme.test"}, format="json"
    )
    assert response.status_code == 201, response.json()
    user = User.objects.get(email="new@acme.test")
    assert response.json()["requester"] == user.pk
    assert user.organization == personas.org_a  # attached by domain
    assert response.json()["organization"] == personas.org_a.pk


def test_agent_creates_with_requester_email_existing_customer(api, personas):
    response = api(personas.agent_1).post(
        URL, {"title": "x", "requester_email": "ANA@acme.test"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["requester"] == personas.customer_a.pk


def test_customer_cannot_use_requester_email(api, personas):
    response = api(personas.customer_a).post(
        URL, {"title": "x", "requester_email": "someone@acme.test"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "requester_not_allowed"
    assert not User.objects.filter(email="someone@acme.test").exists()


def test_failed_create_leaves_no_customer_behind(api, personas):
    response = api(personas.agent_1).post(
        URL, {"title": "", "requester_email": "ghost@acme.test"}, format="json"
    )
    assert response.status_code == 400
    response = api(personas.agent_1).post(
        URL,
        {"title": "x", "requester_email": "ghost@acme.test", "organization": personas.org_b.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "organization_mismatch"
    assert not User.objects.filter(email="ghost@acme.test").exists()


def test_customer_cannot_reference_other_org(api, personas):
    client = api(personas.customer_a)
    for payload in (
        {"organization": personas.org_b.pk},
        {"requester": personas.customer_b.pk},
        {"watchers": [personas.customer_b.pk]},
        {"team": personas.team_1.pk},
    ):
        response = client.post(URL, {"title": "x", **payload}, format="json")
        assert response.status_code == 400, payload
        assert response.json()["code"] == "does_not_exist", payload
    assert not Ticket.objects.exists()


def test_missing_and_invisible_ids_get_the_same_message(api, personas):
    client = api(personas.customer_a)
    invisible = client.post(URL, {"title": "x", "organization": personas.org_b.pk}, format="json").json()
    missing = client.post(URL, {"title": "x", "organization": 999999}, format="json").json()
    assert invisible["code"] == missing["code"] == "does_not_exist"
    assert invisible["detail"].replace(str(personas.org_b.pk), "N") == missing["detail"].replace(
        "999999", "N"
    )


def test_customer_cannot_route(api, personas):
    response = api(personas.customer_a).post(
        URL, {"title": "x", "priority": 1, "priority_reason": "me"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "routing_not_allowed"


# --- Bad input ------------------------------------------------------------------------------------------


def test_malformed_json(api, personas):
    response = api(personas.agent_1).post(URL, data='{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert response.json()["detail"]


def test_unknown_field_on_create(api, personas):
    response = api(personas.agent_1).post(URL, {"title": "x", "titel": "typo"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_field"
    assert "titel" in body["errors"]
    assert not Ticket.objects.exists()


def test_wrong_types_give_field_errors(api, personas):
    response = api(personas.agent_1).post(
        URL, {"title": ["a"], "impact": "huge", "tags": "notalist", "requester": "abc"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"title", "impact", "tags", "requester"} <= set(errors)
    assert response.json()["code"]


def test_body_must_be_an_object(api, personas):
    response = api(personas.agent_1).post(URL, data=json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"]


def test_oversized_json_body_gives_json_413(api, personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api(personas.agent_1).post(URL, {"title": "x", "description": "y" * 5000}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


# --- Read and visibility ----------------------------------------------------------------------------------


def test_outsider_gets_404_on_detail(api, personas, ticket_a):
    response = api(personas.customer_b).get(detail(ticket_a))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"]}
    assert (
        api(personas.customer_b).patch(detail(ticket_a), {"title": "pwned"}, format="json").status_code == 404
    )
    assert ticket_a.pk not in ids(api(personas.customer_b).get(URL))


def test_non_numeric_id_is_404(api, personas):
    assert api(personas.agent_1).get(f"{URL}abc/").status_code == 404


def test_visibility_in_list(api, personas, ticket_a):
    other = make_ticket(personas.customer_b, actor=personas.customer_b)
    colleague = make_ticket(personas.colleague_a, actor=personas.colleague_a)
    assert ids(api(personas.customer_a).get(URL)) == [ticket_a.pk]
    assert set(ids(api(personas.customer_manager_a).get(URL))) == {ticket_a.pk, colleague.pk}
    assert set(ids(api(personas.manager).get(URL))) == {ticket_a.pk, colleague.pk, other.pk}


def test_agent_does_not_see_other_team(api, personas):
    mine = make_ticket(personas.customer_a, team=personas.team_1)
    theirs = make_ticket(personas.customer_a, team=personas.team_2)
    listed = ids(api(personas.agent_1).get(URL))
    assert mine.pk in listed and theirs.pk not in listed
    assert api(personas.agent_1).get(detail(theirs)).status_code == 404


# --- Update ---------------------------------------------------------------------------------------------


def test_agent_patches_fields(api, personas, ticket_a):
    response = api(personas.agent_1).patch(
        detail(ticket_a), {"title": "VPN broken", "impact": 1, "urgency": 1, "tags": ["vpn"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "VPN broken"
    assert body["priority"] == 1
    assert body["tags"] == ["vpn"]
    assert body["version"] > ticket_a.version


@pytest.mark.parametrize("field", ["status", "team", "assignee", "watchers", "requester"])
def test_patch_refuses_workflow_fields(api, personas, ticket_a, field):
    response = api(personas.agent_1).patch(detail(ticket_a), {field: None}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "not_editable"
    assert field in body["errors"]


def test_patch_refuses_read_only_and_unknown_fields(api, personas, ticket_a):
    client = api(personas.agent_1)
    assert client.patch(detail(ticket_a), {"number": "X"}, format="json").json()["code"] == "not_editable"
    assert client.patch(detail(ticket_a), {"colour": "red"}, format="json").json()["code"] == "unknown_field"


def test_customer_cannot_patch_own_ticket(api, personas, ticket_a):
    response = api(personas.customer_a).patch(detail(ticket_a), {"title": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_patch_with_stale_version_is_409(api, personas, ticket_a):
    client = api(personas.agent_1)
    current = client.get(detail(ticket_a)).json()["version"]
    assert (
        client.patch(detail(ticket_a), {"title": "one", "version": current}, format="json").status_code == 200
    )
    response = client.patch(detail(ticket_a), {"title": "two", "version": current}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_ticket"
    response = client.patch(detail(ticket_a), {"title": "two"}, format="json", HTTP_IF_MATCH=f'"{current}"')
    assert response.status_code == 409
    assert response.json()["code"] == "stale_ticket"
    fresh = client.get(detail(ticket_a))
    response = client.patch(detail(ticket_a), {"title": "three"}, format="json", HTTP_IF_MATCH=fresh["ETag"])
    assert response.status_code == 200
    assert (
        client.patch(detail(ticket_a), {"title": "4"}, format="json", HTTP_IF_MATCH="garbage").json()["code"]
        == "invalid_if_match"
    )


def test_patch_cross_org_reference_refused(api, personas, ticket_a):
    response = api(personas.agent_1).patch(
        detail(ticket_a), {"organization": personas.org_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "organization_mismatch"


# --- Filters, search, ordering, pagination --------------------------------------------------------------


def test_filters(api, personas):
    client = api(personas.manager)
    a = make_ticket(personas.customer_a, type="request", tags=["vpn"], team=personas.team_1)
    b = make_ticket(personas.customer_a, channel="email", assignee=personas.agent_1, team=personas.team_1)
    c = make_ticket(personas.customer_b, urgency=1, impact=1)

    def q(params: str) -> set[int]:
        response = client.get(f"{URL}?{params}")
        assert response.status_code == 200, response.json()
        return set(ids(response))

    assert q("status=new") == {a.pk, c.pk}
    assert q("status=new&status=assigned") == {a.pk, b.pk, c.pk}
    assert q("status=assigned,new") == {a.pk, b.pk, c.pk}
    assert q("type=request") == {a.pk}
    assert q("channel=email") == {b.pk}
    assert q("priority=1") == {c.pk}
    assert q(f"organization={personas.org_b.pk}") == {c.pk}
    assert q(f"requester={personas.customer_a.pk}") == {a.pk, b.pk}
    assert q(f"team={personas.team_1.pk}") == {a.pk, b.pk}
    assert q("team=none") == {c.pk}
    assert q("assignee=none") == {a.pk, c.pk}
    assert q(f"assignee={personas.agent_1.pk}") == {b.pk}
    assert q(f"assignee=none,{personas.agent_1.pk}") == {a.pk, b.pk, c.pk}
    assert q("tags=vpn,other") == {a.pk}
    assert q(f"number={a.number.lower()}") == {a.pk}
    assert q("created_after=2000-01-01T00:00:00Z") == {a.pk, b.pk, c.pk}
    assert q("created_before=2000-01-01T00:00:00Z") == set()
    assert q("updated_after=2999-01-01T00:00:00Z") == set()
    response = client.get(f"{URL}?status=bogus")
    assert response.status_code == 400
    assert response.json()["code"]
    assert client.get(f"{URL}?team=abc").status_code == 400


def test_assignee_me(api, personas):
    mine = make_ticket(personas.customer_a, assignee=personas.agent_1, team=personas.team_1)
    make_ticket(personas.customer_a, team=personas.team_1)
    assert ids(api(personas.agent_1).get(f"{URL}?assignee=me")) == [mine.pk]


def test_search(api, personas):
    hit = make_ticket(personas.customer_a, title="Outlook crashes on start")
    make_ticket(personas.customer_a, title="Printer")
    hidden = make_ticket(personas.customer_b, title="Outlook broken too")
    assert ids(api(personas.customer_a).get(f"{URL}?search=outlook")) == [hit.pk]
    assert set(ids(api(personas.manager).get(f"{URL}?search=outlook"))) == {hit.pk, hidden.pk}
    assert ids(api(personas.manager).get(f"{URL}?search={hit.number}")) == [hit.pk]


def test_search_never_matches_internal_notes_for_customers(api, personas):
    from ventanilla.tickets import services

    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="Screen flickers")
    services.add_comment(actor=personas.agent_1, ticket=ticket, body="zanzibar firmware", public=False)
    assert ids(api(personas.customer_a).get(f"{URL}?search=zanzibar")) == []
    assert ids(api(personas.manager).get(f"{URL}?search=zanzibar")) == [ticket.pk]


def test_ordering_and_cursor_pagination_walks_everything(api, personas):
    created = [make_ticket(personas.customer_a, title=f"T{i}").pk for i in range(7)]
    client = api(personas.manager)
    seen: list[int] = []
    url = f"{URL}?page_size=3"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert seen == sorted(created, reverse=True)
    assert pages == 3
    ascending = client.get(f"{URL}?ordering=id&page_size=100").json()["results"]
    assert [row["id"] for row in ascending] == sorted(created)
    # An ordering that would defeat the keyset is ignored rather than obeyed.
    assert ids(client.get(f"{URL}?ordering=title&page_size=100")) == sorted(created, reverse=True)


@pytest.mark.parametrize("who", ["manager", "agent_1", "customer_manager_a"])
def test_list_query_count_does_not_grow(api, personas, django_assert_max_num_queries, who):
    user = getattr(personas, who)
    client = api(user)
    service = ServiceFactory()
    category = CategoryFactory()

    def create(n: int) -> None:
        for i in range(n):
            make_ticket(
                personas.customer_a if i % 2 else personas.colleague_a,
                team=personas.team_1,
                service=service,
                category=category,
                tags=["a", f"t{i}"],
                watchers=[personas.customer_manager_a],
            )

    create(5)
    client.get(URL)  # warm caches (token last_used touch, content types)
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(f"{URL}?page_size=100").json()["results"]) == 5
    create(20)
    with django_assert_max_num_queries(6) as large:
        assert len(client.get(f"{URL}?page_size=100").json()["results"]) == 25
    assert len(large.captured_queries) == len(small.captured_queries)
