"""Pages of the mail channel: the resolution answer links, and the full stored message for agents.

The links in a resolution mail open a page with a button: a GET never changes a ticket (mail scanners
follow links), the POST does, as the person the mail was sent to.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError, NotFound, NotPermitted
from ventanilla.core.permissions import can, get_restricted_or_404
from ventanilla.tickets.choices import OPEN, Status
from ventanilla.tickets.models import Ticket

from .models import InboundMessage
from .parsing import parse_message

LINK_MAX_AGE = 60 * 60 * 24 * 30


def _refused(request: HttpRequest, message: str, status: int, ticket: Ticket | None = None) -> HttpResponse:
    return render(request, "mail/resolution.html", {"ticket": ticket, "error": message}, status=status)


def _already(ticket: Ticket, answer: str) -> bool:
    """The answer has already been given (a second click, a scanner replaying the POST)."""
    if answer == "confirm":
        return ticket.status == Status.CLOSED
    return ticket.status in OPEN


@require_http_methods(["GET", "POST"])
def resolution(request: HttpRequest, signed: str) -> HttpResponse:
    """Answer a resolution mail as the person it was sent to.

    The link is signed (ticket, person, answer) and expires; a tampered or expired link, a link opened
    while signed in as somebody else, or a person who may not confirm or reopen the ticket get a page
    that says so. Answering twice changes nothing the second time.
    """
    try:
        value = TimestampSigner(salt="ventanilla.mail.resolution").unsign(signed, max_age=LINK_MAX_AGE)
        ticket_id, user_id, answer = value.split(":")
        ticket_pk, user_pk = int(ticket_id), int(user_id)
    except SignatureExpired:
        return _refused(
            request,
            _("This link has expired. Reply to the email instead, or sign in to the portal."),
            410,
        )
    except (BadSignature, ValueError):
        return _refused(
            request,
            _("This link is not valid. Copy the whole link from the email, or reply to the email instead."),
            400,
        )
    ticket = Ticket.objects.filter(pk=ticket_pk).first()
    person = User.objects.filter(pk=user_pk, is_active=True).first()
    if ticket is None or person is None or answer not in ("confirm", "reopen"):
        return _refused(request, _("This link no longer leads anywhere."), 404)
    if request.user.is_authenticated and request.user.pk != person.pk:
        return _refused(
            request,
            _("This link was sent to someone else. Sign out, or use the link in your own email."),
            403,
            ticket,
        )
    done = _already(ticket, answer)
    context: dict[str, Any] = {"ticket": ticket, "answer": answer, "done": done, "error": ""}
    status = 200
    if not done and ticket.status != Status.RESOLVED:
        context["error"] = _(
            "This ticket is no longer waiting for your answer (its status is “%(status)s”)."
        ) % {"status": ticket.get_status_display()}
        status = 409
    elif not done and not can(person, "transition", ticket):
        context["error"] = _("This link does not let its holder answer for this ticket.")
        status = 403
    elif request.method == "POST" and not done:
        from ventanilla.tickets.services import add_comment, transition_ticket

        target = Status.CLOSED if answer == "confirm" else Status.IN_PROGRESS
        note = request.POST.get("note", "").strip()
        try:
            with transaction.atomic():  # the reopening and the customer's words, or neither
                transition_ticket(
                    actor=person,
                    ticket=ticket,
                    to=target,
                    reason="customer_confirmed" if answer == "confirm" else "customer_reopened",
                )
                if note and target == Status.IN_PROGRESS:
                    add_comment(actor=person, ticket=ticket, body=note[:10000], channel="email")
            context["done"] = True
        except (NotFound, NotPermitted):
            context["error"] = _("This link does not let its holder answer for this ticket.")
            status = 403
        except DomainError as exc:
            context["error"] = exc.message
            status = exc.http_status
    return render(request, "mail/resolution.html", context, status=status)


@login_required
def message_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The full message as received (quotes and signatures included), for staff who can see the ticket."""
    message = get_restricted_or_404(InboundMessage.objects.all(), request.user, "view", pk=pk)
    parsed = parse_message(bytes(message.raw))
    return render(request, "mail/message.html", {"message": message, "parsed": parsed})
