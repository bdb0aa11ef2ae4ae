"""``ventanilla createtoken EMAIL`` — issue an API token from the command line.

Only the key goes to stdout, so a script can capture it (``KEY=$(ventanilla createtoken ...)``); everything
meant for people goes to stderr. The key is shown once: only its hash is stored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.choices import TokenScope
from ventanilla.accounts.models import User
from ventanilla.accounts.services import create_token
from ventanilla.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for the user with EMAIL and print its key once (only the key, on stdout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="Email address of the token's owner.")
        parser.add_argument(
            "--scope",
            choices=list(TokenScope.values),
            default=TokenScope.READ,
            help="read (default) or write.",
        )
        parser.add_argument("--name", default="", help="A label to recognise the token later.")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            metavar="N",
            help="Expire the token after N days (default: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            message = _("No user with the email address “%(email)s”.") % {"email": email}
            raise CommandError(message, returncode=1)
        expires_at = None
        days = options["expires_days"]
        if days is not None:
            if days < 1:
                raise CommandError(_("--expires-days must be a positive number of days."), returncode=1)
            expires_at = timezone.now() + timedelta(days=days)
        try:
            # actor=None: the operator at the console acts as the system, with full rights.
            token, key = create_token(
                actor=None, user=user, scope=options["scope"], name=options["name"], expires_at=expires_at
            )
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=1) from exc
        self.stdout.write(key)
        self.stderr.write(
            _(
                "Token %(prefix)s created for %(email)s with scope %(scope)s. Store the key now: it is not "
                "shown again."
            )
            % {"prefix": token.prefix, "email": user.email, "scope": token.scope}
        )
