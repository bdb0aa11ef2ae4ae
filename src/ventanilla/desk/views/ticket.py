"""The ticket page and its actions: reply/note with macros, status, assignment, tags, links, merge.

Every write form carries the ticket ``version`` the page showed. A write over a newer version is
refused (``stale_ticket``) and the page is shown again with the agent's text kept, so nobody answers a
ticket without having seen what a colleague just did to it. A small poll tells an open page early.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ventanilla.accounts.models import TeamMembership, User
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.tickets import services as tickets
from ventanilla.tickets.choices import OPEN, Status
from ventanilla.tickets.models import Ticket, TicketLink, TimelineEntry

from .. import services
from ..forms import AssignForm, ComposerForm, LinkForm, MergeForm, TransitionForm, split_tags
from ..models import ContactLog, Macro
from ..timeline import describe, inverse_label
from .common import check_version, is_htmx, posted_version, refused, signed_in, staff, ticket_from_number

RELATED_LIMIT = 5
DETAIL_RELATED = (
    "requester",
    "requester__organization",
    "organization",
    "team",
    "assignee",
    "queue",
    "service",
    "category",
    "merged_into",
)
_TAKEABLE = OPEN


def sla_slot(ticket: Ticket) -> dict[str, Any]:
    """The SLA engine's view of the ticket, or "no SLA" when that engine is not installed."""
    from ventanilla.desk.sla import ticket_targets

    rows = ticket_targets(ticket)
    return {"has_sla": bool(rows), "targets": rows}


def _macros(user: User) -> Any:
    return restrict(Macro.objects.filter(is_active=True), user, "view").order_by("name")


def ticket_context(
    request: HttpRequest, ticket: Ticket, *, composer: ComposerForm | None = None, stale: bool = False
) -> dict[str, Any]:
    user = signed_in(request)
    staff_side = user.is_staff_side
    # The timeline rule hides internal entries (notes, assignments...) from customers.
    entries = (
        restrict(TimelineEntry.objects.filter(ticket=ticket), user, "view")
        .select_related("actor", "comment")
        .prefetch_related("comment__attachments")
        .order_by("id")
    )
    timeline = [
        {
            "entry": e,
            "text": "" if e.comment_id else describe(e),
            "files": [a for a in e.comment.attachments.all() if staff_side or a.public] if e.comment else [],
        }
        for e in entries
    ]
    links = restrict(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)), user, "view"
    ).select_related("source", "target")
    link_rows = [
        {"id": link.pk, "label": link.get_kind_display(), "ticket": link.target, "removable": True}
        if link.source_id == ticket.pk
        else {"id": link.pk, "label": inverse_label(link.kind), "ticket": link.source, "removable": False}
        for link in links
    ]
    allowed = tickets.allowed_transitions(ticket, user)
    macros = list(_macros(user)) if staff_side else []
    macro = None
    if composer is None:
        macro_id = request.GET.get("macro", "")
        macro = next((m for m in macros if str(m.pk) == macro_id), None)
        initial: dict[str, Any] = {"version": ticket.version}
        if macro is not None:
            initial.update(
                body=services.render_macro(macro, ticket, user),
                macro=macro.pk,
                visibility=ComposerForm.REPLY if macro.public else ComposerForm.NOTE,
            )
        elif request.GET.get("mode") == "note":
            initial["visibility"] = ComposerForm.NOTE
        composer = ComposerForm(initial=initial, staff=staff_side)
    context: dict[str, Any] = {
        "ticket": ticket,
        "timeline": timeline,
        "links": link_rows,
        "composer": composer,
        "macro": macro,
        "macros": macros,
        "stale": stale,
        "transition_form": TransitionForm(allowed=allowed, initial={"version": ticket.version})
        if allowed
        else None,
        "can_take": staff_side and ticket.assignee_id != user.pk and ticket.status in _TAKEABLE,
        "writable": ticket.status not in (Status.CLOSED, Status.CANCELLED),
    }
    if staff_side:
        visible = restrict(Ticket.objects.exclude(pk=ticket.pk), user, "view").select_related("requester")
        same_requester = list(
            visible.filter(requester_id=ticket.requester_id).order_by("-id")[:RELATED_LIMIT]
        )
        same_org = (
            list(
                visible.filter(organization_id=ticket.organization_id)
                .exclude(requester_id=ticket.requester_id)
                .order_by("-id")[:RELATED_LIMIT]
            )
            if ticket.organization_id
            else []
        )
        context.update(
            tags=[t.name for t in ticket.tags.all()],
            sla=sla_slot(ticket),
            contact=ContactLog.objects.filter(ticket=ticket).first(),
            assign_form=AssignForm(
                initial={"team": ticket.team_id, "assignee": ticket.assignee_id, "version": ticket.version}
            ),
            link_form=LinkForm(),
            merge_form=MergeForm(),
            same_requester=same_requester,
            same_org=same_org,
        )
    return context


