"""pytest fixtures shared by every app's tests (registered from the root conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from ventanilla.accounts.services import create_token

from .personas import Personas, build_personas


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    from django.core.cache import cache

    from ventanilla.core.memo import SharedMemo
    from ventanilla.sla.services import matching

    def forget() -> None:
        cache.clear()
        # A rolled-back test's rows must not outlive it in this process's copies.
        matching._snapshot = None
        SharedMemo.forget_local()

    forget()
    yield
    forget()


@pytest.fixture
def personas(db: Any) -> Personas:
    return build_personas()


@pytest.fixture
def api() -> Any:
    """``api(user, scope="write")`` → an APIClient authenticated with a fresh token of that user."""

    def make(user: Any = None, scope: str = "write") -> APIClient:
        client = APIClient()
        if user is not None:
            _token, key = create_token(actor=user, user=user, scope=scope)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
