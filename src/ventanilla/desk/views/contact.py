""" "Log a contact": a call, walk-in or remote session typed in one screen, maybe solved on the spot."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import restrict

from .. import services
from ..forms import ContactForm
from .common import is_htmx, staff

CALLER_LIMIT = 8


def find_callers(user: User, query: str) -> list[User]:
    """People matching a name, email or phone fragment, among those the agent may see."""
    query = " ".join(query.split())
    if len(query) < 2:
        return []
    condition = Q(full_name__icontains=query) | Q(email__icontains=query)
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 3:
        condition |= Q(phone__contains=digits) | Q(phone__icontains=query)
    people: QuerySet[User] = restrict(User.objects.filter(is_active=True), user, "view")
    return list(
        people.filter(condition).select_related("organization").order_by("full_name", "email")[:CALLER_LIMIT]
    )


@login_required
def caller_search(request: HttpRequest) -> HttpResponse:
    """Autocomplete results for the caller field (an htmx fragment of radio buttons)."""
    user = staff(request)
    query = request.GET.get("caller_query", "")
    return render(
        request,
        "desk/_callers.html",
        {"callers": find_callers(user, query), "query": query, "selected": None},
    )


@login_required
def log_contact(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    callers_qs = restrict(User.objects.filter(is_active=True), user, "view")
    callers: list[User] = []
    selected: User | None = None
    if request.method == "POST" and "find" not in request.POST:
        form = ContactForm(request.POST, callers=callers_qs)
        if form.is_valid():
            ticket = _save(request, form, user)
            if ticket is not None:
                return redirect("desk:ticket-detail", pk=ticket.pk)
        selected = form.cleaned_data.get("caller") if hasattr(form, "cleaned_data") else None
    elif request.method == "POST":  # "Find" without JavaScript: show matches, keep what was typed
        # Unbound on purpose: half-typed fields must not show errors while the agent is still searching.
        form = ContactForm(initial=request.POST.dict(), callers=callers_qs)
        callers = find_callers(user, request.POST.get("caller_query", ""))
    else:
        form = ContactForm(callers=callers_qs)
    template = "desk/contact.html"
    context: dict[str, Any] = {
        "form": form,
        "callers": callers,
        "selected": selected,
        "desk_section": "contact",
        "query": form["caller_query"].value() or "",
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "caller-results":
        template = "desk/_callers.html"
    return render(request, template, context)


def _save(request: HttpRequest, form: ContactForm, user: User) -> Any:
    data = form.cleaned_data
    new_caller = None
    if data["caller"] is None:
        new_caller = services.NewCaller(
            full_name=data["new_name"], email=data["new_email"], phone=data["new_phone"]
        )
    try:
        ticket = services.log_contact(
            actor=user,
            kind=data["kind"],
            title=data["title"],
            caller=data["caller"],
            new_caller=new_caller,
            description=data["description"],
            ticket_type=data["type"],
            impact=data["impact"],
            urgency=data["urgency"],
            team=data["team"],
            service=data["service"],
            category=data["category"],
            duration_minutes=data["duration_minutes"] or 0,
            remote_tool=data["remote_tool"],
            session_reference=data["session_reference"],
            resolve=data["resolve"],
            resolution_code=data["resolution_code"],
            resolution_note=data["resolution_note"],
        )
    except DomainError as error:
        field = {"email": "new_email", "phone": "new_phone"}.get(error.field or "", error.field)
        if field in form.fields:
            form.add_error(field, str(error.message))
        else:
            form.add_error(None, str(error.message))
        return None
    if data["resolve"]:
        messages.success(
            request, _("%(number)s logged and resolved at first contact.") % {"number": ticket.number}
        )
    else:
        messages.success(request, _("%(number)s logged.") % {"number": ticket.number})
    return ticket
