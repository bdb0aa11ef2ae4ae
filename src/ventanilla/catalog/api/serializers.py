from __future__ import annotations

from ventanilla.core.api.serializers import ReferenceSerializer

from ..models import Service


class ServiceSerializer(ReferenceSerializer):
    class Meta:
        model = Service
        fields = ["id", "name", "code", "description", "owner_team", "is_active", "created_at", "updated_at"]
