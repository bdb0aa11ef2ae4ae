"""Outbound notifications: outbox rows written with the change, delivered by workers.

Delivery claims a row with a conditional UPDATE (a lease), sends it, and records every attempt. An SMTP
server that is down only delays mail: the row is retried with exponential backoff, and after
``MAIL_OUTBOX_MAX_ATTEMPTS`` it is marked failed and listed for an administrator to retry. A worker
killed between sending and recording may send a message twice, with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import uuid
from datetime import timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.signing import TimestampSigner
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ventanilla.tickets.choices import Status

from . import tokens
from .choices import OutboundKind, OutboundState
from .models import InboundMessage, Mailbox, OutboundAttempt, OutboundMessage

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
CUSTOMER_STATUSES = {Status.PENDING_CUSTOMER, Status.CLOSED, Status.CANCELLED}
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def header_safe(value: str, limit: int = 200) -> str:
    """Ticket data in a header: one line, no control characters (no header injection)."""
    return _HEADER_UNSAFE.sub(" ", str(value or "")).strip()[:limit]


# --- writing outbox rows (inside the ticket service's transaction) --------------------------------------


def _mailbox_for(ticket: Any) -> Mailbox | None:
    from .services import current_inbound

    ctx = current_inbound()
    if ctx is not None and ctx.message.mailbox_id and ctx.message.ticket_id in (None, ticket.pk):
        return ctx.message.mailbox
    first = (
        InboundMessage.objects.filter(ticket=ticket, mailbox__isnull=False)
        .order_by("id")
        .values_list("mailbox_id", flat=True)
        .first()
    )
    if first:
        return Mailbox.objects.filter(pk=first).first()
    if ticket.team_id:
        by_team = Mailbox.objects.filter(team_id=ticket.team_id, is_active=True).order_by("id").first()
        if by_team is not None:
            return by_team
    return Mailbox.objects.filter(is_active=True).order_by("id").first()


def queue(
    kind: str, ticket: Any, recipient: Any, *, comment: Any = None, **payload: Any
) -> OutboundMessage | None:
    """Write one outbox row (and have it delivered after commit when workers run)."""
    if recipient is None or not recipient.is_active or not recipient.email:
        return None
    from .services import current_inbound

    ctx = current_inbound()
    mailbox = _mailbox_for(ticket)
    token = tokens.make_token(ticket.pk, recipient.pk)
    in_reply_to = ""
    if ctx is not None and ctx.parsed.message_id:
        in_reply_to = ctx.parsed.message_id
    row = OutboundMessage.objects.create(
        mailbox=mailbox,
        kind=kind,
        ticket=ticket,
        comment=comment,
        recipient=recipient,
        to_address=recipient.email,
        language=recipient.language or settings.LANGUAGE_CODE,
        message_id=f"vnt-{token}-{uuid.uuid4().hex[:12]}@{settings.MAIL_DOMAIN}",
        in_reply_to=in_reply_to,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(_kick_delivery)
    return row


def _kick_delivery() -> None:
    try:
        from .tasks import deliver

        deliver.delay()
    except Exception:  # broker down: beat's periodic delivery will send it
        logger.warning("could not enqueue mail delivery", exc_info=True)


def _ack_allowed(address: str) -> bool:
    """RFC 3834 §2: a bounded number of automatic answers per sender per day."""
    since = timezone.now() - timedelta(days=1)
    sent = OutboundMessage.objects.filter(
        to_address=address, kind=OutboundKind.ACK, created_at__gte=since
    ).count()
    return sent < settings.MAIL_AUTOREPLY_LIMIT


def on_ticket_created(ticket: Any, *, actor: Any) -> None:
    from .services import current_inbound

    requester = ticket.requester
    if not settings.MAIL_NOTIFY_ACK or requester is None or requester.is_staff_side:
        return
    ctx = current_inbound()
    if ctx is not None and ctx.suppress_ack:
        return
    if _ack_allowed(requester.email):
        queue(OutboundKind.ACK, ticket, requester)


def on_comment_added(ticket: Any, comment: Any, *, actor: Any) -> None:
    """An agent's public reply goes to the requester and the watchers (never internal notes)."""
    author = comment.author
    if not comment.public or author is None or not author.is_staff_side:
        return
    people = [ticket.requester, *ticket.watchers.all()]
    seen: set[int] = set()
    for person in people:
        if person is None or person.pk in seen or person.pk == author.pk:
            continue
        seen.add(person.pk)
        queue(OutboundKind.REPLY, ticket, person, comment=comment)


def on_status_changed(ticket: Any, *, old: str, new: str, actor: Any) -> None:
    requester = ticket.requester
    if requester is None or (actor is not None and actor.pk == requester.pk):
        return
    if new == Status.RESOLVED:
        queue(OutboundKind.RESOLVED, ticket, requester)
    elif new in CUSTOMER_STATUSES:
        queue(OutboundKind.STATUS, ticket, requester, old=old, new=new)


# --- rendering ------------------------------------------------------------------------------------------


def resolution_link(row: OutboundMessage, answer: str) -> str:
    value = TimestampSigner(salt="ventanilla.mail.resolution").sign(
        f"{row.ticket_id}:{row.recipient_id}:{answer}"
    )
    return f"{settings.BASE_URL}{reverse('mail:resolution', args=[value])}"


def ticket_link(ticket: Any) -> str:
    for name in ("portal:ticket-detail", "portal:ticket"):
        try:
            return f"{settings.BASE_URL}{reverse(name, args=[ticket.pk])}"
        except NoReverseMatch:
            continue
    return settings.BASE_URL + "/"


