"""``ventanilla lift_rate_limits --email ADDRESS --ip ADDRESS`` — end a rate-limit lockout now.

For the call "I mistyped my password too often and now I cannot sign in": clears the counters of that
email address (failed sign-ins, sign-in links and resets), of that person's account (portal submissions,
API use) and/or of a client address. Limits lift by themselves when their window passes; this is for
when someone cannot wait.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core import ratelimit


class Command(BaseCommand):
    help = "Clear the rate-limit counters of an email address (and its account) and/or a client IP address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="", help="The person's email address.")
        parser.add_argument("--ip", default="", help="A client IP address (IPv6: its /64 network).")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        address = options["ip"].strip()
        if not email and not address:
            raise CommandError(_("Give --email, --ip or both."), returncode=1)
        if address:
            try:
                ipaddress.ip_address(address.strip("[]"))
            except ValueError:
                raise CommandError(
                    _("“%(value)s” is not an IP address.") % {"value": address}, returncode=1
                ) from None
        user = User.objects.filter(email__iexact=email).first() if email else None
        cleared = ratelimit.lift(email=email, address=address, user_id=user.pk if user else None)
        self.stdout.write(
            _("Rate limits lifted (%(scopes)s). The person can try again now.")
            % {"scopes": ", ".join(cleared)}
        )
