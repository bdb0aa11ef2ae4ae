"""``ventanilla compilecatalogs`` — turn the .po translation catalogs into the .mo files Django reads.

Django's own ``compilemessages`` needs GNU gettext's msgfmt; this needs nothing outside the virtualenv, so
``make run`` works on a machine without the system package. Run it after every install or upgrade.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ._catalogs import catalogs, compile_catalog


class Command(BaseCommand):
    help = "Compile Ventanilla's translation catalogs (.po → .mo) without GNU gettext."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-l", "--locale", default=None, help="Only this language (e.g. es).")

    def handle(self, *args: Any, **options: Any) -> None:
        written = unchanged = 0
        for catalog in catalogs(options["locale"]):
            try:
                changed = compile_catalog(catalog)
            except (OSError, ValueError) as exc:
                message = _("Cannot compile %(path)s: %(error)s") % {"path": catalog.po_path, "error": exc}
                raise CommandError(message, returncode=1) from exc
            if changed:
                written += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(_("Compiled %(path)s") % {"path": catalog.mo_path})
            else:
                unchanged += 1
        if options["verbosity"] >= 1:
            self.stdout.write(
                _("Translation catalogs: %(written)d compiled, %(unchanged)d already up to date.")
                % {"written": written, "unchanged": unchanged}
            )
