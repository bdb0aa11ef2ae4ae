"""IMAP poller (imapclient): fetch, store durably, only then move or flag the message on the server.

If the process dies between storing and acknowledging, the message is fetched again next time and the
store recognises it (same Message-ID / content): nothing is lost and nothing is processed twice.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from typing import Any

from django.db import close_old_connections

from .choices import Source
from .models import Mailbox
from .services import MessageRefused, TemporaryFailure, store_message

logger = logging.getLogger(__name__)


def connect(mailbox: Mailbox) -> Any:
    from imapclient import IMAPClient

    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_security == "ssl",
        ssl_context=context,
        timeout=60,
    )
    if mailbox.imap_security == "starttls":
        client.starttls(context)
    client.login(mailbox.imap_username, mailbox.imap_password)
    return client


def _acknowledge(client: Any, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    if mailbox.imap_done_folder:
        if not client.folder_exists(mailbox.imap_done_folder):
            client.create_folder(mailbox.imap_done_folder)
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.imap_done_folder)
        else:
            client.copy(uids, mailbox.imap_done_folder)
            client.delete_messages(uids)
            if client.has_capability("UIDPLUS"):
                client.expunge(uids)
            else:
                client.expunge()
    else:
        client.add_flags(uids, [b"\\Seen"])


def poll_mailbox(mailbox: Mailbox, client: Any | None = None, *, batch: int = 100) -> int:
    """Store every waiting message of one mailbox; returns how many were newly stored."""
    own = client is None
    client = client or connect(mailbox)
    stored = 0
    try:
        client.select_folder(mailbox.imap_folder)
        criteria = ["NOT", "DELETED"] if mailbox.imap_done_folder else ["UNSEEN", "NOT", "DELETED"]
        uids = sorted(client.search(criteria))
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            # BODY.PEEK leaves \\Seen alone: the flag is our acknowledgement and is set only after storing.
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            done: list[int] = []
            for uid in chunk:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue
                try:
                    _row, created = store_message(bytes(raw), source=Source.IMAP, mailbox=mailbox)
                except MessageRefused as exc:
                    logger.warning("IMAP %s uid %s refused: %s; acknowledging it", mailbox.name, uid, exc)
                except TemporaryFailure:
                    logger.warning("IMAP %s: store unavailable; leaving the rest on the server", mailbox.name)
                    _acknowledge(client, mailbox, done)
                    return stored
                else:
                    stored += int(created)
                done.append(uid)
            _acknowledge(client, mailbox, done)
    finally:
        close_old_connections()
        if own:
            with contextlib.suppress(Exception):  # nothing useful to do about it
                client.logout()
    return stored


def poll_all() -> int:
    total = 0
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host=""):
        try:
            total += poll_mailbox(mailbox)
        except Exception:
            logger.exception("IMAP poll of %s failed", mailbox.name)
    return total


def idle_loop(mailbox: Mailbox, *, idle_seconds: int = 300, stop: Any = None) -> None:
    """Poll, then wait with IDLE (or sleep when the server lacks it) until new mail; reconnect on errors."""
    while stop is None or not stop():
        try:
            client = connect(mailbox)
            try:
                while stop is None or not stop():
                    poll_mailbox(mailbox, client)
                    if client.has_capability("IDLE"):
                        client.idle()
                        try:
                            client.idle_check(timeout=idle_seconds)
                        finally:
                            client.idle_done()
                    else:
                        time.sleep(min(idle_seconds, 60))
            finally:
                with contextlib.suppress(Exception):  # nothing useful to do about it
                    client.logout()
        except Exception:
            logger.exception("IMAP connection to %s failed; retrying in 30 s", mailbox.name)
            time.sleep(30)
