"""``ventanilla import_tickets FILE`` — create tickets from a JSON Lines file (``-`` reads stdin).

Checks the whole file first and writes nothing if any line is wrong (every problem is listed with its
line number); then writes everything in one transaction. Exit status: 0 imported (or checked, with
``--dry-run``), 65 (EX_DATAERR) the file has problems, 1 anything else. See docs/admin/import.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

EX_DATAERR = 65


class Command(BaseCommand):
    help = (
        "Create tickets from a JSON Lines file (one ticket per line); nothing is written if a line is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The .jsonl file, or - for standard input.")
        parser.add_argument(
            "--create-requesters",
            action="store_true",
            help="Create customer accounts for requester emails that have none (joined to the "
            "organisation owning their email domain).",
        )
        parser.add_argument(
            "--notify",
            action="store_true",
            help="Send the usual notifications (acknowledgements to requesters, new-ticket mail to "
            "agents). Off by default: imported tickets are usually old news.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Tickets written per statement batch."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ventanilla.tickets.importing import check_file, write_plan

        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size must be at least 1."), returncode=1)
        lines = self._lines(options["file"])
        plan = check_file(
            lines,
            create_requesters=options["create_requesters"],
            progress=lambda n: self._progress(_("Checked %(n)d lines…") % {"n": n}),
        )
        self._progress("", end=True)
        if plan.problems:
            for problem in plan.problems[:200]:
                self.stderr.write(str(problem))
            if len(plan.problems) > 200:
                self.stderr.write(_("… and %(n)d more problems.") % {"n": len(plan.problems) - 200})
            raise CommandError(
                _(
                    "%(n)d problem(s) found; nothing was imported. "
                    "Fix the lines above and run the command again."
                )
                % {"n": len(plan.problems)},
                returncode=EX_DATAERR,
            )
        if options["dry_run"]:
            self.stdout.write(
                _(
                    "The file is valid: %(tickets)d tickets, %(people)d new requesters. "
                    "Nothing was written (--dry-run)."
                )
                % {"tickets": len(plan.items), "people": len(plan.new_requesters)}
            )
            return
        total = len(plan.items)
        created = write_plan(
            plan,
            batch_size=options["batch_size"],
            notify=options["notify"],
            progress=lambda n: self._progress(
                _("Imported %(n)d of %(total)d tickets (%(pct)d%%)…")
                % {"n": n, "total": total, "pct": 100 * n // max(total, 1)}
            ),
        )
        self._progress("", end=True)
        if created:
            self.stdout.write(
                _("Imported %(n)d tickets (%(first)s … %(last)s).")
                % {"n": len(created), "first": created[0].number, "last": created[-1].number}
            )
        else:
            self.stdout.write(_("The file holds no tickets; nothing was imported."))

    def _lines(self, name: str) -> Any:
        if name == "-":
            return sys.stdin
        path = Path(name)
        try:
            return path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise CommandError(_("No file %(name)s.") % {"name": name}, returncode=1) from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                _("%(name)s is not UTF-8 text (%(error)s). Save it as UTF-8 and try again.")
                % {"name": name, "error": exc.reason},
                returncode=EX_DATAERR,
            ) from None

    def _progress(self, message: str, *, end: bool = False) -> None:
        """Progress on one rewritten line when a person watches; silent in pipes and logs."""
        stream: Any = self.stderr._out  # the raw stream, to rewrite the line in place
        if not stream.isatty():
            return
        stream.write("\r\033[K" + message + ("\n" if end and message else ""))
        stream.flush()
