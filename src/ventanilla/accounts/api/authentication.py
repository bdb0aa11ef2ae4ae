from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ventanilla.accounts.services import authenticate_token
from ventanilla.core import ratelimit


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``. Unknown, revoked and expired keys fail the same way.

    Failed keys count per client address (``RATE_LIMIT_API_AUTH_IP``); over the limit every key from that
    address, right or wrong, answers 429 until the window passes, so guessing keys gets nowhere.
    """

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: use “Token <key>”."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        failures = ("api-auth-ip", ratelimit.ip_identity(request))
        wait = ratelimit.peek(failures, request=request)
        if wait:
            raise exceptions.Throttled(wait)
        token = authenticate_token(key)
        if token is None or not token.user.is_active:
            ratelimit.record(failures)
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "ventanilla.accounts.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create keys with `ventanilla createtoken EMAIL --scope write`.",
        }
