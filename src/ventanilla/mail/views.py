"""Pages of the mail channel: the resolution answer links, and the full stored message for agents.

The links in a resolution mail open a page with a button: a GET never changes a ticket (mail scanners
follow links), the POST does, as the person the mail was sent to.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404
from ventanilla.tickets.choices import Status
from ventanilla.tickets.models import Ticket

from .models import InboundMessage
from .parsing import parse_message

LINK_MAX_AGE = 60 * 60 * 24 * 30


@require_http_methods(["GET", "POST"])
def resolution(request: HttpRequest, signed: str) -> HttpResponse:
    try:
        value = TimestampSigner(salt="ventanilla.mail.resolution").unsign(signed, max_age=LINK_MAX_AGE)
        ticket_id, user_id, answer = value.split(":")
    except SignatureExpired:
        return render(request, "mail/resolution.html", {"error": _("This link has expired.")}, status=410)
    except (BadSignature, ValueError):
        raise Http404 from None
    ticket = Ticket.objects.filter(pk=int(ticket_id)).first()
    person = User.objects.filter(pk=int(user_id), is_active=True).first()
    if ticket is None or person is None or answer not in ("confirm", "reopen"):
        raise Http404
    context = {"ticket": ticket, "answer": answer, "done": False, "error": ""}
    if request.method == "POST":
        from ventanilla.tickets.services import add_comment, transition_ticket

        target = Status.CLOSED if answer == "confirm" else Status.IN_PROGRESS
        try:
            if ticket.status == Status.RESOLVED:
                transition_ticket(
                    actor=person,
                    ticket=ticket,
                    to=target,
                    reason="customer_confirmed" if answer == "confirm" else "customer_reopened",
                )
                note = request.POST.get("note", "").strip()
                if note and target == Status.IN_PROGRESS:
                    add_comment(actor=person, ticket=ticket, body=note[:10000], channel="email")
            context["done"] = True
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "mail/resolution.html", context)


@login_required
def message_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The full message as received (quotes and signatures included), for staff who can see the ticket."""
    message = get_restricted_or_404(InboundMessage.objects.all(), request.user, "view", pk=pk)
    parsed = parse_message(bytes(message.raw))
    return render(request, "mail/message.html", {"message": message, "parsed": parsed})