def _load(request: HttpRequest, pk: int) -> Ticket:
    return get_restricted_or_404(Ticket.objects.select_related(*DETAIL_RELATED), request.user, pk=pk)


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _load(request, pk)
    return render(request, "desk/ticket_detail.html", ticket_context(request, ticket))


@require_GET
@login_required
def macro_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer with a macro filled in (htmx swaps it in; without JavaScript the whole page)."""
    staff(request)
    ticket = _load(request, pk)
    template = "desk/_composer.html" if is_htmx(request) else "desk/ticket_detail.html"
    return render(request, template, ticket_context(request, ticket))


@require_GET
@login_required
def ticket_version(request: HttpRequest, pk: int) -> JsonResponse:
    """The ticket's current version (and when it changed): a cheap poll for open pages."""
    ticket = get_restricted_or_404(Ticket.objects.only("pk", "version", "updated_at"), request.user, pk=pk)
    return JsonResponse(
        {"id": ticket.pk, "version": ticket.version, "updated_at": ticket.updated_at.isoformat()}
    )


@require_GET
@login_required
def ticket_changed(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx poll: empty while the page is current; a warning once someone else changed the ticket.

    Answers 286 with the warning so htmx stops polling (one warning is enough)."""
    ticket = get_restricted_or_404(Ticket.objects.only("pk", "version", "updated_at"), request.user, pk=pk)
    seen = request.GET.get("version", "")
    if not seen.isdigit() or int(seen) >= ticket.version:
        return HttpResponse("")
    last = (
        restrict(TimelineEntry.objects.filter(ticket=ticket), request.user, "view")
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    response = render(request, "desk/_changed.html", {"ticket": ticket, "last": last})
    response.status_code = 286
    return response


def _back(ticket: Ticket, anchor: str = "") -> HttpResponseRedirect:
    response = redirect("desk:ticket-detail", pk=ticket.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_POST
@login_required
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    ticket = _load(request, pk)
    macros = _macros(user) if user.is_staff_side else Macro.objects.none()
    form = ComposerForm(request.POST, request.FILES, macros=macros, staff=user.is_staff_side)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return render(request, "desk/ticket_detail.html", ticket_context(request, ticket, composer=form))
    # The service decides who may write notes; a customer asking for one is refused there, not ignored.
    public = request.POST.get("visibility") != ComposerForm.NOTE and not request.POST.get("internal")
    files = [(f.name, f) for f in form.cleaned_data["attachments"]]
    try:
        result = services.send_composer(
            actor=user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            public=public,
            files=files,
            macro=form.cleaned_data.get("macro"),
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as error:
        if error.code == "stale_ticket":
            # Keep the text; the refreshed page shows what changed and the form now carries the new version.
            data = request.POST.copy()
            data["version"] = str(ticket.version)
            kept = ComposerForm(data, macros=macros, staff=user.is_staff_side)
            kept.is_valid()
            return render(
                request, "desk/ticket_detail.html", ticket_context(request, ticket, composer=kept, stale=True)
            )
        refused(request, error)
        return _back(ticket)
    messages.success(request, _("Reply sent.") if public else _("Internal note added."))
    for note in result.notes:
        messages.warning(request, note)
    return _back(ticket, "timeline-heading")


@require_POST
@login_required
def ticket_transition(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _load(request, pk)
    # Validate against every status: the service, not the form, decides what is allowed right now.
    form = TransitionForm(request.POST, allowed=list(Status.values))
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _back(ticket)
    data = form.cleaned_data
    try:
        tickets.transition_ticket(
            actor=signed_in(request),
            ticket=ticket,
            to=data["to"],
            resolution_code=data["resolution_code"],
            resolution_note=data["resolution_note"],
            expected_version=data["version"],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Status changed to “%(status)s”.") % {"status": Status(data["to"]).label})
    return _back(ticket)


@require_POST
@login_required
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Assign to me" for agents."""
    user = staff(request)
    ticket = _load(request, pk)
    try:
        if ticket.team_id and not TeamMembership.objects.filter(team_id=ticket.team_id, user=user).exists():
            # Taking a ticket of another team (managers do) moves it to no team rather than failing.
            tickets.assign_ticket(
                actor=user, ticket=ticket, team=None, assignee=user, expected_version=posted_version(request)
            )
        else:
            tickets.assign_ticket(
                actor=user, ticket=ticket, assignee=user, expected_version=posted_version(request)
            )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("The ticket is now assigned to you."))
    return _back(ticket)


