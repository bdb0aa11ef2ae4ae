"""SLA API shapes. Writes go through ventanilla.sla.services (the serializers only parse and render)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ventanilla.accounts.models import Team
from ventanilla.core.api.serializers import (
    ReferenceSerializer,
    RestrictedPrimaryKeyRelatedField,
    StrictSerializer,
)

from ..calendar import CalendarError, format_wall_time, parse_wall_time
from ..choices import EscalationAction, TargetKind
from ..models import BusinessCalendar, SlaPolicy
from ..services import RuleSpec, save_calendar, save_policy


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:00"})
class WallTimeField(serializers.Field):
    """ "HH:MM" local wall time; "24:00" (or "00:00" as an end) is midnight at the end of the day."""

    def __init__(self, *, end: bool = False, **kwargs: Any) -> None:
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dt.time:
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Write times as HH:MM."), code="invalid_time")
        try:
            seconds = parse_wall_time(data, end=self.end)
        except CalendarError as exc:
            raise serializers.ValidationError(str(exc), code=exc.code) from None
        seconds %= 86400
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)

    def to_representation(self, value: dt.time | None) -> str | None:
        if value is None:
            return None
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return "24:00" if self.end and seconds == 0 else format_wall_time(seconds)


class IntervalSerializer(StrictSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 = Monday … 6 = Sunday."))
    start = WallTimeField()
    end = WallTimeField(end=True)


class ClosureSerializer(StrictSerializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ExtraDaySerializer(StrictSerializer):
    date = serializers.DateField()
    start = WallTimeField(required=False, allow_null=True, default=None)
    end = WallTimeField(end=True, required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CalendarSerializer(ReferenceSerializer):
    intervals = IntervalSerializer(many=True, required=False)
    closures = ClosureSerializer(many=True, required=False)
    extra_days = ExtraDaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "name",
            "time_zone",
            "holiday_country",
            "holiday_subdivision",
            "description",
            "is_active",
            "intervals",
            "closures",
            "extra_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def _save(self, instance: BusinessCalendar | None, validated: dict[str, Any]) -> BusinessCalendar:
        intervals = validated.pop("intervals", None)
        closures = validated.pop("closures", None)
        extra = validated.pop("extra_days", None)
        return save_calendar(
            actor=self.actor,
            calendar=instance,
            data=validated,
            intervals=[(i["weekday"], i["start"], i["end"]) for i in intervals]
            if intervals is not None
            else None,
            closures=[(c["date"], c["name"]) for c in closures] if closures is not None else None,
            extra_days=[(d["date"], d["start"], d["end"], d["name"]) for d in extra]
            if extra is not None
            else None,
        )

    def create(self, validated_data: dict[str, Any]) -> BusinessCalendar:
        return self._save(None, validated_data)

    def update(self, instance: BusinessCalendar, validated_data: dict[str, Any]) -> BusinessCalendar:
        return self._save(instance, validated_data)


class EscalationSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    target = serializers.ChoiceField(choices=TargetKind.choices)
    threshold = serializers.IntegerField(min_value=1, max_value=1000, help_text=_("Percent of the target."))
    action = serializers.ChoiceField(choices=EscalationAction.choices)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )


class PolicySerializer(ReferenceSerializer):
    escalations = EscalationSerializer(many=True, required=False)
    calendar = RestrictedPrimaryKeyRelatedField(queryset=BusinessCalendar.objects.all(), required=False)
    pause_statuses = serializers.ListField(child=serializers.CharField(), required=False)
    specificity = serializers.IntegerField(read_only=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "calendar",
            "contract",
            "organization",
            "service",
            "ticket_type",
            "priority",
            "first_response_minutes",
            "resolution_minutes",
            "next_update_minutes",
            "pause_statuses",
            "is_active",
            "description",
            "escalations",
            "specificity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "specificity", "created_at", "updated_at"]
        extra_kwargs = {
            "first_response_minutes": {"min_value": None},
            "resolution_minutes": {"min_value": None},
            "next_update_minutes": {"min_value": None},
        }

    def _save(self, instance: SlaPolicy | None, validated: dict[str, Any]) -> SlaPolicy:
        rules = validated.pop("escalations", None)
        specs = (
            [RuleSpec(r["target"], r["threshold"], r["action"], r.get("team")) for r in rules]
            if rules is not None
            else None
        )
        return save_policy(actor=self.actor, policy=instance, data=validated, escalations=specs)

    def create(self, validated_data: dict[str, Any]) -> SlaPolicy:
        return self._save(None, validated_data)

    def update(self, instance: SlaPolicy, validated_data: dict[str, Any]) -> SlaPolicy:
        return self._save(instance, validated_data)


class TargetStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    state = serializers.ChoiceField(choices=["running", "paused", "breached", "met", "stopped"])
    policy = serializers.IntegerField()
    target_seconds = serializers.IntegerField()
    elapsed_seconds = serializers.FloatField(help_text=_("Business seconds used so far."))
    remaining_seconds = serializers.FloatField(help_text=_("Business seconds left (negative when late)."))
    due_at = serializers.DateTimeField(allow_null=True)
    paused = serializers.BooleanField()
    paused_since = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    breached_at = serializers.DateTimeField(allow_null=True)
    breached_for_seconds = serializers.FloatField(
        allow_null=True, help_text=_("Real seconds since the deadline.")
    )
    met_at = serializers.DateTimeField(allow_null=True)
    cycle = serializers.IntegerField()


class TicketSlaSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    has_sla = serializers.BooleanField(help_text=_("False means “no SLA”: no policy matches this ticket."))
    policy = serializers.IntegerField(allow_null=True)
    targets = serializers.DictField(child=TargetStateSerializer())


class ComplianceFigureSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    met = serializers.IntegerField()
    percent_met = serializers.FloatField(allow_null=True)
    breached_ticket_ids = serializers.ListField(child=serializers.IntegerField())


class ComplianceGroupSerializer(serializers.Serializer):
    group = serializers.DictField()
    response = ComplianceFigureSerializer()
    resolution = ComplianceFigureSerializer()


class ComplianceSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    group_by = serializers.CharField()
    groups = ComplianceGroupSerializer(many=True)
