"""Importing tickets from a JSON Lines file (a migration from another desk, a spreadsheet export).

Two passes, so bad input loses nothing and half-writes nothing: first every line is parsed, its names
resolved and the ticket checked exactly as :func:`create_ticket` would check it, and *every* problem is
reported with its line number; only a file without problems is written, in one transaction, through
:func:`create_tickets` (one statement per table per batch).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import Role
from ventanilla.accounts.models import Team, User
from ventanilla.accounts.services import create_user, organization_for_email
from ventanilla.catalog.models import Service
from ventanilla.core.errors import DomainError

from .models import Category, Queue, Ticket
from .services import check_ticket, create_tickets

# Fields a line may carry. Plain values go to create_ticket as they are; the others are resolved.
PLAIN_FIELDS = frozenset(
    {
        "title",
        "description",
        "description_html",
        "type",
        "channel",
        "impact",
        "urgency",
        "priority",
        "priority_reason",
        "tags",
    }
)
REFERENCE_FIELDS = frozenset(
    {"requester_email", "assignee_email", "team", "queue", "service", "category", "watchers"}
)
FIELDS = PLAIN_FIELDS | REFERENCE_FIELDS
DEFAULT_CHANNEL = "api"


@dataclass
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = _("line %(line)d") % {"line": self.line}
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class Plan:
    """A checked file: the tickets to create (in file order) and the requesters to create first."""

    items: list[dict[str, Any]] = field(default_factory=list)
    new_requesters: dict[str, User] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Resolver:
    """Names → objects, each distinct name looked up once for the whole file."""

    def __init__(self, create_requesters: bool) -> None:
        self.create_requesters = create_requesters
        self.users: dict[str, User | None] = {}
        self.new_requesters: dict[str, User] = {}
        self.cache: dict[tuple[Any, ...], Any] = {}

    def user(self, email: Any, field_name: str, *, requester: bool = False) -> User:
        if not isinstance(email, str) or "@" not in email:
            raise _Bad(field_name, _("“%(value)s” is not an email address.") % {"value": email})
        key = email.strip().lower()
        if key not in self.users:
            self.users[key] = User.objects.select_related("organization").filter(email__iexact=key).first()
        found = self.users[key]
        if found is not None:
            return found
        if requester and self.create_requesters:
            if key not in self.new_requesters:
                # Not saved yet: the check pass must write nothing. Created in the write pass.
                self.new_requesters[key] = User(
                    email=key, role=Role.CUSTOMER, organization=organization_for_email(key)
                )
            return self.new_requesters[key]
        hint = _(" Create it first, or use --create-requesters.") if requester else ""
        raise _Bad(field_name, _("No user has the email address %(email)s.") % {"email": key} + hint)

    def named(self, model: type[Any], value: Any, field_name: str, **scope: Any) -> Any:
        key = (model.__name__, value, tuple(sorted((k, getattr(v, "pk", v)) for k, v in scope.items())))
        if key not in self.cache:
            qs = model.objects.filter(**scope)
            if isinstance(value, int) and not isinstance(value, bool):
                matches = list(qs.filter(pk=value)[:2])
            elif isinstance(value, str) and value.strip():
                matches = list(qs.filter(name__iexact=value.strip())[:2])
            else:
                raise _Bad(field_name, _("Give a name or an id."))
            if len(matches) > 1:
                raise _Bad(
                    field_name,
                    _("“%(value)s” matches several; use its id instead.") % {"value": value},
                )
            self.cache[key] = matches[0] if matches else None
        found = self.cache[key]
        if found is None:
            raise _Bad(field_name, _("Nothing called “%(value)s” exists.") % {"value": value})
        return found


class _Bad(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _item(data: dict[str, Any], resolver: _Resolver) -> dict[str, Any]:
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise _Bad(
            unknown[0],
            _("Unknown field. Allowed fields: %(fields)s.") % {"fields": ", ".join(sorted(FIELDS))},
        )
    if "requester_email" not in data:
        raise _Bad("requester_email", _("Every ticket needs the requester's email address."))
    item: dict[str, Any] = {name: data[name] for name in PLAIN_FIELDS if name in data}
    item.setdefault("channel", DEFAULT_CHANNEL)
    if "tags" in item and not (
        isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])
    ):
        raise _Bad("tags", _("Give the tags as a list of words."))
    item["requester"] = resolver.user(data["requester_email"], "requester_email", requester=True)
    if data.get("assignee_email"):
        item["assignee"] = resolver.user(data["assignee_email"], "assignee_email")
    if data.get("team") is not None:
        item["team"] = resolver.named(Team, data["team"], "team")
    if data.get("queue") is not None:
        item["queue"] = resolver.named(Queue, data["queue"], "queue")
    if data.get("service") is not None:
        item["service"] = resolver.named(Service, data["service"], "service")
    if data.get("category") is not None:
        scope = {"service": item["service"]} if "service" in item else {}
        item["category"] = resolver.named(Category, data["category"], "category", **scope)
    watchers = data.get("watchers") or []
    if not isinstance(watchers, list):
        raise _Bad("watchers", _("Give the watchers as a list of email addresses."))
    item["watchers"] = [resolver.user(email, "watchers") for email in watchers]
    return item


def check_file(
    lines: Iterable[str], *, create_requesters: bool = False, progress: Callable[[int], None] | None = None
) -> Plan:
    """Parse and check every line (writes nothing). Blank lines and lines starting with ``#`` are skipped."""
    resolver = _Resolver(create_requesters)
    plan = Plan()
    for number, line in enumerate(lines, start=1):
        if progress is not None and number % 1000 == 0:
            progress(number)
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            plan.problems.append(Problem(number, "", _("Not valid JSON (%(error)s).") % {"error": exc.msg}))
            continue
        if not isinstance(data, dict):
            plan.problems.append(Problem(number, "", _("Each line must be one JSON object.")))
            continue
        try:
            item = _item(data, resolver)
            check_ticket(actor=None, **item)
        except _Bad as bad:
            plan.problems.append(Problem(number, bad.field, bad.message))
            continue
        except DomainError as error:
            plan.problems.append(Problem(number, error.field or "", str(error.message)))
            continue
        plan.items.append(item)
    plan.new_requesters = resolver.new_requesters
    return plan


def write_plan(
    plan: Plan, *, batch_size: int = 500, notify: bool = False, progress: Callable[[int], None] | None = None
) -> list[Ticket]:
    """Create the plan's requesters and tickets in one transaction (all or nothing)."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be written")
    created: list[Ticket] = []
    with transaction.atomic():
        saved: dict[str, User] = {}
        for email, draft in plan.new_requesters.items():
            saved[email] = create_user(actor=None, email=email, organization=draft.organization)
        for start in range(0, len(plan.items), batch_size):
            batch = []
            for item in plan.items[start : start + batch_size]:
                requester = item["requester"]
                if requester.pk is None:
                    item = {**item, "requester": saved[requester.email]}
                batch.append(item)
            created.extend(create_tickets(actor=None, items=batch, notify=notify))
            if progress is not None:
                progress(len(created))
    return created
