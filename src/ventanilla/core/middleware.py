from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import acting_as


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and makes the user the actor for the change log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with acting_as(getattr(request, "user", None), request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
