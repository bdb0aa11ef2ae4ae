"""Forms of the minimal desk pages. They only parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.tickets.choices import Priority, ResolutionCode, Status, TicketType


def _blank(choices: Any, label: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class TicketFilterForm(forms.Form):
    """GET filters of the ticket list; invalid values are ignored rather than shown as errors."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(Status.choices, _("Any status"))
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=_blank(TicketType.choices, _("Any type"))
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_blank(Priority.choices, _("Any priority")),
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            )
        self.fields["q"].widget.attrs.update(type="search", placeholder=_("Number, title, text…"))


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        max_length=20_000,
    )
    internal = forms.BooleanField(
        label=_("Internal note (only agents see it)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class TransitionForm(forms.Form):
    """Status change. ``to`` offers only what the lifecycle allows for this user now."""

    to = forms.ChoiceField(label=_("New status"), widget=forms.Select(attrs={"class": "form-select"}))
    resolution_code = forms.ChoiceField(
        label=_("Resolution code"),
        required=False,
        choices=_blank(ResolutionCode.choices, "—"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    resolution_note = forms.CharField(
        label=_("Resolution note"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Required when resolving: what was done."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.fields["to"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [(value, Status(value).label) for value in allowed]
