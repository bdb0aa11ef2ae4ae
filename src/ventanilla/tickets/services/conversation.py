"""Replies, internal notes and attachments."""

from __future__ import annotations

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
from ventanilla.core.context import acting_as
from ventanilla.core.errors import NotPermitted, ValidationFailed
from ventanilla.core.html import html_to_text, sanitize_html
from ventanilla.mail import hooks as mail_hooks
from ventanilla.sla import hooks

from ..choices import FINAL, Channel, Status, TimelineKind
from ..models import Attachment, Comment, Ticket
from .common import is_staff, require, timeline, write

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
    files = list(files)
    prepared = [_prepare_file(name, content) for name, content in files]
    with acting_as(actor), transaction.atomic():
        comment = Comment.objects.create(
            ticket=ticket, author=author, body=text, body_html=clean_html, public=public, channel=channel
        )
        for item in prepared:
            _store_attachment(ticket, item, uploaded_by=author, comment=comment, public=public)
        timeline(
            ticket,
            author,
            TimelineKind.REPLY if public else TimelineKind.NOTE,
            public=public,
            comment=comment,
            attachments=[p["filename"] for p in prepared],
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
        write(ticket, fields)  # always bumps version/updated_at: a reply is a change
        hooks.comment_added(ticket, comment, actor=author)
        mail_hooks.comment_added(ticket, comment, actor=author)
        if "status" in fields:
            timeline(
                ticket,
                author,
                TimelineKind.STATUS,
                public=True,
                old=old_status,
                new=Status.IN_PROGRESS,
                reason="customer_reply",
            )
            events.emit("ticket.status_changed", ticket_id=ticket.pk, old=old_status, new=Status.IN_PROGRESS)
        events.emit("ticket.commented", ticket_id=ticket.pk, comment_id=comment.pk, public=public)
    return comment


def add_attachment(
    *, actor: User | None, ticket: Ticket, filename: str, content: IO[bytes] | bytes, public: bool = True
) -> Attachment:
    require(actor, "comment", ticket)
    if not public and not is_staff(actor):
        raise NotPermitted(_("Only agents can add internal attachments."))
    if ticket.status in FINAL:
        raise ValidationFailed(_("This ticket is closed; open a new ticket instead."), code="ticket_final")
    item = _prepare_file(filename, content)
    with acting_as(actor), transaction.atomic():
        attachment = _store_attachment(ticket, item, uploaded_by=actor, comment=None, public=public)
        timeline(
            ticket,
            actor,
            TimelineKind.ATTACHMENT,
            public=public,
            filename=attachment.filename,
            attachment_id=attachment.pk,
        )
        write(ticket, {})
    return attachment


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


def sniff_content_type(data: bytes, filename: str) -> str:
    """Content type from the bytes, never from the uploader's claim; extension only for plain text."""
    if data[:2] == b"MZ" and b"\0" in data[2:64]:  # DOS/PE header: .exe, .dll, .scr...
        return "application/x-msdownload"
    for signature, executable_type in EXECUTABLE_SIGNATURES:
        if data.startswith(signature):
            return executable_type
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
    storage = Attachment.file.field.storage
    path = f"attachments/{item['sha256'][:2]}/{item['sha256']}"
    if storage.exists(path):
        attachment.file.name = path
    else:
        attachment.file.save(item["sha256"], ContentFile(item["data"]), save=False)
    attachment.save()
    return attachment
