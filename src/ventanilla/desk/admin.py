"""Admin for workspace data: macros are configured here; saved views and logged contacts are visible."""

from __future__ import annotations

from django.contrib import admin

from ventanilla.core.admin import ReadOnlyAdmin, ReferenceAdmin

from .models import ContactLog, Macro, SavedView


@admin.register(Macro)
class MacroAdmin(ReferenceAdmin):
    list_display = ("name", "public", "set_status", "add_tags", "team", "is_active")
    list_filter = ("public", "is_active", "team")
    search_fields = ("name", "body")


@admin.register(SavedView)
class SavedViewAdmin(ReferenceAdmin):
    list_display = ("name", "owner", "team", "sort")
    list_filter = ("team",)
    search_fields = ("name", "owner__email")


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "kind",
        "caller",
        "agent",
        "duration_minutes",
        "resolved_at_first_contact",
        "created_at",
    )
    list_filter = ("kind", "resolved_at_first_contact")
    list_select_related = ("ticket", "caller", "agent")
