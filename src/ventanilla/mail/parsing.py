"""Turning raw RFC 5322 bytes into what the desk needs: who, what, which thread, which kind of mail.

Parsing never raises for a bad message: what cannot be decoded is decoded with the declared fallback
charset and noted (``notes``) so agents know the text may be imperfect.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import functools
import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from ventanilla.core.html import html_to_text, sanitize_html

from . import tokens
from .addresses import address_list, author_address, plain_mailbox, unfold

INLINE_DATA_URI_MAX = 512 * 1024  # larger inline images are kept as attachments only

# Header fetching, made cheap without changing a single result. ``policy.default`` builds a header
# object (a full RFC 5322 parse) every time anything, the stdlib's own parser included, reads a header:
# that was ~80% of the parse time. For the plain values nearly all mail carries, the text of that object
# is known without parsing, so _QuickHeaders returns that text; anything else (encoded words, 8-bit
# bytes, comments, escapes, RFC 2231, address and date headers) still gets the real header object.
# test_parsing_speed.py checks the shortcuts against the real parser.
_HEADER_CLASSES = HeaderRegistry().registry  # lower-case name -> class; the rest are unstructured
_LINESEP = re.compile(r"\r|\n")  # what EmailPolicy.header_fetch_parse removes
_SURROGATE = re.compile("[\udc80-\udcff]")
_MIME_WORD = r"[A-Za-z0-9!#$%&'*+.^_`{|}~-]+"  # an RFC 2045 token
_MIME_HEAD = re.compile(rf"(?:{_MIME_WORD}/{_MIME_WORD}|({_MIME_WORD}))[ \t]*(?=;|\Z)")
_MIME_PARAM = re.compile(
    r"[ \t]*([A-Za-z0-9!#$&+.^_`{|}~-]+)[ \t]*=[ \t]*"  # attribute: a token without * ' %
    r"""(?:([A-Za-z0-9!#$%&+.^_`{|}~-]+)|"([ \t!#-\[\]-~]*)")[ \t]*(?:;|\Z)"""
)
_CTE = re.compile(rf"{_MIME_WORD}[ \t]*")


def _plain_mime_header(value: str, *, with_subtype: bool) -> str | None:
    """The text policy.default gives a simple Content-Type/-Disposition: parameters re-quoted."""
    head = _MIME_HEAD.match(value)
    if head is None or (head.group(1) is None) != with_subtype:
        return None
    params: dict[str, str] = {}
    pos = head.end() + 1  # past the ";" (or the end)
    while pos < len(value):
        param = _MIME_PARAM.match(value, pos)
        if param is None:
            if value[pos:].strip(" \t"):
                return None
            break
        name, token, quoted = param.groups()
        params.setdefault(name, token if token is not None else quoted)  # the first of a name wins
        pos = param.end()
    text = "; ".join(f'{k}="{v}"' if v else k for k, v in params.items())
    return value[: head.end()] + (";" if head.end() < len(value) else "") + (" " + text if text else "")


def plain_header(name: str, value: str) -> str | None:
    """What ``str(policy.default.header_factory(name, value))`` is, when that is certain; else None."""
    # A part's Content-Type is read about five times, and common values recur from message to message;
    # long values are not worth the memory.
    return _plain_header_cached(name, value) if len(value) <= 200 else _plain_header(name, value)


def _plain_header(name: str, value: str) -> str | None:
    if "=?" in value or _SURROGATE.search(value):
        return None
    lname = name.lower()
    kind = _HEADER_CLASSES.get(lname)
    if kind is None or issubclass(kind, UnstructuredHeader):
        return value  # unstructured text is kept as it is
    if lname in ("content-type", "content-disposition"):
        return _plain_mime_header(value, with_subtype=lname == "content-type")
    if lname == "content-transfer-encoding":
        return value if _CTE.fullmatch(value) else None
    return None


_plain_header_cached = functools.lru_cache(maxsize=1024)(_plain_header)


if TYPE_CHECKING:  # the stubs make EmailPolicy generic in its message class; the runtime does not
    _EmailPolicy = EmailPolicy[EmailMessage]
else:
    _EmailPolicy = EmailPolicy


class _QuickHeaders(_EmailPolicy):
    """policy.default, with the header texts above handed out as plain strings."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):  # a header object set by the stdlib itself
            return value
        value = _LINESEP.sub("", value)
        plain = plain_header(name, value)
        return plain if plain is not None else self.header_factory(name, value)


MAIL_POLICY = _QuickHeaders()


@dataclass
class Part:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class BounceReport:
    address: str
    action: str = ""
    status: str = ""
    diagnostic: str = ""


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    sender_problem: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""
    attachments: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    auto: str = ""  # "", "auto_replied", "auto_generated", "bulk"
    our_loop: bool = False
    bounce: bool = False
    bounce_reports: list[BounceReport] = field(default_factory=list)
    bounced_message_ids: list[str] = field(default_factory=list)
    forwarded: bool = False
    stripped_headers: list[str] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)
    text_from_html: bool = False
    html_raw: str = ""  # unsanitised (quote markers live in class/id attributes); never shown

    @property
    def is_out_of_office(self) -> bool:
        return self.auto == "auto_replied"


def _fix_surrogates(value: str) -> tuple[str, bool]:
    """Raw 8-bit bytes in headers come through as surrogates: decode them as UTF-8, else the fallback."""
    if not _SURROGATE.search(value):
        return value, False
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode(settings.MAIL_FALLBACK_CHARSET, "replace"), True


def header_text(msg: Message, name: str, notes: list[str] | None = None) -> str:
    """A header as readable text (RFC 2047 decoded), never raising."""
    raw = msg.get(name)
    if raw is None:
        return ""
    try:
        value = str(raw)
    except Exception:  # an unknown charset in an encoded word: decode what we can ourselves
        value = ""
    if not value or "=?" in value:
        try:
            chunks = []
            for chunk, charset in decode_header(unfold(str(_raw_header(msg, name) or ""))):
                if isinstance(chunk, bytes):
                    try:
                        chunk = chunk.decode(charset or "ascii")
                    except (LookupError, UnicodeDecodeError):
                        chunk = chunk.decode(settings.MAIL_FALLBACK_CHARSET, "replace")
                        if notes is not None:
                            notes.append(
                                _(
                                    "The %(header)s header used an unknown or wrong character set; it "
                                    "was decoded as %(charset)s."
                                )
                                % {"header": name, "charset": settings.MAIL_FALLBACK_CHARSET}
                            )
                chunks.append(chunk)
            value = "".join(chunks) or value
        except Exception:
            value = value or str(_raw_header(msg, name) or "")
    value, fell_back = _fix_surrogates(value)
    if fell_back and notes is not None:
        notes.append(
            _("The %(header)s header contained undeclared 8-bit text; it was decoded as %(charset)s.")
            % {"header": name, "charset": settings.MAIL_FALLBACK_CHARSET}
        )
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", unfold(value)).strip()


def _raw_header(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items() if isinstance(msg, EmailMessage) else msg.items():
        if key.lower() == name.lower():
            return str(value)
    return None


class _Headers:
    """A message's headers by lower-case name, indexed once: every ``msg.get`` scans them all."""

    def __init__(self, msg: Message) -> None:
        self._policy = msg.policy
        self._items: dict[str, list[tuple[str, str]]] = {}
        for key, value in msg.raw_items():
            self._items.setdefault(key.lower(), []).append((key, str(value)))

    def get(self, name: str) -> Any:
        """What ``msg.get(name)`` gives."""
        items = self._items.get(name.lower())
        return self._policy.header_fetch_parse(*items[0]) if items else None

    def first(self, name: str) -> str:
        """The first raw value, or ""."""
        items = self._items.get(name.lower())
        return items[0][1] if items else ""

    def all(self, name: str) -> list[str]:
        """Every raw value, with 8-bit text decoded."""
        return [_fix_surrogates(value)[0] for _key, value in self._items.get(name.lower(), ())]


_MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str) -> list[str]:
    return [m.strip() for m in _MSGID.findall(value or "")][:100]


def decode_text(part: Message, notes: list[str]) -> str:
    """The text of a part in its declared charset; a wrong or unknown one falls back with a note."""
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:
        payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "surrogateescape")
    declared = (part.get_content_charset() or "").strip().strip('"').lower()
    fallback = settings.MAIL_FALLBACK_CHARSET
    candidates: list[str] = []
    if declared:
        try:
            codecs.lookup(declared)
            candidates.append(declared)
        except (LookupError, ValueError):  # ValueError: a NUL byte in the declared name
            notes.append(
                _(
                    "The text declared the unknown character set “%(charset)s”; it was decoded as "
                    "%(fallback)s."
                )
                % {"charset": declared[:40], "fallback": fallback}
            )
    candidates += ["us-ascii", "utf-8"] if not declared else ["utf-8"]
    for charset in candidates:
        try:
            text = payload.decode(charset)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = payload.decode(fallback, "replace")
        if declared and not any(declared in n for n in notes):
            notes.append(
                _("Part of the text was not valid %(charset)s; it was decoded as %(fallback)s.")
                % {"charset": declared[:40], "fallback": fallback}
            )
        elif not declared:
            notes.append(
                _("The text had no character set; it was decoded as %(fallback)s.") % {"fallback": fallback}
            )
    return text.replace("\r\n", "\n").replace("\x00", "")


AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|respuesta autom[áa]tica|"
    r"fuera de (la )?oficina|ausente:)",
    re.IGNORECASE,
)
BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery failure|failure notice|returned mail|"
    r"mail delivery failed|no se (ha )?pudo entregar|mensaje no entregado|error de entrega|"
    r"notificaci[óo]n de estado de (la )?entrega)",
    re.IGNORECASE,
)


def _classify_auto(msg: _Headers, subject: str, result: ParsedMessage) -> None:
    """RFC 3834 and the headers real responders use; our own loop header if it is genuinely ours."""
    auto_submitted = (msg.get("Auto-Submitted") or "").strip().lower()
    precedence = (msg.get("Precedence") or "").strip().lower()
    if (
        auto_submitted.startswith("auto-replied")
        or msg.get("X-Autoreply")
        or msg.get("X-Autorespond")
        or (msg.get("X-Auto-Response-Suppress") and AUTO_SUBJECT.search(subject))
    ) or AUTO_SUBJECT.search(subject):
        result.auto = "auto_replied"
    elif auto_submitted and auto_submitted != "no":
        result.auto = "auto_generated"
    elif (
        precedence in ("bulk", "junk", "list", "auto_reply")
        or msg.get("List-Id")
        or msg.get("List-Unsubscribe")
        or msg.get("Feedback-ID")
    ):
        result.auto = "bulk"
    elif precedence == "auto_reply":
        result.auto = "auto_replied"
    for value in msg.all(tokens.LOOP_HEADER):
        if tokens.is_our_loop(value):
            result.our_loop = True


