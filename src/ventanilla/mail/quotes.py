"""Cutting quoted history and signatures off replies (our rules first: ARCHITECTURE §1).

Handles our own marker line, Gmail, Outlook (desktop and web), Apple Mail and Thunderbird attribution
lines in Spanish and English, ``>`` quoting and common signatures. The full message is kept elsewhere
(the stored raw mail), so cutting too much hides text but never loses it.
"""

from __future__ import annotations

import re

# Our outbound mail starts with this line; everything from it down is what we sent.
MARKER_EN = "##- Please type your reply above this line -##"
MARKER_ES = "##- Escriba su respuesta por encima de esta línea -##"
_MARKER = re.compile(r"^\s*>*\s*##-.*-##\s*$")

_WROTE = r"(wrote|escribi[óo]|a\s+[ée]crit)\s*:\s*$"
_ATTRIBUTION = [
    # Gmail / Apple Mail / Thunderbird: "On <date>, <name> wrote:" (may wrap over two lines).
    re.compile(r"^\s*On\b.{4,300}" + _WROTE, re.IGNORECASE | re.DOTALL),
    # Spanish: "El lun, 5 ene 2026 a las 10:00, Ana (<ana@x.es>) escribió:" / "El 05/01/26 a las…"
    re.compile(r"^\s*El\b.{4,300}" + _WROTE, re.IGNORECASE | re.DOTALL),
    # Thunderbird default without date: "Alice wrote:" / "Ana escribió:"
    re.compile(r"^\s*[^\s>].{0,80}\s" + _WROTE, re.IGNORECASE),
]
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(Original Message|Mensaje original|Forwarded message|Mensaje reenviado)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Outlook's header block: From/De, then Sent/Enviado (or Date/Fecha) within the next lines.
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|De)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Enviado|Date|Fecha|To|Para)\s*:\*?\s", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(
    r"^(--\s?|Sent from my \w+.*|Enviado desde mi \w+.*|Get Outlook for \w+.*|Obtener Outlook para \w+.*"
    r"|Sent from Mail for Windows.*|Enviado desde Correo para Windows.*)$",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The new part of a reply: text above the first quote/attribution/marker, without a signature."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        if _MARKER.match(line) or _ORIGINAL.match(line):
            cut = i
            break
        if _UNDERSCORES.match(line) and i + 1 < len(lines) and _OUTLOOK_FROM.match(lines[i + 1]):
            cut = i
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(nxt) for nxt in lines[i + 1 : i + 4]):
            cut = i
            break
        joined = line if line.strip() else ""
        joined2 = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if joined and any(p.match(joined) for p in _ATTRIBUTION[:2]):
            cut = i
            break
        if (
            joined
            and i + 1 < len(lines)
            and any(p.match(joined2) for p in _ATTRIBUTION[:2])
            and not any(p.match(lines[i + 1]) for p in _ATTRIBUTION[:2])
        ):
            cut = i
            break
        if joined and _ATTRIBUTION[2].match(joined) and _quoted_follows(lines, i + 1):
            cut = i
            break
        if line.startswith(">") and all(not x.strip() or x.startswith(">") for x in lines[i:]):
            cut = i
            break
    kept = lines[:cut]
    for i, line in enumerate(kept):
        if _SIGNATURE.match(line.rstrip()) or line == "-- ":
            kept = kept[:i]
            break
    result = "\n".join(kept).strip()
    return result


def _quoted_follows(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 3]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


# Where each client's quoted part starts in HTML; everything from there on is cut.
_HTML_CUTS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"<div[^>]+class=\"?[^\">]*gmail_quote",  # Gmail
        r"<blockquote[^>]+type=\"?cite",  # Apple Mail, Thunderbird
        r"<div[^>]+class=\"?moz-cite-prefix",  # Thunderbird attribution
        r"<div[^>]+id=\"?(divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)",  # Outlook
        r"<hr[^>]+id=\"?stopSpelling",  # old Outlook.com
        r"<div[^>]+class=\"?(OutlookMessageHeader|yahoo_quoted)",
        r"##-\s",  # our marker
    )
]


def strip_reply_html(html: str) -> str:
    """Cut the quoted part of an HTML reply (the sanitiser closes whatever tags the cut leaves open)."""
    positions = [m.start() for p in _HTML_CUTS if (m := p.search(html or ""))]
    return (html or "")[: min(positions)] if positions else (html or "")
