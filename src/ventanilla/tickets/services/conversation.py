"""Replies, internal notes and attachments."""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import unicodedata
from collections.abc import Iterable
from typing import IO, Any

import puremagic
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core import events
from ventanilla.core.bulk import append_rows
from ventanilla.core.context import acting_as
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.html import html_to_text, sanitize_html
from ventanilla.core.models import ChangeLogEntry
from ventanilla.mail import hooks as mail_hooks
from ventanilla.sla import hooks

from ..choices import FINAL, Channel, Status, TimelineKind
from ..models import Attachment, Comment, Ticket, TimelineEntry
from .common import is_staff, require, timeline_entry, touch, write

# Formats whose signatures sniffing cannot see; trusted by extension only if the bytes are plain text.
TEXT_TYPES = {
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".log": "text/plain",
    ".json": "application/json",
    ".md": "text/markdown",
    ".xml": "text/xml",
    ".eml": "message/rfc822",
    ".ics": "text/calendar",
}


def add_comment(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str = "",
    body_html: str = "",
    public: bool = True,
    channel: str = Channel.PORTAL,
    author: User | None = None,
    files: Iterable[tuple[str, IO[bytes] | bytes]] = (),
) -> Comment:
    """Write a public reply or an internal note (staff only), with optional attachments.

    A staff member's first public reply sets the ticket's first response time; a customer's reply to a
    ticket awaiting them puts it back in progress.
    """
    item = {"ticket": ticket, "body": body, "body_html": body_html, "public": public, "channel": channel}
    return add_comments(actor=actor, items=[{**item, "author": author, "files": files}])[0]


def add_comments(*, actor: User | None, items: list[dict[str, Any]], notify: bool = True) -> list[Comment]:
    """:func:`add_comment` for many comments (the mail pipeline's replies), with the same checks and
    effects and one statement per table, plus one conditional UPDATE per comment (each reply is a change
    of its ticket). All or nothing: the first refused item refuses them all. ``notify=False`` leaves the
    mail notifications to the caller (the mail pipeline sends them with each message's context).
    """
    prepared = [_check_comment(actor, **item) for item in items]
    comments: list[Comment] = []
    with acting_as(actor), transaction.atomic():
        for p in prepared:
            comments.append(
                Comment(
                    ticket=p["ticket"],
                    author=p["author"],
                    body=p["text"],
                    body_html=p["html"],
                    public=p["public"],
                    channel=p["channel"],
                )
            )
        if len(comments) == 1:
            comments[0].save(force_insert=True)
        else:
            Comment.objects.bulk_create(comments)
        _store_attachments(
            [
                (p["ticket"], file, p["author"], comment, p["public"])
                for p, comment in zip(prepared, comments, strict=True)
                for file in p["files"]
            ]
        )
        entries = []
        log: list[Any] = []
        touched: list[Ticket] = []  # replies that change nothing but the ticket's version
        status_changes = []
        for p, comment in zip(prepared, comments, strict=True):
            ticket, author, public = p["ticket"], p["author"], p["public"]
            entries.append(
                timeline_entry(
                    ticket,
                    author,
                    TimelineKind.REPLY if public else TimelineKind.NOTE,
                    public=public,
                    comment=comment,
                    attachments=[f["filename"] for f in p["files"]],
                )
            )
            fields: dict[str, Any] = {}
            author_is_staff = author is not None and author.is_staff_side
            if public and author_is_staff and ticket.first_response_at is None and author != ticket.requester:
                # COALESCE: a reply from a copy read before someone else's reply must not move the time.
                fields["first_response_at"] = Coalesce(
                    F("first_response_at"), Value(timezone.now(), output_field=DateTimeField())
                )
            old_status = ticket.status
            if public and not author_is_staff and ticket.status == Status.PENDING_CUSTOMER:
                fields["status"] = Status.IN_PROGRESS
            if fields:
                write(ticket, fields, log=log)
            else:
                touched.append(ticket)  # a reply is a change: version and updated_at move
            if "status" in fields:
                entries.append(
                    timeline_entry(
                        ticket,
                        author,
                        TimelineKind.STATUS,
                        public=True,
                        old=old_status,
                        new=Status.IN_PROGRESS,
                        reason="customer_reply",
                    )
                )
                status_changes.append((ticket, old_status))
        touch(touched, log=log)
        append_rows(TimelineEntry, entries)
        append_rows(ChangeLogEntry, log)
        hooks.comments_added([(p["ticket"], c) for p, c in zip(prepared, comments, strict=True)], actor=actor)
        if notify:
            mail_hooks.comments_added([(p["ticket"], c) for p, c in zip(prepared, comments, strict=True)])
        for ticket, old_status in status_changes:
            events.emit("ticket.status_changed", ticket_id=ticket.pk, old=old_status, new=Status.IN_PROGRESS)
        for p, comment in zip(prepared, comments, strict=True):
            events.emit(
                "ticket.commented", ticket_id=p["ticket"].pk, comment_id=comment.pk, public=p["public"]
            )
    return comments


