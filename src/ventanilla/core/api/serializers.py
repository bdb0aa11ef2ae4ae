"""Serializer building blocks shared by every app's API.

Two rules are enforced here so that no endpoint can forget them:

* a body may only contain the serializer's writable fields (unknown keys → ``unknown_field``,
  read-only keys → ``not_editable``), so a typo never silently does nothing;
* every related id in a body is looked up through :func:`ventanilla.core.permissions.restrict`, so nobody
  can point at another organisation's objects. Invisible and missing ids get the same message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils import model_meta

from ventanilla.core.permissions import restrict
from ventanilla.core.services import save_reference, update_reference


class RestrictedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id resolved inside what the requesting user may see (``restrict(qs, user, action)``)."""

    default_error_messages = {
        "required": _("This field is required."),
        # Deliberately the same whether the object is missing or merely invisible to the caller.
        "does_not_exist": _("No object with id “{pk_value}” exists or you may not use it."),
        "incorrect_type": _("Expected an id (integer), got {data_type}."),
    }

    def __init__(self, *, restrict_action: str = "view", **kwargs: Any) -> None:
        self.restrict_action = restrict_action
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None, "restricted related fields need a queryset"
        request = self.context.get("request")
        return restrict(queryset.all(), getattr(request, "user", None), self.restrict_action)


class StrictFieldsMixin:
    """Refuse keys that are not writable fields of this serializer (before any other validation)."""

    # field name → message, for keys that exist on the resource but must be changed elsewhere.
    not_editable_messages: Mapping[str, Any] = {}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields  # type: ignore[attr-defined]
            writable = {name for name, field in fields.items() if not field.read_only}
            errors: dict[str, list[ErrorDetail]] = {}
            for key in data:
                if key in writable:
                    continue
                if key in self.not_editable_messages:
                    errors[key] = [ErrorDetail(str(self.not_editable_messages[key]), code="not_editable")]
                elif key in fields:
                    errors[key] = [ErrorDetail(str(_("This field is read-only.")), code="not_editable")]
                else:
                    errors[key] = [ErrorDetail(str(_("Unknown field.")), code="unknown_field")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A plain serializer for request bodies of workflow actions."""


class ReferenceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Reference data (organisations, teams, services...): writes go through core.services.

    Related fields are restricted automatically. ``staff_only_fields`` are left out of responses for
    customers (desk-internal notes and the like).
    """

    serializer_related_field = RestrictedPrimaryKeyRelatedField
    staff_only_fields: tuple[str, ...] = ()

    @property
    def actor(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.staff_only_fields and not getattr(self.actor, "is_staff_side", False):
            for name in self.staff_only_fields:
                data.pop(name, None)
        return data

    def _split_many_to_many(self, validated: dict[str, Any]) -> dict[str, Any]:
        info = model_meta.get_field_info(self.Meta.model)
        return {
            name: validated.pop(name)
            for name, relation in info.relations.items()
            if relation.to_many and name in validated
        }

    def create(self, validated_data: dict[str, Any]) -> Any:
        m2m = self._split_many_to_many(validated_data)
        model: Any = self.Meta.model
        return save_reference(model(**validated_data), actor=self.actor, m2m=m2m)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        m2m = self._split_many_to_many(validated_data)
        return update_reference(instance, validated_data, actor=self.actor, m2m=m2m)


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response (documentation only)."""

    code = serializers.CharField(help_text=_("Stable machine-readable error code."))
    detail = serializers.CharField(help_text=_("Human-readable message in the user's language."))
    field = serializers.CharField(required=False, help_text=_("The offending field, when there is one."))
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text=_("Messages per field for validation errors.")
    )
