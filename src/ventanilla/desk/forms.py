"""Forms of the workspace. They only parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ventanilla.accounts.choices import STAFF_ROLES
from ventanilla.accounts.models import Team, User
from ventanilla.catalog.models import Service
from ventanilla.tickets.choices import Impact, LinkKind, ResolutionCode, Status, TicketType, Urgency
from ventanilla.tickets.models import Category

from .choices import ContactKind, RemoteTool
from .models import Macro

# Kept for importers of the old minimal list page.
from .queue import QueueFilterForm as TicketFilterForm  # noqa: F401


def _blank(choices: Any, label: Any) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


def _agents() -> Any:
    return User.objects.filter(role__in=list(STAFF_ROLES), is_active=True).order_by("full_name", "email")


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (templates stay free of per-field markup)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ComposerForm(forms.Form):
    """Public reply or internal note, with attachments and an optional macro already filled in."""

    REPLY, NOTE = "reply", "note"
    visibility = forms.ChoiceField(
        label=_("Send as"),
        choices=[(REPLY, _("Public reply")), (NOTE, _("Internal note"))],
        initial=REPLY,
        required=False,  # missing means a public reply
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    macro = forms.ModelChoiceField(
        label=_("Macro"), queryset=Macro.objects.none(), required=False, empty_label=_("— no macro —")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, macros: Any = None, staff: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        macro_field = self.fields["macro"]
        assert isinstance(macro_field, forms.ModelChoiceField)
        if macros is not None:
            macro_field.queryset = macros
        if not staff:
            del self.fields["visibility"]
            del self.fields["macro"]
        _style(self)

    @property
    def public(self) -> bool:
        return self.cleaned_data.get("visibility", self.REPLY) != self.NOTE


# Kept for the customer side of the minimal pages.
CommentForm = ComposerForm


class TransitionForm(forms.Form):
    """Status change. ``to`` offers only what the lifecycle allows for this user now."""

    to = forms.ChoiceField(label=_("New status"))
    resolution_code = forms.ChoiceField(
        label=_("Resolution code"), required=False, choices=_blank(ResolutionCode.choices, "—")
    )
    resolution_note = forms.CharField(
        label=_("Resolution note"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when resolving: what was done."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.fields["to"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [(value, Status(value).label) for value in allowed]
        _style(self)


class AssignForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("— no team —")
    )
    assignee = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("— unassigned —")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = _agents()
        _style(self)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Link type"), choices=LinkKind.choices)
    target = forms.CharField(
        label=_("Ticket number"), max_length=30, widget=forms.TextInput(attrs={"placeholder": "INC-000123"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class MergeForm(forms.Form):
    target = forms.CharField(
        label=_("Merge this ticket into"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "INC-000123"}),
        help_text=_(
            "Its replies, notes, attachments and watchers move there; this ticket is closed as a duplicate."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Assign")),
        ("transition", _("Change status")),
        ("tag", _("Tag")),
        ("merge", _("Merge")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    ticket = forms.TypedMultipleChoiceField(label=_("Tickets"), coerce=int, choices=[])
    assignee = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("— nobody —")
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("— keep team —"),
    )
    to = forms.ChoiceField(label=_("New status"), required=False, choices=_blank(Status.choices, "—"))
    resolution_code = forms.ChoiceField(
        label=_("Resolution code"), required=False, choices=_blank(ResolutionCode.choices, "—")
    )
    resolution_note = forms.CharField(label=_("Resolution note"), required=False, max_length=5_000)
    add_tags = forms.CharField(label=_("Add tags"), required=False, max_length=300)
    remove_tags = forms.CharField(label=_("Remove tags"), required=False, max_length=300)
    target = forms.CharField(label=_("Merge into ticket"), required=False, max_length=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = _agents()
        tickets = self.fields["ticket"]
        assert isinstance(tickets, forms.ChoiceField)
        # Any id parses; which of them the user may touch is decided by restrict() in the view.
        tickets.valid_value = lambda value: True  # type: ignore[method-assign]
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "transition" and not data.get("to"):
            self.add_error("to", _("Choose the new status."))
        if action == "merge" and not data.get("target"):
            self.add_error("target", _("Give the number of the ticket to merge into."))
        if action == "tag" and not (data.get("add_tags") or data.get("remove_tags")):
            self.add_error("add_tags", _("Give at least one tag to add or remove."))
        return data


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("View name"), max_length=80)
    team = forms.ModelChoiceField(
        label=_("Share with team"), queryset=Team.objects.none(), required=False, empty_label=_("— only me —")
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        if teams is not None:
            team.queryset = teams
        _style(self)


class ContactForm(forms.Form):
    """One screen for a call, walk-in or remote session: caller, what happened, and maybe the fix."""

    kind = forms.ChoiceField(
        label=_("Contact"), choices=ContactKind.choices, initial=ContactKind.PHONE, widget=forms.RadioSelect
    )
    caller_query = forms.CharField(
        label=_("Find the caller"), required=False, max_length=100, help_text=_("Name, email or phone.")
    )
    caller = forms.ModelChoiceField(
        label=_("Caller"), queryset=User.objects.none(), required=False, widget=forms.HiddenInput
    )
    new_name = forms.CharField(label=_("Name"), required=False, max_length=200)
    new_email = forms.EmailField(label=_("Email"), required=False)
    new_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the caller said"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, initial=TicketType.INCIDENT)
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=Impact.choices, coerce=int, initial=Impact.MINOR
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("— me —")
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.order_by("name"), required=False, empty_label="—"
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label="—"
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=24 * 60, initial=0
    )
    remote_tool = forms.ChoiceField(
        label=_("Remote tool"), required=False, choices=_blank(RemoteTool.choices, "—")
    )
    session_reference = forms.CharField(
        label=_("Session reference"),
        required=False,
        max_length=200,
        help_text=_("Session id or link of the remote tool."),
    )
    resolve = forms.BooleanField(label=_("Resolved at first contact"), required=False)
    resolution_code = forms.ChoiceField(
        label=_("Resolution code"), required=False, choices=_blank(ResolutionCode.choices, "—")
    )
    resolution_note = forms.CharField(
        label=_("Resolution note"), required=False, max_length=5_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, callers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        caller = self.fields["caller"]
        assert isinstance(caller, forms.ModelChoiceField)
        if callers is not None:
            caller.queryset = callers
        self.fields["caller_query"].widget.attrs.update(type="search", autocomplete="off")
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("caller"):
            if not data.get("new_email") and not self.errors.get("new_email"):
                self.add_error(
                    "new_email", _("Choose a caller from the search, or enter the new caller's email.")
                )
            if not data.get("new_name"):
                self.add_error("new_name", _("Enter the new caller's name."))
        if data.get("resolve"):
            if not data.get("resolution_code"):
                self.add_error("resolution_code", _("Choose a resolution code."))
            if not (data.get("resolution_note") or "").strip():
                self.add_error("resolution_note", _("Say what solved it."))
        return data
