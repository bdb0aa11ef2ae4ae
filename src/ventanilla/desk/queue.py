"""The queue: filters on every ticket field, sorting, keyset pagination and cheap counts.

A queue page is a pure function of its GET parameters, so a saved view is a remembered set of
parameters and every page has a URL that can be bookmarked or shared. Within one filter the chosen
values are alternatives (status is new OR assigned); different filters must all hold.

Counts are capped: counting every match of a broad filter over a million tickets would cost more than
the page itself, and "1,000+" tells an agent as much as "734,112" does. Counting stops at
``COUNT_CAP + 1`` rows (a ``LIMIT`` inside the count), which the per-filter indexes serve.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.cache import cache
from django.db import OperationalError, connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ventanilla.accounts.choices import STAFF_ROLES
from ventanilla.accounts.models import Organization, Team, User
from ventanilla.catalog.models import Service
from ventanilla.core.permissions import restrict
from ventanilla.core.search import search_tickets
from ventanilla.sla import selectors as sla_selectors
from ventanilla.tickets.choices import OPEN, Channel, Priority, Status, TicketType
from ventanilla.tickets.models import Category, Ticket
from ventanilla.tickets.rules import team_ids

from .choices import Sort

PAGE_SIZE = 50
COUNT_CAP = 1000
SIDEBAR_CAP = 100
COUNT_BUDGET_MS = 30
COUNT_CACHE_SECONDS = 60
LIST_RELATED = ("requester", "organization", "team", "assignee")
ME, MINE, NONE = "me", "mine", "none"
OPEN_STATUSES = [s for s in Status.values if s in OPEN]
# Parameters that are not filters: they never make a view "filtered" and are never saved.
NOT_FILTERS = {"sort", "after", "before", "view"}


class QueueFilterForm(forms.Form):
    """GET filters. Unknown values are dropped, not reported: a stale bookmark still shows a queue."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    type = forms.MultipleChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=TicketType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.MultipleChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        choices=Priority.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.MultipleChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    team = forms.MultipleChoiceField(
        label=gettext_lazy("Team"), required=False, widget=forms.CheckboxSelectMultiple
    )
    assignee = forms.MultipleChoiceField(
        label=gettext_lazy("Assignee"), required=False, widget=forms.CheckboxSelectMultiple
    )
    organization = forms.MultipleChoiceField(
        label=gettext_lazy("Organisation"), required=False, widget=forms.CheckboxSelectMultiple
    )
    service = forms.MultipleChoiceField(
        label=gettext_lazy("Service"), required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.MultipleChoiceField(
        label=gettext_lazy("Category"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Comma-separated; any of them."),
    )
    updated = forms.ChoiceField(
        label=gettext_lazy("Updated"),
        required=False,
        choices=[
            ("", gettext_lazy("Any time")),
            ("today", gettext_lazy("Today")),
            ("week", gettext_lazy("Last 7 days")),
        ],
    )
    sla = forms.ChoiceField(
        label=gettext_lazy("Service level"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("breaching", gettext_lazy("Breaching within 1 h")),
            ("breached", gettext_lazy("Breached")),
            ("paused", gettext_lazy("Clock paused")),
        ],
    )
    requester = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), required=False, choices=Sort.choices)

    STAFF_ONLY = (
        "channel",
        "team",
        "assignee",
        "organization",
        "service",
        "category",
        "tags",
        "requester",
        "sla",
    )
    MULTI = (
        "status",
        "type",
        "priority",
        "channel",
        "team",
        "assignee",
        "organization",
        "service",
        "category",
    )

    def __init__(self, data: QueryDict | Mapping[str, Any] | None, *, user: User) -> None:
        data = _lenient(data, self.MULTI) if data is not None else None
        super().__init__(data)
        self.user = user
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["q"].widget.attrs.update(type="search", placeholder=_("Number, title, text…"))
        if not user.is_staff_side:
            for name in self.STAFF_ONLY:
                del self.fields[name]
            return
        self._choices(
            "team",
            [(MINE, _("My teams")), (NONE, _("No team"))],
            Team.objects.order_by("name").values_list("pk", "name"),
        )
        agents = User.objects.filter(role__in=list(STAFF_ROLES), is_active=True).order_by(
            "full_name", "email"
        )
        self._choices(
            "assignee",
            [(ME, _("Me")), (NONE, _("Unassigned"))],
            [(u.pk, str(u)) for u in agents.only("pk", "full_name", "email")],
        )
        self._choices(
            "organization",
            [(NONE, _("No organisation"))],
            restrict(Organization.objects.filter(is_active=True), user, "view")
            .order_by("name")
            .values_list("pk", "name"),
        )
        self._choices("service", [], Service.objects.order_by("name").values_list("pk", "name"))
        self._choices(
            "category",
            [],
            restrict(Category.objects.filter(is_active=True), user, "view")
            .order_by("full_path")
            .values_list("pk", "full_path"),
        )

    def _choices(self, name: str, special: list[tuple[str, str]], rows: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [*special, *((str(pk), label) for pk, label in rows)]

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters (invalid fields are dropped one by one, not the whole form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], ())}

    def menus(self) -> list[dict[str, Any]]:
        """The multi-select filters as plain data: rendering ~150 checkboxes through the widget
        templates costs more than the whole queue query, so the template prints these directly."""
        menus = []
        for name in self.MULTI:
            if name not in self.fields:
                continue
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            chosen = set(cast(QueryDict, self.data).getlist(name)) if self.is_bound else set()
            choices = cast(list[tuple[Any, Any]], field.choices)
            options = [(str(value), label, str(value) in chosen) for value, label in choices]
            menus.append(
                {
                    "name": name,
                    "label": field.label,
                    "options": options,
                    "selected": sum(1 for option in options if option[2]),
                }
            )
        return menus


