"""``ventanilla check_openapi``: fail when docs/api/openapi.yaml no longer matches the code (CI gate)."""

from __future__ import annotations

import difflib
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_SCHEMA = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"
# The schema is the English contract whatever LANGUAGE_CODE the machine runs with.
REGENERATE = "ventanilla spectacular --lang en --file docs/api/openapi.yaml --validate"


class Command(BaseCommand):
    help = "Regenerate the OpenAPI schema in memory and compare it with the committed docs/api/openapi.yaml."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", default=str(DEFAULT_SCHEMA), help="The committed schema to compare with."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        committed_path = Path(options["file"])
        if not committed_path.exists():
            raise CommandError(f"{committed_path} does not exist. Generate it with: {REGENERATE}")
        with tempfile.TemporaryDirectory() as tmp:
            generated_path = Path(tmp) / "openapi.yaml"
            # The very command the schema is committed with, so the two can only differ in content.
            call_command(
                "spectacular",
                file=str(generated_path),
                validate=True,
                lang="en",
                stdout=self.stdout,
                stderr=self.stderr,
            )
            generated = generated_path.read_text(encoding="utf-8")
        committed = committed_path.read_text(encoding="utf-8")
        if generated != committed:
            diff = difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                fromfile=f"{committed_path} (committed)",
                tofile="generated from the code",
            )
            shown = "".join(list(diff)[:80])
            raise CommandError(
                f"The committed OpenAPI schema is out of date with the code.\n{shown}\n"
                f"Regenerate it with: {REGENERATE}"
            )
        self.stdout.write(self.style.SUCCESS(f"{committed_path} matches the code."))
