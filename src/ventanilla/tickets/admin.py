"""Ticket admin: reference data (queues, categories, priority matrix, tags) is editable; tickets are
read-only and change only through actions that call the ticket services."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import User
from ventanilla.core.admin import ReadOnlyAdmin, ReferenceAdmin, report_refusal
from ventanilla.core.errors import DomainError

from . import services
from .choices import Status
from .models import Category, Comment, PriorityMatrixEntry, Queue, Tag, Ticket, TicketLink
from .services.records import forget_priority_matrix


@admin.register(Queue)
class QueueAdmin(ReferenceAdmin):
    list_display = ("name", "team", "is_active")
    list_filter = ("team", "is_active")
    search_fields = ("name", "description")
    list_select_related = ("team",)


@admin.register(Category)
class CategoryAdmin(ReferenceAdmin):
    list_display = ("full_path", "service", "is_active")
    list_filter = ("is_active", "service")
    search_fields = ("name", "full_path")
    list_select_related = ("service",)
    readonly_fields = ("full_path",)
    fields = ("name", "parent", "service", "is_active", "full_path")


@admin.register(PriorityMatrixEntry)
class PriorityMatrixEntryAdmin(ReferenceAdmin):
    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)
    list_filter = ("impact", "urgency")
    ordering = ("impact", "urgency")

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_priority_matrix()  # new tickets must use the new cell at once

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        forget_priority_matrix()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        forget_priority_matrix()


@admin.register(Tag)
class TagAdmin(ReferenceAdmin):
    search_fields = ("name",)


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ("created_at", "author", "public", "channel", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LinkInline(admin.TabularInline):
    model = TicketLink
    fk_name = "source"
    fields = ("kind", "target", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: tickets change through the desk, the API or the actions below (all call services)."""

    list_display = (
        "number",
        "title",
        "type",
        "status",
        "priority",
        "organization",
        "team",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "type", "priority", "channel", "team", "organization")
    search_fields = ("number", "title")
    list_select_related = ("organization", "team", "assignee")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = (CommentInline, LinkInline)
    actions = ("cancel_tickets", "close_resolved_tickets")
    fieldsets = (
        (None, {"fields": ("number", "type", "title", "description", "status")}),
        (
            _("Classification"),
            {
                "fields": (
                    "impact",
                    "urgency",
                    "priority",
                    "priority_overridden",
                    "priority_reason",
                    "channel",
                    "service",
                    "category",
                )
            },
        ),
        (_("People"), {"fields": ("requester", "organization", "team", "queue", "assignee", "created_by")}),
        (
            _("Resolution"),
            {
                "fields": (
                    "resolution_code",
                    "resolution_note",
                    "first_response_at",
                    "resolved_at",
                    "closed_at",
                    "reopen_count",
                    "merged_into",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at", "version")}),
    )
    readonly_fields = ("created_at", "updated_at", "version")

    def _transition(self, request: HttpRequest, queryset: QuerySet[Ticket], to: str, reason: str) -> int:
        done = 0
        for ticket in queryset:
            try:
                services.transition_ticket(
                    actor=cast(User, request.user), ticket=ticket, to=to, reason=reason
                )
            except DomainError as error:
                report_refusal(self, request, ticket, error)
            else:
                done += 1
        return done

    @admin.action(description=_("Cancel selected tickets"))
    def cancel_tickets(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        done = self._transition(
            request, queryset, Status.CANCELLED, gettext("Cancelled by an administrator.")
        )
        self.message_user(
            request,
            ngettext("%(n)d ticket cancelled.", "%(n)d tickets cancelled.", done) % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Close selected resolved tickets"))
    def close_resolved_tickets(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        done = self._transition(
            request,
            queryset.filter(status=Status.RESOLVED),
            Status.CLOSED,
            gettext("Closed by an administrator."),
        )
        self.message_user(
            request,
            ngettext("%(n)d ticket closed.", "%(n)d tickets closed.", done) % {"n": done},
            messages.SUCCESS,
        )