def _lenient(data: QueryDict | Mapping[str, Any], multi: tuple[str, ...]) -> QueryDict:
    """Accept ``status=new,assigned`` as well as repeated parameters, and drop what the form cannot use."""
    result = QueryDict(mutable=True)
    getlist = data.getlist if isinstance(data, QueryDict) else (lambda k: _as_list(data.get(k)))
    for key in data:
        values = [str(v) for v in getlist(key)]
        if key in multi:
            values = [part.strip() for v in values for part in v.split(",") if part.strip()]
        result.setlist(key, values)
    return result


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def apply_filters(qs: QuerySet[Ticket], filters: dict[str, Any], user: User) -> QuerySet[Ticket]:
    """Narrow an already restricted queryset by the form's cleaned filters."""
    for name in ("status", "type", "channel"):
        if filters.get(name):
            qs = qs.filter(**{f"{name}__in": filters[name]})
    if filters.get("priority"):
        qs = qs.filter(priority__in=_ids([str(p) for p in filters["priority"]]))
    for name, special in (("team", MINE), ("organization", None), ("service", None), ("category", None)):
        values = filters.get(name) or []
        if not values:
            continue
        condition = Q(**{f"{name}_id__in": _ids(values)})
        if NONE in values:
            condition |= Q(**{f"{name}__isnull": True})
        if special and special in values:
            condition |= Q(team_id__in=team_ids(user))
        qs = qs.filter(condition)
    if filters.get("assignee"):
        values = filters["assignee"]
        condition = Q(assignee_id__in=_ids(values))
        if ME in values:
            condition |= Q(assignee_id=user.pk)
        if NONE in values:
            condition |= Q(assignee__isnull=True)
        qs = qs.filter(condition)
    if filters.get("requester"):
        qs = qs.filter(requester_id=filters["requester"])
    tags = [t.strip() for t in (filters.get("tags") or "").split(",") if t.strip()]
    if tags:
        through = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__in=tags)
        qs = qs.filter(Exists(through))
    if filters.get("updated"):
        now = timezone.localtime()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if filters["updated"] == "week":
            start -= dt.timedelta(days=7)
        qs = qs.filter(updated_at__gte=start)
    if filters.get("sla"):
        qs = SLA_FILTERS[filters["sla"]](qs)
    if filters.get("q"):
        qs = search_tickets(qs, filters["q"], user=user, order=False)
    return qs


SLA_FILTERS: dict[str, Callable[[QuerySet[Ticket]], QuerySet[Ticket]]] = {
    "breaching": sla_selectors.breaching_within,
    "breached": sla_selectors.breached,
    "paused": sla_selectors.paused,
}


