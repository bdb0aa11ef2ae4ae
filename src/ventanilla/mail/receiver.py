"""LMTP/SMTP receiver (aiosmtpd): an MTA delivers here and gets 250 only once the message is stored.

The answer follows the pipe's rules: 250 stored (or already stored), 451 when it cannot be stored now
(the MTA keeps it and retries), 550/554 when it is refused. Recipients must be one of our mailboxes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.db import close_old_connections

from .choices import Source
from .services import MessageRefused, TemporaryFailure, mailbox_for_recipient, store_message

logger = logging.getLogger(__name__)


def _blocking(func: Any, *args: Any, **kwargs: Any) -> Any:
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


class DeskHandler:
    def __init__(self, source: str = Source.LMTP, accept_any: bool = False) -> None:
        self.source = source
        self.accept_any = accept_any

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            mailbox = await asyncio.to_thread(_blocking, mailbox_for_recipient, address)
        except Exception as exc:
            logger.warning("recipient lookup failed: %s", exc)
            return "451 4.3.0 Mailbox lookup failed, try again later"
        if mailbox is None and not self.accept_any:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        status = await asyncio.to_thread(_blocking, self._store, raw, list(envelope.rcpt_tos))
        if self.source == Source.LMTP:
            # LMTP answers once per recipient; the message is stored once for all of them.
            return "\r\n".join([status] * max(len(envelope.rcpt_tos), 1))
        return status

    def _store(self, raw: bytes, recipients: list[str]) -> str:
        mailbox = next((m for m in (mailbox_for_recipient(r) for r in recipients) if m is not None), None)
        try:
            row, created = store_message(
                raw, source=self.source, mailbox=mailbox, envelope_recipients=recipients
            )
        except MessageRefused as exc:
            return f"554 5.6.0 {str(exc)[:200]}"
        except TemporaryFailure as exc:
            logger.warning("cannot store message: %s", exc)
            return "451 4.3.0 Cannot store the message right now, try again later"
        except Exception:
            logger.exception("unexpected error storing a message")
            return "451 4.3.0 Temporary failure, try again later"
        return f"250 2.0.0 Stored as {row.pk}" if created else f"250 2.0.0 Already stored as {row.pk}"


def make_controller(*, host: str, port: int, lmtp: bool, accept_any: bool = False) -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.lmtp import LMTP
    from django.conf import settings

    handler = DeskHandler(Source.LMTP if lmtp else Source.SMTP, accept_any=accept_any)

    class _Controller(Controller):
        def factory(self) -> Any:
            if lmtp:
                return LMTP(self.handler, **self.SMTP_kwargs)
            return super().factory()

    return _Controller(
        handler, hostname=host, port=port, data_size_limit=settings.MAIL_MAX_MESSAGE_BYTES, decode_data=False
    )