def _check_comment(
    actor: User | None,
    *,
    ticket: Ticket,
    body: str = "",
    body_html: str = "",
    public: bool = True,
    channel: str = Channel.PORTAL,
    author: User | None = None,
    files: Iterable[tuple[str, IO[bytes] | bytes]] = (),
) -> dict[str, Any]:
    """Every check of a new comment (reads only): what to write, or an error."""
    require(actor, "comment", ticket)
    if author is not None and actor is not None and author != actor and not is_staff(actor):
        # Staff may log a reply on someone's behalf (phone, walk-in); a customer speaks only for themself.
        raise NotPermitted(_("You can only write as yourself."), code="author_not_allowed")
    author = author or actor
    if not public and not is_staff(actor):
        raise NotPermitted(_("Only agents can write internal notes."), code="internal_note_not_allowed")
    if ticket.status in FINAL:
        raise ValidationFailed(_("This ticket is closed; open a new ticket instead."), code="ticket_final")
    clean_html = sanitize_html(body_html)
    text = (body or "").strip() or html_to_text(clean_html)
    if not text:
        raise ValidationFailed(_("The message is empty."), code="required", field="body")
    return {
        "ticket": ticket,
        "author": author,
        "text": text,
        "html": clean_html,
        "public": public,
        "channel": channel,
        "files": [_prepare_file(name, content) for name, content in files],
    }


def add_attachment(
    *, actor: User | None, ticket: Ticket, filename: str, content: IO[bytes] | bytes, public: bool = True
) -> Attachment:
    return add_attachments(actor=actor, items=[(ticket, filename, content)], public=public)[0]


def add_attachments(
    *,
    actor: User | None,
    items: list[tuple[Ticket, str, IO[bytes] | bytes]],
    public: bool = True,
) -> list[Attachment]:
    """Attach files (ticket, name, content) to tickets: the same checks for each, one INSERT for the
    files, one for their timeline entries, and one change of each ticket touched. All or nothing."""
    if not items:
        return []
    prepared = []
    for ticket, filename, content in items:
        require(actor, "comment", ticket)
        if not public and not is_staff(actor):
            raise NotPermitted(_("Only agents can add internal attachments."))
        if ticket.status in FINAL:
            raise ValidationFailed(
                _("This ticket is closed; open a new ticket instead."), code="ticket_final"
            )
        prepared.append((ticket, _prepare_file(filename, content)))
    with acting_as(actor), transaction.atomic():
        attachments = _store_attachments([(t, item, actor, None, public) for t, item in prepared])
        append_rows(
            TimelineEntry,
            [
                timeline_entry(
                    ticket,
                    actor,
                    TimelineKind.ATTACHMENT,
                    public=public,
                    filename=attachment.filename,
                    attachment_id=attachment.pk,
                )
                for (ticket, _item), attachment in zip(prepared, attachments, strict=True)
            ],
        )
        log: list[Any] = []
        touch(list({id(t): t for t, _item in prepared}.values()), log=log)
        append_rows(ChangeLogEntry, log)
    return attachments


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;').strip(" .")
    return name[:200] or "attachment"


def _read(content: IO[bytes] | bytes) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    limit = settings.ATTACHMENT_MAX_BYTES
    if getattr(content, "size", 0) > limit:  # Django's UploadedFile knows its size before reading
        return b"\0" * (limit + 1)
    return content.read(limit + 1)


# Executables puremagic names vaguely (or not at all): recognised first, by their own signatures, so they
# map onto the forbidden types whatever the file is called.
EXECUTABLE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "application/x-elf"),
    (b"\xfe\xed\xfa\xce", "application/x-executable"),  # Mach-O 32-bit
    (b"\xfe\xed\xfa\xcf", "application/x-executable"),  # Mach-O 64-bit
    (b"\xce\xfa\xed\xfe", "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", "application/x-executable"),
    (b"#!", "application/x-sh"),  # any script with an interpreter line
)


