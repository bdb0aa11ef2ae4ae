"""Home, opening tickets, the ticket list and the ticket page: the public side of the conversation only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ventanilla.core import ratelimit
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.tickets import services as ticket_services
from ventanilla.tickets.choices import FINAL, Channel, Status, TicketType, TimelineKind
from ventanilla.tickets.models import Attachment, Ticket, TimelineEntry

from .. import services
from ..forms import ReopenForm, ReplyForm, TicketForm
from ..notices import current_notices
from .common import customer, customer_required, refused

PAGE_SIZE = 25
HOME_LIMIT = 10
OPEN_STATUSES = [s for s in Status.values if s not in FINAL]
NEW_TICKET_TYPES = {"incident": TicketType.INCIDENT, "question": TicketType.QUESTION}


def _submit_wait(request: HttpRequest) -> int:
    """Count one new ticket or reply by this customer; seconds to wait when it is one too many."""
    return ratelimit.hit(("portal-submit", ratelimit.user_identity(request.user.pk)), request=request)


def _submit_refused_text() -> str:
    return _("You are sending messages faster than the service desk accepts.")


def sees_organization(user: Any) -> bool:
    return bool(user.organization_id) and (
        user.role == "customer_manager" or user.organization.shares_tickets
    )


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    user = customer(request)
    mine = (
        restrict(Ticket.objects.all(), user, "view")
        .filter(requester=user, status__in=OPEN_STATUSES)
        .order_by("-id")
    )
    tickets = list(mine[: HOME_LIMIT + 1])
    context = {
        "tickets": tickets[:HOME_LIMIT],
        "more": len(tickets) > HOME_LIMIT,
        "notices": current_notices(user),
    }
    return render(request, "portal/home.html", context)


@customer_required
def new_ticket(request: HttpRequest, kind: str) -> HttpResponse:
    ticket_type = NEW_TICKET_TYPES.get(kind)
    if ticket_type is None:
        raise Http404
    user = customer(request)
    is_question = ticket_type == TicketType.QUESTION
    form = TicketForm(request.POST or None, request.FILES or None, user=user, ask_impact=not is_question)
    context = {"form": form, "kind": kind, "is_question": is_question}
    if request.method == "POST" and form.is_valid():
        if wait := _submit_wait(request):
            form.add_error(None, f"{_submit_refused_text()} {ratelimit.retry_text(wait)}")
            return ratelimit.refused_page(request, "portal/new_ticket.html", context, wait)
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                actor=user,
                type=ticket_type,
                title=data["title"],
                description=data["description"],
                impact=data.get("impact") or 4,
                urgency=data.get("urgency") or 3,
                service=data["service"],
                files=[(f.name, f) for f in data["attachments"]],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("Thank you. Your ticket %(number)s is open; we will keep you posted here and by email.")
                % {"number": ticket.number},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/new_ticket.html", context)


@customer_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Newest first, keyset-paginated (``?before=<id>``) so every page costs the same."""
    user = customer(request)
    org_view = sees_organization(user)
    scope = request.GET.get("scope") if org_view and request.GET.get("scope") == "organization" else "mine"
    state = request.GET.get("state") if request.GET.get("state") in ("open", "closed", "all") else "open"
    tickets = restrict(Ticket.objects.all(), user, "view")
    if scope == "mine":
        tickets = tickets.filter(Q(requester=user) | Q(watchers=user))
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        tickets = tickets.filter(status__in=list(FINAL))
    before = request.GET.get("before", "")
    if before.isdigit():
        tickets = tickets.filter(pk__lt=int(before))
    page = list(tickets.select_related("requester").order_by("-id").distinct()[: PAGE_SIZE + 1])
    has_next = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    kept = {"scope": scope or "mine", "state": state or "open"}
    return render(
        request,
        "portal/ticket_list.html",
        {
            "tickets": page,
            "scope": scope,
            "state": state,
            "org_view": org_view,
            "paged": before.isdigit(),
            "first_url": "?" + urlencode(kept),
            "next_url": "?" + urlencode({**kept, "before": str(page[-1].pk)}) if has_next else "",
            "states": [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))],
        },
    )


def _event_text(entry: TimelineEntry) -> str:
    """A customer-facing line for a public timeline entry (replies show their own text)."""
    data: dict[str, Any] = entry.data or {}
    if entry.kind == TimelineKind.CREATED:
        return _("Ticket opened")
    if entry.kind == TimelineKind.STATUS:
        try:
            label = str(Status(str(data.get("new"))).label)
        except ValueError:
            label = str(data.get("new", ""))
        text = _("Status: %(status)s") % {"status": label}
        if data.get("resolution_note"):
            text += " — " + str(data["resolution_note"])
        return text
    if entry.kind == TimelineKind.ATTACHMENT:
        return _("File attached: %(name)s") % {"name": data.get("filename", "")}
    try:
        return str(TimelineKind(entry.kind).label)
    except ValueError:
        return ""


