"""Admin for people, organisations, contracts, teams and API tokens.

Only administrators reach the admin. Users are created through accounts.services.create_user (domain
matching, duplicate checks); API tokens are created where the key can be shown once (``ventanilla
createtoken`` or the API) and are only listed and revoked here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ventanilla.core.admin import ReadOnlyAdmin, ReferenceAdmin, report_refusal
from ventanilla.core.errors import DomainError
from ventanilla.core.services import save_reference

from .choices import STAFF_ROLES
from .models import APIToken, Contract, Organization, OrganizationDomain, Team, TeamMembership, User
from .services import create_user, revoke_token

PROFILE_FIELDS = ("full_name", "role", "organization", "language", "time_zone", "phone")


class OrganizationDomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("name", "reference", "starts_on", "ends_on")
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(ReferenceAdmin):
    list_display = ("name", "vip", "shares_tickets", "is_active", "account_contact")
    list_filter = ("vip", "shares_tickets", "is_active")
    search_fields = ("name", "domains__domain")
    list_select_related = ("account_contact",)
    inlines = (OrganizationDomainInline, ContractInline)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "account_contact":
            kwargs["queryset"] = User.objects.filter(role__in=list(STAFF_ROLES), is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Contract)
class ContractAdmin(ReferenceAdmin):
    list_display = ("name", "organization", "reference", "starts_on", "ends_on")
    list_filter = ("organization",)
    search_fields = ("name", "reference", "organization__name")
    list_select_related = ("organization",)
    filter_horizontal = ("services",)
    date_hierarchy = "starts_on"


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    fields = ("user", "is_lead", "is_available", "last_assigned_at")
    readonly_fields = ("last_assigned_at",)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":  # only agents work in teams
            kwargs["queryset"] = User.objects.filter(role__in=list(STAFF_ROLES))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Team)
class TeamAdmin(ReferenceAdmin):
    list_display = ("name", "email", "assignment_strategy")
    list_filter = ("assignment_strategy",)
    search_fields = ("name", "email")
    inlines = (TeamMembershipInline,)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", *PROFILE_FIELDS)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", *PROFILE_FIELDS, "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = self.fields.get("organization")
        if isinstance(organization, ModelChoiceField):
            organization.queryset = Organization.objects.filter(is_active=True)


@admin.register(User)
class UserAdmin(ReferenceAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "full_name", "role", "organization", "language", "is_active", "last_login")
    list_filter = ("role", "is_active", "language", "organization")
    search_fields = ("email", "full_name", "phone")
    list_select_related = ("organization",)
    ordering = ("full_name", "email")
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": PROFILE_FIELDS}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", *PROFILE_FIELDS, "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        if change:
            save_reference(obj, actor=request.user)
            return
        data = form.cleaned_data
        created = create_user(
            actor=request.user,
            email=data["email"],
            full_name=data.get("full_name", ""),
            role=data["role"],
            organization=data.get("organization"),
            password=data.get("password1") or None,
            language=data["language"],
            time_zone=data["time_zone"],
            phone=data.get("phone", ""),
        )
        # The admin goes on with the object it built (log entry, redirect): point it at the created row.
        obj.pk, obj.password, obj.organization = created.pk, created.password, created.organization
        obj._state.adding = False
        obj._state.db = created._state.db

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.pk == request.user.pk:
            # An administrator cannot demote or deactivate themselves: the desk could lose its last admin.
            for name in ("role", "is_active"):
                if name in form.base_fields:
                    form.base_fields[name].disabled = True
        return form


@admin.register(APIToken)
class APITokenAdmin(ReadOnlyAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "user__email")
    list_select_related = ("user",)
    fields = ("prefix", "user", "name", "scope", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ("revoke",)

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[APIToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                revoke_token(actor=request.user, token=token)
            except DomainError as error:
                report_refusal(self, request, token, error)
            else:
                revoked += 1
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )


# Permissions are role-based (see accounts.rules); Django's groups would only suggest otherwise.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
