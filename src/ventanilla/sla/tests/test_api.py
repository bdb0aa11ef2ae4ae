"""SLA API: calendars and policies CRUD (managers/admins write, agents read, customers refused), a ticket's
SLA (404 for outsiders), compliance (staff only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ventanilla.sla.models import BusinessCalendar, SlaPolicy
from ventanilla.sla.services import default_calendar
from ventanilla.sla.tick import run_tick
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.services import transition_ticket

from .conftest import madrid

pytestmark = pytest.mark.django_db

CALENDAR = {
    "name": "Bogotá office",
    "time_zone": "America/Bogota",
    "holiday_country": "CO",
    "intervals": [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(5)]
    + [{"weekday": d, "start": "13:00", "end": "17:00"} for d in range(5)],
    "closures": [{"date": "2026-12-24", "name": "Nochebuena"}],
    "extra_days": [{"date": "2026-12-26", "start": "09:00", "end": "12:00", "name": "Inventario"}],
}


def test_admin_crud_calendar_and_policy(personas: Any, api: Any) -> None:
    client = api(personas.admin)
    response = client.post("/api/v1/sla/calendars/", CALENDAR, format="json")
    assert response.status_code == 201, response.json()
    calendar = response.json()
    assert len(calendar["intervals"]) == 10 and calendar["closures"][0]["name"] == "Nochebuena"
    response = client.patch(
        f"/api/v1/sla/calendars/{calendar['id']}/",
        {"intervals": [{"weekday": 0, "start": "00:00", "end": "24:00"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["intervals"] == [{"weekday": 0, "start": "00:00", "end": "24:00"}]

    policy = {
        "name": "Acme gold",
        "calendar": calendar["id"],
        "organization": personas.org_a.pk,
        "first_response_minutes": 30,
        "resolution_minutes": 240,
        "escalations": [
            {"target": "resolution", "threshold": 75, "action": "notify_team_lead"},
            {"target": "resolution", "threshold": 90, "action": "reassign_team", "team": personas.team_2.pk},
        ],
    }
    response = client.post("/api/v1/sla/policies/", policy, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["pause_statuses"] == ["pending_customer", "pending_third_party"]
    assert len(body["escalations"]) == 2 and body["specificity"] == 8
    response = client.patch(f"/api/v1/sla/policies/{body['id']}/", {"resolution_minutes": 480}, format="json")
    assert response.status_code == 200 and response.json()["resolution_minutes"] == 480
    assert len(response.json()["escalations"]) == 2
    assert client.get("/api/v1/sla/policies/").json()["results"][0]["name"] == "Acme gold"
    response = client.delete(f"/api/v1/sla/calendars/{calendar['id']}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert client.delete(f"/api/v1/sla/policies/{body['id']}/").status_code == 204
    assert client.delete(f"/api/v1/sla/calendars/{calendar['id']}/").status_code == 204


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "intervals": [
                    {"weekday": 0, "start": "09:00", "end": "12:00"},
                    {"weekday": 0, "start": "11:00", "end": "13:00"},
                ]
            },
            "overlapping_intervals",
        ),
        ({"intervals": [{"weekday": 0, "start": "12:00", "end": "09:00"}]}, "empty_interval"),
        ({"intervals": [], "extra_days": []}, "no_working_time"),
        ({"holiday_country": "ZZ"}, "unknown_holiday_country"),
        ({"holiday_subdivision": "XX"}, "unknown_holiday_subdivision"),
        ({"time_zone": "Europe/Atlantis"}, "invalid_time_zone"),
        ({"intervals": [{"weekday": 0, "start": "25:00", "end": "26:00"}]}, "invalid_time"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
def test_bad_calendar_input_is_refused(personas: Any, api: Any, change: dict[str, Any], code: str) -> None:
    response = api(personas.manager).post("/api/v1/sla/calendars/", {**CALENDAR, **change}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code, response.json()
    assert response.json()["detail"]
    assert not BusinessCalendar.objects.filter(name="Bogotá office").exists()


def test_bad_policy_input_is_refused(personas: Any, api: Any) -> None:
    client = api(personas.manager)
    response = client.post(
        "/api/v1/sla/policies/",
        {"name": "Zero", "first_response_minutes": 0, "resolution_minutes": 60},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_target"
    response = client.post(
        "/api/v1/sla/policies/",
        {
            "name": "Bad pause",
            "first_response_minutes": 10,
            "resolution_minutes": 60,
            "pause_statuses": ["new"],
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_pause_status"
    assert not SlaPolicy.objects.exists()


def test_agents_read_but_cannot_write_customers_see_nothing(personas: Any, api: Any) -> None:
    default_calendar()  # made by a data migration, unless a transactional test flushed it
    agent = api(personas.agent_1)
    assert agent.get("/api/v1/sla/calendars/").status_code == 200
    assert agent.get("/api/v1/sla/calendars/").json()["results"][0]["name"] == "24×7"
    response = agent.post("/api/v1/sla/calendars/", CALENDAR, format="json")
    assert response.status_code == 403
    calendar_id = BusinessCalendar.objects.get().pk
    assert (
        agent.patch(f"/api/v1/sla/calendars/{calendar_id}/", {"name": "x"}, format="json").status_code == 403
    )
    for user in (personas.customer_a, personas.customer_manager_a):
        customer = api(user)
        assert customer.get("/api/v1/sla/calendars/").json()["results"] == []
        assert customer.get(f"/api/v1/sla/calendars/{calendar_id}/").status_code == 404
        assert customer.post("/api/v1/sla/policies/", {"name": "x"}, format="json").status_code == 403
    assert api().get("/api/v1/sla/calendars/").status_code in (401, 403)


def test_ticket_sla_endpoint_respects_visibility(
    personas: Any, api: Any, make_policy: Any, clock: Any
) -> None:
    make_policy(organization=personas.org_a)
    clock(madrid(2026, 6, 3, 10, 0))
    ticket = make_ticket(
        personas.customer_a, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
    )
    other = make_ticket(personas.customer_b, actor=personas.agent_1, team=personas.team_1)
    body = api(personas.customer_a).get(f"/api/v1/sla/tickets/{ticket.pk}/").json()
    assert body["has_sla"] is True
    assert body["targets"]["first_response"]["due_at"] == "2026-06-03T11:00:00+02:00"
    assert body["targets"]["resolution"]["remaining_seconds"] == 8 * 3600
    assert api(personas.customer_b).get(f"/api/v1/sla/tickets/{ticket.pk}/").status_code == 404
    assert api(personas.agent_2).get(f"/api/v1/sla/tickets/{ticket.pk}/").status_code == 404
    assert api(personas.customer_a).get("/api/v1/sla/tickets/999999/").status_code == 404
    no_sla = api(personas.customer_b).get(f"/api/v1/sla/tickets/{other.pk}/").json()
    assert no_sla == {"ticket": other.pk, "has_sla": False, "policy": None, "targets": {}}


def test_compliance_report(personas: Any, api: Any, make_policy: Any, clock: Any) -> None:
    make_policy()
    clock(madrid(2026, 6, 3, 10, 0))
    late = make_ticket(
        personas.customer_a, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
    )
    on_time = make_ticket(
        personas.customer_b, actor=personas.agent_1, team=personas.team_1, assignee=personas.agent_1
    )
    clock(madrid(2026, 6, 3, 10, 30))
    transition_ticket(
        actor=personas.agent_1,
        ticket=on_time,
        to="resolved",
        resolution_code="solved",
        resolution_note="Done.",
    )
    clock(madrid(2026, 6, 5, 10, 0))
    run_tick()
    response = api(personas.manager).get(
        "/api/v1/sla/compliance/?from=2026-06-01&to=2026-06-30&group_by=organization"
    )
    assert response.status_code == 200, response.json()
    groups = {g["group"]["name"]: g for g in response.json()["groups"]}
    assert groups["Acme Corp"]["response"] == {
        "total": 1,
        "met": 0,
        "percent_met": 0.0,
        "breached_ticket_ids": [late.pk],
    }
    assert groups["Globex"]["resolution"]["percent_met"] == 100.0
    for group_by in ("service", "priority", "team"):
        assert (
            api(personas.admin)
            .get(f"/api/v1/sla/compliance/?group_by={group_by}&from=2026-06-01")
            .status_code
            == 200
        )
    assert api(personas.customer_manager_a).get("/api/v1/sla/compliance/").status_code == 403
    bad = api(personas.manager).get("/api/v1/sla/compliance/?group_by=colour")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"
    bad = api(personas.manager).get("/api/v1/sla/compliance/?from=2026-07-01&to=2026-06-01")
    assert bad.status_code == 400
    # An agent of team 2 sees no tickets of team 1 in the report.
    assert (
        api(personas.agent_2).get("/api/v1/sla/compliance/?from=2026-06-01&to=2026-06-30").json()["groups"]
        == []
    )
    _ = dt