SNIFF_BYTES = 8192  # everything the sniffing below looks at lies within the first 8 KB


# The screenshots and scans most attachments are, recognised without puremagic (milliseconds per file).
# Unambiguous signatures only: a container format (ZIP: docx, xlsx, jar…) is left to puremagic.
COMMON_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(data: bytes, filename: str) -> str:
    """Content type from the bytes, never from the uploader's claim; extension only for plain text."""
    return _sniff(bytes(data[:SNIFF_BYTES]), filename)


@functools.lru_cache(maxsize=256)
def _sniff(data: bytes, filename: str) -> str:
    # Cached: mail checks a file before handing it to the ticket services, which check it again, and
    # puremagic takes milliseconds per file.
    if data[:2] == b"MZ" and b"\0" in data[2:64]:  # DOS/PE header: .exe, .dll, .scr...
        return "application/x-msdownload"
    for signature, executable_type in EXECUTABLE_SIGNATURES:
        if data.startswith(signature):
            return executable_type
    for signature, common_type in COMMON_SIGNATURES:
        if data.startswith(signature):
            return common_type
    try:
        matches = puremagic.magic_string(data[:8192], filename)
    except (puremagic.PureError, ValueError):
        matches = []
    if matches:
        best = max(matches, key=lambda m: m.confidence)
        # "text/plain" is only a guess: markup inside it (behind a BOM, say) is looked for below.
        if best.mime_type and best.mime_type != "text/plain":
            return str(best.mime_type)
    head = data[:4096]
    if b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            lowered = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()  # a BOM must not hide HTML
            if b"<svg" in lowered:
                return "image/svg+xml"
            if lowered.startswith((b"<!doctype html", b"<html")) or b"<script" in lowered:
                return "text/html"
            ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
            return TEXT_TYPES.get(ext) or mimetypes.guess_type(filename)[0] or "text/plain"
    return "application/octet-stream"


def _prepare_file(filename: str, content: IO[bytes] | bytes) -> dict[str, Any]:
    data = _read(content)
    limit = settings.ATTACHMENT_MAX_BYTES
    name = safe_filename(filename)
    if len(data) > limit:
        raise ValidationFailed(
            _("“%(name)s” is larger than the %(limit)d MB limit.")
            % {"name": name, "limit": limit // (1024 * 1024)},
            code="attachment_too_large",
            field="file",
        )
    if not data:
        raise ValidationFailed(
            _("“%(name)s” is empty.") % {"name": name}, code="attachment_empty", field="file"
        )
    content_type = sniff_content_type(data, name)
    if content_type in settings.ATTACHMENT_FORBIDDEN_TYPES:
        raise ValidationFailed(
            _(
                "Files of type %(type)s are not accepted (“%(name)s”). Compress it into a ZIP archive "
                "or send a PDF instead."
            )
            % {"type": content_type, "name": name},
            code="attachment_forbidden_type",
            field="file",
        )
    return {
        "data": data,
        "filename": name,
        "content_type": content_type,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _store_attachment(
    ticket: Ticket, item: dict[str, Any], *, uploaded_by: User | None, comment: Comment | None, public: bool
) -> Attachment:
    return _store_attachments([(ticket, item, uploaded_by, comment, public)])[0]


def _store_attachments(
    items: list[tuple[Ticket, dict[str, Any], User | None, Comment | None, bool]],
) -> list[Attachment]:
    """Save the files and insert their rows in one statement; items are (ticket, prepared file, uploaded
    by, comment, public)."""
    attachments = []
    storage = Attachment.file.field.storage
    for ticket, item, uploaded_by, comment, public in items:
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            filename=item["filename"],
            content_type=item["content_type"],
            size=len(item["data"]),
            sha256=item["sha256"],
            public=public,
            uploaded_by=uploaded_by,
        )
        # Content-addressed: the same bytes are stored once however often they are attached.
        path = f"attachments/{item['sha256'][:2]}/{item['sha256']}"
        if storage.exists(path):
            attachment.file.name = path
        else:
            attachment.file.save(item["sha256"], ContentFile(item["data"]), save=False)
        attachments.append(attachment)
    if len(attachments) == 1:
        attachments[0].save()
    elif attachments:
        Attachment.objects.bulk_create(attachments)
    return attachments
