from __future__ import annotations

from typing import Any

import pytest

from ventanilla.mail.models import Mailbox


@pytest.fixture
def mailbox(personas: Any) -> Mailbox:
    return Mailbox.objects.create(
        name="support",
        address="support@desk.test",
        display_name="Soporte",
        team=personas.team_1,
        language="es",
    )
