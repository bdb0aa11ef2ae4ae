"""Stored inbound mail: administrators list it (``?state=quarantined`` for the quarantine) and replay it."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ventanilla.core.api.serializers import ErrorSerializer
from ventanilla.core.api.viewsets import ReadOnlyRestrictedViewSet

from .. import services
from ..choices import InboundState
from ..models import InboundMessage
from ..rules import ADMINISTRATION
from .serializers import InboundMessageSerializer


class InboundMessageViewSet(ReadOnlyRestrictedViewSet):
    queryset = InboundMessage.objects.select_related("mailbox").defer("raw")
    serializer_class = InboundMessageSerializer
    filterset_fields = ["state", "outcome", "source", "ticket"]

    @extend_schema(
        request=None,
        responses={
            200: InboundMessageSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Not quarantined."),
        },
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: Any = None) -> Response:
        message = self.get_object()
        if getattr(request.user, "role", None) not in ADMINISTRATION:
            raise exceptions.PermissionDenied(_("Only service-desk managers and administrators can do this."))
        if message.state != InboundState.QUARANTINED:
            return Response(
                {"code": "not_quarantined", "detail": _("Only quarantined messages can be replayed.")},
                status=409,
            )
        result = services.replay(message, actor=request.user) or message
        result.refresh_from_db()
        return Response(InboundMessageSerializer(result).data)

    @extend_schema(responses={(200, "message/rfc822"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def raw(self, request: Request, pk: Any = None) -> HttpResponse:
        """The message exactly as received (download, never rendered)."""
        message = self.get_object()
        data = InboundMessage.objects.values_list("raw", flat=True).get(pk=message.pk)
        response = HttpResponse(bytes(data), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
