"""The order form of a catalogue item, built from the item's field definitions.

The form parses and validates the customer's input on the server (types, required fields, allowed
options, people the customer may name); :func:`ventanilla.catalog.services.submit_catalog_request`
checks the same rules again, so no other client can skip them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.models import User
from ventanilla.core.permissions import restrict

from .models import CatalogItem, CatalogItemField, FieldKind

DESCRIPTION_MAX = 10_000
TEXT_MAX = 2_000


def field_key(field: CatalogItemField) -> str:
    return f"field_{field.pk}"


def people_for(user: Any) -> Any:
    """The people ``user`` may name in a "person" field: whoever the permission engine lets them see."""
    return restrict(User.objects.filter(is_active=True), user, "view").order_by("full_name", "email")


def build_field(definition: CatalogItemField, user: Any) -> forms.Field:
    common: dict[str, Any] = {
        "label": definition.label,
        "required": definition.required,
        "help_text": definition.help_text,
    }
    kind = definition.kind
    if kind == FieldKind.NUMBER:
        field: forms.Field = forms.DecimalField(
            max_digits=18,
            decimal_places=4,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
            **common,
        )
    elif kind == FieldKind.CHOICE:
        options = [(option, option) for option in definition.choice_list]
        field = forms.ChoiceField(
            choices=[("", "—"), *options], widget=forms.Select(attrs={"class": "form-select"}), **common
        )
    elif kind == FieldKind.DATE:
        field = forms.DateField(
            widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
            **common,
        )
    elif kind == FieldKind.USER:
        field = forms.ModelChoiceField(
            queryset=people_for(user),
            empty_label="—",
            widget=forms.Select(attrs={"class": "form-select"}),
            **common,
        )
    elif kind == FieldKind.ATTACHMENT:
        field = forms.FileField(widget=forms.ClearableFileInput(attrs={"class": "form-control"}), **common)
    else:
        field = forms.CharField(
            max_length=TEXT_MAX, widget=forms.TextInput(attrs={"class": "form-control"}), **common
        )
    return field


class CatalogRequestForm(forms.Form):
    """One field per definition (``field_<id>``) plus free text for anything the fields do not cover."""

    description = forms.CharField(
        label=_("Anything else we should know?"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def __init__(
        self, *args: Any, item: CatalogItem, user: Any, definitions: Iterable[CatalogItemField], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.definitions = list(definitions)
        description = self.fields.pop("description")
        for definition in self.definitions:
            self.fields[field_key(definition)] = build_field(definition, user)
        self.fields["description"] = description

    def answers(self) -> dict[int, Any]:
        """Cleaned values by field id (only after ``is_valid()``)."""
        return {d.pk: self.cleaned_data.get(field_key(d)) for d in self.definitions}
