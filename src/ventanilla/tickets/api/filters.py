"""Ticket list filters: one per list field, all backed by an index ending in id (see Ticket.Meta)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from ventanilla.core.api.filters import ListFilter, choice_list_filter, id_list_filter
from ventanilla.core.search import search_tickets

from ..choices import Channel, Impact, Priority, Status, TicketType, Urgency
from ..models import Category, Ticket


class TagListFilter(ListFilter):
    """Tickets carrying any of the tags (a subquery, so a ticket with two matching tags appears once)."""

    def filter(self, qs: QuerySet[Any], value: list[Any]) -> QuerySet[Any]:
        if not value:
            return qs
        through = Ticket.tags.through.objects.filter(tag__name__in=value)
        return qs.filter(pk__in=through.values("ticket_id"))


class WatcherListFilter(ListFilter):
    def filter(self, qs: QuerySet[Any], value: list[Any]) -> QuerySet[Any]:
        if not value:
            return qs
        through = Ticket.watchers.through.objects.filter(user_id__in=value)
        return qs.filter(pk__in=through.values("ticket_id"))


def _tag_filter() -> TagListFilter:
    text = str(_("Tag names; tickets with any of them."))
    flt = TagListFilter(field_name="tags", coerce=lambda v: v.strip().lower(), help_text=text)
    return extend_schema_field({"type": "array", "items": {"type": "string"}, "description": text})(flt)


def _watcher_filter() -> WatcherListFilter:
    text = str(_("User ids; tickets watched by any of them."))
    flt = WatcherListFilter(field_name="watchers", coerce=int, help_text=text)
    return extend_schema_field({"type": "array", "items": {"type": "integer"}, "description": text})(flt)


class TicketFilter(django_filters.FilterSet):
    """Every list filter accepts several values (repeated or comma-separated); ``none`` means unset."""

    status = choice_list_filter("status", Status)
    type = choice_list_filter("type", TicketType)
    priority = choice_list_filter("priority", Priority)
    impact = choice_list_filter("impact", Impact)
    urgency = choice_list_filter("urgency", Urgency)
    channel = choice_list_filter("channel", Channel)
    requester = id_list_filter("requester_id", allow_me=True, help_text=str(_("User ids, or “me”.")))
    organization = id_list_filter("organization_id", allow_none=True)
    team = id_list_filter("team_id", allow_none=True)
    queue = id_list_filter("queue_id", allow_none=True)
    assignee = id_list_filter(
        "assignee_id",
        allow_none=True,
        allow_me=True,
        help_text=str(_("Agent ids, “me”, or “none” for unassigned tickets.")),
    )
    service = id_list_filter("service_id", allow_none=True)
    category = id_list_filter("category_id", allow_none=True)
    category_tree = django_filters.NumberFilter(
        method="filter_category_tree", label=_("Category id, including its subcategories.")
    )
    tags = _tag_filter()
    watchers = _watcher_filter()
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at", lookup_expr="gte")
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at", lookup_expr="lt")
    search = django_filters.CharFilter(
        method="filter_search", label=_("Full text: number, title, description and comments.")
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_category_tree(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        root = Category.objects.filter(pk=value).values_list("full_path", flat=True).first()
        if root is None:
            return qs.none()
        subtree = Category.objects.filter(Q(full_path=root) | Q(full_path__startswith=f"{root} › "))
        return qs.filter(category__in=subtree.values("pk"))

    def filter_search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # The queryset is already restricted by the permission engine; search only narrows it. The user
        # decides whether internal notes are searched (never for customers); the cursor orders by id.
        return search_tickets(qs, value, user=getattr(self.request, "user", None), order=False)