def _references(row: OutboundMessage) -> tuple[str, str]:
    """In-Reply-To and References that make every client thread the conversation."""
    origin = (
        InboundMessage.objects.filter(ticket_id=row.ticket_id)
        .exclude(message_id="")
        .order_by("id")
        .values_list("message_id", flat=True)
        .first()
    )
    earlier = list(
        OutboundMessage.objects.filter(ticket_id=row.ticket_id, to_address=row.to_address, id__lt=row.pk)
        .order_by("-id")
        .values_list("message_id", flat=True)[:5]
    )
    chain = [m for m in [origin, *reversed(earlier)] if m]
    parent = row.in_reply_to or (earlier[0] if earlier else origin) or ""
    if parent and parent not in chain:
        chain.append(parent)
    return (f"<{parent}>" if parent else ""), " ".join(f"<{m}>" for m in chain[-10:])


def build_message(row: OutboundMessage) -> EmailMultiAlternatives:
    from ventanilla.tickets.models import Ticket

    ticket = Ticket.objects.select_related("requester").get(pk=row.ticket_id)
    mailbox = row.mailbox
    address = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    token = tokens.make_token(row.ticket_id, row.recipient_id or 0)
    with translation.override(row.language):
        context: dict[str, Any] = {
            "ticket": ticket,
            "row": row,
            "comment": row.comment,
            "link": ticket_link(ticket),
            "marker": _("##- Please type your reply above this line -##"),
            "status": Status(row.payload["new"]).label if row.payload.get("new") in Status.values else "",
        }
        if row.kind == OutboundKind.RESOLVED:
            context["confirm_link"] = resolution_link(row, "confirm")
            context["reopen_link"] = resolution_link(row, "reopen")
        subjects = {
            OutboundKind.ACK: _("[%(number)s] Received: %(title)s"),
            OutboundKind.REPLY: _("Re: [%(number)s] %(title)s"),
            OutboundKind.STATUS: _("[%(number)s] %(status)s: %(title)s"),
            OutboundKind.RESOLVED: _("[%(number)s] Resolved: %(title)s"),
        }
        subject = header_safe(
            subjects[OutboundKind(row.kind)]
            % {"number": ticket.number, "title": ticket.title, "status": context["status"]},
            250,
        )
        text = render_to_string(f"mail/{row.kind}.txt", context)
        html = render_to_string(f"mail/{row.kind}.html", context)
    if mailbox is not None:
        from_header = formataddr((header_safe(mailbox.display_name, 80), mailbox.address))
    else:
        from_header = address
    reply_address = mailbox.address if mailbox else address.split("<")[-1].strip(">")
    if settings.MAIL_REPLY_PLUS_ADDRESSING and "@" in reply_address:
        local, domain = reply_address.rsplit("@", 1)
        reply_address = f"{local}+{token}@{domain}"
    in_reply_to, references = _references(row)
    headers = {
        "Message-ID": f"<{row.message_id}>",
        "Auto-Submitted": "auto-replied" if row.kind == OutboundKind.ACK else "auto-generated",
        "X-Auto-Response-Suppress": "All",  # ask Exchange not to send out-of-office replies to us
        tokens.LOOP_HEADER: tokens.loop_value(),
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = references
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_header,
        to=[row.to_address],
        reply_to=[reply_address],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


# --- delivery -------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 3600))


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    return (
        isinstance(error, smtplib.SMTPResponseException)
        and error.smtp_code >= 500
        and not isinstance(error, smtplib.SMTPServerDisconnected)
    )


def deliver_outbox(*, limit: int = 500, now: Any = None) -> int:
    """Send due rows (up to ``limit``); returns how many were sent. Safe with several workers."""
    now = now or timezone.now()
    ids = list(
        OutboundMessage.objects.filter(state=OutboundState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    sent = 0
    connection = mailers.default
    opened = False
    try:
        for pk in ids:
            claimed = OutboundMessage.objects.filter(
                pk=pk,
                state=OutboundState.PENDING,
                next_attempt_at__lte=now,
            ).update(next_attempt_at=timezone.now() + LEASE, attempts=F("attempts") + 1)
            if not claimed:
                continue
            row = OutboundMessage.objects.select_related("mailbox", "comment").get(pk=pk)
            started = timezone.now()
            try:
                message = build_message(row)
                if not opened:
                    connection.open()
                    opened = True
                if connection.send_messages([message]) != 1:
                    raise smtplib.SMTPException("the mail backend did not accept the message")
            except Exception as exc:  # every failure is logged on the row and retried (or given up)
                if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | OSError):
                    opened = False
                    with contextlib.suppress(Exception):  # nothing useful to do about it
                        connection.close()
                _failed(row, exc, started)
                continue
            OutboundAttempt.objects.create(
                message=row, started_at=started, finished_at=timezone.now(), ok=True
            )
            OutboundMessage.objects.filter(pk=pk).update(
                state=OutboundState.SENT, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    finally:
        if opened:
            with contextlib.suppress(Exception):  # nothing useful to do about it
                connection.close()
    return sent


def _failed(row: OutboundMessage, error: Exception, started: Any) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    logger.warning("mail %s to %s failed (attempt %s): %s", row.pk, row.to_address, row.attempts, text)
    OutboundAttempt.objects.create(
        message=row, started_at=started, finished_at=timezone.now(), ok=False, error=text
    )
    give_up = _permanent(error) or row.attempts >= settings.MAIL_OUTBOX_MAX_ATTEMPTS
    OutboundMessage.objects.filter(pk=row.pk).update(
        state=OutboundState.FAILED if give_up else OutboundState.PENDING,
        last_error=text,
        next_attempt_at=timezone.now() + backoff(row.attempts),
    )


def retry_failed(rows: Any) -> int:
    return rows.filter(state=OutboundState.FAILED).update(
        state=OutboundState.PENDING, next_attempt_at=timezone.now()
    )
