"""Batched storing: ``store_messages`` and ``ventanilla import_mail`` for a folder of messages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from ventanilla.mail.models import InboundMessage
from ventanilla.mail.services import store_messages
from ventanilla.tickets.models import Ticket

from .helpers import make_mail

pytestmark = pytest.mark.django_db


def test_store_messages_refuses_alone_and_deduplicates(personas: Any, mailbox: Any) -> None:
    first = make_mail(subject="Uno", msgid="<s1@c.test>")
    results = store_messages(
        [first, b"this is not a message", first, make_mail(subject="Dos", msgid="<s2@c.test>")],
        mailbox=mailbox,
    )
    assert [r.created for r in results] == [True, False, False, True]
    assert results[1].row is None and results[1].refused  # a reason a person can act on
    assert results[2].row is results[0].row  # the same message twice in one batch: stored once
    assert InboundMessage.objects.count() == 2
    again = store_messages([first], mailbox=mailbox)
    assert not again[0].created and again[0].row is not None and again[0].row.message_id == "s1@c.test"
    assert InboundMessage.objects.count() == 2


def test_import_mail_stores_a_folder_reports_bad_files_and_processes(
    personas: Any, mailbox: Any, tmp_path: Path, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    folder = tmp_path / "Maildir" / "new"
    folder.mkdir(parents=True)
    (folder / "1.eml").write_bytes(make_mail(subject="Pantalla rota", msgid="<i1@c.test>"))
    (folder / "2.eml").write_bytes(
        make_mail(subject="Re: Pantalla rota", msgid="<i2@c.test>", headers={"In-Reply-To": "<i1@c.test>"})
    )
    (folder / "3.eml").write_bytes(make_mail(subject="Pantalla rota", msgid="<i1@c.test>"))  # duplicate
    (folder / "junk.txt").write_bytes(b"just some words")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import_mail", str(tmp_path), mailbox="support", now=True, batch_size=2, stdout=out, stderr=err
        )
    assert exit_.value.code == 65  # EX_DATAERR: something was refused, the rest was kept
    assert "junk.txt refused" in err.getvalue()
    assert "2 stored, 1 already stored, 1 refused, 2 processed." in out.getvalue()
    assert "Stored 4 of 4 files" in out.getvalue()  # progress
    ticket = Ticket.objects.get(title="Pantalla rota")
    assert ticket.comments.count() == 1  # the reply threaded onto the ticket of the same import
    assert set(InboundMessage.objects.values_list("source", "state")) == {("import", "done")}


def test_import_mail_names_a_missing_path(personas: Any, tmp_path: Path, settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.LANGUAGE_CODE = "en"
    with pytest.raises(CommandError, match="neither a file nor a folder"):
        call_command("import_mail", str(tmp_path / "nowhere"))
