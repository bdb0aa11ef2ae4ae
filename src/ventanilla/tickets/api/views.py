"""Ticket endpoints: thin viewsets over the ticket services.

Every queryset goes through the permission engine: a ticket the user may not see answers 404 at its own
URL and at every nested URL (comments, attachments, timeline, links) and workflow action.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ventanilla.accounts.models import User
from ventanilla.accounts.services import get_or_create_customer
from ventanilla.core.api.serializers import ErrorSerializer
from ventanilla.core.api.viewsets import (
    APIViewSet,
    ReadOnlyRestrictedViewSet,
    ReferenceViewSet,
    RestrictedViewSet,
)
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.permissions import get_restricted_or_404, restrict

from .. import services
from ..choices import DEFAULT_PRIORITY_MATRIX, Channel
from ..models import (
    Attachment,
    Category,
    Comment,
    PriorityMatrixEntry,
    Queue,
    Tag,
    Ticket,
    TicketLink,
    TimelineEntry,
)
from .filters import TicketFilter
from .serializers import (
    AssignInput,
    AttachmentInput,
    AttachmentSerializer,
    CategorySerializer,
    CommentInput,
    CommentSerializer,
    LinkInput,
    MergeInput,
    PriorityMatrixCellSerializer,
    QueueSerializer,
    TagSerializer,
    TicketCreateInput,
    TicketLinkSerializer,
    TicketSerializer,
    TicketUpdateInput,
    TimelineEntrySerializer,
    TransitionInput,
    WatchersInput,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input (`code` says which rule)."),
    403: OpenApiResponse(ErrorSerializer, description="Visible but not allowed, or a read-only token."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or not visible to you."),
}
CONFLICT = {
    409: OpenApiResponse(
        ErrorSerializer,
        description="Refused by the ticket's state (`illegal_transition`, `stale_ticket`...).",
    )
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ticket version you read (its ETag); 409 `stale_ticket` if it changed since.",
)
TICKET_PK = OpenApiParameter("ticket_pk", int, OpenApiParameter.PATH, description="Ticket id.")


def validated(serializer_class: Any, request: Request, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def expected_version(request: Request, data: dict[str, Any]) -> int | None:
    """The version the client says it read: body ``version`` or an ``If-Match`` header (ETag)."""
    if data.get("version") is not None:
        return int(data["version"])
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(
            _('If-Match must carry the ticket version, e.g. "3".'), code="invalid_if_match"
        )
    return int(value)


class TicketViewSet(RestrictedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Tickets (incidents, service requests, questions)."""

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    lookup_value_regex = r"\d+"
    object_actions: dict[str, str] = {}  # the services check change/transition/assign themselves

    def get_base_queryset(self) -> QuerySet[Ticket]:
        return Ticket.objects.prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name")),
            Prefetch("watchers", queryset=User.objects.only("id")),
        )

    def ticket_response(self, ticket: Ticket, status: int = 200) -> Response:
        # Re-read with the prefetches (and fresh values); unrestricted because the caller just acted on it.
        fresh = self.get_base_queryset().get(pk=ticket.pk)
        response = Response(self.get_serializer(fresh).data, status=status)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        response = Response(self.get_serializer(ticket).data)
        response["ETag"] = f'"{ticket.version}"'
        return response

    @extend_schema(request=TicketCreateInput, responses={201: TicketSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(TicketCreateInput, request)
        email = data.pop("requester_email", None)
        requester = data.pop("requester", None)
        with transaction.atomic():  # a customer created for requester_email must not outlive a refusal
            if email:
                if not getattr(self.actor, "is_staff_side", False):
                    raise NotPermitted(
                        _("Only agents can open tickets on behalf of someone else."),
                        code="requester_not_allowed",
                        field="requester_email",
                    )
                requester = get_or_create_customer(actor=self.actor, email=email)
            ticket = services.create_ticket(actor=self.actor, requester=requester or self.actor, **data)
        return self.ticket_response(ticket, status=201)

    @extend_schema(
        request=TicketUpdateInput,
        responses={200: TicketSerializer, **ERRORS, **CONFLICT},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = validated(TicketUpdateInput, request)
        version = expected_version(request, data)
        data.pop("version", None)
        with transaction.atomic():
            services.update_ticket(actor=self.actor, ticket=ticket, changes=data, expected_version=version)
        return self.ticket_response(ticket)

    @extend_schema(
        request=TransitionInput,
        responses={200: TicketSerializer, **ERRORS, **CONFLICT},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the ticket to status `to`; resolving needs `resolution_code` and `resolution_note`."""
        ticket = self.get_object()
        data = validated(TransitionInput, request)
        version = expected_version(request, data)
        services.transition_ticket(
            actor=self.actor,
            ticket=ticket,
            to=data["to"],
            resolution_code=data["resolution_code"],
            resolution_note=data["resolution_note"],
            reason=data["reason"],
            expected_version=version,
        )
        return self.ticket_response(ticket)

    @extend_schema(
        request=AssignInput, responses={200: TicketSerializer, **ERRORS, **CONFLICT}, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Route to a team and/or an agent (`null` clears; `"me"` is you). Omitted keys stay as they are."""
        ticket = self.get_object()
        data = validated(AssignInput, request)
        version = expected_version(request, data)
        kwargs = {key: data[key] for key in ("team", "assignee") if key in data}
        with transaction.atomic():
            services.assign_ticket(actor=self.actor, ticket=ticket, expected_version=version, **kwargs)
        return self.ticket_response(ticket)

    @extend_schema(request=MergeInput, responses={200: TicketSerializer, **ERRORS, **CONFLICT})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold this ticket into `target`; answers with the target ticket."""
        ticket = self.get_object()
        data = validated(MergeInput, request)
        target = services.merge_tickets(actor=self.actor, source=ticket, target=data["target"])
        return self.ticket_response(target)

    @extend_schema(request=WatchersInput, responses={200: TicketSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def watchers(self, request: Request, pk: str | None = None) -> Response:
        """Add and/or remove watchers (customers may only add or remove themselves)."""
        ticket = self.get_object()
        data = validated(WatchersInput, request)
        services.set_watchers(
            actor=self.actor, ticket=ticket, add=data.get("add", []), remove=data.get("remove", [])
        )
        return self.ticket_response(ticket)


class TicketChildViewSet(RestrictedViewSet):
    """Nested under ``/tickets/{ticket_pk}/``: the parent must be visible (404 otherwise)."""

    ordering = "id"
    lookup_value_regex = r"\d+"

    @cached_property
    def ticket(self) -> Ticket:
        return get_restricted_or_404(
            Ticket.objects.all(), self.actor, "view", pk=self.kwargs.get("ticket_pk")
        )

    def get_base_queryset(self) -> QuerySet[Any]:
        queryset = super().get_base_queryset()
        if self.is_schema_request:
            return queryset.none()
        return queryset.filter(ticket=self.ticket)


@extend_schema(parameters=[TICKET_PK])
class CommentViewSet(TicketChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Public replies and internal notes. Customers never see internal notes and cannot write them."""

    queryset = Comment.objects.select_related("author")
    serializer_class = CommentSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["public"]

    def get_base_queryset(self) -> QuerySet[Any]:
        qs = super().get_base_queryset()
        # Attachments of comments go through the rules too (an internal note's files are internal).
        return qs.prefetch_related(
            Prefetch("attachments", queryset=restrict(Attachment.objects.all(), self.actor, "view"))
        )

    @extend_schema(
        request={"application/json": CommentInput, "multipart/form-data": CommentInput},
        responses={201: CommentSerializer, **ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket
        data = validated(CommentInput, request)
        comment = services.add_comment(
            actor=self.actor,
            ticket=ticket,
            body=data["body"],
            body_html=data["body_html"],
            public=data["public"],
            channel=Channel.API,
            files=[(f.name, f) for f in data["files"]],
        )
        return Response(
            CommentSerializer(
                self.get_queryset().get(pk=comment.pk), context=self.get_serializer_context()
            ).data,
            status=201,
        )


def attachment_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name in ``filename*``."""
    fallback = (
        "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename) or "attachment"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@extend_schema(parameters=[TICKET_PK])
class AttachmentViewSet(TicketChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Files attached to the ticket (sniffed type, size limit, served only as downloads)."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["public", "comment"]

    @extend_schema(
        request={"multipart/form-data": AttachmentInput}, responses={201: AttachmentSerializer, **ERRORS}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket
        data = validated(AttachmentInput, request)
        upload = data["file"]
        attachment = services.add_attachment(
            actor=self.actor, ticket=ticket, filename=upload.name, content=upload, public=data["public"]
        )
        return Response(self.get_serializer(attachment).data, status=201)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A download answers with the file whatever the client accepts; errors are still JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, ticket_pk: str | None = None, pk: str | None = None) -> FileResponse:
        """The file itself, as an attachment, never rendered by the browser."""
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise exceptions.NotFound(_("The file of this attachment is missing.")) from None
        response = FileResponse(handle, content_type=attachment.content_type)
        response["Content-Disposition"] = attachment_disposition(attachment.filename)
        response["Content-Length"] = str(attachment.size)
        response["X-Content-Type-Options"] = "nosniff"
        # Even if a browser were talked into rendering it, the file may run nothing and load nothing.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema(parameters=[TICKET_PK])
class TimelineViewSet(TicketChildViewSet, mixins.ListModelMixin):
    """What happened to the ticket. Customers see only the entries meant for them."""

    queryset = TimelineEntry.objects.select_related("actor")
    serializer_class = TimelineEntrySerializer
    filterset_fields = ["kind"]


@extend_schema(parameters=[TICKET_PK])
class LinkViewSet(TicketChildViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Links from and to the ticket (related, duplicate of, parent of, caused by)."""

    queryset = TicketLink.objects.select_related("source", "target")
    serializer_class = TicketLinkSerializer
    filterset_fields = ["kind"]
    object_actions: dict[str, str] = {}

    def get_base_queryset(self) -> QuerySet[Any]:
        queryset = RestrictedViewSet.get_base_queryset(self)  # not the parent's ticket=... filter
        if self.is_schema_request:
            return queryset.none()
        return queryset.filter(Q(source=self.ticket) | Q(target=self.ticket))

    @extend_schema(request=LinkInput, responses={201: TicketLinkSerializer, **ERRORS, **CONFLICT})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket
        data = validated(LinkInput, request)
        link = services.link_tickets(
            actor=self.actor, source=ticket, target=data["target"], kind=data["kind"]
        )
        return Response(self.get_serializer(link).data, status=201)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        services.unlink_tickets(actor=self.actor, link=link)
        return Response(status=204)


class QueueViewSet(ReferenceViewSet):
    queryset = Queue.objects.all()
    serializer_class = QueueSerializer
    filterset_fields = ["team", "is_active"]


class CategoryViewSet(ReferenceViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_fields = ["parent", "service", "is_active"]


class TagViewSet(ReadOnlyRestrictedViewSet):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    filterset_fields = {"name": ["exact", "istartswith"]}


class PriorityMatrixViewSet(APIViewSet):
    """The effective impact × urgency → priority matrix (staff only; others get an empty list)."""

    queryset = PriorityMatrixEntry.objects.all()
    serializer_class = PriorityMatrixCellSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(responses=PriorityMatrixCellSerializer(many=True))
    def list(self, request: Request) -> Response:
        visible = restrict(PriorityMatrixEntry.objects.all(), self.actor, "view")
        if visible.query.is_empty():
            return Response([])
        overrides = {(e.impact, e.urgency): e.priority for e in visible}
        cells = [
            {
                "impact": impact,
                "urgency": urgency,
                "priority": overrides.get((impact, urgency), default),
                "overridden": (impact, urgency) in overrides and overrides[(impact, urgency)] != default,
            }
            for (impact, urgency), default in sorted(DEFAULT_PRIORITY_MATRIX.items())
        ]
        return Response(PriorityMatrixCellSerializer(cells, many=True).data)
