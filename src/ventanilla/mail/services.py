"""The inbound pipeline: store the raw message durably, then process it exactly once.

``store_message`` is all an MTA pipe and the LMTP/SMTP receiver do before they say "accepted": one
INSERT, committed (and fsynced) before they answer; the IMAP poller and ``import_mail`` store many per
commit (``store_messages``). The sweep (``process_pending``, batches in :mod:`.batch`) and
``process_message`` turn pending rows into tickets, comments or bounce notes and mark them done in the
same transaction, so a crash at any point leaves them pending and they are processed once after restart.
A message that cannot be processed is quarantined with its reason and can be replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.accounts.services import create_user
from ventanilla.core.bulk import bulk_insert
from ventanilla.core.context import acting_as
from ventanilla.core.errors import DomainError
from ventanilla.core.kicks import Kick
from ventanilla.tickets.choices import FINAL, Channel, LinkKind, Status
from ventanilla.tickets.models import Ticket

from .addresses import base_address
from .choices import InboundState, OutboundState, Outcome, Source, UntrustedTagPolicy
from .models import Bounce, InboundMessage, Mailbox, OutboundMessage
from .outbound import _all_mailboxes, active_mailboxes, mailbox_addresses
from .parsing import BounceReport, ParsedMessage, message_ids, parse_message
from .quotes import strip_reply, strip_reply_html
from .threading import find_thread

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class MessageRefused(Exception):
    """The message can never be stored (empty, not a message, too large): EX_DATAERR / 5xx."""


class TemporaryFailure(Exception):
    """The message cannot be stored right now (database down): EX_TEMPFAIL / 4xx, the sender retries."""


class Quarantine(Exception):
    """Processing refused this message for a reason an administrator should see."""


@dataclass
class InboundContext:
    """What the outbound hooks need to know about the mail being processed (same transaction)."""

    message: InboundMessage
    parsed: ParsedMessage
    suppress_ack: bool = False
    notified: list[int] = field(default_factory=list)


_current: ContextVar[InboundContext | None] = ContextVar("ventanilla_mail_inbound", default=None)


def current_inbound() -> InboundContext | None:
    return _current.get()


@contextlib.contextmanager
def _inbound(ctx: InboundContext) -> Iterator[None]:
    token = _current.set(ctx)
    try:
        yield
    finally:
        _current.reset(token)


# --- storing --------------------------------------------------------------------------------------------


def mailbox_named(name: str) -> Mailbox:
    mailbox = Mailbox.objects.filter(name=name, is_active=True).first()
    if mailbox is None:
        raise TemporaryFailure(_("No active mailbox is called “%(name)s”.") % {"name": name})
    return mailbox


def mailbox_for_recipient(address: str) -> Mailbox | None:
    """The mailbox an envelope recipient belongs to (``support+token@x`` is ``support@x``)."""
    return Mailbox.objects.filter(address__iexact=base_address(address), is_active=True).first()


def _check(raw: bytes) -> str:
    if not raw or not raw.strip():
        raise MessageRefused(_("The message is empty."))
    if len(raw) > settings.MAIL_MAX_MESSAGE_BYTES:
        raise MessageRefused(
            _("The message is larger than %(n)d bytes.") % {"n": settings.MAIL_MAX_MESSAGE_BYTES}
        )
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[: 256 * 1024])
    if not headers.keys() or not any(
        k.lower() in ("from", "date", "message-id", "subject", "to", "sender") for k in headers
    ):
        raise MessageRefused(_("This is not an email message (no header section)."))
    return (message_ids(str(headers.get("Message-ID") or "")) or [""])[0][:490]


def store_message(
    raw: bytes,
    *,
    source: str = Source.STDIN,
    mailbox: Mailbox | None = None,
    envelope_recipients: list[str] | None = None,
) -> tuple[InboundMessage, bool]:
    """Store ``raw`` durably (committed) unless it is already stored; returns (row, newly stored).

    Raises MessageRefused for what must be refused and TemporaryFailure when the database cannot take it.
    """
    row = _new_row(raw, source=source, mailbox=mailbox, envelope_recipients=envelope_recipients)
    try:
        _full_sync()
        existing = InboundMessage.objects.filter(dedup_key=row.dedup_key).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:  # the same message arriving twice at the same moment
            return InboundMessage.objects.get(dedup_key=row.dedup_key), False
    except DatabaseError as exc:
        raise _unavailable(exc) from exc
    _kick_processing()
    return row, True


def _new_row(
    raw: bytes, *, source: str, mailbox: Mailbox | None, envelope_recipients: list[str] | None = None
) -> InboundMessage:
    """The unsaved row for ``raw``, keyed by its Message-ID (else its SHA-256); MessageRefused if it is
    not a message we can take."""
    message_id = _check(raw)
    digest = hashlib.sha256(raw).hexdigest()
    return InboundMessage(
        mailbox=mailbox,
        source=source,
        dedup_key=(f"mid:{message_id}" if message_id else f"sha:{digest}")[:300],
        sha256=digest,
        message_id=message_id,
        raw=raw,
        size=len(raw),
        envelope_recipients=envelope_recipients or [],
    )


def _full_sync() -> None:
    """SQLite in WAL with synchronous=NORMAL may lose the last commit on power loss: accepted mail must
    not."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")


