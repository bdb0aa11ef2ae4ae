"""People, organisations, contracts, teams and API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ventanilla.catalog.models import Service
from ventanilla.core.api.serializers import (
    ReferenceSerializer,
    RestrictedPrimaryKeyRelatedField,
    StrictSerializer,
)
from ventanilla.core.services import delete_reference, save_reference, update_reference

from ..choices import Language, Role, TokenScope
from ..models import APIToken, Contract, Organization, OrganizationDomain, Team, TeamMembership, User

USER_FIELDS = [
    "id",
    "email",
    "full_name",
    "role",
    "organization",
    "language",
    "time_zone",
    "phone",
    "is_active",
    "date_joined",
]


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = USER_FIELDS
        read_only_fields = fields


class UserCreateInput(StrictSerializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.CUSTOMER)
    organization = RestrictedPrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Customers without one join the organisation that owns their email domain."),
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    password = serializers.CharField(
        required=False,
        write_only=True,
        style={"input_type": "password"},
        help_text=_("Optional; without it the person cannot log in with a password."),
    )


class UserUpdateInput(StrictSerializer):
    not_editable_messages = {"email": _("The email address cannot be changed through the API.")}

    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text=_("Managers and administrators only.")
    )
    organization = RestrictedPrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Managers and administrators only."),
    )
    is_active = serializers.BooleanField(required=False, help_text=_("Managers and administrators only."))


class DomainListField(serializers.ListField):
    """Reads the organisation's domain records as plain names; writes a list of names."""

    child = serializers.CharField(max_length=253)

    def to_representation(self, data: Any) -> list[str]:
        records = data.all() if hasattr(data, "all") else data
        return [getattr(record, "domain", record) for record in records]


class OrganizationSerializer(ReferenceSerializer):
    domains = DomainListField(
        required=False, help_text=_("Email domains whose new users join this organisation.")
    )
    staff_only_fields = ("notes", "account_contact")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "vip",
            "shares_tickets",
            "account_contact",
            "is_active",
            "notes",
            "domains",
            "created_at",
            "updated_at",
        ]

    def validate_domains(self, value: list[str]) -> list[str]:
        cleaned = sorted({v.strip().lower().lstrip("@") for v in value if v.strip()})
        for domain in cleaned:
            if "." not in domain or " " in domain or "@" in domain:
                raise serializers.ValidationError(
                    _("“%(d)s” is not a domain name.") % {"d": domain}, code="invalid_domain"
                )
        return cleaned

    def _set_domains(self, organization: Organization, domains: list[str] | None) -> None:
        if domains is None:
            return
        current = {d.domain: d for d in organization.domains.all()}
        for name, record in current.items():
            if name not in domains:
                delete_reference(record, actor=self.actor)
        for name in domains:
            if name not in current:
                save_reference(OrganizationDomain(organization=organization, domain=name), actor=self.actor)

    def create(self, validated_data: dict[str, Any]) -> Organization:
        domains = validated_data.pop("domains", None)
        with transaction.atomic():
            organization = super().create(validated_data)
            self._set_domains(organization, domains)
        return organization

    def update(self, instance: Organization, validated_data: dict[str, Any]) -> Organization:
        domains = validated_data.pop("domains", None)
        with transaction.atomic():
            organization = super().update(instance, validated_data)
            self._set_domains(organization, domains)
        return organization


class ContractSerializer(ReferenceSerializer):
    services = RestrictedPrimaryKeyRelatedField(queryset=Service.objects.all(), many=True, required=False)
    staff_only_fields = ("notes",)

    class Meta:
        model = Contract
        fields = [
            "id",
            "organization",
            "name",
            "reference",
            "starts_on",
            "ends_on",
            "services",
            "notes",
            "created_at",
            "updated_at",
        ]


class MembershipSerializer(serializers.Serializer):
    user = RestrictedPrimaryKeyRelatedField(queryset=User.objects.all())
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    is_lead = serializers.BooleanField(default=False)
    is_available = serializers.BooleanField(default=True)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = set(data) - {"user", "is_lead", "is_available"}
            if unknown:
                raise serializers.ValidationError(
                    {k: [_("Unknown field.")] for k in sorted(unknown)}, code="unknown_field"
                )
        return super().to_internal_value(data)


class TeamSerializer(ReferenceSerializer):
    members = MembershipSerializer(
        many=True,
        required=False,
        source="memberships",
        help_text=_("Replaces the whole membership list when given."),
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "email",
            "description",
            "assignment_strategy",
            "members",
            "created_at",
            "updated_at",
        ]

    def validate_members(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        users = [item["user"] for item in value]
        if len({u.pk for u in users}) != len(users):
            raise serializers.ValidationError(_("A person appears twice."), code="duplicate")
        for user in users:
            if not user.is_staff_side:
                raise serializers.ValidationError(
                    _("%(user)s is not an agent.") % {"user": user}, code="invalid_member"
                )
        return value

    def _set_members(self, team: Team, members: list[dict[str, Any]] | None) -> None:
        if members is None:
            return
        current = {m.user_id: m for m in team.memberships.all()}
        wanted = {item["user"].pk: item for item in members}
        for user_id, membership in current.items():
            if user_id not in wanted:
                delete_reference(membership, actor=self.actor)
        for user_id, item in wanted.items():
            existing = current.get(user_id)
            if existing is None:
                save_reference(
                    TeamMembership(
                        team=team,
                        user=item["user"],
                        is_lead=item.get("is_lead", False),
                        is_available=item.get("is_available", True),
                    ),
                    actor=self.actor,
                )
                continue
            # Keys left out keep their current value.
            changes: dict[str, Any] = {
                key: item[key]
                for key in ("is_lead", "is_available")
                if key in item and item[key] != getattr(existing, key)
            }
            if changes:
                update_reference(existing, changes, actor=self.actor)

    def create(self, validated_data: dict[str, Any]) -> Team:
        members = validated_data.pop("memberships", None)
        with transaction.atomic():
            team = super().create(validated_data)
            self._set_members(team, members)
        return team

    def update(self, instance: Team, validated_data: dict[str, Any]) -> Team:
        members = validated_data.pop("memberships", None)
        with transaction.atomic():
            team = super().update(instance, validated_data)
            self._set_members(team, members)
        return team


class TokenSerializer(serializers.ModelSerializer[APIToken]):
    class Meta:
        model = APIToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text=_("The secret key. Shown only in this response."))

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class TokenCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
