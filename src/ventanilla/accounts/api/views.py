"""Users, organisations, contracts, teams and the caller's API tokens."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ventanilla.core.api.filters import choice_list_filter, id_list_filter
from ventanilla.core.api.serializers import ErrorSerializer
from ventanilla.core.api.viewsets import REFERENCE_WRITERS, ReferenceViewSet, RestrictedViewSet
from ventanilla.core.permissions import can
from ventanilla.core.services import update_reference

from ..choices import CUSTOMER_ROLES, Role
from ..models import APIToken, Contract, Organization, OrganizationDomain, Team, TeamMembership, User
from ..services import create_token, create_user, revoke_token
from .serializers import (
    ContractSerializer,
    OrganizationSerializer,
    TeamSerializer,
    TokenCreatedSerializer,
    TokenCreateInput,
    TokenSerializer,
    UserCreateInput,
    UserSerializer,
    UserUpdateInput,
)


class UserFilter(django_filters.FilterSet):
    role = choice_list_filter("role", Role)
    organization = id_list_filter("organization_id", allow_none=True)
    team = id_list_filter("memberships__team_id")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = User
        fields: list[str] = []


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input (`code` says which rule)."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed, or a read-only token."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or not visible to you."),
}
# Fields only the desk's administration may change on a person.
ADMINISTRATIVE_USER_FIELDS = {"role", "organization", "is_active"}


def _validated(serializer_class: Any, request: Request, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class UserViewSet(RestrictedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """People: customers see themselves (and their organisation when it shares); staff see everyone."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilter
    lookup_value_regex = r"\d+"

    def _check_grant(self, role: str | None) -> None:
        """Staff roles are granted by managers and administrators; administrator only by administrators."""
        actor = self.actor
        if role is not None and role not in CUSTOMER_ROLES and actor.role not in REFERENCE_WRITERS:
            raise exceptions.PermissionDenied(
                _("Only service-desk managers and administrators create staff.")
            )
        if role == Role.ADMIN and actor.role != Role.ADMIN:
            raise exceptions.PermissionDenied(_("Only administrators can make someone an administrator."))

    @extend_schema(request=UserCreateInput, responses={201: UserSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not getattr(self.actor, "is_staff_side", False):
            raise exceptions.PermissionDenied(_("Only the service desk can create accounts."))
        data = _validated(UserCreateInput, request)
        self._check_grant(data.get("role"))
        with transaction.atomic():
            user = create_user(actor=self.actor, **data)
        return Response(UserSerializer(user, context=self.get_serializer_context()).data, status=201)

    def _update(self, request: Request, user: User) -> Response:
        if not can(self.actor, "change", user):
            raise exceptions.PermissionDenied(_("You are not allowed to change this person."))
        data = _validated(UserUpdateInput, request, partial=True)
        administrative = ADMINISTRATIVE_USER_FIELDS & set(data)
        if administrative and self.actor.role not in REFERENCE_WRITERS:
            raise exceptions.PermissionDenied(
                _("Only service-desk managers and administrators can change: %(f)s.")
                % {"f": ", ".join(sorted(administrative))}
            )
        self._check_grant(data.get("role"))
        if administrative and user.role == Role.ADMIN and self.actor.role != Role.ADMIN:
            raise exceptions.PermissionDenied(_("Only administrators can change an administrator's account."))
        if user.pk == self.actor.pk and data.get("is_active") is False:
            raise exceptions.ValidationError(
                {"is_active": [_("You cannot deactivate yourself.")]}, code="invalid"
            )
        with transaction.atomic():
            update_reference(user, data, actor=self.actor)
        return Response(UserSerializer(user, context=self.get_serializer_context()).data)

    @extend_schema(request=UserUpdateInput, responses={200: UserSerializer, **ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, self.get_object())

    @extend_schema(methods=["GET"], responses={200: UserSerializer})
    @extend_schema(methods=["PATCH"], request=UserUpdateInput, responses={200: UserSerializer, **ERRORS})
    @action(detail=False, methods=["get", "patch"], filter_backends=[], pagination_class=None)
    def me(self, request: Request) -> Response:
        """The authenticated person."""
        user = self.get_queryset().get(pk=request.user.pk)
        if request.method == "PATCH":
            return self._update(request, user)
        return Response(UserSerializer(user, context=self.get_serializer_context()).data)


class OrganizationViewSet(ReferenceViewSet):
    """Customers (the paying organisations) with their email domains."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_fields = {"vip": ["exact"], "is_active": ["exact"], "name": ["iexact", "icontains"]}

    def get_base_queryset(self) -> QuerySet[Any]:
        return Organization.objects.prefetch_related(
            Prefetch("domains", queryset=OrganizationDomain.objects.order_by("domain"))
        )


class ContractViewSet(ReferenceViewSet):
    """What each organisation pays for (the SLA engine attaches policies to contracts)."""

    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_fields = ["organization"]

    def get_base_queryset(self) -> QuerySet[Any]:
        return Contract.objects.prefetch_related("services")


class TeamViewSet(ReferenceViewSet):
    """Teams of agents, with their members and leads."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_fields = ["assignment_strategy"]

    def get_base_queryset(self) -> QuerySet[Any]:
        return Team.objects.prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.select_related("user").order_by("pk"))
        )


class TokenViewSet(RestrictedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The caller's API tokens. The key is shown once, in the response that creates it."""

    queryset = APIToken.objects.all()
    serializer_class = TokenSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset()
        # Listing shows one's own tokens; administrators may still look up and revoke anyone's by id.
        return qs.filter(user=self.actor) if self.action == "list" else qs

    @extend_schema(request=TokenCreateInput, responses={201: TokenCreatedSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _validated(TokenCreateInput, request)
        token, key = create_token(actor=self.actor, user=self.actor, **data)
        token.key = key  # type: ignore[attr-defined]
        return Response(TokenCreatedSerializer(token).data, status=201)

    @extend_schema(request=None, responses={200: TokenSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = revoke_token(actor=self.actor, token=self.get_object())
        return Response(TokenSerializer(token).data)