def _unavailable(exc: Exception) -> TemporaryFailure:
    return TemporaryFailure(_("The message store is unavailable: %(error)s") % {"error": exc})


@dataclass
class Stored:
    """What :func:`store_messages` did with one message: its row (None when refused), whether it was new
    and, when refused, why."""

    row: InboundMessage | None
    created: bool = False
    refused: str = ""


def store_messages(
    raws: list[bytes], *, source: str = Source.IMAP, mailbox: Mailbox | None = None
) -> list[Stored]:
    """:func:`store_message` for many messages (an IMAP fetch, a folder import): one query for those
    already stored, one INSERT and one commit (one fsync) for the rest. A message that must be refused is
    refused alone; TemporaryFailure means none was stored.
    """
    results: list[Stored] = []
    fresh: dict[str, InboundMessage] = {}
    for raw in raws:
        try:
            row = _new_row(raw, source=source, mailbox=mailbox)
        except MessageRefused as exc:
            results.append(Stored(None, refused=str(exc)))
            continue
        row = fresh.setdefault(row.dedup_key, row)  # the same message twice in the batch: one row
        results.append(Stored(row))
    if not fresh:
        return results
    try:
        _full_sync()
        with transaction.atomic():
            stored = dict(
                InboundMessage.objects.filter(dedup_key__in=list(fresh)).values_list("dedup_key", "pk")
            )
            new = [row for key, row in fresh.items() if key not in stored]
            bulk_insert(InboundMessage, new)
    except IntegrityError:  # some arrived through another door at the same moment: one by one, then
        return [
            result
            if result.row is None
            else Stored(*store_message(bytes(result.row.raw), source=source, mailbox=mailbox))
            for result in results
        ]
    except DatabaseError as exc:
        raise _unavailable(exc) from exc
    seen: set[str] = set()
    for result in results:
        if result.row is None:
            continue
        key = result.row.dedup_key
        if key in stored:
            result.row = InboundMessage.objects.get(pk=stored[key])
        else:
            result.created = key not in seen
            seen.add(key)
    if new:
        _kick_processing()
    return results


# The sweep processes pending mail in batches (see batch.py): one kick per second at most wakes a worker
# for any number of stored messages, and beat's periodic sweep covers a kick lost with the broker.
_sweep_kick = Kick("ventanilla.mail.tasks.process_pending")


def _kick_processing() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tests and `--now` process explicitly; the periodic sweep catches everything else
    _sweep_kick()


# --- processing -----------------------------------------------------------------------------------------


# Messages processed per transaction by the sweep: one commit (and fsync) per batch instead of per message.
BATCH_SIZE = 200


def process_pending(limit: int = 500, *, batch: int = BATCH_SIZE) -> int:
    """Process stored messages that are still pending (new mail, a lost task, a backlog, a replay).

    Claims up to ``batch`` messages at a time (locked, skipping those another worker holds) and processes
    them in one transaction (see :mod:`.batch`): a message that fails is quarantined alone, and a crash
    or a lost database connection rolls the whole batch back to pending, to be processed once later.
    """
    done = 0
    while done < limit:
        with transaction.atomic():
            rows = _claim(min(batch, limit - done))
            if not rows:
                break
            from .batch import process_batch

            process_batch(rows)
        done += len(rows)
    return done


