from django.contrib import admin

from ventanilla.core.admin import ReferenceAdmin

from .models import Service


@admin.register(Service)
class ServiceAdmin(ReferenceAdmin):
    list_display = ("name", "code", "owner_team", "is_active")
    list_filter = ("is_active", "owner_team")
    search_fields = ("name", "code", "description")
    list_select_related = ("owner_team",)
    prepopulated_fields = {"code": ("name",)}
