"""Queue page, saved views and bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ventanilla.accounts.models import Team
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.desk.sla import annotate_page
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.rules import team_ids

from .. import services
from ..choices import Sort
from ..forms import BulkForm, SavedViewForm, split_tags
from ..models import SavedView
from ..queue import (
    QueueFilterForm,
    QueueView,
    apply_filters,
    cached_counts,
    capped_count,
    count_views,
    default_views,
    paginate,
    query_params,
)
from .common import is_htmx, refused, signed_in, staff, ticket_from_number


def saved_views(user: Any) -> list[QueueView]:
    rows = restrict(SavedView.objects.select_related("team"), user, "view").order_by("name", "id")
    return [
        QueueView(
            f"saved-{v.pk}",
            v.name,
            v.filters,
            v.sort,
            shared_with=v.team.name if v.team else "",
            saved_id=v.pk if v.owner_id == user.pk else None,
        )
        for v in rows
    ]


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    """The queue. Keyset-paginated (``after``/``before`` cursors), so page N costs what page 1 costs."""
    user = signed_in(request)
    form = QueueFilterForm(request.GET, user=user)
    filters = form.filters()
    sort = filters.pop("sort", "") or Sort.NEWEST
    base = restrict(Ticket.objects.all(), user, "view")
    # Counting the matches of a text search costs as much as finding the page: the page comes first and
    # the count follows in a second (htmx) request, as the sidebar counts do.
    count_later = bool(filters.get("q"))
    page = paginate(
        apply_filters(base, filters, user),
        sort,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        with_count=not count_later,
    )
    if user.is_staff_side:
        annotate_page(page.tickets)
    params = query_params(request.GET)
    current = request.GET.get("view", "")
    keep: dict[str, Any] = {**params, **({"view": [current]} if current else {})}
    if sort != Sort.NEWEST:
        keep["sort"] = [sort]
    here = urlencode(keep, doseq=True)
    context: dict[str, Any] = {
        "page": page,
        "tickets": page.tickets,
        "form": form,
        "filtered": bool(params),
        "current_view": current,
        "here": f"?{here}" if here else "?",
        "first_url": f"?{here}" if here else "?",
        "next_url": f"?{urlencode({**keep, 'after': page.next_cursor}, doseq=True)}"
        if page.next_cursor
        else "",
        "prev_url": f"?{urlencode({**keep, 'before': page.prev_cursor}, doseq=True)}"
        if page.prev_cursor
        else "",
        "paged": bool(request.GET.get("after") or request.GET.get("before")),
        # A first page that holds every match was counted on the way; otherwise the count follows.
        "count_url": f"{reverse('desk:queue-count')}?{urlencode(params, doseq=True)}"
        if count_later and (page.next_cursor or page.prev_cursor)
        else "",
        "desk_section": "queue",
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "queue-results":
        return render(request, "desk/_queue_results.html", context)
    if user.is_staff_side:
        views = default_views() + saved_views(user)
        context.update(
            views=views,
            # Uncached sidebar counts load in a second request so they never hold up the queue.
            counts_pending=not cached_counts(user, views),
            bulk_form=BulkForm(),
            view_form=SavedViewForm(
                initial={"query": here}, teams=Team.objects.filter(pk__in=team_ids(user)).order_by("name")
            ),
        )
    return render(request, "desk/queue.html", context)


@login_required
def queue_count(request: HttpRequest) -> HttpResponse:
    """The (capped, time-boxed) number of tickets matching the queue's filters: an htmx fragment."""
    user = signed_in(request)
    filters = QueueFilterForm(request.GET, user=user).filters()
    filters.pop("sort", None)
    count, capped = capped_count(apply_filters(restrict(Ticket.objects.all(), user, "view"), filters, user))
    return render(request, "desk/_queue_count.html", {"count": count, "capped": capped})


@login_required
def view_counts(request: HttpRequest) -> HttpResponse:
    """The sidebar of views with their (capped, time-boxed, cached) counts: an htmx fragment."""
    user = staff(request)
    views = default_views() + saved_views(user)
    count_views(user, views, restrict(Ticket.objects.all(), user, "view"))
    return render(
        request,
        "desk/_views.html",
        {"views": views, "current_view": request.GET.get("view", ""), "counts_pending": False},
    )


def _back_to_queue(request: HttpRequest, query: str = "") -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("desk:ticket-list") + (f"?{query}" if query else "")


@require_POST
@login_required
def save_view(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = SavedViewForm(request.POST, teams=Team.objects.filter(pk__in=team_ids(user)))
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return redirect(_back_to_queue(request))
    params = query_params(QueryDict(form.cleaned_data["query"] or ""))
    sort = QueryDict(form.cleaned_data["query"] or "").get("sort") or Sort.NEWEST
    try:
        view = services.save_view(
            actor=user,
            name=form.cleaned_data["name"],
            filters=params,
            sort=sort,
            team=form.cleaned_data["team"],
        )
    except DomainError as error:
        refused(request, error)
        return redirect(_back_to_queue(request))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    key = QueueView(f"saved-{view.pk}", view.name, view.filters, view.sort)
    return redirect(reverse("desk:ticket-list") + "?" + key.query)


@require_POST
@login_required
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    view = get_restricted_or_404(SavedView.objects.all(), user, "delete", pk=pk)
    try:
        services.delete_view(actor=user, view=view)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("desk:ticket-list")


@require_POST
@login_required
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected tickets, each through its service; report every ticket."""
    user = staff(request)
    form = BulkForm(request.POST)
    back = _back_to_queue(request)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        if "ticket" in form.errors:
            errors = [_("Select at least one ticket.")]
        messages.error(request, " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    visible = restrict(Ticket.objects.select_related("team", "assignee"), user, "view")
    wanted = list(dict.fromkeys(data["ticket"]))
    found = {t.pk: t for t in visible.filter(pk__in=wanted)}
    params: dict[str, Any] = {}
    if data["action"] == "assign":
        params = {"assignee": data["assignee"], "team": data["team"]}
    elif data["action"] == "transition":
        params = {
            "to": data["to"],
            "resolution_code": data["resolution_code"],
            "resolution_note": data["resolution_note"],
        }
    elif data["action"] == "tag":
        params = {"add_tags": split_tags(data["add_tags"]), "remove_tags": split_tags(data["remove_tags"])}
    elif data["action"] == "merge":
        target = ticket_from_number(data["target"], visible)
        if target is None:
            messages.error(request, _("Ticket %(number)s not found.") % {"number": data["target"]})
            return redirect(back)
        params = {"target": target}
    outcomes = services.bulk_apply(
        actor=user, tickets_=[found[pk] for pk in wanted if pk in found], action=data["action"], **params
    )
    missing = [pk for pk in wanted if pk not in found]
    for pk in missing:
        outcomes.append(services.BulkOutcome(pk, str(pk), False, _("Ticket not found.")))
    done = sum(1 for o in outcomes if o.ok)
    context = {
        "outcomes": outcomes,
        "done": done,
        "failed": len(outcomes) - done,
        "action_label": dict(BulkForm.ACTIONS).get(data["action"], data["action"]),
        "back": back,
    }
    return render(request, "desk/bulk_result.html", context)
