"""Ordering from the service catalogue: the only code that writes catalogue requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core.context import acting_as
from ventanilla.core.errors import NotFound, ValidationFailed
from ventanilla.core.permissions import can, restrict
from ventanilla.tickets.choices import Channel, TicketType
from ventanilla.tickets.models import Ticket

from .models import CatalogItem, CatalogItemField, CatalogRequest, FieldKind


def _invalid(definition: CatalogItemField, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(f"{definition.label}: {message}", code=code, field=f"field_{definition.pk}")


def _clean_answer(definition: CatalogItemField, value: Any, actor: Any) -> Any:
    """The value as stored (JSON), or None when empty. Raises for wrong types and foreign objects."""
    if value in (None, "", [], ()):
        if definition.required:
            raise _invalid(definition, _("This field is required."), "required")
        return None
    kind = definition.kind
    if kind == FieldKind.TEXT:
        return str(value).strip()[:2000] or None
    if kind == FieldKind.NUMBER:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise _invalid(definition, _("Enter a number.")) from None
        if not number.is_finite():
            raise _invalid(definition, _("Enter a number."))
        return format(number.normalize(), "f")
    if kind == FieldKind.CHOICE:
        if str(value) not in definition.choice_list:
            raise _invalid(definition, _("Choose one of the options offered."), "invalid_choice")
        return str(value)
    if kind == FieldKind.DATE:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise _invalid(definition, _("Enter a date (YYYY-MM-DD).")) from None
    if kind == FieldKind.USER:
        person_id = value.pk if isinstance(value, User) else value
        person = restrict(User.objects.filter(is_active=True), actor, "view").filter(pk=person_id).first()
        if person is None:  # missing and invisible people read the same
            raise _invalid(definition, _("Choose a person from the list."), "invalid_choice")
        return {"id": person.pk, "name": person.get_full_name(), "email": person.email}
    if kind == FieldKind.ATTACHMENT:
        return value  # an uploaded file: stored as a ticket attachment below
    raise _invalid(definition, _("Unknown field type."))


def submit_catalog_request(
    *,
    actor: User,
    item: CatalogItem,
    answers: dict[int, Any],
    description: str = "",
    channel: str = Channel.PORTAL,
) -> Ticket:
    """Order ``item`` for ``actor``: opens a service request with the validated answers attached.

    The item must be orderable by the actor (else "not found"). The request goes to the item's service
    and team; files answered to attachment fields become public attachments of the ticket. All or
    nothing: a refused file leaves no ticket behind.
    """
    from ventanilla.tickets.services import add_attachment, assign_ticket, create_ticket

    if not item.is_active or not can(actor, "view", item):
        raise NotFound(_("This catalogue item does not exist or is not offered to you."))
    definitions = list(item.fields.order_by("position", "id"))
    cleaned = {d.pk: _clean_answer(d, answers.get(d.pk), actor) for d in definitions}
    with acting_as(actor), transaction.atomic():
        ticket = create_ticket(
            actor=actor,
            requester=actor,
            type=TicketType.REQUEST,
            channel=channel,
            title=item.name,
            description=description,
            service=item.service,
        )
        if item.team_id and ticket.team_id != item.team_id:
            # The catalogue's routing is configuration, applied on the desk's authority
            # (customers cannot route tickets themselves).
            assign_ticket(actor=None, ticket=ticket, team=item.team)
        stored: list[dict[str, Any]] = []
        for definition in definitions:
            value = cleaned[definition.pk]
            if definition.kind == FieldKind.ATTACHMENT and value is not None:
                attachment = add_attachment(
                    actor=actor, ticket=ticket, filename=getattr(value, "name", "file"), content=value
                )
                value = {"id": attachment.pk, "filename": attachment.filename}
            stored.append(
                {"field": definition.pk, "label": definition.label, "kind": definition.kind, "value": value}
            )
        CatalogRequest.objects.create(ticket=ticket, item=item, item_name=item.name, answers=stored)
    return ticket
