"""People, organisations, contracts, teams and tokens through the API."""

from __future__ import annotations

import datetime

import pytest

from ventanilla.accounts.models import APIToken, Contract, Organization, OrganizationDomain, Team, User
from ventanilla.testing.factories import ContractFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Users ------------------------------------------------------------------------------------------------


def test_users_visibility(api, personas):
    assert ids(api(personas.customer_a).get("/api/v1/users/")) == {personas.customer_a.pk}
    org_a = {personas.customer_a.pk, personas.colleague_a.pk, personas.customer_manager_a.pk}
    assert ids(api(personas.customer_manager_a).get("/api/v1/users/")) == org_a
    assert len(ids(api(personas.agent_1).get("/api/v1/users/"))) == User.objects.count()
    response = api(personas.customer_b).get(f"/api/v1/users/{personas.customer_a.pk}/")
    assert response.status_code == 404


def test_users_me(api, personas):
    client = api(personas.customer_a)
    body = client.get("/api/v1/users/me/").json()
    assert body["email"] == "ana@acme.test" and body["organization"] == personas.org_a.pk
    response = client.patch("/api/v1/users/me/", {"full_name": "Ana Pérez", "language": "es"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["full_name"] == "Ana Pérez"
    response = client.patch("/api/v1/users/me/", {"role": "admin"}, format="json")
    assert response.status_code == 403
    assert (
        client.patch("/api/v1/users/me/", {"email": "x@y.z"}, format="json").json()["code"] == "not_editable"
    )
    personas.customer_a.refresh_from_db()
    assert personas.customer_a.role == "customer"


def test_user_filters(api, personas):
    client = api(personas.manager)
    assert ids(client.get(f"/api/v1/users/?organization={personas.org_b.pk}")) == {personas.customer_b.pk}
    assert ids(client.get("/api/v1/users/?role=manager")) == {personas.manager.pk}
    assert ids(client.get("/api/v1/users/?email=BOB@globex.test")) == {personas.customer_b.pk}


def test_create_users(api, personas):
    response = api(personas.agent_1).post(
        "/api/v1/users/", {"email": "Nuevo@Acme.test", "full_name": "Nuevo"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organization"] == personas.org_a.pk
    assert response.json()["email"] == "nuevo@acme.test"
    duplicate = api(personas.agent_1).post("/api/v1/users/", {"email": "nuevo@acme.test"}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate_email"
    assert (
        api(personas.agent_1)
        .post("/api/v1/users/", {"email": "a@desk.test", "role": "agent"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(personas.manager)
        .post("/api/v1/users/", {"email": "a@desk.test", "role": "agent"}, format="json")
        .status_code
        == 201
    )
    assert (
        api(personas.manager)
        .post("/api/v1/users/", {"email": "b@desk.test", "role": "admin"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(personas.customer_a).post("/api/v1/users/", {"email": "c@acme.test"}, format="json").status_code
        == 403
    )
    response = api(personas.agent_1).post(
        "/api/v1/users/", {"email": "d@x.test", "organization": 999}, format="json"
    )
    assert response.json()["code"] == "does_not_exist"
    response = api(personas.agent_1).post("/api/v1/users/", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400


def test_agent_cannot_edit_colleague(api, personas):
    response = api(personas.agent_1).patch(
        f"/api/v1/users/{personas.agent_2.pk}/", {"phone": "1"}, format="json"
    )
    assert response.status_code == 403
    response = api(personas.agent_1).patch(
        f"/api/v1/users/{personas.customer_a.pk}/", {"phone": "555"}, format="json"
    )
    assert response.status_code == 200 and response.json()["phone"] == "555"
    response = api(personas.manager).patch(
        f"/api/v1/users/{personas.customer_a.pk}/", {"time_zone": "Mars/Base"}, format="json"
    )
    assert response.status_code == 400


# --- Organisations and contracts ---------------------------------------------------------------------------


def test_organizations(api, personas):
    assert ids(api(personas.customer_a).get("/api/v1/organizations/")) == {personas.org_a.pk}
    body = api(personas.customer_a).get(f"/api/v1/organizations/{personas.org_a.pk}/").json()
    assert body["domains"] == ["acme.test"]
    assert "notes" not in body
    assert api(personas.customer_a).get(f"/api/v1/organizations/{personas.org_b.pk}/").status_code == 404
    assert "notes" in api(personas.agent_1).get(f"/api/v1/organizations/{personas.org_b.pk}/").json()


def test_organization_writes(api, personas):
    client = api(personas.manager)
    response = client.post(
        "/api/v1/organizations/",
        {"name": "Initech", "vip": True, "domains": ["@Initech.test", "initech.example"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    org = Organization.objects.get(name="Initech")
    assert response.json()["domains"] == ["initech.example", "initech.test"]
    response = client.patch(f"/api/v1/organizations/{org.pk}/", {"domains": ["initech.test"]}, format="json")
    assert response.json()["domains"] == ["initech.test"]
    assert list(OrganizationDomain.objects.filter(organization=org).values_list("domain", flat=True)) == [
        "initech.test"
    ]
    clash = client.post(
        "/api/v1/organizations/", {"name": "Copycat", "domains": ["acme.test"]}, format="json"
    )
    assert clash.status_code == 400
    assert not Organization.objects.filter(name="Copycat").exists()
    assert (
        client.post("/api/v1/organizations/", {"name": "X", "vipp": 1}, format="json").json()["code"]
        == "unknown_field"
    )
    assert (
        api(personas.agent_1).post("/api/v1/organizations/", {"name": "Nope"}, format="json").status_code
        == 403
    )
    assert (
        api(personas.agent_1)
        .patch(f"/api/v1/organizations/{org.pk}/", {"vip": False}, format="json")
        .status_code
        == 403
    )
    assert (
        api(personas.customer_a)
        .patch(f"/api/v1/organizations/{personas.org_b.pk}/", {"vip": False}, format="json")
        .status_code
        == 404
    )
    response = client.delete(f"/api/v1/organizations/{personas.org_a.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert client.delete(f"/api/v1/organizations/{org.pk}/").status_code == 204


def test_contracts(api, personas):
    service = ServiceFactory()
    contract_a = ContractFactory(organization=personas.org_a)
    contract_b = ContractFactory(organization=personas.org_b)
    assert ids(api(personas.customer_manager_a).get("/api/v1/contracts/")) == {contract_a.pk}
    assert ids(api(personas.customer_a).get("/api/v1/contracts/")) == set()
    assert api(personas.customer_manager_a).get(f"/api/v1/contracts/{contract_b.pk}/").status_code == 404
    client = api(personas.manager)
    response = client.post(
        "/api/v1/contracts/",
        {
            "organization": personas.org_b.pk,
            "name": "Gold",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "services": [service.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Contract.objects.get(name="Gold").services.get() == service
    bad = client.post(
        "/api/v1/contracts/",
        {
            "organization": personas.org_b.pk,
            "name": "Bad",
            "starts_on": "2026-02-01",
            "ends_on": "2026-01-01",
        },
        format="json",
    )
    assert bad.status_code == 400


# --- Teams --------------------------------------------------------------------------------------------------


def test_teams(api, personas):
    assert ids(api(personas.customer_a).get("/api/v1/teams/")) == set()
    body = api(personas.agent_2).get(f"/api/v1/teams/{personas.team_1.pk}/").json()
    members = {m["user"]: m["is_lead"] for m in body["members"]}
    assert members == {personas.agent_1.pk: False, personas.lead_1.pk: True}
    client = api(personas.manager)
    response = client.post(
        "/api/v1/teams/",
        {
            "name": "Apps L2",
            "assignment_strategy": "round_robin",
            "members": [{"user": personas.agent_2.pk, "is_lead": True}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    team = Team.objects.get(name="Apps L2")
    assert team.memberships.get().is_lead
    response = client.patch(
        f"/api/v1/teams/{team.pk}/", {"members": [{"user": personas.agent_1.pk}]}, format="json"
    )
    assert [m["user"] for m in response.json()["members"]] == [personas.agent_1.pk]
    response = client.patch(
        f"/api/v1/teams/{team.pk}/", {"members": [{"user": personas.customer_a.pk}]}, format="json"
    )
    assert response.status_code == 400
    assert api(personas.agent_1).post("/api/v1/teams/", {"name": "Rogue"}, format="json").status_code == 403


# --- Tokens -------------------------------------------------------------------------------------------------


def test_tokens(api, personas):
    client = api(personas.agent_1)
    response = client.post("/api/v1/tokens/", {"name": "CI", "scope": "read"}, format="json")
    assert response.status_code == 201, response.json()
    key = response.json()["key"]
    token_id = response.json()["id"]
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert token_id in {t["id"] for t in listed}
    assert all("key" not in t and "key_hash" not in t for t in listed)
    other = api(personas.agent_2)
    assert token_id not in {t["id"] for t in other.get("/api/v1/tokens/").json()["results"]}
    assert other.post(f"/api/v1/tokens/{token_id}/revoke/").status_code == 404
    fresh = api()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert fresh.get("/api/v1/users/me/").status_code == 200
    assert fresh.post("/api/v1/tokens/", {}, format="json").status_code == 403  # read scope
    response = client.post(f"/api/v1/tokens/{token_id}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert fresh.get("/api/v1/users/me/").status_code == 401
    assert client.post("/api/v1/tokens/", {"scope": "root"}, format="json").status_code == 400
    expired = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/tokens/", {"scope": "write", "expires_at": expired}, format="json")
    assert response.status_code == 201
    late = api()
    late.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['key']}")
    assert late.get("/api/v1/users/me/").status_code == 401
    assert APIToken.objects.filter(user=personas.agent_1).count() >= 3


@pytest.mark.parametrize(
    "path", ["/api/v1/users/", "/api/v1/organizations/", "/api/v1/teams/", "/api/v1/contracts/"]
)
def test_reference_list_query_counts(api, personas, django_assert_max_num_queries, path):
    client = api(personas.manager)

    def grow(n: int, start: int) -> None:
        for i in range(start, start + n):
            org = Organization.objects.create(name=f"Org {i}")
            OrganizationDomain.objects.create(organization=org, domain=f"org{i}.test")
            ContractFactory(organization=org).services.add(ServiceFactory())
            team = Team.objects.create(name=f"T{i}")
            team.memberships.create(user=personas.agent_1)

    grow(1, 0)
    client.get(path)
    with django_assert_max_num_queries(6) as small:
        client.get(path)
    grow(10, 1)
    with django_assert_max_num_queries(6) as large:
        client.get(path)
    assert len(large.captured_queries) == len(small.captured_queries)
