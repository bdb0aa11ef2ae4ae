"""Base viewsets: every queryset is narrowed by the permission engine, writes go through services.

Objects the user may not see answer 404 (they are simply not in the queryset). Objects the user may see
but not change answer 403 with code ``permission_denied``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, mixins, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.settings import api_settings

from ventanilla.accounts.choices import Role
from ventanilla.core.permissions import can, restrict
from ventanilla.core.services import delete_reference

from .errors import RequestTooLarge

REFERENCE_WRITERS = frozenset({Role.MANAGER, Role.ADMIN})


def check_body_size(request: Request) -> None:
    """Refuse oversized bodies before anything reads them (Django would raise deep inside parsing)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise RequestTooLarge(
            _("The request body is too large (at most %(mb)d MB).")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
        )


class APIViewSet(viewsets.GenericViewSet):
    """Shared plumbing for every viewset of the API."""

    # PUT (full replacement) is not offered: clients PATCH what they change.
    http_method_names: Sequence[str] = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: Sequence[Any] = [*api_settings.DEFAULT_FILTER_BACKENDS, OrderingFilter]
    # Only keyset-friendly orderings: the cursor paginates on the primary key.
    ordering_fields = ["id"]
    ordering = "-id"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_body_size(request)

    @property
    def actor(self) -> Any:
        return self.request.user

    @property
    def is_schema_request(self) -> bool:
        return bool(getattr(self, "swagger_fake_view", False))


class RestrictedViewSet(APIViewSet):
    """``get_queryset`` = ``restrict(base queryset, user, "view")``; object actions re-check the rule."""

    # viewset action → permission-engine action checked on the object (403 when visible but refused).
    object_actions: dict[str, str] = {"partial_update": "change", "update": "change", "destroy": "delete"}

    def get_base_queryset(self) -> models.QuerySet[Any]:
        # getattr: the stubs type the class attribute too loosely for a plain ``.all()``.
        queryset: Any = getattr(self, "queryset", None)
        assert queryset is not None, f"{type(self).__name__} needs a queryset"
        return queryset.all()

    def get_queryset(self) -> models.QuerySet[Any]:
        return restrict(self.get_base_queryset(), self.actor, "view")

    def get_object(self) -> Any:
        obj = super().get_object()
        action = self.object_actions.get(getattr(self, "action", "") or "")
        if action:
            self.require(action, obj)
        return obj

    def require(self, action: str, obj: models.Model) -> None:
        if not can(self.actor, action, obj):
            raise exceptions.PermissionDenied(_("You are not allowed to do this."))


class ReferenceViewSet(
    RestrictedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """Reference data: everyone reads what the rules allow; managers and administrators write.

    The serializer (a :class:`~ventanilla.core.api.serializers.ReferenceSerializer`) saves through
    ``save_reference``/``update_reference``; deletion goes through ``delete_reference``.
    """

    def may_create(self) -> bool:
        return getattr(self.actor, "role", None) in REFERENCE_WRITERS

    def perform_create(self, serializer: Any) -> None:
        if not self.may_create():
            raise exceptions.PermissionDenied(_("Only service-desk managers and administrators can do this."))
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        delete_reference(instance, actor=self.actor)


class ReadOnlyRestrictedViewSet(RestrictedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    pass