# -- Sorting and keyset pagination --------------------------------------------------------------------------
@dataclass(frozen=True)
class SortSpec:
    """Order by ``field`` (if any) then id; the id makes every position unique so a cursor is exact."""

    field: str | None
    descending: bool
    id_descending: bool

    def ordering(self, reverse: bool = False) -> list[str]:
        def sign(desc: bool) -> str:
            return "-" if desc != reverse else ""

        keys = [f"{sign(self.descending)}{self.field}"] if self.field else []
        return [*keys, f"{sign(self.id_descending)}id"]

    def after(self, value: Any, pk: int, reverse: bool = False) -> Q:
        """Rows that come after the row (``value``, ``pk``) in this order (before it when ``reverse``)."""
        id_cmp = "lt" if self.id_descending != reverse else "gt"
        if self.field is None:
            return Q(**{f"id__{id_cmp}": pk})
        cmp = "lt" if self.descending != reverse else "gt"
        return Q(**{f"{self.field}__{cmp}": value}) | Q(**{self.field: value, f"id__{id_cmp}": pk})

    def cursor(self, ticket: Ticket) -> str:
        if self.field is None:
            return str(ticket.pk)
        value = getattr(ticket, self.field)
        return f"{value.isoformat() if hasattr(value, 'isoformat') else value}~{ticket.pk}"

    def parse(self, cursor: str) -> tuple[Any, int] | None:
        try:
            if self.field is None:
                return None, int(cursor)
            raw, _sep, pk = cursor.rpartition("~")
            value: Any = dt.datetime.fromisoformat(raw) if self.field in DATETIME_SORTS else int(raw)
            return value, int(pk)
        except (TypeError, ValueError):
            return None  # a mangled cursor shows the first page


DATETIME_SORTS = {"updated_at", "sla_next_due"}

SORTS: dict[str, SortSpec] = {
    Sort.NEWEST: SortSpec(None, True, True),
    Sort.OLDEST: SortSpec(None, False, False),
    Sort.UPDATED: SortSpec("updated_at", True, True),
    Sort.STALE: SortSpec("updated_at", False, False),
    # P1 first; among equals, newest first (served by the (priority, -id) index).
    Sort.PRIORITY: SortSpec("priority", False, True),
    # Earliest running SLA deadline first; tickets without a running clock are left out of this order.
    Sort.SLA_DUE: SortSpec("sla_next_due", False, False),
}


@dataclass
class Page:
    tickets: list[Ticket]
    next_cursor: str
    prev_cursor: str
    count: int
    capped: bool

    @property
    def count_label(self) -> str:
        text = number_format(self.count, force_grouping=True)
        return f"{text}+" if self.capped else text


def capped_count(
    qs: QuerySet[Any], cap: int | None = None, budget_ms: int | None = None
) -> tuple[int | None, bool]:
    """(count, capped): at most ``cap + 1`` rows are counted.

    A selective filter that is not served by an index still scans many rows to find ``cap`` matches,
    so on PostgreSQL the count also gets a time budget; past it the answer is (None, True): "many".
    """
    cap = cap or COUNT_CAP
    budget_ms = COUNT_BUDGET_MS if budget_ms is None else budget_ms
    counted = qs.order_by().values("pk")[: cap + 1]
    if connections[qs.db].vendor != "postgresql" or not budget_ms:
        n = counted.count()
        return min(n, cap), n > cap
    try:
        with transaction.atomic(using=qs.db), connections[qs.db].cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(budget_ms)}ms"])
            n = counted.count()
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError:  # cancelled by the budget; the savepoint rollback also undoes SET LOCAL
        return None, True
    return min(n, cap), n > cap


