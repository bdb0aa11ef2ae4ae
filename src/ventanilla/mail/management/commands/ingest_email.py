"""`ventanilla ingest_email [--mailbox NAME] [--now] < message.eml` — for MTA pipes.

Exit status (sysexits.h, what MTAs expect): 0 stored (or already stored), 75 EX_TEMPFAIL cannot store
now (the MTA keeps the message and retries), 65 EX_DATAERR refused. The reason goes to stderr; never a
traceback.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = _("Store one RFC 5322 message read from standard input (for MTA pipes).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailbox", help=_("Name of the mailbox the message was delivered to."))
        parser.add_argument(
            "--now",
            action="store_true",
            help=_("Also process the message in this process (no worker needed)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code, message = self._run(options)
        if message:
            self.stderr.write(message)
        if code:
            sys.exit(code)

    def _run(self, options: dict[str, Any]) -> tuple[int, str]:
        try:
            from ventanilla.mail.management._support import read_stdin
            from ventanilla.mail.services import (
                MessageRefused,
                TemporaryFailure,
                mailbox_named,
                process_message,
                store_message,
            )

            raw = read_stdin()
            try:
                mailbox = mailbox_named(options["mailbox"]) if options.get("mailbox") else None
                row, created = store_message(raw, mailbox=mailbox)
            except MessageRefused as exc:
                return EX_DATAERR, _("refused: %(reason)s") % {"reason": exc}
            except TemporaryFailure as exc:
                return EX_TEMPFAIL, _("temporary failure: %(reason)s") % {"reason": exc}
            note = "" if created else _("already stored as message %(id)d") % {"id": row.pk}
            if options.get("now"):
                try:
                    result = process_message(row.pk)
                except Exception as exc:  # stored already: the worker's sweep will process it later
                    return EX_OK, _("stored as %(id)d; processing deferred: %(reason)s") % {
                        "id": row.pk,
                        "reason": exc,
                    }
                if result is not None and result.state == "quarantined":
                    note = _("stored as %(id)d but quarantined: %(reason)s") % {
                        "id": row.pk,
                        "reason": result.reason,
                    }
            return EX_OK, note
        except MemoryError:
            return EX_TEMPFAIL, _("temporary failure: out of memory")
        except Exception as exc:  # whatever else: the MTA must keep the message, never lose it
            return EX_TEMPFAIL, _("temporary failure: %(reason)s") % {
                "reason": f"{type(exc).__name__}: {exc}"
            }