def _claim(size: int, pk: int | None = None) -> list[InboundMessage]:
    qs = InboundMessage.objects.filter(state=InboundState.PENDING)
    if pk is not None:
        qs = qs.filter(pk=pk)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    rows = list(qs.order_by("id")[:size])
    # The mailboxes (with their team and queue) come from the cached list rather than a join per row.
    boxes = {box.pk: box for box in _all_mailboxes()}
    for row in rows:
        if row.mailbox_id in boxes:
            row.mailbox = boxes[row.mailbox_id]
    return rows


def process_message(pk: int) -> InboundMessage | None:
    """Process one stored message if it is still pending; None if someone else did or is doing it.

    Transient database errors propagate (the row stays pending); any other failure quarantines it.
    """
    with transaction.atomic():
        rows = _claim(1, pk)
        return _process_claimed(rows[0]) if rows else None


def _process_claimed(row: InboundMessage) -> InboundMessage:
    """Turn a claimed (locked) pending row into its outcome, or quarantine it; inside the caller's
    transaction, with a savepoint so a failure undoes this message's writes only."""
    try:
        with transaction.atomic():
            parsed = parse_message(bytes(row.raw))
            ctx = InboundContext(message=row, parsed=parsed)
            with _inbound(ctx), acting_as(None):
                outcome = _apply(row, parsed)
            done = {
                "state": InboundState.DONE,
                "outcome": outcome.outcome,
                "ticket": outcome.ticket,
                "comment": outcome.comment,
                "sender": outcome.sender,
                "notes": parsed.notes + outcome.notes,
                "reason": "",
                "from_address": parsed.from_address[:320],
                "subject": parsed.subject[:300],
                "processed_at": timezone.now(),
            }
            InboundMessage.objects.filter(pk=row.pk).update(**done, attempts=F("attempts") + 1)
            for name, value in done.items():
                setattr(row, name, value)
            row.attempts += 1
            return row
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        if not isinstance(exc, Quarantine | DomainError):
            logger.exception("inbound message %s failed; quarantined", row.pk)
            reason = f"{type(exc).__name__}: {exc}"
        quarantine(row.pk, str(reason))
        row.refresh_from_db()
        return row


def quarantine(pk: int, reason: str) -> None:
    InboundMessage.objects.filter(pk=pk, state=InboundState.PENDING).update(
        state=InboundState.QUARANTINED,
        reason=reason[:5000],
        attempts=F("attempts") + 1,
        processed_at=timezone.now(),
    )


def replay(message: InboundMessage, *, actor: Any = None) -> InboundMessage | None:
    """Put a quarantined message back in the queue and process it now."""
    InboundMessage.objects.filter(pk=message.pk, state=InboundState.QUARANTINED).update(
        state=InboundState.PENDING, reason=""
    )
    return process_message(message.pk)


@dataclass
class Result:
    outcome: str
    ticket: Ticket | None = None
    comment: Any = None
    sender: User | None = None
    notes: list[str] = field(default_factory=list)


def _default_mailbox() -> Mailbox | None:
    boxes = active_mailboxes()
    return boxes[0] if boxes else None


def _customer(address: str, name: str, mailbox: Mailbox | None) -> User:
    user = User.objects.filter(email__iexact=address).first()
    return user if user is not None else _new_customer(address, name, mailbox)


def _new_customer(address: str, name: str, mailbox: Mailbox | None) -> User:
    # Same as accounts.services.get_or_create_customer, with the mailbox's language for new people;
    # create_user attaches an organisation only on an exact domain match.
    fields: dict[str, Any] = {"language": mailbox.language} if mailbox else {}
    return create_user(actor=None, email=address, full_name=name[:200], **fields)


