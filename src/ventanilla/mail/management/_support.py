"""Small helpers shared by the mail management commands."""

from __future__ import annotations

import sys


def read_stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        return bytes(stream.read())
    return sys.stdin.read().encode("utf-8", "surrogateescape")
