from django import forms
from django.contrib import admin

from ventanilla.accounts.choices import CUSTOMER_ROLES, Role
from ventanilla.core.admin import ReferenceAdmin

from .models import CatalogItem, CatalogItemField, Service


@admin.register(Service)
class ServiceAdmin(ReferenceAdmin):
    list_display = ("name", "code", "owner_team", "is_active")
    list_filter = ("is_active", "owner_team")
    search_fields = ("name", "code", "description")
    list_select_related = ("owner_team",)
    prepopulated_fields = {"code": ("name",)}


# -- Catalogue items (appended with the customer portal) ---------------------------------------------------
class CatalogItemAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=CatalogItem._meta.get_field("roles").verbose_name,
        help_text=CatalogItem._meta.get_field("roles").help_text,
        choices=[(value, label) for value, label in Role.choices if value in CUSTOMER_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CatalogItem
        fields = [
            "name",
            "description",
            "service",
            "team",
            "all_customers",
            "organizations",
            "roles",
            "position",
            "is_active",
        ]


class CatalogItemFieldInline(admin.TabularInline):
    model = CatalogItemField
    extra = 1
    fields = ("position", "label", "kind", "required", "help_text", "choices")


@admin.register(CatalogItem)
class CatalogItemAdmin(ReferenceAdmin):
    form = CatalogItemAdminForm
    inlines = [CatalogItemFieldInline]
    list_display = ("name", "service", "team", "all_customers", "position", "is_active")
    list_filter = ("is_active", "all_customers", "service", "team")
    search_fields = ("name", "description")
    list_select_related = ("service", "team")
    filter_horizontal = ("organizations",)
