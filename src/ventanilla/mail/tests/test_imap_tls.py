"""IMAP over implicit TLS against a real Dovecot whose certificate a CA made by the test signed.

The certificate is always verified: against ``MAIL_IMAP_CA_FILE`` when set, else the system's trust
store. A certificate that does not verify is a clear error and nothing is fetched; there is no silent
fallback to an unverified or plain connection.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from imapclient import IMAPClient

from ventanilla.mail.imap import ImapError, connect, poll_all, poll_mailbox
from ventanilla.mail.models import InboundMessage, Mailbox
from ventanilla.mail.services import process_pending
from ventanilla.tickets.models import Ticket

from .helpers import make_mail
from .servers import Dovecot, dovecot_server, make_ca

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):  # the messages asserted below are the English ones
        yield


@pytest.fixture(scope="module")
def tls_dovecot() -> Any:
    with dovecot_server(tls=True) as server:
        yield server


def _mailbox(server: Dovecot, **fields: Any) -> Mailbox:
    values: dict[str, Any] = {
        "name": "tls",
        "address": "tls@desk.test",
        "imap_host": "127.0.0.1",
        "imap_port": server.tls_port,
        "imap_security": "ssl",
        "imap_username": server.user,
        "imap_password": server.password,
        **fields,
    }
    return Mailbox.objects.create(**values)


def _append(server: Dovecot, *messages: bytes) -> None:
    with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:  # the plain loopback port
        client.login(server.user, server.password)
        for raw in messages:
            client.append("INBOX", raw)


def _unseen(server: Dovecot) -> int:
    with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
        client.login(server.user, server.password)
        client.select_folder("INBOX")
        return len(client.search(["UNSEEN"]))


def _empty_inbox(server: Dovecot) -> None:
    with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
        client.login(server.user, server.password)
        client.select_folder("INBOX")
        uids = client.search(["ALL"])
        if uids:
            client.delete_messages(uids)
            client.expunge()


def test_poll_over_tls_verifies_the_certificate_against_the_ca_file(
    personas: Any, settings: Any, tls_dovecot: Dovecot
) -> None:
    _empty_inbox(tls_dovecot)
    settings.MAIL_IMAP_CA_FILE = str(tls_dovecot.ca_file)
    box = _mailbox(tls_dovecot, team=personas.team_1)
    _append(tls_dovecot, make_mail(subject="Por TLS", msgid="<tls-1@c.test>"))
    client = connect(box)
    try:
        # The session really is TLS, with the certificate the test CA signed.
        sock = client._imap.sock
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
        assert dict(x[0] for x in sock.getpeercert()["subject"])["commonName"] == "127.0.0.1"
    finally:
        client.logout()
    assert poll_mailbox(box) == 1
    assert _unseen(tls_dovecot) == 0  # acknowledged (flagged) only after it was stored
    assert process_pending() == 1
    assert Ticket.objects.get().title == "Por TLS"
    out = io.StringIO()
    call_command("imap_poll", "--mailbox", "tls", stdout=out)
    assert "0 new message(s) stored" in out.getvalue()


@pytest.mark.parametrize("trust", ["system", "other_ca"])
def test_unverifiable_certificate_is_refused_with_a_clear_error(
    personas: Any, settings: Any, tls_dovecot: Dovecot, tmp_path: Path, trust: str
) -> None:
    _empty_inbox(tls_dovecot)
    other_ca, _key = make_ca(tmp_path, "other")
    settings.MAIL_IMAP_CA_FILE = "" if trust == "system" else str(other_ca)
    box = _mailbox(tls_dovecot)
    _append(tls_dovecot, make_mail(subject="No debe leerse", msgid=f"<tls-refused-{trust}@c.test>"))

    with pytest.raises(ImapError) as refused:
        poll_mailbox(box)
    message = str(refused.value)
    assert "certificate" in message and "could not be verified" in message
    assert f"127.0.0.1:{tls_dovecot.tls_port}" in message and "MAIL_IMAP_CA_FILE" in message
    # Nothing was fetched, stored or acknowledged: the message waits on the server.
    assert not InboundMessage.objects.exists()
    assert _unseen(tls_dovecot) == 1

    # The command says why in one line (no traceback); the periodic pass logs it and carries on.
    with pytest.raises(CommandError, match="could not be verified"):
        call_command("imap_poll", "--mailbox", "tls", stdout=io.StringIO())
    assert poll_all() == 0
    assert not InboundMessage.objects.exists()


def test_a_ca_file_that_cannot_be_read_is_a_clear_error(
    personas: Any, settings: Any, tls_dovecot: Dovecot, tmp_path: Path
) -> None:
    settings.MAIL_IMAP_CA_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(ImapError, match="MAIL_IMAP_CA_FILE"):
        connect(_mailbox(tls_dovecot))


def test_plain_imap_is_refused_for_a_host_that_is_not_loopback(personas: Any) -> None:
    box = Mailbox.objects.create(
        name="far",
        address="far@desk.test",
        imap_host="192.0.2.10",  # TEST-NET-1: never contacted, the check comes first
        imap_port=143,
        imap_security="none",
        imap_username="u",
        imap_password="p",
    )
    with pytest.raises(ImapError, match="loopback"):
        connect(box)
    with translation.override("es"), pytest.raises(ImapError, match="solo se permite hacia una dirección"):
        connect(box)