def paginate(
    qs: QuerySet[Ticket],
    sort: str,
    *,
    after: str = "",
    before: str = "",
    page_size: int | None = None,
    with_count: bool = True,
) -> Page:
    page_size = page_size or PAGE_SIZE
    spec = SORTS.get(sort) or SORTS[Sort.NEWEST]
    position = spec.parse(before or after) if (before or after) else None
    reverse = bool(before) and position is not None
    if spec.field == "sla_next_due":
        # (an annotation: the type checker cannot see the field)
        qs = sla_selectors.with_next_due(qs).filter(**{"sla_next_due__isnull": False})
    rows = qs
    if position is not None:
        rows = rows.filter(spec.after(position[0], position[1], reverse=reverse))
    fetched = list(
        rows.select_related(*LIST_RELATED)
        .prefetch_related("tags")
        .order_by(*spec.ordering(reverse))[: page_size + 1]
    )
    more = len(fetched) > page_size
    fetched = fetched[:page_size]
    if reverse:
        fetched.reverse()
    has_next = more if not reverse else True
    has_prev = position is not None and (more if reverse else True)
    if not more and position is None:
        count, capped = len(fetched), False  # the first page holds them all: no count query needed
    elif not with_count:
        count, capped = 0, False
    else:
        exact, capped = capped_count(qs)
        # Past the time budget the page itself is the lower bound we know.
        count = exact if exact is not None else len(fetched)
    return Page(
        tickets=fetched,
        next_cursor=spec.cursor(fetched[-1]) if fetched and has_next else "",
        prev_cursor=spec.cursor(fetched[0]) if fetched and has_prev else "",
        count=count,
        capped=capped,
    )


# -- Default and saved views --------------------------------------------------------------------------------
@dataclass
class QueueView:
    key: str
    name: str
    params: dict[str, list[str]]
    sort: str = Sort.NEWEST
    shared_with: str = ""
    saved_id: int | None = None
    count: int | None = None
    capped: bool = False

    @property
    def query(self) -> str:
        params: dict[str, Any] = {**self.params, "view": [self.key]}
        if self.sort != Sort.NEWEST:
            params["sort"] = [self.sort]
        return urlencode(params, doseq=True)


def default_views() -> list[QueueView]:
    return [
        QueueView("mine", _("My open"), {"assignee": [ME], "status": OPEN_STATUSES}),
        QueueView(
            "unassigned",
            _("Unassigned in my teams"),
            {"team": [MINE], "assignee": [NONE], "status": OPEN_STATUSES},
        ),
        QueueView("awaiting", _("Awaiting customer"), {"status": [Status.PENDING_CUSTOMER]}, sort=Sort.STALE),
        QueueView("today", _("Updated today"), {"updated": ["today"]}, sort=Sort.UPDATED),
    ]


def query_params(data: QueryDict) -> dict[str, list[str]]:
    """The filter parameters of a request, as a saved view stores them."""
    return {
        k: [v for v in data.getlist(k) if v] for k in data if k not in NOT_FILTERS and any(data.getlist(k))
    }


def view_count(view: QueueView, user: User, base: QuerySet[Ticket]) -> tuple[int | None, bool]:
    # A view's parameters are applied without building the form: its choice lists cost queries, and
    # apply_filters ignores values that match nothing anyway.
    return capped_count(apply_filters(base, params_to_filters(view.params, user), user), cap=SIDEBAR_CAP)


def _count_key(user: User, view: QueueView) -> str:
    return f"desk:view-count:{user.pk}:{hashlib.sha256(view.query.encode()).hexdigest()[:24]}"


def cached_counts(user: User, views: list[QueueView]) -> bool:
    """Fill ``view.count``/``view.capped`` from the cache; True when every view had one."""
    found = cache.get_many([_count_key(user, v) for v in views])
    for view in views:
        view.count, view.capped = found.get(_count_key(user, view), (None, False))
    return len(found) == len(views)


def count_views(user: User, views: list[QueueView], base: QuerySet[Ticket]) -> None:
    """Count every view (capped, time-boxed) and keep the numbers for a minute: the sidebar is on
    every queue page an agent opens, its numbers need not be fresher than that."""
    fresh = {}
    for view in views:
        view.count, view.capped = view_count(view, user, base)
        fresh[_count_key(user, view)] = (view.count, view.capped)
    cache.set_many(fresh, COUNT_CACHE_SECONDS)


def params_to_filters(params: Mapping[str, list[str]], user: User) -> dict[str, Any]:
    """Saved parameters as filters, keeping only what this user's form offers."""
    allowed = set(QueueFilterForm.base_fields) - NOT_FILTERS
    if not user.is_staff_side:
        allowed -= set(QueueFilterForm.STAFF_ONLY)
    filters: dict[str, Any] = {}
    for name, values in params.items():
        values = [str(v) for v in values if str(v)]
        if name not in allowed or not values:
            continue
        if name in QueueFilterForm.MULTI:
            filters[name] = values
        elif name == "requester":
            if values[0].isdigit():
                filters[name] = int(values[0])
        else:
            filters[name] = values[0]
    return filters
