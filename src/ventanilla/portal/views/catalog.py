"""“Request something”: browse and search the service catalogue, order an item through its form."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ventanilla.catalog.forms import CatalogRequestForm
from ventanilla.catalog.models import CatalogItem
from ventanilla.catalog.services import submit_catalog_request
from ventanilla.core.errors import DomainError
from ventanilla.core.permissions import get_restricted_or_404, restrict

from .common import customer, customer_required

SEARCH_MAX = 100


@customer_required
def catalog(request: HttpRequest) -> HttpResponse:
    user = customer(request)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX]
    items = restrict(CatalogItem.objects.filter(is_active=True), user, "view").select_related("service")
    if query:
        items = items.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(service__name__icontains=query)
        )
    items = items.order_by("service__name", "position", "name")
    groups: dict[str, list[CatalogItem]] = {}
    for item in items:
        groups.setdefault(item.service.name if item.service else _("Other requests"), []).append(item)
    return render(request, "portal/catalog.html", {"groups": groups, "query": query})


@customer_required
def catalog_item(request: HttpRequest, pk: int) -> HttpResponse:
    user = customer(request)
    item = get_restricted_or_404(
        CatalogItem.objects.filter(is_active=True).select_related("service"), user, pk=pk
    )
    definitions = list(item.fields.order_by("position", "id"))
    form = CatalogRequestForm(
        request.POST or None, request.FILES or None, item=item, user=user, definitions=definitions
    )
    if request.method == "POST" and form.is_valid():
        try:
            ticket = submit_catalog_request(
                actor=user, item=item, answers=form.answers(), description=form.cleaned_data["description"]
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("Thank you. Your request %(number)s is open; we will keep you posted here and by email.")
                % {"number": ticket.number},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/catalog_item.html", {"item": item, "form": form})