def _sla_slot(ticket: Ticket) -> list[dict[str, Any]]:
    """The commitments shown to the customer, when the SLA engine is installed and the ticket has targets."""
    try:
        from ventanilla.sla.selectors import sla_state
    except ImportError:
        return []
    try:
        state = sla_state(ticket)
    except Exception:  # the slot is informative; the page must render even if the SLA side fails
        return []
    labels = {"first_response": _("First response"), "resolution": _("Resolution")}
    rows = []
    for kind, target in (state.get("targets") or {}).items():
        if kind in labels and target.get("state") in ("running", "paused", "met", "breached"):
            rows.append(
                {
                    "label": labels[kind],
                    "due_at": target.get("due_at"),
                    "state": target.get("state"),
                    "met_at": target.get("met_at"),
                }
            )
    return rows


def _load(request: HttpRequest, pk: int, action: str = "view") -> Ticket:
    return get_restricted_or_404(
        Ticket.objects.select_related("requester", "organization", "service"),
        customer(request),
        action,
        pk=pk,
    )


@customer_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = customer(request)
    ticket = _load(request, pk)
    # Public only, whatever the rules would allow: the portal never shows internal notes or entries.
    entries = (
        restrict(TimelineEntry.objects.filter(ticket=ticket, public=True), user, "view")
        .filter(Q(comment__isnull=True) | Q(comment__public=True))
        .select_related("actor", "comment", "comment__author")
        .order_by("id")
    )
    files = (
        restrict(Attachment.objects.filter(ticket=ticket, public=True), user, "view")
        .filter(Q(comment__isnull=True) | Q(comment__public=True))
        .order_by("id")
    )
    by_comment: dict[int | None, list[Attachment]] = {}
    for attachment in files:
        by_comment.setdefault(attachment.comment_id, []).append(attachment)
    conversation: list[dict[str, Any]] = []
    for entry in entries:
        if entry.comment is not None:
            conversation.append(
                {
                    "entry": entry,
                    "comment": entry.comment,
                    "files": by_comment.get(entry.comment_id, []),
                    "from_desk": bool(entry.comment.author and entry.comment.author.is_staff_side),
                }
            )
        elif entry.kind != TimelineKind.ATTACHMENT:
            conversation.append({"entry": entry, "text": _event_text(entry)})
    allowed = set(ticket_services.allowed_transitions(ticket, user))
    resolved = ticket.status == Status.RESOLVED
    context = {
        "ticket": ticket,
        "conversation": conversation,
        "ticket_files": by_comment.get(None, []),
        "reply_form": ReplyForm(),
        "reopen_form": ReopenForm(),
        "can_reply": ticket.status not in FINAL,
        "can_confirm": resolved and Status.CLOSED in allowed,
        "can_reopen": resolved and Status.IN_PROGRESS in allowed,
        "reopen_expired": resolved and Status.IN_PROGRESS not in allowed,
        "can_withdraw": Status.CANCELLED in allowed,
        "sla": _sla_slot(ticket),
    }
    return render(request, "portal/ticket_detail.html", context)


@require_POST
@customer_required
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _load(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return redirect("portal:ticket", pk=ticket.pk)
    if wait := _submit_wait(request):
        return ratelimit.too_many_requests(
            request,
            wait,
            message=_submit_refused_text(),
            back_url=reverse("portal:ticket", kwargs={"pk": ticket.pk}),
            base_template="portal/base.html",
            kept_text=form.cleaned_data["body"],
        )
    try:
        ticket_services.add_comment(
            actor=customer(request),
            ticket=ticket,
            body=form.cleaned_data["body"],
            public=True,
            channel=Channel.PORTAL,
            files=[(f.name, f) for f in form.cleaned_data["attachments"]],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Your message was sent."))
    return redirect("portal:ticket", pk=ticket.pk)


@require_POST
@customer_required
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """ "It is solved" (close), "still broken" (reopen) and "withdraw" (cancel)."""
    user = customer(request)
    ticket = _load(request, pk)
    try:
        if action == "solved":
            ticket_services.transition_ticket(actor=user, ticket=ticket, to=Status.CLOSED)
            messages.success(request, _("Thank you for confirming. The ticket is closed."))
        elif action == "reopen":
            form = ReopenForm(request.POST)
            message = form.cleaned_data["message"] if form.is_valid() else ""
            services.reopen_ticket(actor=user, ticket=ticket, message=message)
            messages.success(request, _("We are on it again. The ticket is back in progress."))
        elif action == "withdraw":
            ticket_services.transition_ticket(actor=user, ticket=ticket, to=Status.CANCELLED)
            messages.success(request, _("The ticket is withdrawn."))
        else:
            raise Http404
    except DomainError as error:
        refused(request, error)
    return redirect("portal:ticket", pk=ticket.pk)


@customer_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """A public file of a visible ticket, always as a download (never rendered by the browser)."""
    user = customer(request)
    ticket = _load(request, pk)
    found = get_restricted_or_404(
        Attachment.objects.filter(ticket=ticket, public=True).filter(
            Q(comment__isnull=True) | Q(comment__public=True)
        ),
        user,
        pk=attachment_id,
    )
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