def _apply(row: InboundMessage, parsed: ParsedMessage) -> Result:
    if parsed.our_loop:
        return Result(Outcome.LOOP, notes=[_("Our own notification came back; ignored.")])
    if parsed.bounce:
        return _bounce(row, parsed)
    if not parsed.from_address:
        raise Quarantine(_("The sender could not be determined: %(why)s.") % {"why": parsed.sender_problem})
    mailbox = row.mailbox or _default_mailbox()
    if mailbox is not None and parsed.from_address == mailbox.address.lower():
        return Result(Outcome.LOOP, notes=[_("Mail from our own address; ignored.")])
    sender = User.objects.filter(email__iexact=parsed.from_address).first()
    thread = find_thread(parsed, sender, row.envelope_recipients)
    if sender is None and parsed.auto in ("auto_replied", "bulk") and thread.ticket is None:
        return Result(Outcome.IGNORED, notes=[_("Automatic or bulk mail from an unknown sender; no ticket.")])
    if sender is None:
        sender = _new_customer(parsed.from_address, parsed.from_name, mailbox)
        if thread.ticket is not None:  # a new person cannot hold a token yet, but may be a participant
            thread = find_thread(parsed, sender, row.envelope_recipients)
    if not sender.is_active:
        raise Quarantine(_("The sender's account (%(email)s) is disabled.") % {"email": sender.email})
    ctx = current_inbound()
    if ctx is not None and parsed.auto:
        ctx.suppress_ack = True  # RFC 3834: never answer automatic mail automatically
    ticket = thread.ticket
    if ticket is None:
        if parsed.is_out_of_office:
            return Result(Outcome.IGNORED, sender=sender, notes=[_("Out-of-office reply to no ticket.")])
        return _new_ticket(parsed, sender, mailbox)
    if parsed.is_out_of_office:
        return _note(
            ticket,
            parsed,
            sender,
            Outcome.AUTO_REPLY,
            _("Automatic reply from %(email)s (it does not change the ticket):") % {"email": sender.email},
        )
    if sender.is_staff_side and not thread.trusted:
        return _note(
            ticket,
            parsed,
            sender,
            Outcome.UNTRUSTED,
            _(
                "Unverified email claiming to be from agent %(email)s (no valid reply token for this "
                "address). It was not sent to the customer:"
            )
            % {"email": sender.email},
        )
    if not thread.trusted:
        if thread.via == "token":
            # A stranger answering a mail forwarded to them: keep it for the agents, tell nobody else.
            return _note(
                ticket,
                parsed,
                sender,
                Outcome.UNTRUSTED,
                _(
                    "Email from %(email)s, who is not a participant of this ticket. It was not sent to "
                    "the customer:"
                )
                % {"email": sender.email},
            )
        if mailbox is not None and mailbox.untrusted_tag_policy == UntrustedTagPolicy.QUARANTINE:
            raise Quarantine(
                _("%(email)s referred to ticket %(number)s but is not a participant of it.")
                % {"email": sender.email, "number": ticket.number}
            )
        return _new_ticket(parsed, sender, mailbox)
    return _reply(ticket, parsed, sender, mailbox)


def _body(parsed: ParsedMessage, *, strip: bool) -> tuple[str, str]:
    text = parsed.text
    html = parsed.html
    if strip:
        stripped = strip_reply(text)
        text = stripped or text
        if html:
            from ventanilla.core.html import html_to_text, sanitize_html

            cut = sanitize_html(strip_reply_html(parsed.html_raw))
            html = cut if html_to_text(cut).strip() else html
            if html_to_text(html).strip() and (not stripped or parsed.text_from_html):
                text = html_to_text(html)
            elif stripped and len(html_to_text(html)) > 3 * len(stripped) + 200:
                html = ""  # the HTML cut missed the quote; the stripped text is the better view
    return text, html


def _with_notes(text: str, notes: list[str]) -> str:
    if not notes:
        return text
    return (text + "\n\n" if text else "") + "\n".join(f"[{note}]" for note in notes)


