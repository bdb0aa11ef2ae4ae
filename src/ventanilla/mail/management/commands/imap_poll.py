"""`ventanilla imap_poll [--mailbox NAME] [--idle]` — fetch mail from IMAP mailboxes.

Without ``--idle`` it makes one pass over every IMAP mailbox and exits (cron or beat). With ``--idle``
it stays connected to one mailbox and uses IMAP IDLE (polling when the server lacks it).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Fetch mail from the IMAP mailboxes and store it for processing.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailbox", help=_("Only this mailbox (required with --idle)."))
        parser.add_argument("--idle", action="store_true", help=_("Keep running, waiting with IMAP IDLE."))
        parser.add_argument("--idle-seconds", type=int, default=300)
        parser.add_argument("--now", action="store_true", help=_("Also process what was fetched."))

    def handle(self, *args: Any, **options: Any) -> None:
        from ventanilla.mail.imap import ImapError, idle_loop, poll_all, poll_mailbox
        from ventanilla.mail.models import Mailbox
        from ventanilla.mail.services import process_pending

        mailbox = None
        if options["mailbox"]:
            mailbox = (
                Mailbox.objects.filter(name=options["mailbox"], is_active=True).exclude(imap_host="").first()
            )
            if mailbox is None:
                raise CommandError(
                    _("No active IMAP mailbox is called “%(name)s”.") % {"name": options["mailbox"]}
                )
        if options["idle"]:
            if mailbox is None:
                raise CommandError(_("--idle needs --mailbox."))
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_a: stop.set())
            idle_loop(mailbox, idle_seconds=options["idle_seconds"], stop=stop.is_set)
            return
        try:
            stored = poll_mailbox(mailbox) if mailbox else poll_all()
        except ImapError as exc:
            raise CommandError(str(exc)) from exc
        processed = process_pending() if options["now"] else 0
        self.stdout.write(
            _("%(stored)d new message(s) stored, %(processed)d processed.")
            % {"stored": stored, "processed": processed}
        )
