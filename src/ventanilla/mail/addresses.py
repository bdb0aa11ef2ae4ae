"""Reading the sender's address the way RFC 5322 defines it, not the way a display name suggests.

``alice@evil <bob@corp>`` is from bob@corp; an encoded word that decodes to an address is a display name,
never an address; a From with several mailboxes names its author in Sender. The address must appear
literally in the raw header, so nothing decoded can turn into an identity.
"""

from __future__ import annotations

import re

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00a0-\uffff-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00a0-\uffff-]+)*"
_DOMAIN = (
    r"(?:[A-Za-z0-9\u00a0-\uffff](?:[A-Za-z0-9\u00a0-\uffff-]{0,61}[A-Za-z0-9\u00a0-\uffff])?\.)+"
    r"[A-Za-z\u00a0-\uffff][A-Za-z0-9\u00a0-\uffff-]*"
)
ADDR_SPEC = re.compile(rf"^{_LOCAL}@{_DOMAIN}$")

# A single plain ASCII mailbox (``Name <a@b>``, ``"Last, First" <a@b>``, ``a@b``), the form nearly every
# From takes: read here as the stdlib's RFC 5322 parser reads it, at a fraction of the cost.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_QUOTED = r'"[ \t!#-\[\]-~]*"'  # no backslash: no quoted pairs to undo
# Dots after a word's first letter (``B. Lopez``) are obsolete syntax the stdlib keeps; a name that
# starts or ends with one makes it fail.
_PLAIN_WORD = re.compile(rf"{_ATEXT}(?:{_ATEXT}|\.)*|{_QUOTED}")
_PLAIN_ADDR = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_MAILBOX = re.compile(
    rf"[ \t]*(?:(?P<phrase>(?:{_PLAIN_WORD.pattern})(?:[ \t]+(?:{_PLAIN_WORD.pattern}))*(?<!\.))?[ \t]*"
    rf"<(?P<angle>{_PLAIN_ADDR})>|(?P<bare>{_PLAIN_ADDR}))[ \t]*"
)


def base_address(address: str) -> str:
    """``Support+INC-123@Desk.test`` → ``support@desk.test``: the mailbox a sub-address belongs to."""
    local, _sep, domain = address.strip().strip("<>").lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _skeleton(value: str) -> str:
    """The header with quoted strings and (nested) comments blanked out."""
    if '"' not in value and "(" not in value:
        return value  # nothing to blank (a backslash only escapes inside them)
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            out.append(" ")
            continue
        if ch == "\\" and (quoted or depth):
            escaped = True
            out.append(" ")
            continue
        if quoted:
            quoted = ch != '"'
            out.append(" ")
            continue
        if ch == '"' and not depth:
            quoted = True
            out.append(" ")
            continue
        if ch == "(":
            depth += 1
        if depth:
            if ch == ")":
                depth -= 1
            out.append(" ")
            continue
        out.append(ch)
    return "".join(out)


def unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value or "").strip()


def mailboxes(raw_value: str) -> list[str] | None:
    """The addr-specs of a mailbox-list header, lower-cased; None when the header is not well formed."""
    skeleton = _skeleton(unfold(raw_value))
    result: list[str] = []
    for chunk in skeleton.split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        angles = re.findall(r"<([^<>]*)>", chunk)
        if len(angles) > 1 or ("<" in chunk and not angles):
            return None
        candidate = angles[0] if angles else chunk
        candidate = candidate.strip()
        if ":" in candidate and candidate.startswith("@"):  # obsolete source route: <@relay:user@host>
            candidate = candidate.split(":", 1)[1]
        if not ADDR_SPEC.match(candidate):
            return None
        result.append(candidate.lower())
    return result


def address_list(raw_value: str) -> list[str]:
    """Addresses of a To/Cc header, tolerant: whatever well-formed addr-specs it contains."""
    found: list[str] = []
    for chunk in _skeleton(unfold(raw_value)).replace(";", ",").split(","):
        angles = re.findall(r"<([^<>]*)>", chunk)
        for candidate in angles or [chunk]:
            candidate = candidate.strip().split(":")[-1].strip()
            if ADDR_SPEC.match(candidate) and candidate.lower() not in found:
                found.append(candidate.lower())
    return found


def plain_mailbox(value: str) -> tuple[str, str] | None:
    """(display name, addr-spec) of a plain single mailbox exactly as ``headerregistry`` gives them.

    None for anything else (encoded words, comments, groups, several mailboxes, 8-bit text…): those
    need the real parser.
    """
    match = None if "=?" in value else _PLAIN_MAILBOX.fullmatch(value)
    if match is None:
        return None
    if match["bare"]:
        return "", match["bare"]
    words = _PLAIN_WORD.findall(match["phrase"] or "")
    return " ".join(w[1:-1] if w.startswith('"') else w for w in words), match["angle"]


def author_address(raw_from: list[str], raw_sender: list[str]) -> tuple[str, str]:
    """(address, problem): the one author of a message, or an empty address and why there is none."""
    if not raw_from:
        return "", "no From header"
    if len(raw_from) > 1:
        return "", "several From headers"
    boxes = mailboxes(raw_from[0])
    if not boxes:
        return "", "From header is not a valid address"
    source = raw_from[0]
    if len(boxes) > 1:
        # RFC 5322 §3.6.2: several authors need a Sender naming the one who sent it.
        if len(raw_sender) != 1:
            return "", "several authors and no Sender"
        sender = mailboxes(raw_sender[0])
        if not sender or len(sender) != 1:
            return "", "Sender header is not a valid address"
        boxes, source = sender, raw_sender[0]
    address = boxes[0]
    if address not in unfold(source).lower():
        return "", "address does not appear literally in the header"
    return address, ""
