"""The OpenAPI schema generates and validates, and ``check_openapi`` notices a stale committed copy."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


def test_check_openapi_detects_drift(tmp_path):
    schema = tmp_path / "openapi.yaml"
    call_command("spectacular", file=str(schema), validate=True, lang="en")
    call_command("check_openapi", file=str(schema))  # fresh copy: passes
    schema.write_text(schema.read_text().replace("/api/v1/tickets/", "/api/v1/tickets-old/", 1))
    with pytest.raises(CommandError, match="out of date"):
        call_command("check_openapi", file=str(schema))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("check_openapi", file=str(tmp_path / "missing.yaml"))
