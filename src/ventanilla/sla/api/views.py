"""SLA endpoints: calendars and policies (managers write, staff read), a ticket's SLA, compliance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ventanilla.core.api.serializers import ErrorSerializer
from ventanilla.core.api.viewsets import ReferenceViewSet
from ventanilla.core.permissions import get_restricted_or_404, restrict
from ventanilla.tickets.models import Ticket

from ..models import BusinessCalendar, CalendarInterval, EscalationRule, SlaPolicy
from ..selectors import GROUPS, compliance, sla_state
from ..services import can_manage, delete_calendar, delete_policy
from .serializers import CalendarSerializer, ComplianceSerializer, PolicySerializer, TicketSlaSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input (`code` says which rule)."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or not visible to you."),
}


class _ManagedViewSet(ReferenceViewSet):
    def may_create(self) -> bool:
        return can_manage(self.actor)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Refuse before validating: someone who may not write learns nothing from validation messages.
        if not self.may_create():
            raise exceptions.PermissionDenied(_("Only service-desk managers and administrators can do this."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            serializer.save()


@extend_schema(tags=["sla"])
class CalendarViewSet(_ManagedViewSet):
    """Business calendars: working intervals per weekday, holiday region, closures and extra working days.
    Lists given on write replace the calendar's current ones."""

    queryset = BusinessCalendar.objects.all()
    serializer_class = CalendarSerializer
    filterset_fields = ["is_active", "holiday_country"]

    def get_base_queryset(self) -> QuerySet[Any]:
        return BusinessCalendar.objects.prefetch_related(
            Prefetch("intervals", queryset=CalendarInterval.objects.order_by("weekday", "start")),
            "closures",
            "extra_days",
        )

    def perform_destroy(self, instance: Any) -> None:
        delete_calendar(actor=self.actor, calendar=instance)


@extend_schema(tags=["sla"])
class PolicyViewSet(_ManagedViewSet):
    """SLA policies with their escalation rules (most specific match wins: contract, organisation,
    service, ticket type, priority)."""

    queryset = SlaPolicy.objects.all()
    serializer_class = PolicySerializer
    filterset_fields = [
        "is_active",
        "calendar",
        "contract",
        "organization",
        "service",
        "ticket_type",
        "priority",
    ]

    def get_base_queryset(self) -> QuerySet[Any]:
        return SlaPolicy.objects.prefetch_related(
            Prefetch("escalations", queryset=EscalationRule.objects.order_by("target", "threshold", "id"))
        )

    def perform_destroy(self, instance: Any) -> None:
        delete_policy(actor=self.actor, policy=instance)


@extend_schema(tags=["sla"])
class TicketSlaView(APIView):
    """The SLA of one ticket: each target's due time, business time remaining, pause and breach."""

    @extend_schema(responses={200: TicketSlaSerializer, 404: ERRORS[404]})
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = get_restricted_or_404(Ticket.objects.all(), request.user, "view", pk=ticket_id)
        state = sla_state(ticket)
        return Response(TicketSlaSerializer({"ticket": ticket.pk, **state}).data)


def _instant(value: str | None, *, name: str, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise exceptions.ValidationError(
                {name: [_("Use a date (YYYY-MM-DD) or a date and time.")]}, code="invalid_date"
            )
        moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@extend_schema(tags=["sla"])
class ComplianceView(APIView):
    """SLA compliance (% of response and resolution targets met) per group, for tickets created in the
    period, with the breached tickets behind each figure. Staff only; agents see their teams' tickets."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", str, description="First day (YYYY-MM-DD) or instant; default 30 days ago."
            ),
            OpenApiParameter("to", str, description="Last day (inclusive) or instant; default now."),
            OpenApiParameter("group_by", str, enum=list(GROUPS), description="Default: organization."),
        ],
        responses={200: ComplianceSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        user: Any = request.user
        if not getattr(user, "is_staff_side", False):
            raise exceptions.PermissionDenied(_("The SLA compliance report is for the service desk only."))
        now = timezone.now()
        end = _instant(request.query_params.get("to"), name="to", end=True) or now
        start = _instant(request.query_params.get("from"), name="from") or end - dt.timedelta(days=30)
        if start >= end:
            raise exceptions.ValidationError(
                {"from": [_("The period must start before it ends.")]}, code="invalid_period"
            )
        group_by = request.query_params.get("group_by", "organization")
        if group_by not in GROUPS:
            raise exceptions.ValidationError(
                {"group_by": [_("Group by one of: %(all)s.") % {"all": ", ".join(GROUPS)}]},
                code="invalid_choice",
            )
        visible = restrict(Ticket.objects.all(), user, "view")
        groups = compliance(
            start,
            end,
            group_by,  # type: ignore[arg-type]  # checked against GROUPS above
            tickets=None if user.sees_everything else visible,
        )
        return Response(
            ComplianceSerializer({"start": start, "end": end, "group_by": group_by, "groups": groups}).data
        )
