"""The service catalogue."""

from __future__ import annotations

from ventanilla.core.api.viewsets import ReferenceViewSet

from ..models import Service
from .serializers import ServiceSerializer


class ServiceViewSet(ReferenceViewSet):
    """Business services; customers see only active ones."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_fields = ["is_active", "owner_team", "code"]
