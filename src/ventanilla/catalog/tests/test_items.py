"""Catalogue items: who may order what, the order form, the stored answers (desk include and API)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from ventanilla.catalog.models import CatalogItem, CatalogItemField, CatalogRequest
from ventanilla.core.errors import NotFound
from ventanilla.core.services import save_reference
from ventanilla.testing.factories import ServiceFactory, make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def item(name: str, *, actor=None, organizations=(), roles=(), **fields) -> CatalogItem:
    created = save_reference(
        CatalogItem(name=name, roles=list(roles), **fields),
        actor=actor,
        m2m={"organizations": list(organizations)} if organizations else None,
    )
    return created


def field(of: CatalogItem, label: str, kind: str = "text", **extra) -> CatalogItemField:
    return save_reference(CatalogItemField(item=of, label=label, kind=kind, **extra), actor=None)


@pytest.fixture
def laptop(personas):
    service = ServiceFactory(name="Workplace", owner_team=personas.team_2)
    laptop = item("New laptop", service=service, team=personas.team_1, description="A laptop for a person")
    field(laptop, "Model", "choice", choices="Small\nLarge", required=True, position=1)
    field(laptop, "Quantity", "number", required=True, position=2)
    field(laptop, "Needed by", "date", position=3)
    field(laptop, "For whom", "user", position=4)
    field(laptop, "Quote", "attachment", position=5)
    field(laptop, "Cost centre", "text", help_text="Ask your manager", position=6)
    return laptop


def test_visibility_per_organisation_and_role(client, personas, laptop):
    acme_only = item("Acme badge", all_customers=False, organizations=[personas.org_a])
    managers = item("Budget report", roles=["customer_manager"])
    retired = item("Fax", is_active=False)
    client.force_login(personas.customer_a)
    page = client.get("/portal/catalogue/").content.decode()
    assert "New laptop" in page and "Acme badge" in page and "Budget report" not in page and "Fax" not in page
    assert client.get(f"/portal/catalogue/{managers.pk}/").status_code == 404
    client.force_login(personas.customer_b)
    page = client.get("/portal/catalogue/").content.decode()
    assert "New laptop" in page and "Acme badge" not in page
    assert client.get(f"/portal/catalogue/{acme_only.pk}/").status_code == 404
    assert client.get(f"/portal/catalogue/{retired.pk}/").status_code == 404
    client.force_login(personas.customer_manager_a)
    assert "Budget report" in client.get("/portal/catalogue/").content.decode()


def test_search(client, personas, laptop):
    item("VPN access", description="Remote network access")
    client.force_login(personas.customer_a)
    page = client.get("/portal/catalogue/?q=remote").content.decode()
    assert "VPN access" in page and "New laptop" not in page
    assert "Workplace" in client.get("/portal/catalogue/?q=laptop").content.decode()


def test_form_is_validated_on_the_server(client, personas, laptop):
    client.force_login(personas.customer_a)
    response = client.post(
        f"/portal/catalogue/{laptop.pk}/", {f"field_{laptop.fields.get(label='Model').pk}": "Huge"}
    )
    form = response.context["form"]
    assert response.status_code == 200
    errors = {form.fields[k].label for k in form.errors}
    assert errors == {"Model", "Quantity"}
    assert not Ticket.objects.exists()


def test_order_stores_answers_and_routes(client, personas, laptop):
    fields = {f.label: f"field_{f.pk}" for f in laptop.fields.all()}
    client.force_login(personas.customer_a)
    response = client.post(
        f"/portal/catalogue/{laptop.pk}/",
        {
            fields["Model"]: "Large",
            fields["Quantity"]: "2",
            fields["Needed by"]: "2031-03-01",
            fields["For whom"]: str(personas.customer_a.pk),
            fields["Cost centre"]: "CC-42",
            fields["Quote"]: SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n"),
            "description": "Thanks",
        },
    )
    ticket = Ticket.objects.get()
    assert response.headers["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert ticket.type == "request" and ticket.title == "New laptop" and ticket.team == personas.team_1
    answers = {a["label"]: a["value"] for a in CatalogRequest.objects.get(ticket=ticket).answers}
    attachment = ticket.attachments.get()
    assert answers == {
        "Model": "Large",
        "Quantity": "2",
        "Needed by": "2031-03-01",
        "For whom": {"id": personas.customer_a.pk, "name": "Ana", "email": "ana@acme.test"},
        "Quote": {"id": attachment.pk, "filename": "quote.pdf"},
        "Cost centre": "CC-42",
    }
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Requested: New laptop" in page and "CC-42" in page and "quote.pdf" in page


def test_person_field_refuses_people_the_customer_may_not_see(client, personas, laptop):
    fields = {f.label: f"field_{f.pk}" for f in laptop.fields.all()}
    client.force_login(personas.customer_a)
    response = client.post(
        f"/portal/catalogue/{laptop.pk}/",
        {fields["Model"]: "Small", fields["Quantity"]: "1", fields["For whom"]: str(personas.customer_b.pk)},
    )
    assert fields["For whom"] in response.context["form"].errors
    from ventanilla.catalog.services import submit_catalog_request

    with pytest.raises(Exception, match="Choose a person"):
        submit_catalog_request(
            actor=personas.customer_a,
            item=laptop,
            answers={
                laptop.fields.get(label="Model").pk: "Small",
                laptop.fields.get(label="Quantity").pk: 1,
                laptop.fields.get(label="For whom").pk: personas.customer_b.pk,
            },
        )


def test_service_refuses_items_not_offered(personas):
    from ventanilla.catalog.services import submit_catalog_request

    acme_only = item("Acme badge", all_customers=False, organizations=[personas.org_a])
    with pytest.raises(NotFound):
        submit_catalog_request(actor=personas.customer_b, item=acme_only, answers={})


def _ordered(personas, laptop) -> Ticket:
    from ventanilla.catalog.services import submit_catalog_request

    answers = {laptop.fields.get(label="Model").pk: "Small", laptop.fields.get(label="Quantity").pk: 3}
    return submit_catalog_request(actor=personas.customer_a, item=laptop, answers=answers)


def test_answers_in_the_api(api, personas, laptop):
    ticket = _ordered(personas, laptop)
    url = f"/api/v1/tickets/{ticket.pk}/answers/"
    data = api(personas.agent_1).get(url).json()
    assert data["item_name"] == "New laptop" and data["answers"][0] == {
        "field": laptop.fields.get(label="Model").pk,
        "label": "Model",
        "kind": "choice",
        "value": "Small",
    }
    assert api(personas.customer_a).get(url).status_code == 200
    assert api(personas.customer_b).get(url).status_code == 404
    plain = make_ticket(personas.customer_a, actor=personas.customer_a)
    assert api(personas.agent_1).get(f"/api/v1/tickets/{plain.pk}/answers/").status_code == 404


def test_answers_include_for_the_desk(personas, laptop):
    ticket = _ordered(personas, laptop)
    request = RequestFactory().get("/")
    request.user = personas.agent_1
    with translation.override("en"):
        html = render_to_string("catalog/answers.html", {"ticket": ticket, "request": request})
    assert "Requested: New laptop" in html and "Small" in html and "Quantity" in html
    other = make_ticket(personas.customer_a, actor=personas.customer_a)
    assert render_to_string("catalog/answers.html", {"ticket": other, "request": request}).strip() == ""


def test_catalogue_items_api_crud(api, personas, laptop):
    manager = api(personas.manager)
    response = manager.post(
        "/api/v1/catalog-items/",
        {"name": "Monitor", "all_customers": False, "organizations": [personas.org_b.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    monitor_id = response.json()["id"]
    response = manager.post(
        "/api/v1/catalog-item-fields/",
        {"item": monitor_id, "label": "Size", "kind": "choice", "choices": "24\n27", "required": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (
        manager.post(
            "/api/v1/catalog-item-fields/",
            {"item": monitor_id, "label": "Bad", "kind": "choice"},
            format="json",
        ).status_code
        == 400
    )
    assert (
        manager.patch(f"/api/v1/catalog-items/{monitor_id}/", {"roles": ["admin"]}, format="json").status_code
        == 400
    )
    listed = api(personas.customer_b).get("/api/v1/catalog-items/").json()["results"]
    assert {row["name"] for row in listed} == {"Monitor", "New laptop"}
    assert "organizations" not in listed[0] and listed[0]["form_fields"] is not None
    assert {
        row["name"] for row in api(personas.customer_a).get("/api/v1/catalog-items/").json()["results"]
    } == {"New laptop"}
    assert api(personas.customer_a).get(f"/api/v1/catalog-items/{monitor_id}/").status_code == 404
    assert (
        api(personas.agent_1).post("/api/v1/catalog-items/", {"name": "X"}, format="json").status_code == 403
    )
    assert (
        api(personas.customer_b)
        .patch(f"/api/v1/catalog-items/{monitor_id}/", {"name": "Y"}, format="json")
        .status_code
        == 403
    )
    assert manager.delete(f"/api/v1/catalog-items/{monitor_id}/").status_code == 204


def test_catalogue_query_count_is_flat(client, personas, laptop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.customer_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/catalogue/")
    for n in range(10):
        item(f"Item {n}", service=ServiceFactory(name=f"Service {n}"))
    with CaptureQueriesContext(connection) as many:
        client.get("/portal/catalogue/")
    assert len(many) == len(few)
