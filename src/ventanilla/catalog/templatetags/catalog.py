"""``{% catalog_answers ticket as catalog_request %}``: a ticket's catalogue answers, ready to show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from ventanilla.core.permissions import restrict

from ..models import CatalogRequest, FieldKind

register = template.Library()


def _attachment_url(user: Any, ticket_id: int, attachment_id: int) -> str:
    # Customers download through the portal; agents through the API (session auth works there too).
    names = (
        ("portal:attachment", {"pk": ticket_id, "attachment_id": attachment_id}),
        ("api:ticket-attachments-download", {"ticket_pk": ticket_id, "pk": attachment_id}),
    )
    if getattr(user, "is_staff_side", False):
        names = names[::-1]
    for name, kwargs in names:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def answer_rows(catalog_request: CatalogRequest, user: Any) -> list[dict[str, Any]]:
    rows = []
    for answer in catalog_request.answers or []:
        value, kind = answer.get("value"), answer.get("kind")
        row: dict[str, Any] = {"label": answer.get("label", ""), "kind": kind, "value": value, "url": ""}
        if value is None:
            row["text"] = ""
        elif kind == FieldKind.DATE:
            try:
                row["date"] = dt.date.fromisoformat(str(value))
            except ValueError:
                row["text"] = str(value)
        elif kind == FieldKind.USER and isinstance(value, dict):
            row["text"] = value.get("name") or value.get("email", "")
        elif kind == FieldKind.ATTACHMENT and isinstance(value, dict):
            row["text"] = value.get("filename", "")
            row["url"] = _attachment_url(user, catalog_request.ticket_id, int(value.get("id", 0)))
        else:
            row["text"] = str(value)
        rows.append(row)
    return rows


@register.simple_tag(takes_context=True)
def catalog_answers(context: template.Context, ticket: Any) -> dict[str, Any] | None:
    """``{"item": name, "rows": [...]}`` or None when the ticket was not ordered from the catalogue.

    Reads through the permission engine (one query); the view may pass ``catalog_request`` to skip it.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    found = context.get("catalog_request")
    ticket_id = getattr(ticket, "pk", None)
    if ticket_id is None:
        return None
    if not isinstance(found, CatalogRequest) or found.ticket_id != ticket_id:
        found = restrict(CatalogRequest.objects.filter(ticket_id=ticket_id), user, "view").first()
    if found is None:
        return None
    return {"item": found.item_name, "rows": answer_rows(found, user)}
