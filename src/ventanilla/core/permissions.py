"""One permission engine: every list, detail, search, count and export goes through :func:`restrict`.

Each domain app registers, per model, a rule that narrows a queryset to what a user may see or do. A
model without a rule is invisible to everyone (fail closed). Objects outside the restricted queryset
answer 404, never 403, so their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.db import models
from django.http import Http404

Action = Literal["view", "change", "delete", "comment", "transition", "assign"]
M = TypeVar("M", bound=models.Model)
Rule = Callable[[models.QuerySet[Any], Any, str], models.QuerySet[Any]]

_rules: dict[type[models.Model], Rule] = {}


def register(model: type[models.Model]) -> Callable[[Rule], Rule]:
    def decorator(rule: Rule) -> Rule:
        _rules[model] = rule
        return rule

    return decorator


def restrict[M: models.Model](
    queryset: models.QuerySet[M], user: Any, action: str = "view"
) -> models.QuerySet[M]:
    """Narrow ``queryset`` to the rows ``user`` may perform ``action`` on."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    rule = _rules.get(queryset.model)
    if rule is None:
        return queryset.none()
    return rule(queryset, user, action)


def get_restricted_or_404[M: models.Model](
    queryset: models.QuerySet[M], user: Any, action: str = "view", **lookup: Any
) -> M:
    model: Any = queryset.model
    try:
        return restrict(queryset, user, action).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def can(user: Any, action: str, obj: models.Model) -> bool:
    """True when ``obj`` survives :func:`restrict` for ``action`` (one indexed query)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()