@require_POST
@login_required
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    ticket = _load(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a team or an agent."))
        return _back(ticket)
    data = form.cleaned_data
    try:
        tickets.assign_ticket(
            actor=user,
            ticket=ticket,
            team=data["team"],
            assignee=data["assignee"],
            expected_version=data["version"],
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Assignment saved."))
    return _back(ticket)


@require_POST
@login_required
def ticket_tags(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    ticket = _load(request, pk)
    try:
        check_version(ticket, posted_version(request))
        tickets.set_tags(actor=user, ticket=ticket, names=split_tags(request.POST.get("tags", "")))
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Tags saved."))
    return _back(ticket)


@require_POST
@login_required
def ticket_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    ticket = _load(request, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a link type and a ticket number."))
        return _back(ticket)
    other = ticket_from_number(form.cleaned_data["target"], restrict(Ticket.objects.all(), user, "view"))
    if other is None:
        messages.error(request, _("Ticket %(number)s not found.") % {"number": form.cleaned_data["target"]})
        return _back(ticket)
    try:
        tickets.link_tickets(actor=user, source=ticket, target=other, kind=form.cleaned_data["kind"])
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Link added."))
    return _back(ticket)


@require_POST
@login_required
def ticket_unlink(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    user = staff(request)
    ticket = _load(request, pk)
    link = get_restricted_or_404(
        TicketLink.objects.select_related("source", "target").filter(source=ticket), user, pk=link_pk
    )
    try:
        tickets.unlink_tickets(actor=user, link=link)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Link removed."))
    return _back(ticket)


@require_POST
@login_required
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    ticket = _load(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of the ticket to merge into."))
        return _back(ticket)
    target = ticket_from_number(form.cleaned_data["target"], restrict(Ticket.objects.all(), user, "view"))
    if target is None:
        messages.error(request, _("Ticket %(number)s not found.") % {"number": form.cleaned_data["target"]})
        return _back(ticket)
    try:
        check_version(ticket, posted_version(request))
        tickets.merge_tickets(actor=user, source=ticket, target=target)
    except DomainError as error:
        refused(request, error)
        return _back(ticket)
    messages.success(
        request,
        _("%(source)s was merged into %(target)s.") % {"source": ticket.number, "target": target.number},
    )
    return _back(target)
