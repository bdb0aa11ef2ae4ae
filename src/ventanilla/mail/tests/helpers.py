"""Building test messages and running them through the pipeline."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone

from ventanilla.mail.models import InboundMessage
from ventanilla.mail.services import process_message, store_message


def make_mail(
    *,
    sender: str = "ana@acme.test",
    to: str = "support@desk.test",
    subject: str = "Printer broken",
    body: str = "The printer on floor 2 does not print.",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    msgid: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = msgid or make_msgid(domain="client.test")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def ingest(raw: bytes, mailbox: Any = None, **kwargs: Any) -> InboundMessage:
    row, _created = store_message(raw, mailbox=mailbox, **kwargs)
    process_message(row.pk)
    row.refresh_from_db()
    return row
