"""``ventanilla check_translations`` — fail when the Spanish catalog is incomplete or out of date.

Fails when an entry of the catalog is untranslated or fuzzy, when a translation's %-placeholders differ from
the original's (that would crash at run time), or — where GNU gettext is installed — when ``makemessages``
would add strings that the catalog lacks. The extraction runs on a temporary copy of the source, so the
working tree is never touched. Without gettext that last part is skipped with a notice.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from ._catalogs import Catalog, catalogs, entry_key, entry_label, entry_problems

# Strings that only tests use are not part of the product; the same ignores are documented for
# makemessages in docs/development/README.md.
EXTRACT_IGNORE = ["tests", "testing", "node_modules", "__pycache__"]
GETTEXT_PROGRAMS = ("xgettext", "msgmerge", "msguniq", "msgattrib")
SHOW_AT_MOST = 40


class Command(BaseCommand):
    help = "Check that translation catalogs are complete, not fuzzy, and contain every string in the code."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-l", "--locale", default="es", help="Language to check (default: es).")
        parser.add_argument(
            "--skip-extraction",
            action="store_true",
            help="Only check completeness; do not run makemessages on a copy of the code.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language: str = options["locale"]
        self.verbosity = int(options["verbosity"])
        found = list(catalogs(language))
        if not any(c.domain == "django" for c in found):
            raise CommandError(
                _("No “django” catalog for language “%(lang)s” under %(path)s.")
                % {"lang": language, "path": settings.LOCALE_PATHS[0]},
                returncode=1,
            )
        failures = 0
        for catalog in found:
            failures += self._check_entries(catalog)
        if options["skip_extraction"]:
            self.stdout.write(_("Skipped the check for new strings (--skip-extraction)."))
        elif missing := [p for p in GETTEXT_PROGRAMS if shutil.which(p) is None]:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "GNU gettext is not installed (missing %(programs)s): skipped the check for strings "
                        "that makemessages would add. Install the Debian package “gettext” to run it."
                    )
                    % {"programs": ", ".join(missing)}
                )
            )
        else:
            for catalog in found:
                failures += self._check_extraction(catalog)
        if failures:
            raise CommandError(
                _("Translations are incomplete: %(count)d problem(s).") % {"count": failures}, returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Translations for “%(lang)s” are complete (%(catalogs)s).")
                % {"lang": language, "catalogs": ", ".join(f"{c.domain}.po" for c in found)}
            )
        )

    def _report(self, title: str, lines: list[str]) -> None:
        self.stderr.write(self.style.ERROR(title))
        for line in lines[:SHOW_AT_MOST]:
            self.stderr.write(f"  {line}")
        if len(lines) > SHOW_AT_MOST:
            self.stderr.write("  " + _("… and %(n)d more") % {"n": len(lines) - SHOW_AT_MOST})

    def _check_entries(self, catalog: Catalog) -> int:
        po = polib.pofile(str(catalog.po_path))
        bad = [f"{entry_label(e)}: {', '.join(p)}" for e in po if (p := entry_problems(e))]
        if bad:
            self._report(
                _("%(path)s: %(n)d entries are not usable translations:")
                % {"path": catalog.po_path, "n": len(bad)},
                bad,
            )
        return len(bad)

    def _check_extraction(self, catalog: Catalog) -> int:
        """Run makemessages on a throwaway copy of the package and compare the message ids."""
        package = Path(settings.PACKAGE_DIR)
        with tempfile.TemporaryDirectory(prefix="ventanilla-i18n-") as tmp:
            root = Path(tmp) / package.name
            shutil.copytree(
                package,
                root,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po", "node_modules"),
            )
            locale_dir = root / "locale"
            locale_dir.mkdir(exist_ok=True)
            with override_settings(LOCALE_PATHS=[locale_dir]), contextlib.chdir(root):
                call_command(
                    "makemessages",
                    locale=[catalog.language],
                    domain=catalog.domain,
                    verbosity=0,
                    ignore_patterns=EXTRACT_IGNORE,
                    no_obsolete=True,
                )
            generated_path = locale_dir / catalog.language / "LC_MESSAGES" / f"{catalog.domain}.po"
            generated = polib.pofile(str(generated_path)) if generated_path.exists() else polib.POFile()
        committed = {entry_key(e) for e in polib.pofile(str(catalog.po_path)) if not e.obsolete}
        new = [entry_label(e) for e in generated if e.msgid and entry_key(e) not in committed]
        stale = {entry_key(e) for e in generated if e.msgid}
        unused = len([k for k in committed if k[1] and k not in stale])
        if unused and self.verbosity >= 1:
            self.stdout.write(
                _(
                    "%(path)s: %(n)d entries are no longer used in the code (harmless; "
                    "makemessages --no-obsolete removes them)."
                )
                % {"path": catalog.po_path, "n": unused}
            )
        if new:
            self._report(
                _(
                    "%(path)s lacks %(n)d strings that are in the code (run makemessages, then "
                    "translate them):"
                )
                % {"path": catalog.po_path, "n": len(new)},
                new,
            )
        return len(new)
