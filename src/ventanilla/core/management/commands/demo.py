"""``ventanilla demo`` — load the bilingual demo desk (idempotent: a second run adds nothing)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ventanilla.core.demo import DEFAULT_TICKETS, DEMO_LOGINS, build_demo


class Command(BaseCommand):
    help = "Load demo data: three customer organisations, two teams, a service catalogue and ~200 tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets",
            type=int,
            default=DEFAULT_TICKETS,
            help=f"How many tickets to generate on the first run (default {DEFAULT_TICKETS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["tickets"]
        if count < 0:
            raise CommandError(_("--tickets must be zero or more."))
        started = time.monotonic()
        created = build_demo(tickets=count, progress=lambda message: self.stdout.write(f"  {message}"))
        elapsed = time.monotonic() - started
        if created:
            summary = ", ".join(f"{kind}: {n}" for kind, n in sorted(created.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo data ready in %(s).1f s (%(summary)s).") % {"s": elapsed, "summary": summary}
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Demo data already loaded; nothing to do.")))
        self.stdout.write(_("Demo logins:"))
        for role, email, password in DEMO_LOGINS:
            self.stdout.write(f"  {role!s:<30} {email:<42} {password}")
