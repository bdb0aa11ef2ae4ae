"""Portal forms. They parse and validate input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from ventanilla.catalog.models import Service
from ventanilla.core.permissions import restrict
from ventanilla.tickets.choices import Impact, Urgency

from .services import set_password

CONTROL = {"class": "form-control"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files; each checked like a single FileField (the services check size and type)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs=CONTROL))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class SignInForm(forms.Form):
    """Email plus password, or email alone to be sent a one-time link (the button pressed decides)."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={**CONTROL, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            attrs={**CONTROL, "autocomplete": "current-password", "aria-describedby": "password-help"}
        ),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={**CONTROL, "autocomplete": "email"})
    )


class SignUpForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={**CONTROL, "autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Work email"),
        max_length=254,
        widget=forms.EmailInput(attrs={**CONTROL, "autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**CONTROL, "autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={**CONTROL, "autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        from .services import signup_organization

        email = self.cleaned_data["email"].strip().lower()
        allowed, _organization = signup_organization(email)
        if not allowed:
            raise forms.ValidationError(
                _(
                    "Sign-up is open only to addresses of the organisations we serve. Use your work address, "
                    "or ask your service desk to create your account."
                ),
                code="signup_not_allowed",
            )
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class PortalSetPasswordForm(SetPasswordForm):
    """Django's reset form, saving through the accounts write path (change log, validation)."""

    def save(self, commit: bool = True) -> Any:
        return set_password(user=self.user, password=self.cleaned_data["new_password1"])


class TicketForm(forms.Form):
    title = forms.CharField(
        label=_("Summary"),
        max_length=200,
        widget=forms.TextInput(attrs=CONTROL),
        help_text=_("In a few words, for example: “Cannot print on floor 2”."),
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={**CONTROL, "rows": 6}),
    )
    impact = forms.TypedChoiceField(
        label=_("Who is affected?"),
        coerce=int,
        initial=Impact.MINOR,
        choices=[
            (Impact.MINOR, _("Only me")),
            (Impact.MODERATE, _("My team")),
            (Impact.SIGNIFICANT, _("My department or site")),
            (Impact.EXTENSIVE, _("The whole organisation")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    urgency = forms.TypedChoiceField(
        label=_("How urgent is it?"),
        coerce=int,
        initial=Urgency.MEDIUM,
        choices=[
            (Urgency.LOW, _("It can wait")),
            (Urgency.MEDIUM, _("Soon: it slows my work")),
            (Urgency.HIGH, _("Today: I cannot work properly")),
            (Urgency.CRITICAL, _("Now: work has stopped")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    service = forms.ModelChoiceField(
        label=_("Which service is it about?"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=_("I don't know"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    attachments = MultipleFileField(
        label=_("Attachments"), help_text=_("Screenshots or documents that help (optional).")
    )

    def __init__(self, *args: Any, user: Any, ask_impact: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ModelChoiceField)
        service.queryset = restrict(Service.objects.filter(is_active=True), user, "view").order_by("name")
        if not ask_impact:
            del self.fields["impact"], self.fields["urgency"]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=20_000, widget=forms.Textarea(attrs={**CONTROL, "rows": 4})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ReopenForm(forms.Form):
    message = forms.CharField(
        label=_("What is still wrong?"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={**CONTROL, "rows": 3}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
