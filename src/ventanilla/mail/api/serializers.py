from __future__ import annotations

from rest_framework import serializers

from ..models import InboundMessage


class InboundMessageSerializer(serializers.ModelSerializer):
    mailbox: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "mailbox",
            "source",
            "message_id",
            "from_address",
            "subject",
            "size",
            "received_at",
            "state",
            "attempts",
            "reason",
            "outcome",
            "notes",
            "ticket",
            "comment",
            "processed_at",
        ]
        read_only_fields = fields
