"""Minimal desk pages: the ticket list and detail (the full agent workspace comes later).

Every read goes through the permission engine (tickets outside it answer 404) and every write through
the ticket services; refusals from the services reach the user as messages.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.core.search import search_tickets
from ventanilla.tickets import services
from ventanilla.tickets.choices import LINK_INVERSE_LABEL, Channel, LinkKind, Priority, Status, TimelineKind
from ventanilla.tickets.models import Ticket, TicketLink, TimelineEntry

from .forms import CommentForm, TicketFilterForm, TransitionForm

PAGE_SIZE = 50
LIST_RELATED = ("requester", "organization", "team", "assignee")


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """Newest first, keyset-paginated with ``?before=<id>`` so page N costs the same as page 1."""
    form = TicketFilterForm(request.GET)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    tickets = restrict(Ticket.objects.all(), request.user, "view")
    for name in ("status", "type", "priority"):
        if filters.get(name) not in (None, ""):
            tickets = tickets.filter(**{name: filters[name]})
    if filters.get("q"):
        tickets = search_tickets(tickets, filters["q"], user=request.user, order=False)
    if filters.get("before"):
        tickets = tickets.filter(pk__lt=filters["before"])
    page = list(tickets.select_related(*LIST_RELATED).order_by("-id")[: PAGE_SIZE + 1])
    has_next = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    kept = {k: v for k, v in filters.items() if k != "before" and v not in (None, "")}
    context = {
        "tickets": page,
        "form": form,
        "filtered": bool(kept),
        "first_url": f"?{urlencode(kept)}" if kept else "?",
        "next_url": f"?{urlencode({**kept, 'before': page[-1].pk})}" if has_next else "",
        "paged": bool(filters.get("before")),
    }
    return render(request, "desk/ticket_list.html", context)


def inverse_label(kind: Any) -> str:
    """How a link reads from its target's side ("Duplicated by" for "Duplicate of")."""
    try:
        return str(LINK_INVERSE_LABEL[LinkKind(kind)])
    except (KeyError, ValueError):
        return str(kind or "")


def signed_in(request: HttpRequest) -> User:
    """The request's user; only for views behind ``login_required``."""
    return cast(User, request.user)


