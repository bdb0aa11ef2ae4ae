"""`ventanilla process_mail [--deliver]` — process pending inbound mail (and send the outbox) once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Process stored inbound mail that is still pending, and optionally deliver the outbox.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--deliver", action="store_true", help=_("Also send pending outbound mail."))

    def handle(self, *args: Any, **options: Any) -> None:
        from ventanilla.mail.outbound import deliver_outbox
        from ventanilla.mail.services import process_pending

        processed = 0
        while (done := process_pending()) > 0:
            processed += done
        sent = 0
        if options["deliver"]:
            while (done := deliver_outbox()) > 0:
                sent += done
        self.stdout.write(
            _("%(processed)d processed, %(sent)d sent.") % {"processed": processed, "sent": sent}
        )
