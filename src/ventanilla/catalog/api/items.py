"""Catalogue items (managers and administrators edit them) and the answers stored on request tickets."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ventanilla.accounts.choices import CUSTOMER_ROLES
from ventanilla.core.api.permissions import TokenScopePermission
from ventanilla.core.api.serializers import ReferenceSerializer
from ventanilla.core.api.viewsets import ReferenceViewSet
from ventanilla.core.permissions import restrict
from ventanilla.tickets.models import Ticket

from ..models import CatalogItem, CatalogItemField, CatalogRequest


class CatalogItemFieldSerializer(ReferenceSerializer):
    class Meta:
        model = CatalogItemField
        fields = ["id", "item", "label", "kind", "required", "help_text", "choices", "position"]


class CatalogItemSerializer(ReferenceSerializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(str(r) for r in CUSTOMER_ROLES)),
        required=False,
        help_text="Customer roles that may order the item; empty means every customer role.",
    )
    # Not "fields": that name is the serializer's own field registry.
    form_fields = CatalogItemFieldSerializer(source="fields", many=True, read_only=True)
    # Who may order what is desk configuration, not for customers' eyes.
    staff_only_fields = ("organizations", "roles", "team")

    class Meta:
        model = CatalogItem
        fields = [
            "id",
            "name",
            "description",
            "service",
            "team",
            "all_customers",
            "organizations",
            "roles",
            "position",
            "is_active",
            "form_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class CatalogItemViewSet(ReferenceViewSet):
    """Items of the service catalogue; customers see only those they may order."""

    queryset = CatalogItem.objects.select_related("service", "team").prefetch_related(
        "organizations", "fields"
    )
    serializer_class = CatalogItemSerializer
    filterset_fields = ["is_active", "service", "team", "all_customers"]


class CatalogItemFieldViewSet(ReferenceViewSet):
    """The questions of catalogue items' order forms."""

    queryset = CatalogItemField.objects.select_related("item")
    serializer_class = CatalogItemFieldSerializer
    filterset_fields = ["item", "kind", "required"]


class AnswerSerializer(serializers.Serializer):
    field = serializers.IntegerField(
        allow_null=True, help_text="Id of the form field (may since be deleted)."
    )
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.label
        help_text="The question as it read when the request was made."
    )
    kind = serializers.CharField()
    value = serializers.JSONField(
        allow_null=True,
        help_text="text/choice: string; number: decimal string; date: YYYY-MM-DD; user: {id, name, email}; "
        "attachment: {id, filename} (download it from the ticket's attachments).",
    )


class TicketAnswersSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    item = serializers.IntegerField(allow_null=True)
    item_name = serializers.CharField()
    answers = AnswerSerializer(many=True)
    created_at = serializers.DateTimeField()


class TicketAnswersView(APIView):
    """``GET /api/v1/tickets/{id}/answers/``: what the requester answered when ordering from the catalogue.

    404 when the ticket is not visible to the caller or was not ordered from the catalogue.
    """

    permission_classes = [TokenScopePermission]

    @extend_schema(
        operation_id="tickets_answers_retrieve",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: TicketAnswersSerializer},
        tags=["tickets"],
    )
    def get(self, request: Request, id: int) -> Response:  # the URL names it id
        ticket = get_object_or_404(restrict(Ticket.objects.all(), request.user, "view"), pk=id)
        found = get_object_or_404(restrict(CatalogRequest.objects.all(), request.user, "view"), ticket=ticket)
        data: dict[str, Any] = {
            "ticket": ticket.pk,
            "item": found.item_id,
            "item_name": found.item_name,
            "answers": found.answers,
            "created_at": found.created_at,
        }
        return Response(TicketAnswersSerializer(data).data)