def _describe(entry: TimelineEntry) -> str:
    """One readable line for a timeline entry (replies and notes show their text separately)."""
    data: dict[str, Any] = entry.data or {}

    def label(choices: Any, value: Any) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value or "—")

    def name(value: Any) -> str:
        return str(value.get("name")) if isinstance(value, dict) else _("nobody")

    kind = entry.kind
    if kind == TimelineKind.CREATED:
        return _("Opened via %(channel)s") % {"channel": label(Channel, data.get("channel"))}
    if kind == TimelineKind.STATUS:
        text = _("Status: %(old)s → %(new)s") % {
            "old": label(Status, data.get("old")),
            "new": label(Status, data.get("new")),
        }
        if data.get("resolution_note"):
            text += " — " + str(data["resolution_note"])
        elif data.get("reason") and data["reason"] != "customer_reply":
            text += " — " + str(data["reason"])
        return text
    if kind == TimelineKind.ASSIGNMENT:
        return _("Assigned to %(agent)s (%(team)s)") % {
            "agent": name(data.get("new_assignee")),
            "team": name(data.get("new_team")),
        }
    if kind == TimelineKind.PRIORITY:
        text = _("Priority: %(old)s → %(new)s") % {
            "old": label(Priority, data.get("old")),
            "new": label(Priority, data.get("new")),
        }
        return text + (" — " + str(data["reason"]) if data.get("reason") else "")
    if kind == TimelineKind.FIELDS:
        fields = ", ".join(str(c.get("field")) for c in data.get("changes", []) if isinstance(c, dict))
        return _("Changed: %(fields)s") % {"fields": fields}
    if kind == TimelineKind.ATTACHMENT:
        return _("Attached %(file)s") % {"file": data.get("filename", "")}
    if kind in (TimelineKind.LINK, TimelineKind.UNLINK):
        kind_label = (
            inverse_label(data.get("kind")) if data.get("inverse") else label(LinkKind, data.get("kind"))
        )
        template = (
            _("Link added: %(kind)s %(other)s")
            if kind == TimelineKind.LINK
            else _("Link removed: %(kind)s %(other)s")
        )
        return template % {"kind": kind_label, "other": data.get("other", "")}
    if kind == TimelineKind.MERGE:
        if data.get("into"):
            return _("Merged into %(number)s") % {"number": data["into"]}
        return _("%(number)s was merged into this ticket") % {"number": data.get("merged", "")}
    if kind == TimelineKind.WATCHERS:
        return _("Watchers changed")
    return label(TimelineKind, kind)


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    ticket = get_restricted_or_404(
        Ticket.objects.select_related(*LIST_RELATED, "queue", "service", "category", "merged_into"),
        user,
        pk=pk,
    )
    # The timeline rule hides internal entries (notes, assignments...) from customers.
    entries = (
        restrict(TimelineEntry.objects.filter(ticket=ticket), user, "view")
        .select_related("actor", "comment")
        .order_by("id")
    )
    timeline = [{"entry": e, "text": "" if e.comment_id else _describe(e)} for e in entries]
    links = restrict(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)), user, "view"
    ).select_related("source", "target")
    link_rows = [
        {"label": link.get_kind_display(), "ticket": link.target}
        if link.source_id == ticket.pk
        else {"label": inverse_label(link.kind), "ticket": link.source}
        for link in links
    ]
    allowed = services.allowed_transitions(ticket, user)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "links": link_rows,
        "tags": [t.name for t in ticket.tags.all()] if user.is_staff_side else [],
        "comment_form": CommentForm(),
        "transition_form": TransitionForm(allowed=allowed, initial={"version": ticket.version})
        if allowed
        else None,
        "can_take": user.is_staff_side and ticket.assignee_id != user.pk and ticket.status in _TAKEABLE,
    }
    return render(request, "desk/ticket_detail.html", context)


_TAKEABLE = {
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_CUSTOMER,
    Status.PENDING_THIRD_PARTY,
    Status.PENDING_CHANGE,
}


def _back(ticket: Ticket) -> HttpResponseRedirect:
    return redirect("desk:ticket-detail", pk=ticket.pk)


def _refused(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error.message))


@require_POST
@login_required
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_restricted_or_404(Ticket.objects.all(), request.user, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return _back(ticket)
    internal = form.cleaned_data["internal"]
    try:
        services.add_comment(
            actor=signed_in(request),
            ticket=ticket,
            body=form.cleaned_data["body"],
            public=not internal,
            channel=Channel.PORTAL,
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Internal note added.") if internal else _("Reply sent."))
    return _back(ticket)


@require_POST
@login_required
def ticket_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_restricted_or_404(Ticket.objects.all(), request.user, pk=pk)
    # Validate against every status: the service, not the form, decides what is allowed right now.
    form = TransitionForm(request.POST, allowed=list(Status.values))
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _back(ticket)
    data = form.cleaned_data
    try:
        services.transition_ticket(
            actor=signed_in(request),
            ticket=ticket,
            to=data["to"],
            resolution_code=data["resolution_code"],
            resolution_note=data["resolution_note"],
            expected_version=data["version"],
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Status changed to “%(status)s”.") % {"status": Status(data["to"]).label})
    return _back(ticket)


@require_POST
@login_required
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Assign to me" for agents."""
    ticket = get_restricted_or_404(Ticket.objects.all(), request.user, pk=pk)
    try:
        services.assign_ticket(actor=signed_in(request), ticket=ticket, assignee=signed_in(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The ticket is now assigned to you."))
    return _back(ticket)
