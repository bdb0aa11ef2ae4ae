"""Workspace journeys in real Chromium (issue 3, journeys 2 and 4) and the keyboard shortcuts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from ventanilla.testing.browser import sign_in
from ventanilla.testing.factories import PASSWORD, ServiceFactory, make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_violations(page: Any) -> Iterator[list[str]]:
    """Console messages about blocked inline code: the pages must need none."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield seen


def customer_ticket_url(ticket: Ticket) -> str:
    try:
        return reverse("portal:ticket", args=[ticket.pk])
    except NoReverseMatch:  # the portal is not installed: customers can open the desk page too
        return reverse("desk:ticket-detail", args=[ticket.pk])


def test_journey_2_agent_takes_notes_and_replies(
    page: Any, browser: Any, live_server: Any, personas: Any, csp_violations: list[str]
) -> None:
    service = ServiceFactory(name="Email", owner_team=personas.team_1)
    ticket = make_ticket(
        personas.customer_a,
        actor=personas.customer_a,
        title="Outlook keeps asking for my password",
        description="Since this morning.",
        service=service,
    )
    assert ticket.team == personas.team_1 and ticket.assignee is None

    sign_in(page, personas.agent_1.email, PASSWORD)
    page.goto("/desk/")
    page.get_by_role("link", name=re.compile("Unassigned in my teams")).click()
    results = page.locator("#queue-results")
    results.get_by_role("link", name=ticket.number).click()
    page.get_by_role("heading", level=1).filter(has_text=ticket.number).wait_for()

    page.get_by_role("button", name="Assign to me").click()
    page.get_by_text("The ticket is now assigned to you.").wait_for()

    page.get_by_label("Internal note").check()
    page.get_by_label("Message").fill("Customer is on the old mail profile; NOTE-ONLY-FOR-AGENTS")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Internal note added.").wait_for()

    page.get_by_label("Public reply").check()
    page.get_by_label("Message").fill("Hello Ana, please remove and re-add your account. PUBLIC-ANSWER")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Reply sent.").wait_for()
    timeline = page.locator(".timeline")
    assert timeline.get_by_text("PUBLIC-ANSWER").is_visible()
    assert timeline.get_by_text("NOTE-ONLY-FOR-AGENTS").is_visible()
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent_1

    # The customer, in a separate browser session, sees the reply and never the note.
    context = browser.new_context(locale="en-GB", base_url=live_server.url)
    try:
        customer = context.new_page()
        sign_in(customer, personas.customer_a.email, PASSWORD)
        customer.goto(customer_ticket_url(ticket))
        customer.get_by_text("PUBLIC-ANSWER").wait_for()
        assert "NOTE-ONLY-FOR-AGENTS" not in customer.content()
        assert customer.get_by_text("Customer is on the old mail profile").count() == 0
    finally:
        context.close()
    assert not csp_violations


def test_journey_4_phone_call_resolved_at_first_contact(
    page: Any, personas: Any, csp_violations: list[str]
) -> None:
    sign_in(page, personas.agent_1.email, PASSWORD)
    page.goto("/desk/")
    page.get_by_role("link", name="Log a contact").click()
    page.get_by_label("Find the caller").fill("Lucía")
    page.get_by_text("Nobody found").wait_for()  # found as you type, and nobody matches
    page.get_by_label("Phone call").check()
    page.get_by_label("Name", exact=True).fill("Lucía Pérez")
    page.get_by_label("Email", exact=True).fill("lucia.perez@acme.test")
    page.get_by_label("Phone", exact=True).fill("+34 600 123 456")
    page.get_by_label("Duration (minutes)").fill("7")
    assert not page.get_by_label("Session reference").is_visible()  # only for remote sessions
    page.get_by_label("Subject").fill("Cannot open the payroll app")
    page.get_by_label("What the caller said").fill("Error 500 when opening payroll; cleared the cache.")
    page.get_by_label("Resolved at first contact").check()
    page.get_by_label("Resolution code").select_option("workaround")
    page.get_by_label("Resolution note").fill("Cleared the browser cache; it opens now.")
    page.get_by_role("button", name="Log the contact").click()

    page.get_by_text(re.compile(r"INC-\d+ logged and resolved at first contact")).wait_for()
    ticket = Ticket.objects.get(title="Cannot open the payroll app")
    assert page.get_by_role("heading", level=1).inner_text().startswith(ticket.number)
    assert (ticket.status, ticket.channel, ticket.resolution_code) == ("resolved", "phone", "workaround")
    assert ticket.requester.email == "lucia.perez@acme.test" and ticket.organization == personas.org_a
    assert ticket.contact_log.duration_minutes == 7
    assert page.locator(".ticket-header").get_by_text("Resolved").is_visible()

    # An existing caller is found by phone as the agent types.
    page.goto("/desk/contact/")
    page.get_by_label("Find the caller").fill("600 123")
    page.get_by_label(re.compile("Lucía Pérez")).wait_for()
    assert not csp_violations


def test_keyboard_shortcuts(page: Any, personas: Any) -> None:
    first = make_ticket(personas.customer_a, actor=personas.customer_a, title="First in the queue")
    second = make_ticket(personas.customer_a, actor=personas.customer_a, title="Second in the queue")
    sign_in(page, personas.agent_1.email, PASSWORD)
    page.goto("/desk/tickets/")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    assert dialog.get_by_text("Assign the ticket to me").is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    page.keyboard.press("j")  # the newest ticket is selected
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).filter(has_text=second.number).wait_for()
    page.keyboard.press("a")
    page.get_by_text("The ticket is now assigned to you.").wait_for()
    page.keyboard.press("n")
    assert page.get_by_label("Internal note").is_checked()
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")  # next ticket in the queue the agent came from
    page.get_by_role("heading", level=1).filter(has_text=first.number).wait_for()
