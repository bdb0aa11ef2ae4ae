"""IMAP poller (imapclient): fetch, store durably, only then move or flag the message on the server.

If the process dies between storing and acknowledging, the message is fetched again next time and the
store recognises it (same Message-ID / content): nothing is lost and nothing is processed twice.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import ssl
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from .choices import Source
from .models import Mailbox
from .services import TemporaryFailure, store_messages

logger = logging.getLogger(__name__)


class ImapError(Exception):
    """The mailbox's server cannot be used as configured (TLS, certificate, login); the message says why."""


LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ssl_context() -> ssl.SSLContext:
    """Certificates are always verified (chain and host name): against ``MAIL_IMAP_CA_FILE`` when set,
    else against the system's trust store. There is no setting that turns verification off."""
    return ssl.create_default_context(cafile=settings.MAIL_IMAP_CA_FILE or None)


def connect(mailbox: Mailbox) -> Any:
    """A logged-in client, or :class:`ImapError`; a failed TLS handshake never falls back to plain text."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    where = {"host": mailbox.imap_host, "port": mailbox.imap_port, "mailbox": mailbox.name}
    if mailbox.imap_security == "none" and not _is_loopback(mailbox.imap_host):
        raise ImapError(
            _(
                "Mailbox %(mailbox)s: IMAP without TLS is allowed only to a loopback address, not to "
                "%(host)s. Choose TLS or STARTTLS."
            )
            % where
        )
    try:
        context = ssl_context()
    except OSError as exc:
        raise ImapError(
            _("MAIL_IMAP_CA_FILE (%(path)s) cannot be read: %(error)s")
            % {"path": settings.MAIL_IMAP_CA_FILE, "error": exc}
        ) from exc
    try:
        client = IMAPClient(
            mailbox.imap_host,
            port=mailbox.imap_port,
            ssl=mailbox.imap_security == "ssl",
            ssl_context=context,
            timeout=60,
        )
        if mailbox.imap_security == "starttls":
            client.starttls(context)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(
            _(
                "Mailbox %(mailbox)s: the certificate of the IMAP server %(host)s:%(port)s could not be "
                "verified (%(reason)s). Nothing was fetched. If the server uses a private CA, set "
                "MAIL_IMAP_CA_FILE to its certificate."
            )
            % {**where, "reason": exc.verify_message or exc.reason}
        ) from exc
    except (ssl.SSLError, IMAPClientError) as exc:
        raise ImapError(
            _("Mailbox %(mailbox)s: no secure connection to the IMAP server %(host)s:%(port)s (%(reason)s).")
            % {**where, "reason": exc}
        ) from exc
    except OSError as exc:
        raise ImapError(
            _("Mailbox %(mailbox)s: the IMAP server %(host)s:%(port)s cannot be reached (%(reason)s).")
            % {**where, "reason": exc}
        ) from exc
    try:
        client.login(mailbox.imap_username, mailbox.imap_password)
    except IMAPClientError as exc:
        with contextlib.suppress(Exception):  # the connection is useless anyway
            client.shutdown()
        raise ImapError(
            _("Mailbox %(mailbox)s: the IMAP server %(host)s:%(port)s refused the login (%(reason)s).")
            % {**where, "reason": exc}
        ) from exc
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
            present = [uid for uid in chunk if fetched.get(uid, {}).get(b"BODY[]") is not None]
            try:
                # One commit for the whole chunk: acknowledged only once it is durably stored.
                results = store_messages(
                    [bytes(fetched[uid][b"BODY[]"]) for uid in present], source=Source.IMAP, mailbox=mailbox
                )
            except TemporaryFailure:
                logger.warning("IMAP %s: store unavailable; leaving the rest on the server", mailbox.name)
                return stored
            for uid, result in zip(present, results, strict=True):
                if result.refused:
                    logger.warning(
                        "IMAP %s uid %s refused: %s; acknowledging it", mailbox.name, uid, result.refused
                    )
                stored += int(result.created)
            done = present
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
        except ImapError as exc:
            logger.error("IMAP poll of %s failed: %s", mailbox.name, exc)
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
        except ImapError as exc:
            logger.error("%s Retrying in 30 s.", exc)
            time.sleep(30)
        except Exception:
            logger.exception("IMAP connection to %s failed; retrying in 30 s", mailbox.name)
            time.sleep(30)