def _content_id(part: Message) -> str:
    return (str(part.get("Content-ID") or "")).strip().strip("<>").strip()


def _part_filename(part: Message, notes: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name, fell_back = _fix_surrogates(str(name))
    if "=?" in name:  # some clients put RFC 2047 words in RFC 2231 parameters
        with contextlib.suppress(Exception):  # nothing useful to do about it
            name = str(make_header(decode_header(name)))
    if fell_back:
        notes.append(
            _("An attachment name was not valid text and was decoded as %(charset)s.")
            % {"charset": settings.MAIL_FALLBACK_CHARSET}
        )
    return name.strip()


def _default_name(content_type: str, index: int, content_id: str = "") -> str:
    ext = mimetypes.guess_extension(content_type) or ".bin"
    base = re.sub(r"[^A-Za-z0-9_-]", "", content_id.split("@")[0])[:40] or f"part{index}"
    return f"{base}{ext}"


def _calendar_summary(text: str) -> str:
    """What an invitation is about, from its iCalendar text (unfolded lines, first VEVENT)."""
    text = re.sub(r"\r?\n[ \t]", "", text)
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        name = key.split(";", 1)[0].upper()
        if name in {"METHOD", "SUMMARY", "DTSTART", "DTEND", "LOCATION", "ORGANIZER"} and name not in values:
            values[name] = value.replace("\\n", " ").replace("\\,", ",").strip()
    lines = [_("Calendar invitation (%(method)s)") % {"method": values.get("METHOD", "PUBLISH")}]
    for key, label in (
        ("SUMMARY", _("Subject")),
        ("DTSTART", _("Starts")),
        ("DTEND", _("Ends")),
        ("LOCATION", _("Place")),
        ("ORGANIZER", _("Organiser")),
    ):
        if values.get(key):
            lines.append(f"{label}: {values[key].removeprefix('mailto:').removeprefix('MAILTO:')}")
    return "\n".join(lines)


def _delivery_status(part: Message, result: ParsedMessage) -> None:
    """The per-recipient blocks of a message/delivery-status part."""
    payload = part.get_payload()
    blocks: list[Any] = payload if isinstance(payload, list) else []
    if not blocks:  # some MTAs send it as text: parse the blocks ourselves
        raw = part.get_payload(decode=True) or b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        blocks = [
            message_from_bytes(chunk.strip().encode(), policy=policy.compat32)
            for chunk in re.split(r"\r?\n\r?\n", text)
            if chunk.strip()
        ]
    for block in blocks:
        recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        result.bounce_reports.append(
            BounceReport(
                address=address[:320],
                action=str(block.get("Action") or "").strip().lower()[:20],
                status=str(block.get("Status") or "").strip()[:20],
                diagnostic=unfold(str(block.get("Diagnostic-Code") or ""))[:1000],
            )
        )


def _children(msg: Message) -> list[Message]:
    parts = list(msg.iter_parts()) if isinstance(msg, EmailMessage) else msg.get_payload()
    return [p for p in parts if isinstance(p, Message)] if isinstance(parts, list) else []


def _walk(msg: Message, result: ParsedMessage, plain: list[str], html: list[str], *, in_report: bool) -> None:
    ctype = msg.get_content_type()
    if ctype == "message/delivery-status":  # its blocks look like parts; they are not
        result.bounce = True
        _delivery_status(msg, result)
        return
    if msg.is_multipart() and ctype != "message/rfc822":
        report = ctype == "multipart/report"
        if ctype == "multipart/alternative":
            # Take the richest alternative we understand, plus the plain one for the text version.
            children = _children(msg)
            sub_plain: list[str] = []
            sub_html: list[str] = []
            for child in children:
                _walk(child, result, sub_plain, sub_html, in_report=in_report)
            plain.extend(sub_plain[:1] or [])
            html.extend(sub_html[:1] or [])
            return
        for child in _children(msg):
            _walk(child, result, plain, html, in_report=in_report or report)
        return
    disposition = (msg.get_content_disposition() or "").lower()
    filename = _part_filename(msg, result.notes)
    content_id = _content_id(msg)
    if ctype == "message/delivery-status":
        result.bounce = True
        _delivery_status(msg, result)
        return
    if ctype in ("message/rfc822", "text/rfc822-headers") and (in_report or result.bounce):
        inner_bytes = _part_bytes(msg)
        inner = message_from_bytes(inner_bytes, policy=MAIL_POLICY)
        result.bounced_message_ids += message_ids(_raw_message_id(inner))
        return
    if ctype == "message/rfc822":
        inner_bytes = _part_bytes(msg)
        inner = message_from_bytes(inner_bytes, policy=MAIL_POLICY)
        inner_parsed = parse_message(inner_bytes)
        result.forwarded = True
        subject = header_text(inner, "Subject") or _("(no subject)")
        summary = "\n".join(
            [
                "",
                _("---------- Forwarded message ----------"),
                _("From: %(from)s") % {"from": header_text(inner, "From")},
                _("Date: %(date)s") % {"date": header_text(inner, "Date")},
                _("Subject: %(subject)s") % {"subject": subject},
                "",
                inner_parsed.text,
            ]
        )
        plain.append(summary)
        name = filename or re.sub(r"[^\w .-]", "_", subject)[:80] + ".eml"
        result.attachments.append(Part(name, "message/rfc822", inner_bytes))
        result.attachments += inner_parsed.attachments
        return
    is_body_type = ctype in ("text/plain", "text/html")
    if is_body_type and disposition != "attachment" and not filename:
        text = decode_text(msg, result.notes)
        (plain if ctype == "text/plain" else html).append(text)
        return
    if ctype == "text/calendar":
        text = decode_text(msg, result.notes)
        result.calendar.append(_calendar_summary(text))
        result.attachments.append(Part(filename or "invitation.ics", "text/calendar", text.encode("utf-8")))
        return
    data = _part_bytes(msg)
    result.attachments.append(
        Part(
            filename=filename or _default_name(ctype, len(result.attachments) + 1, content_id),
            content_type=ctype,
            data=data,
            content_id=content_id,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
        )
    )


def _raw_message_id(msg: Message) -> str:
    """The Message-ID header's raw text: the structured parser raises on some malformed values."""
    for key, value in msg.raw_items() if isinstance(msg, EmailMessage) else msg.items():
        if key.lower() == "message-id":
            return _fix_surrogates(str(value))[0]
    return ""


def _part_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else payload
        if isinstance(inner, Message):
            try:
                return inner.as_bytes(policy=policy.SMTP.clone(linesep="\n"))
            except Exception:
                return str(inner).encode("utf-8", "replace")
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    return str(part.get_payload() or "").encode("utf-8", "surrogateescape")


def _inline_images(html: str, parts: list[Part]) -> str:
    """Point ``cid:`` images at data URIs so they show without a request to anyone."""
    by_cid = {p.content_id.lower(): p for p in parts if p.content_id}

    def replace(match: re.Match[str]) -> str:
        part = by_cid.get(match.group(2).strip().lower())
        if (
            part is None
            or not part.content_type.startswith("image/")
            or len(part.data) > INLINE_DATA_URI_MAX
            or part.content_type == "image/svg+xml"
        ):
            return match.group(0)
        encoded = base64.b64encode(part.data).decode()
        return f"{match.group(1)}data:{part.content_type};base64,{encoded}"

    return re.sub(r"""(src\s*=\s*["']?)cid:([^"'\s>]+)""", replace, html, flags=re.IGNORECASE)


def _from_name(msg: EmailMessage, headers: _Headers, address: str) -> str:
    """The display name the first From header gives the author's address, if any."""
    mailbox = plain_mailbox(_LINESEP.sub("", headers.first("From")))
    if mailbox is not None:
        return mailbox[0] if mailbox[1].lower() == address else ""
    try:
        addresses = msg["From"].addresses if msg["From"] is not None else ()
        return next((a.display_name for a in addresses if a.addr_spec.lower() == address), "")
    except Exception:
        return ""


def parse_message(raw: bytes) -> ParsedMessage:
    msg = message_from_bytes(raw, policy=MAIL_POLICY)
    result = ParsedMessage()
    notes = result.notes
    # Headers that look like our own control headers came from outside: never trust, never keep.
    for key in dict.fromkeys(k for k, _v in msg.raw_items()):  # each name once, in message order
        if key.lower().startswith(tokens.CONTROL_HEADER_PREFIX) and key.lower() != tokens.LOOP_HEADER.lower():
            result.stripped_headers.append(key)
            del msg[key]
    result.subject = header_text(msg, "Subject", notes)[:300]
    headers = _Headers(msg)
    result.message_id = (message_ids(headers.first("Message-ID")) or [""])[0][:490]
    result.in_reply_to = message_ids(headers.first("In-Reply-To"))
    result.references = message_ids(" ".join(headers.all("References")))
    result.from_address, result.sender_problem = author_address(headers.all("From"), headers.all("Sender"))
    result.from_name = _fix_surrogates(_from_name(msg, headers, result.from_address))[0][:150]
    result.to = address_list(
        " , ".join(headers.all("To") + headers.all("Delivered-To") + headers.all("X-Original-To"))
    )
    result.cc = address_list(" , ".join(headers.all("Cc")))
    _classify_auto(headers, result.subject, result)
    plain: list[str] = []
    html: list[str] = []
    _walk(msg, result, plain, html, in_report=False)
    if (
        not result.bounce
        and (BOUNCE_SENDER.match(result.from_address) or not result.from_address)
        and BOUNCE_SUBJECT.search(result.subject)
    ):
        # A bounce without a DSN part: recognised by sender and subject; addresses come from the text.
        result.bounce = True
        body = "\n".join(plain)
        result.bounced_message_ids += message_ids(
            " ".join(re.findall(r"Message-ID:\s*(<[^>]+>)", body, re.I))
        )
        for address in re.findall(
            r"<?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)>?:?\s*\n?.{0,40}"
            r"(?:user unknown|does not exist|no existe|mailbox unavailable|"
            r"rejected|rechazad)",
            body,
            re.I,
        ):
            result.bounce_reports.append(BounceReport(address=address.lower(), action="failed"))
    result.text = "\n\n".join(p.strip("\n") for p in plain if p.strip()).strip()
    raw_html = "".join(html)
    if raw_html:
        result.html_raw = _inline_images(raw_html, result.attachments)
        result.html = sanitize_html(result.html_raw)
        if not result.text:
            result.text = html_to_text(result.html)
            result.text_from_html = True
    if result.calendar:
        result.text = "\n\n".join([result.text, *result.calendar]).strip()
    return result
