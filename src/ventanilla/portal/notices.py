"""The service-notices slot of the portal home. The status page fills it later; until then it is empty."""

from __future__ import annotations

from typing import Any


def current_notices(user: Any) -> list[dict[str, Any]]:
    """Notices for ``user``'s services: ``{"title", "text", "level", "url"}`` each. None yet."""
    return []
