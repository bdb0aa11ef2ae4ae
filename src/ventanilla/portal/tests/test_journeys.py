"""Browser journeys of the customer portal (issue 3: journeys 1, 3, 5 and 6), in real Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from ventanilla.core.services import update_reference
from ventanilla.testing.browser import sign_in
from ventanilla.testing.factories import PASSWORD, make_ticket
from ventanilla.tickets import services
from ventanilla.tickets.choices import Status
from ventanilla.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTAL_SIGN_IN = "/portal/sign-in/"


def expect(page: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(page)


@pytest.fixture
def agent_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A second, independent browser (another person at another desk)."""
    context = browser.new_context(locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def report_incident(page: Any, tmp_path: Any, *, labels: dict[str, str]) -> Ticket:
    page.get_by_role("link", name=re.compile(labels["report"], re.I)).first.click()
    page.get_by_label(re.compile(labels["summary"], re.I)).fill("The VPN drops every hour")
    page.get_by_label(re.compile(labels["details"], re.I)).fill("Since Monday, at home and in the office.")
    screenshot = tmp_path / "vpn-error.txt"
    screenshot.write_text("Connection reset by peer\n")
    page.get_by_label(re.compile(labels["attachments"], re.I)).set_input_files(str(screenshot))
    page.get_by_role("button", name=re.compile(labels["send"], re.I)).click()
    ticket = Ticket.objects.get(title="The VPN drops every hour")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    expect(page.get_by_role("link", name="vpn-error.txt")).to_be_visible()
    return ticket


def test_journey_1_customer_reports_an_incident_with_an_attachment(page, personas, tmp_path):
    sign_in(page, personas.customer_a.email, PASSWORD, path=PORTAL_SIGN_IN)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    ticket = report_incident(
        page,
        tmp_path,
        labels={
            "report": "report a problem",
            "summary": "summary",
            "details": "details",
            "attachments": "attachments",
            "send": "send the report",
        },
    )
    assert ticket.requester == personas.customer_a and ticket.attachments.get().filename == "vpn-error.txt"
    page.get_by_role("link", name="My tickets").first.click()
    row = page.get_by_role("listitem").filter(has_text=ticket.number)
    expect(row).to_contain_text("The VPN drops every hour")
    expect(row).to_contain_text("New")


def test_journey_3_reply_resolve_confirm_and_reopen(page, agent_page, personas):
    first = make_ticket(personas.customer_a, actor=personas.customer_a, title="Mail does not sync")
    second = make_ticket(personas.customer_a, actor=personas.customer_a, title="Printer offline")
    services.transition_ticket(
        actor=personas.agent_1,
        ticket=second,
        to=Status.RESOLVED,
        resolution_code="solved",
        resolution_note="Printer restarted",
    )

    # The customer replies.
    sign_in(page, personas.customer_a.email, PASSWORD, path=PORTAL_SIGN_IN)
    page.goto(f"/portal/tickets/{first.pk}/")
    page.get_by_label("Your message").fill("It happens on my phone too.")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#conversation")).to_contain_text("It happens on my phone too.")

    # The agent resolves it with a resolution code, on the desk's ticket page.
    sign_in(agent_page, personas.agent_1.email, PASSWORD)
    agent_page.goto(f"/desk/tickets/{first.pk}/")
    expect(agent_page.get_by_text("It happens on my phone too.")).to_be_visible()
    agent_page.get_by_label(re.compile(r"^(new )?status$", re.I)).select_option("resolved")
    agent_page.get_by_label(re.compile("resolution code", re.I)).select_option("solved")
    agent_page.get_by_label(re.compile("resolution note", re.I)).fill("Re-created the mail profile.")
    # The desk may answer with a full page or an htmx swap: wait for the POST's answer, then for quiet.
    with agent_page.expect_response(lambda response: response.request.method == "POST"):
        agent_page.get_by_role(
            "button", name=re.compile("^(apply|change status|resolve|save)", re.I)
        ).first.click()
    agent_page.wait_for_load_state("networkidle")
    first.refresh_from_db()
    assert first.status == Status.RESOLVED, "the desk page did not resolve the ticket"

    # The customer confirms; the ticket closes.
    page.reload()
    expect(page.get_by_text("Re-created the mail profile.").first).to_be_visible()
    page.get_by_role("button", name="Yes, it is solved").click()
    expect(page.locator("#ticket-status")).to_have_text("Closed")
    first.refresh_from_db()
    assert first.status == Status.CLOSED
    expect(page.get_by_label("Your message")).to_have_count(0)

    # The second ticket is still broken: reopened.
    page.goto(f"/portal/tickets/{second.pk}/")
    page.get_by_label("What is still wrong?").fill("It went offline again this morning.")
    page.get_by_role("button", name="No, it is still broken").click()
    expect(page.locator("#ticket-status")).to_have_text("In progress")
    expect(page.locator("#conversation")).to_contain_text("It went offline again this morning.")
    second.refresh_from_db()
    assert second.status == Status.IN_PROGRESS and second.reopen_count == 1


def test_journey_5_another_organisation_gets_not_found(page, personas):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a, title="Acme's private trouble")
    sign_in(page, personas.customer_b.email, PASSWORD, path=PORTAL_SIGN_IN)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    response = page.goto(f"/portal/tickets/{ticket.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("not found", re.I))
    expect(page.get_by_text("Acme's private trouble")).to_have_count(0)


@pytest.mark.parametrize("page", ["es-ES"], indirect=True)
def test_journey_6_spanish_end_to_end(page, personas, tmp_path):
    update_reference(personas.customer_a, {"language": "es"}, actor=None)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrar en el centro de servicio")
    sign_in(page, personas.customer_a.email, PASSWORD, path=PORTAL_SIGN_IN)
    expect(page.get_by_role("heading", level=1)).to_contain_text("¿en qué podemos ayudarte?")
    ticket = report_incident(
        page,
        tmp_path,
        labels={
            "report": "informar de un problema",
            "summary": "resumen",
            "details": "detalles",
            "attachments": "adjuntos",
            "send": "enviar el informe",
        },
    )
    expect(page.locator("#ticket-status")).to_have_text("Nuevo")
    page.get_by_role("link", name="Mis tickets").first.click()
    expect(page.get_by_role("listitem").filter(has_text=ticket.number)).to_contain_text("Nuevo")
    # The language switch works and is remembered on the account.
    page.get_by_label("Idioma").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My tickets")
    personas.customer_a.refresh_from_db()
    assert personas.customer_a.language == "en"
