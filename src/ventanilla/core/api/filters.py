"""Query-string filters shared by the API's FilterSets.

``ListFilter`` accepts repeated parameters and comma lists alike (``?status=new&status=assigned`` or
``?status=new,assigned``) and, for nullable relations, the word ``none`` (``?assignee=none``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field

NONE = object()  # the parsed form of "none"
ME = object()  # the parsed form of "me"


class ListWidget(forms.Widget):
    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str] | None:
        raw = data.getlist(name) if hasattr(data, "getlist") else ([data[name]] if name in data else [])
        values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
        return values or None


class ListField(forms.Field):
    widget = ListWidget

    def __init__(
        self,
        *,
        coerce: Callable[[str], Any] = str,
        allow_none: bool = False,
        allow_me: bool = False,
        **kwargs: Any,
    ) -> None:
        self.coerce, self.allow_none, self.allow_me = coerce, allow_none, allow_me
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Any]:
        if not value:
            return []
        result = []
        for item in value if isinstance(value, list) else [value]:
            if self.allow_none and item.lower() == "none":
                result.append(NONE)
            elif self.allow_me and item.lower() == "me":
                result.append(ME)
            else:
                try:
                    result.append(self.coerce(item))
                except (TypeError, ValueError):
                    raise forms.ValidationError(
                        _("“%(value)s” is not a valid value."), code="invalid", params={"value": item}
                    ) from None
        return result


class ListFilter(django_filters.Filter):
    """``field IN (values)``, with ``none`` meaning ``field IS NULL`` and ``me`` the requesting user."""

    field_class = ListField

    def filter(self, qs: QuerySet[Any], value: list[Any]) -> QuerySet[Any]:
        if not value:
            return qs
        condition = Q()
        plain = [v for v in value if v is not NONE and v is not ME]
        if any(v is ME for v in value):
            plain.append(self.parent.request.user.pk)
        if plain:
            condition |= Q(**{f"{self.field_name}__in": plain})
        if any(v is NONE for v in value):
            condition |= Q(**{f"{self.field_name}__isnull": True})
        return qs.filter(condition)


def _int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _choice(values: Iterable[Any]) -> Callable[[str], Any]:
    allowed = {str(v): v for v in values}

    def coerce(value: str) -> Any:
        if value not in allowed:
            raise ValueError(value)
        return allowed[value]

    return coerce


def id_list_filter(
    field_name: str, *, allow_none: bool = False, allow_me: bool = False, help_text: str = ""
) -> ListFilter:
    words = [w for w, on in (("none", allow_none), ("me", allow_me)) if on]
    item: dict[str, Any] = {"type": "integer"}
    if words:
        item = {"oneOf": [{"type": "integer"}, {"type": "string", "enum": words}]}
    flt = ListFilter(
        field_name=field_name, coerce=_int, allow_none=allow_none, allow_me=allow_me, help_text=help_text
    )
    return extend_schema_field({"type": "array", "items": item, "description": help_text})(flt)


def choice_list_filter(field_name: str, choices: Any, *, help_text: str = "") -> ListFilter:
    values = list(choices.values)
    kind = "integer" if values and isinstance(values[0], int) else "string"
    flt = ListFilter(field_name=field_name, coerce=_choice(values), help_text=help_text)
    schema = {"type": "array", "items": {"type": kind, "enum": values}, "description": help_text}
    return extend_schema_field(schema)(flt)


def text_list_filter(field_name: str, *, help_text: str = "") -> ListFilter:
    flt = ListFilter(field_name=field_name, coerce=lambda v: v.strip().lower(), help_text=help_text)
    return extend_schema_field({"type": "array", "items": {"type": "string"}, "description": help_text})(flt)
