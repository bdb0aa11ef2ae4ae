"""Ticket API serializers. Reading serializers shape responses; ``*Input`` serializers validate bodies
(strictly: unknown keys are refused) and the views hand the result to the ticket services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ventanilla.accounts.models import Organization, Team, User
from ventanilla.catalog.models import Service
from ventanilla.core.api.serializers import (
    ReferenceSerializer,
    RestrictedPrimaryKeyRelatedField,
    StrictSerializer,
)

from ..choices import Channel, Impact, LinkKind, Priority, ResolutionCode, Status, TicketType, Urgency
from ..models import (
    Attachment,
    Category,
    Comment,
    Queue,
    Tag,
    Ticket,
    TicketLink,
    TimelineEntry,
)
from ..services import allowed_transitions

# --- Reading -------------------------------------------------------------------------------------------


class TicketSerializer(serializers.ModelSerializer[Ticket]):
    tags: Any = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    watchers: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_("Statuses the requesting user may move the ticket to now.")
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "type",
            "title",
            "description",
            "description_html",
            "status",
            "impact",
            "urgency",
            "priority",
            "priority_overridden",
            "priority_reason",
            "channel",
            "requester",
            "organization",
            "team",
            "queue",
            "assignee",
            "service",
            "category",
            "tags",
            "watchers",
            "resolution_code",
            "resolution_note",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "merged_into",
            "version",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Status.choices)))
    def get_allowed_transitions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        return allowed_transitions(ticket, getattr(request, "user", None))


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "ticket",
            "comment",
            "filename",
            "content_type",
            "size",
            "sha256",
            "public",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse(
            "api:ticket-attachments-download", kwargs={"ticket_pk": attachment.ticket_id, "pk": attachment.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author_name = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "ticket",
            "author",
            "author_name",
            "body",
            "body_html",
            "public",
            "channel",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, comment: Comment) -> str:
        return str(comment.author) if comment.author is not None else ""


class TimelineEntrySerializer(serializers.ModelSerializer[TimelineEntry]):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "ticket", "kind", "actor", "actor_name", "data", "public", "comment", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, entry: TimelineEntry) -> str:
        return str(entry.actor) if entry.actor is not None else ""


class TicketLinkSerializer(serializers.ModelSerializer[TicketLink]):
    source_number = serializers.CharField(source="source.number", read_only=True)
    target_number = serializers.CharField(source="target.number", read_only=True)

    class Meta:
        model = TicketLink
        fields = [
            "id",
            "source",
            "source_number",
            "target",
            "target_number",
            "kind",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class QueueSerializer(ReferenceSerializer):
    class Meta:
        model = Queue
        fields = ["id", "name", "team", "description", "is_active", "created_at", "updated_at"]


class CategorySerializer(ReferenceSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "service", "is_active", "full_path", "created_at", "updated_at"]
        read_only_fields = ["full_path"]


class TagSerializer(serializers.ModelSerializer[Tag]):
    class Meta:
        model = Tag
        fields = ["id", "name"]
        read_only_fields = fields


class PriorityMatrixCellSerializer(serializers.Serializer):
    impact = serializers.ChoiceField(choices=Impact.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    overridden = serializers.BooleanField(help_text=_("True when an administrator changed the default."))


# --- Writing -------------------------------------------------------------------------------------------

_TICKET_NOT_EDITABLE = {
    "status": _("The status cannot be changed here; use POST /api/v1/tickets/{id}/transition/."),
    "team": _("The team cannot be changed here; use POST /api/v1/tickets/{id}/assign/."),
    "assignee": _("The assignee cannot be changed here; use POST /api/v1/tickets/{id}/assign/."),
    "watchers": _("Watchers cannot be changed here; use POST /api/v1/tickets/{id}/watchers/."),
    "requester": _("The requester of an existing ticket cannot be changed."),
}


def _related(model: Any, **kwargs: Any) -> RestrictedPrimaryKeyRelatedField:
    return RestrictedPrimaryKeyRelatedField(queryset=model.objects.all(), **kwargs)


class TicketCreateInput(StrictSerializer):
    type = serializers.ChoiceField(choices=TicketType.choices, default=TicketType.INCIDENT)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    description_html = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("HTML version of the description; sanitised before it is stored."),
    )
    impact = serializers.ChoiceField(choices=Impact.choices, default=Impact.MINOR)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Staff only: overrides the impact × urgency matrix (needs priority_reason)."),
    )
    priority_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    requester = _related(
        User, required=False, allow_null=True, help_text=_("Defaults to the authenticated user.")
    )
    requester_email = serializers.EmailField(
        required=False,
        help_text=_(
            "Staff only, instead of requester: the customer with this address (created when unknown)."
        ),
    )
    organization = _related(Organization, required=False, allow_null=True)
    team = _related(Team, required=False, allow_null=True)
    queue = _related(Queue, required=False, allow_null=True)
    assignee = _related(User, required=False, allow_null=True)
    service = _related(Service, required=False, allow_null=True)
    category = _related(Category, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    watchers = _related(User, many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("requester") and attrs.get("requester_email"):
            raise serializers.ValidationError(
                {"requester_email": [_("Give either requester or requester_email, not both.")]},
                code="invalid",
            )
        return attrs


class TicketUpdateInput(StrictSerializer):
    # Read-only fields of the ticket resource answer "not editable" (with where to go), not "unknown field".
    not_editable_messages = {
        **{name: _("This field is read-only.") for name in TicketSerializer.Meta.fields},
        **_TICKET_NOT_EDITABLE,
    }

    type = serializers.ChoiceField(choices=TicketType.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    description_html = serializers.CharField(required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        allow_null=True,
        help_text=_("null returns to the matrix priority."),
    )
    priority_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    organization = _related(Organization, required=False, allow_null=True)
    queue = _related(Queue, required=False, allow_null=True)
    service = _related(Service, required=False, allow_null=True)
    category = _related(Category, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The version you read; refused with 409 stale_ticket when the "
            "ticket changed since (same as the If-Match header)."
        ),
    )


class TransitionInput(StrictSerializer):
    to = serializers.ChoiceField(choices=Status.choices)
    resolution_code = serializers.ChoiceField(
        choices=ResolutionCode.choices, required=False, allow_blank=True, default=""
    )
    resolution_note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["me"]}], "nullable": True})
class AssigneeField(RestrictedPrimaryKeyRelatedField):
    """An agent id, or ``"me"`` for the authenticated user."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.strip().lower() == "me":
            data = getattr(self.context.get("request"), "user", None)
            data = getattr(data, "pk", None)
        return super().to_internal_value(data)


class AssignInput(StrictSerializer):
    team = _related(Team, required=False, allow_null=True)
    assignee = AssigneeField(queryset=User.objects.all(), required=False, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "team" not in attrs and "assignee" not in attrs:
            raise serializers.ValidationError(_("Give a team, an assignee or both."), code="required")
        return attrs


class MergeInput(StrictSerializer):
    target = _related(Ticket, help_text=_("The ticket that absorbs this one."))


class WatchersInput(StrictSerializer):
    add = _related(User, many=True, required=False)
    remove = _related(User, many=True, required=False)


class LinkInput(StrictSerializer):
    target = _related(Ticket)
    kind = serializers.ChoiceField(choices=LinkKind.choices, default=LinkKind.RELATED)


class CommentInput(StrictSerializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    body_html = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("HTML version; sanitised before it is stored."),
    )
    public = serializers.BooleanField(default=True, help_text=_("False for an internal note (staff only)."))
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text=_("Attachments (multipart/form-data only)."),
    )


class AttachmentInput(StrictSerializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=_("The file (its type is sniffed from the bytes).")
    )
    public = serializers.BooleanField(default=True)