def _files(parsed: ParsedMessage, notes: list[str]) -> list[tuple[str, bytes]]:
    """Attachments the ticket core will accept; the others are left out with a note (mail still accepted)."""
    from ventanilla.tickets.services import sniff_content_type
    from ventanilla.tickets.services.conversation import safe_filename

    files: list[tuple[str, bytes]] = []
    limit = settings.ATTACHMENT_MAX_BYTES
    for part in parsed.attachments:
        name = safe_filename(part.filename)
        if part.inline and part.content_type.startswith("image/") and len(part.data) < 64:
            continue
        if len(part.data) > limit:
            notes.append(
                _(
                    "The attachment “%(name)s” (%(size)d MB) is larger than the %(limit)d MB limit and "
                    "was not kept."
                )
                % {"name": name, "size": len(part.data) // (1024 * 1024), "limit": limit // (1024 * 1024)}
            )
            continue
        if not part.data:
            continue
        kind = sniff_content_type(part.data, name)
        if kind in settings.ATTACHMENT_FORBIDDEN_TYPES:
            notes.append(
                _("The attachment “%(name)s” (%(type)s) is a type that is not accepted and was not kept.")
                % {"name": name, "type": kind}
            )
            continue
        files.append((name, part.data))
    return files


def _new_ticket(
    parsed: ParsedMessage, sender: User, mailbox: Mailbox | None, *, follow_up_of: Ticket | None = None
) -> Result:
    from ventanilla.tickets.services import add_attachments, create_ticket, link_tickets

    notes: list[str] = []
    files = _files(parsed, notes)
    item = ticket_item(parsed, sender, mailbox, notes, follow_up_of=follow_up_of)
    item["watchers"] = _cc_watchers(parsed, sender, mailbox, notes, _customer)
    item["description"] = _with_notes(item["description"], notes + parsed.notes)
    ticket = create_ticket(actor=None, **item)
    add_attachments(actor=None, items=[(ticket, name, data) for name, data in files])
    if follow_up_of is not None:
        link_tickets(actor=None, source=ticket, target=follow_up_of, kind=LinkKind.RELATED)
    return Result(
        Outcome.FOLLOW_UP if follow_up_of else Outcome.TICKET, ticket=ticket, sender=sender, notes=notes
    )


def ticket_item(
    parsed: ParsedMessage,
    sender: User,
    mailbox: Mailbox | None,
    notes: list[str],
    *,
    follow_up_of: Ticket | None = None,
) -> dict[str, Any]:
    """The :func:`create_ticket` arguments for a message (its description still without the notes,
    which the caller appends once the Cc watchers are known)."""
    text, html = _body(parsed, strip=follow_up_of is not None)
    if follow_up_of is not None:
        notes.insert(
            0, _("Follow-up of %(number)s, which is already closed.") % {"number": follow_up_of.number}
        )
    title = (
        parsed.subject.strip() or (text.strip().splitlines() or [""])[0][:120].strip() or _("(no subject)")
    )
    return {
        "requester": sender,
        "title": title[:200],
        "channel": Channel.EMAIL,
        "type": mailbox.ticket_type if mailbox else "incident",
        "description": text,
        "description_html": html,
        "team": mailbox.team if mailbox else None,
        "queue": mailbox.queue if mailbox else None,
    }


def cc_addresses(parsed: ParsedMessage, sender_address: str, mailbox: Mailbox | None) -> list[str]:
    """The Cc addresses that may become watchers (not the sender, not one of ours; at most 20)."""
    if mailbox is None or not mailbox.cc_as_watchers or not parsed.cc:
        return []
    ours = mailbox_addresses()
    return [a for a in parsed.cc[:20] if a != sender_address and base_address(a) not in ours]


def _cc_watchers(
    parsed: ParsedMessage,
    sender: User,
    mailbox: Mailbox | None,
    notes: list[str],
    person: Callable[[str, str, Mailbox | None], User],
) -> list[User]:
    """The Cc'd people who watch the new ticket; ``person`` finds (or creates) the user of an address."""
    watchers: list[User] = []
    for address in cc_addresses(parsed, sender.email.lower(), mailbox):
        user = person(address, "", mailbox)
        if not user.is_active:
            continue
        if user.is_customer and sender.organization_id and user.organization_id != sender.organization_id:
            notes.append(
                _("%(email)s was in Cc but belongs to another organisation; not added as a watcher.")
                % {"email": address}
            )
            continue
        watchers.append(user)
    return watchers


def _reply(ticket: Ticket, parsed: ParsedMessage, sender: User, mailbox: Mailbox | None) -> Result:
    from ventanilla.tickets.services import add_comment, transition_ticket

    if ticket.status in FINAL or (
        ticket.status == Status.RESOLVED
        and sender.pk == ticket.requester_id
        and not _within_reopen_window(ticket)
    ):
        return _new_ticket(parsed, sender, mailbox, follow_up_of=ticket)
    notes: list[str] = []
    comment = add_comment(actor=None, **reply_item(ticket, parsed, sender, notes))
    if ticket.status == Status.RESOLVED and sender.pk == ticket.requester_id:
        ticket.refresh_from_db()
        transition_ticket(actor=None, ticket=ticket, to=Status.IN_PROGRESS, reason="customer_reply")
        return Result(Outcome.REOPENED, ticket=ticket, comment=comment, sender=sender, notes=notes)
    return Result(Outcome.COMMENT, ticket=ticket, comment=comment, sender=sender, notes=notes)


def reply_item(ticket: Ticket, parsed: ParsedMessage, sender: User, notes: list[str]) -> dict[str, Any]:
    """The :func:`add_comment` arguments for a reply by mail (quotes stripped, attachments it may keep)."""
    files = _files(parsed, notes)
    text, html = _body(parsed, strip=True)
    return {
        "author": sender,
        "ticket": ticket,
        "body": _with_notes(text, notes + parsed.notes),
        "body_html": html,
        "public": True,
        "channel": Channel.EMAIL,
        "files": files,
    }


def _within_reopen_window(ticket: Ticket) -> bool:
    return ticket.resolved_at is None or timezone.now() - ticket.resolved_at <= timedelta(
        days=settings.REOPEN_WINDOW_DAYS
    )


def _note(ticket: Ticket, parsed: ParsedMessage, sender: User, outcome: str, intro: str) -> Result:
    """An internal note (never sent to customers, changes no status) holding the mail's text."""
    from ventanilla.tickets.services import add_comment

    if ticket.status in FINAL:
        return Result(
            Outcome.IGNORED,
            ticket=ticket,
            sender=sender,
            notes=[_("The ticket is closed; the message is kept here only.")],
        )
    text, _html = _body(parsed, strip=True)
    comment = add_comment(
        actor=None, ticket=ticket, body=f"{intro}\n\n{text}".strip(), public=False, channel=Channel.EMAIL
    )
    return Result(outcome, ticket=ticket, comment=comment, sender=sender)


def _bounce(row: InboundMessage, parsed: ParsedMessage) -> Result:
    """Record which address failed, on the outbound message and ticket it concerns; never a ticket."""
    from ventanilla.tickets.services import add_comment

    outbound = (
        OutboundMessage.objects.filter(message_id__in=parsed.bounced_message_ids).first()
        if parsed.bounced_message_ids
        else None
    )
    reports = parsed.bounce_reports
    if not reports and outbound is not None:  # a bounce that names no address fails the one we sent to
        reports = [BounceReport(address=outbound.to_address, action="failed")]
    ticket = outbound.ticket if outbound is not None else None
    failed = [r for r in reports if r.action in ("failed", "delayed", "")]
    for report in reports:
        Bounce.objects.create(
            inbound=row,
            address=report.address,
            action=report.action,
            status=report.status,
            diagnostic=report.diagnostic,
            outbound=outbound,
            ticket=ticket,
            user=User.objects.filter(email__iexact=report.address).first(),
        )
    if outbound is not None and any(r.action == "failed" for r in reports):
        OutboundMessage.objects.filter(pk=outbound.pk).update(state=OutboundState.BOUNCED)
    if ticket is not None and failed and ticket.status not in FINAL:
        lines = [
            _("Mail to %(address)s could not be delivered (%(status)s) %(diagnostic)s")
            % {"address": r.address, "status": r.status or r.action, "diagnostic": r.diagnostic}
            for r in failed
        ]
        add_comment(actor=None, ticket=ticket, body="\n".join(lines), public=False, channel=Channel.EMAIL)
    return Result(Outcome.BOUNCE, ticket=ticket)
