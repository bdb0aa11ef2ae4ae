"""Services, categories, queues, tags and the priority matrix through the API."""

from __future__ import annotations

import pytest

from ventanilla.catalog.models import Service
from ventanilla.testing.factories import CategoryFactory, QueueFactory, ServiceFactory, make_ticket
from ventanilla.tickets.models import Category, PriorityMatrixEntry

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_services(api, personas):
    active = ServiceFactory(name="Mail")
    retired = ServiceFactory(name="Fax", is_active=False)
    assert ids(api(personas.customer_a).get("/api/v1/services/")) == {active.pk}
    assert api(personas.customer_a).get(f"/api/v1/services/{retired.pk}/").status_code == 404
    assert ids(api(personas.agent_1).get("/api/v1/services/?is_active=false")) == {retired.pk}
    client = api(personas.manager)
    response = client.post(
        "/api/v1/services/", {"name": "ERP", "code": "erp", "owner_team": personas.team_1.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert client.post("/api/v1/services/", {"name": "ERP", "code": "erp2"}, format="json").status_code == 400
    assert (
        api(personas.agent_1).post("/api/v1/services/", {"name": "X", "code": "x"}, format="json").status_code
        == 403
    )
    erp = Service.objects.get(code="erp")
    assert (
        client.patch(f"/api/v1/services/{erp.pk}/", {"is_active": False}, format="json").json()["is_active"]
        is False
    )
    assert client.delete(f"/api/v1/services/{erp.pk}/").status_code == 204


def test_categories_tree(api, personas):
    client = api(personas.manager)
    root = client.post("/api/v1/categories/", {"name": "Hardware"}, format="json")
    assert root.status_code == 201, root.json()
    child = client.post("/api/v1/categories/", {"name": "Laptop", "parent": root.json()["id"]}, format="json")
    assert child.status_code == 201, child.json()
    assert child.json()["full_path"] == "Hardware › Laptop"
    assert child.json()["parent"] == root.json()["id"]
    hidden = CategoryFactory(name="Old", is_active=False)
    assert hidden.pk not in ids(api(personas.customer_a).get("/api/v1/categories/"))
    assert ids(api(personas.agent_1).get(f"/api/v1/categories/?parent={root.json()['id']}")) == {
        child.json()["id"]
    }
    response = client.patch(f"/api/v1/categories/{root.json()['id']}/", {"full_path": "x"}, format="json")
    assert response.json()["code"] == "not_editable"
    laptop = Category.objects.get(name="Laptop")
    ticket = make_ticket(personas.customer_a, category=laptop)
    tree = api(personas.manager).get(f"/api/v1/tickets/?category_tree={root.json()['id']}")
    assert [t["id"] for t in tree.json()["results"]] == [ticket.pk]


def test_queues(api, personas):
    queue = QueueFactory(team=personas.team_1)
    assert ids(api(personas.customer_a).get("/api/v1/queues/")) == set()
    assert ids(api(personas.agent_2).get(f"/api/v1/queues/?team={personas.team_1.pk}")) == {queue.pk}
    response = api(personas.manager).post(
        "/api/v1/queues/", {"name": "Net", "team": personas.team_2.pk}, format="json"
    )
    assert response.status_code == 201


def test_tags(api, personas):
    make_ticket(personas.customer_a, tags=["vpn", "mail"])
    names = [
        t["name"] for t in api(personas.agent_1).get("/api/v1/tags/?name__istartswith=v").json()["results"]
    ]
    assert names == ["vpn"]
    assert api(personas.customer_a).get("/api/v1/tags/").json()["results"] == []
    assert api(personas.manager).post("/api/v1/tags/", {"name": "x"}, format="json").status_code == 405


def test_priority_matrix(api, personas):
    PriorityMatrixEntry.objects.create(impact=4, urgency=4, priority=3)
    cells = api(personas.agent_1).get("/api/v1/priority-matrix/").json()
    assert len(cells) == 16
    cell = next(c for c in cells if c["impact"] == 4 and c["urgency"] == 4)
    assert cell == {"impact": 4, "urgency": 4, "priority": 3, "overridden": True}
    assert api(personas.customer_a).get("/api/v1/priority-matrix/").json() == []


def test_schema_and_docs_served(api, personas, client):
    assert api(personas.agent_1).get("/api/v1/schema/").status_code == 200
    client.force_login(personas.agent_1)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
