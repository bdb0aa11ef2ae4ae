from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ventanilla.accounts.choices import TokenScope


class TokenScopePermission(BasePermission):
    """Authenticated users only; a read-scoped token cannot change anything."""

    message = _("This token is read-only; create a token with the write scope.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated and request.user.is_active):
            return False
        token = request.auth
        if token is not None and hasattr(token, "scope") and request.method not in SAFE_METHODS:
            return bool(token.scope == TokenScope.WRITE)
        return True
