"""`ventanilla import_mail PATH... [--mailbox NAME] [--now]` — store a folder of messages (a Maildir, an
export of another desk's mail, a test corpus) in batches, then optionally process them here.

Each file is one RFC 5322 message; folders are read recursively in name order. A batch of messages is
stored with one commit; a file that is not a message is reported with its reason and the rest go on.
Exit status like ``ingest_email``: 0 all stored (or already stored), 65 some files were refused,
75 the store was unavailable (nothing of the failed batch was stored; run the command again).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

EX_DATAERR = 65
EX_TEMPFAIL = 75


def message_files(paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            yield path
        else:
            raise CommandError(_("%(path)s is neither a file nor a folder.") % {"path": name})


class Command(BaseCommand):
    help = _("Store every message file under the given paths (batched), and optionally process them.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", help=_("Message files or folders of them."))
        parser.add_argument("--mailbox", help=_("Name of the mailbox the messages were delivered to."))
        parser.add_argument(
            "--now", action="store_true", help=_("Also process the messages in this process.")
        )
        parser.add_argument("--batch-size", type=int, default=100, help=_("Messages per commit."))

    def handle(self, *args: Any, **options: Any) -> None:
        from ventanilla.mail.choices import Source
        from ventanilla.mail.services import TemporaryFailure, mailbox_named, process_pending, store_messages

        try:
            mailbox = mailbox_named(options["mailbox"]) if options.get("mailbox") else None
        except TemporaryFailure as exc:
            raise CommandError(str(exc)) from exc
        files = list(message_files(options["paths"]))
        size = max(1, options["batch_size"])
        stored = duplicates = refused = 0
        for start in range(0, len(files), size):
            chunk = files[start : start + size]
            try:
                results = store_messages(
                    [path.read_bytes() for path in chunk], source=Source.IMPORT, mailbox=mailbox
                )
            except TemporaryFailure as exc:
                self.stderr.write(_("Stopped at %(path)s: %(reason)s") % {"path": chunk[0], "reason": exc})
                sys.exit(EX_TEMPFAIL)
            for path, result in zip(chunk, results, strict=True):
                if result.refused:
                    refused += 1
                    self.stderr.write(
                        _("%(path)s refused: %(reason)s") % {"path": path, "reason": result.refused}
                    )
                elif result.created:
                    stored += 1
                else:
                    duplicates += 1
            self.stdout.write(
                _("Stored %(done)d of %(total)d files…") % {"done": start + len(chunk), "total": len(files)}
            )
        processed = 0
        if options["now"]:
            while (done := process_pending()) > 0:
                processed += done
                self.stdout.write(_("Processed %(n)d messages…") % {"n": processed})
        self.stdout.write(
            _(
                "%(stored)d stored, %(duplicates)d already stored, %(refused)d refused, "
                "%(processed)d processed."
            )
            % {"stored": stored, "duplicates": duplicates, "refused": refused, "processed": processed}
        )
        if refused:
            sys.exit(EX_DATAERR)
