"""Signed reply tokens and the loop header.

A reply token names a ticket and the person a message was sent to, signed with an HMAC of the site's
secret: ``<ticket>-<user>-<16 hex>``. It travels in our Message-ID (so In-Reply-To/References carry it
back) and in the Reply-To sub-address (``support+<token>@…``). Without the secret nobody can make one
for another ticket or another person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

CONTROL_HEADER_PREFIX = "x-ventanilla-"
LOOP_HEADER = "X-Ventanilla-Loop"
TOKEN_RE = re.compile(r"(?<![0-9])(\d{1,12})-(\d{1,12})-([0-9a-f]{16})(?![0-9a-f])", re.IGNORECASE)


def _key() -> bytes:
    return hashlib.sha256(b"ventanilla.mail.reply-token:" + settings.SECRET_KEY.encode()).digest()


def _sign(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class ReplyToken:
    ticket_id: int
    user_id: int

    def __str__(self) -> str:
        return f"{self.ticket_id}-{self.user_id}-{_sign(f'{self.ticket_id}.{self.user_id}')}"


def make_token(ticket_id: int, user_id: int) -> str:
    return str(ReplyToken(ticket_id, user_id))


def find_tokens(text: str) -> list[ReplyToken]:
    """Every correctly signed token in ``text`` (forged or mangled ones are ignored)."""
    found: list[ReplyToken] = []
    for ticket, user, sig in TOKEN_RE.findall(text or ""):
        if hmac.compare_digest(sig.lower(), _sign(f"{int(ticket)}.{int(user)}")):
            token = ReplyToken(int(ticket), int(user))
            if token not in found:
                found.append(token)
    return found


def loop_value() -> str:
    """Our loop header's value: only this installation can produce it."""
    return f"{_sign('loop')}@{settings.MAIL_DOMAIN}"


def is_our_loop(value: str) -> bool:
    # Bytes: compare_digest refuses non-ASCII str, and a forged header may carry any text.
    given = (value or "").strip().lower().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given, loop_value().lower().encode())
