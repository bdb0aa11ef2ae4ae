"""`ventanilla lmtp_server [--host H] [--port P]` — LMTP receiver for an MTA (Postfix, Exim)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

LMTP = True


class Command(BaseCommand):
    help = _("Receive mail by LMTP and store it for processing (answers 250 only once stored).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2424 if LMTP else 2525)
        parser.add_argument(
            "--accept-any-recipient",
            action="store_true",
            help=_("Accept recipients that are not a configured mailbox."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ventanilla.mail.receiver import make_controller

        controller = make_controller(
            host=options["host"], port=options["port"], lmtp=LMTP, accept_any=options["accept_any_recipient"]
        )
        controller.start()
        self.stdout.write(
            _("Listening on %(host)s:%(port)d") % {"host": options["host"], "port": options["port"]}
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        signal.signal(signal.SIGINT, lambda *_a: stop.set())
        stop.wait()
        controller.stop()
