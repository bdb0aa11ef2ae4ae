"""Admin for the core app, and the base classes every app's admin uses.

The admin is for administrators only (``User.is_staff`` is true for the admin role alone). It edits
reference data through the generic reference services so validation and the change log behave as in the
API; objects with a lifecycle (tickets) are read-only here and change only through admin actions that
call their services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import ChangeLogEntry, Heartbeat
from .services import delete_reference, save_reference

admin.site.site_header = _("Ventanilla administration")
admin.site.site_title = _("Ventanilla")
admin.site.index_title = _("Configuration")


class ReferenceAdmin(admin.ModelAdmin):
    """Saves and deletes through core.services so the change log records before → after and who did it."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and hasattr(obj, "snapshot"):
            obj.snapshot()  # the form is about to change it: remember the values before
        return obj

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        save_reference(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_reference(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            delete_reference(obj, actor=request.user)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete_reference(obj, actor=request.user)
        for obj in instances:
            save_reference(obj, actor=request.user)
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible, searchable, never edited from the admin (history and objects with their own verbs)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def report_refusal(model_admin: admin.ModelAdmin, request: HttpRequest, obj: Any, error: DomainError) -> None:
    model_admin.message_user(request, f"{obj}: {error.message}", messages.ERROR)


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "content_type", "object_repr", "request_id")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "object_id", "request_id", "actor__email")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting millions of rows on every page view is not worth it
    fields = (
        "created_at",
        "actor",
        "request_id",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "before",
        "after",
    )


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "seen_at")
