"""Outbound notifications: outbox rows written with the change, delivered by workers.

Delivery leases due rows a chunk at a time (``SKIP LOCKED``), reads what their messages need once per
chunk, sends each and records every attempt. An SMTP server that is down only delays mail: the row is
retried with exponential backoff, and after ``MAIL_OUTBOX_MAX_ATTEMPTS`` it is marked failed and listed
for an administrator to retry. A worker killed between sending and recording may send a message twice,
with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.signing import TimestampSigner
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ventanilla.core.bulk import append_rows
from ventanilla.core.kicks import Kick
from ventanilla.core.memo import SharedMemo
from ventanilla.tickets.choices import Channel, Status

from . import tokens
from .addresses import base_address
from .choices import AGENT_KINDS, OutboundKind, OutboundState
from .models import InboundMessage, Mailbox, OutboundAttempt, OutboundMessage

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
CUSTOMER_STATUSES = {Status.PENDING_CUSTOMER, Status.CLOSED, Status.CANCELLED}
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def header_safe(value: str, limit: int = 200) -> str:
    """Ticket data in a header: one line, no control characters (no header injection)."""
    return _HEADER_UNSAFE.sub(" ", str(value or "")).strip()[:limit]


# --- writing outbox rows (inside the ticket service's transaction) --------------------------------------


MAILBOXES_CACHE_KEY = "mail:active-mailboxes"


_mailboxes = SharedMemo(
    MAILBOXES_CACHE_KEY, lambda: list(Mailbox.objects.select_related("team", "queue").order_by("id"))
)


@receiver([post_save, post_delete], sender=Mailbox, dispatch_uid="mail-active-mailboxes-cache")
def _forget_mailboxes(**kwargs: Any) -> None:
    """An edited mailbox applies to the next message, in every process (the cache is shared)."""
    _mailboxes.forget()


def mailbox_addresses() -> frozenset[str]:
    """Every address of ours, active or not, lower-case: mail to or from one of them (or a sub-address,
    see :func:`.addresses.base_address`) would be a loop."""
    return frozenset(box.address.lower() for box in _all_mailboxes())


def _all_mailboxes() -> list[Mailbox]:
    return list(_mailboxes.get())


def active_mailboxes() -> list[Mailbox]:
    """Active mailboxes, oldest first: read on every notification, changed a few times a year."""
    return [box for box in _all_mailboxes() if box.is_active]


def _inbound(inbound: Any = None) -> Any:
    """The inbound mail being processed: given explicitly by the batch pipeline, else the current one."""
    if inbound is not None:
        return inbound
    from .services import current_inbound

    return current_inbound()


def _mailbox_for(ticket: Any, *, fresh: bool = False, inbound: Any = None) -> Mailbox | None:
    """The mailbox a ticket's mail comes from: the one it arrived by, else its team's, else the first.

    ``fresh``: the ticket was created in this transaction, so no stored message can point at it yet.
    """
    ctx = _inbound(inbound)
    if ctx is not None and ctx.message.mailbox_id and ctx.message.ticket_id in (None, ticket.pk):
        return ctx.message.mailbox
    if not fresh:
        first = (
            InboundMessage.objects.filter(ticket=ticket, mailbox__isnull=False)
            .order_by("id")
            .values_list("mailbox_id", flat=True)
            .first()
        )
        if first:
            return next((box for box in _all_mailboxes() if box.pk == first), None)
    boxes = active_mailboxes()
    if ticket.team_id:
        for box in boxes:
            if box.team_id == ticket.team_id:
                return box
    return boxes[0] if boxes else None


def queue(
    kind: str,
    ticket: Any,
    recipient: Any,
    *,
    comment: Any = None,
    fresh: bool = False,
    defer: list[OutboundMessage] | None = None,
    inbound: Any = None,
    **payload: Any,
) -> OutboundMessage | None:
    """Write one outbox row (and have it delivered after commit when workers run).

    ``defer``: append the unsaved row there for the caller to insert with others (see
    :func:`insert_rows`) instead of inserting it now. ``inbound``: the mail this row answers, when it is
    not the one being processed in this context (the batch pipeline handles many at once).
    """
    if recipient is None or not recipient.is_active or not recipient.email:
        return None
    ctx = _inbound(inbound)
    mailbox = _mailbox_for(ticket, fresh=fresh, inbound=ctx)
    token = tokens.make_token(ticket.pk, recipient.pk)
    in_reply_to = ""
    if ctx is not None and ctx.parsed.message_id:
        in_reply_to = ctx.parsed.message_id
    row = OutboundMessage(
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
    if defer is not None:
        defer.append(row)
        return row
    insert_rows([row])
    return row


def insert_rows(rows: list[OutboundMessage]) -> None:
    """Insert outbox rows in one statement and have them delivered after commit."""
    if not rows:
        return
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        append_rows(OutboundMessage, rows)  # the workers find them by state, not by these objects
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(_kick_delivery)


# A delivery run drains the whole outbox: one kick per second at most covers any number of rows.
_kick_delivery = Kick("ventanilla.mail.tasks.deliver")


def _ack_budget(addresses: set[str]) -> Counter[str]:
    """RFC 3834 §2: a bounded number of automatic answers per sender per day. How many more each address
    may get today (one query for any number of them)."""
    since = timezone.now() - timedelta(days=1)
    sent = (
        OutboundMessage.objects.filter(to_address__in=addresses, kind=OutboundKind.ACK, created_at__gte=since)
        .values_list("to_address")
        .annotate(n=Count("pk"))
        .order_by()
    )
    budget = Counter(dict.fromkeys(addresses, settings.MAIL_AUTOREPLY_LIMIT))
    for address, n in sent:
        budget[address] -= n
    return budget


def _automatic_inbound(inbound: Any = None) -> bool:
    """True while processing mail that a robot sent (RFC 3834): it triggers no mail to anyone."""
    ctx = _inbound(inbound)
    return ctx is not None and ctx.suppress_ack


def on_tickets_created(
    tickets: list[Any], *, actor: Any, inbound_for: Callable[[Any], Any] | None = None
) -> None:
    """Acknowledge new tickets to their requesters (within the daily limit) and tell the agents about
    tickets that came by mail. A batch costs one rate-limit query, one query for the agents and one
    INSERT, whatever its size.

    ``inbound_for``: the mail each ticket came from (the batch pipeline creates tickets for many messages
    at once); by default the message being processed in this context, if any.
    """
    ctx = {id(t): _inbound(inbound_for(t) if inbound_for else None) for t in tickets}
    live = [t for t in tickets if not _automatic_inbound(ctx[id(t)])]
    wanting = (
        [t for t in live if t.requester is not None and not t.requester.is_staff_side and t.requester.email]
        if settings.MAIL_NOTIFY_ACK
        else []
    )
    budget = _ack_budget({t.requester.email for t in wanting}) if wanting else Counter()
    rows: list[OutboundMessage] = []
    for ticket in wanting:
        if budget[ticket.requester.email] > 0:
            budget[ticket.requester.email] -= 1
            queue(OutboundKind.ACK, ticket, ticket.requester, fresh=True, defer=rows, inbound=ctx[id(ticket)])
    by_mail = [t for t in live if t.channel == Channel.EMAIL]
    _notify_agents(
        OutboundKind.NEW_TICKET,
        [(t, t.requester_id, None, ctx[id(t)]) for t in by_mail],
        defer=rows,
    )
    insert_rows(rows)


def on_comment_added(ticket: Any, comment: Any, *, actor: Any) -> None:
    on_comments_added([(ticket, comment, None)])


def on_comments_added(items: list[tuple[Any, Any, Any]]) -> None:
    """For each (ticket, comment, inbound mail or None): an agent's public reply goes to the requester and
    the watchers (never internal notes); a customer's public reply by mail goes to the agents working the
    ticket. One INSERT for all the rows."""
    rows: list[OutboundMessage] = []
    to_agents = []
    for ticket, comment, inbound in items:
        author = comment.author
        ctx = _inbound(inbound)
        if author is not None and not author.is_staff_side:
            if comment.public and comment.channel == Channel.EMAIL and not _automatic_inbound(ctx):
                to_agents.append((ticket, author.pk, comment, ctx))
            continue
        if not comment.public or author is None:
            continue
        people = [ticket.requester, *ticket.watchers.all()]
        seen: set[int] = set()
        for person in people:
            if person is None or person.pk in seen or person.pk == author.pk:
                continue
            seen.add(person.pk)
            queue(OutboundKind.REPLY, ticket, person, comment=comment, defer=rows, inbound=ctx)
    _notify_agents(OutboundKind.CUSTOMER_REPLY, to_agents, defer=rows)
    insert_rows(rows)


def agents_to_notify(ticket: Any, *, author_id: int | None) -> list[Any]:
    """The assigned agent, or every agent of the ticket's team while nobody is assigned.

    Never the author of what is notified, never an address of one of our own mailboxes (that would
    be a loop), and only people the permission engine lets see the ticket.
    """
    return _agents_for([(ticket, author_id)])[0]


def _agents_for(pairs: list[tuple[Any, int | None]]) -> list[list[Any]]:
    """:func:`agents_to_notify` for many (ticket, author id) pairs: one query for the people and one per
    distinct person for what they may see, however many tickets."""
    from ventanilla.accounts.models import TeamMembership, User
    from ventanilla.core.permissions import restrict
    from ventanilla.tickets.models import Ticket

    assignee_ids = {t.assignee_id for t, _a in pairs if t.assignee_id}
    team_ids = {t.team_id for t, _a in pairs if not t.assignee_id and t.team_id}
    if not assignee_ids and not team_ids:
        return [[] for _pair in pairs]
    people: dict[int, Any] = {}
    by_team: dict[int, list[int]] = {}
    if assignee_ids:
        people.update((u.pk, u) for u in User.objects.filter(pk__in=assignee_ids))
    if team_ids:
        for member in (
            TeamMembership.objects.filter(team_id__in=team_ids).select_related("user").order_by("user_id")
        ):
            people[member.user_id] = member.user
            by_team.setdefault(member.team_id, []).append(member.user_id)
    ours = mailbox_addresses()
    eligible = {
        pk
        for pk, person in people.items()
        if person.is_active
        and person.is_staff_side
        and person.email
        and base_address(person.email) not in ours
    }
    wanted: dict[int, list[int]] = {}  # person -> tickets they would be told about
    candidates = []
    for ticket, _author in pairs:
        ids = [ticket.assignee_id] if ticket.assignee_id else by_team.get(ticket.team_id, [])
        ids = [pk for pk in dict.fromkeys(ids) if pk in eligible and pk != _author]
        candidates.append(ids)
        for pk in ids:
            wanted.setdefault(pk, []).append(ticket.pk)
    visible = {
        pk: set(
            restrict(Ticket.objects.filter(pk__in=ticket_ids), people[pk], "view").values_list(
                "pk", flat=True
            )
        )
        for pk, ticket_ids in wanted.items()
    }
    return [
        [people[pk] for pk in ids if ticket.pk in visible[pk]]
        for (ticket, _author), ids in zip(pairs, candidates, strict=True)
    ]


def _notify_agents(
    kind: str, items: list[tuple[Any, int | None, Any, Any]], *, defer: list[OutboundMessage]
) -> None:
    """Queue ``kind`` for the agents of each (ticket, author id, comment, inbound mail)."""
    if not settings.MAIL_NOTIFY_AGENTS or not items:
        return
    agents = _agents_for([(ticket, author_id) for ticket, author_id, _c, _i in items])
    for (ticket, _author_id, comment, inbound), people in zip(items, agents, strict=True):
        for agent in people:
            queue(kind, ticket, agent, comment=comment, defer=defer, inbound=inbound)


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


def ticket_link(ticket: Any, *, agent: bool = False) -> str:
    names = ("desk:ticket-detail",) if agent else ("portal:ticket-detail", "portal:ticket")
    for name in names:
        try:
            return f"{settings.BASE_URL}{reverse(name, args=[ticket.pk])}"
        except NoReverseMatch:
            continue
    return settings.BASE_URL + "/"


class _Context:
    """What building the messages of a delivery run reads from the database, read once for all of them:
    their tickets, the first inbound Message-ID of each ticket and the outbox history of each ticket."""

    def __init__(self, rows: list[OutboundMessage]) -> None:
        from ventanilla.tickets.models import Ticket

        ids = {row.ticket_id for row in rows}
        self.tickets = {t.pk: t for t in Ticket.objects.select_related("requester").filter(pk__in=ids)}
        self.origin: dict[int, str] = {}
        for ticket_id, message_id in (
            InboundMessage.objects.filter(ticket_id__in=ids).exclude(message_id="").order_by("id")
        ).values_list("ticket_id", "message_id"):
            self.origin.setdefault(ticket_id, message_id)
        self.sent: dict[tuple[int, str], list[tuple[int, str]]] = {}  # (ticket, address) -> (id, Message-ID)
        addresses = {row.to_address for row in rows}
        for ticket_id, address, pk, message_id in (
            OutboundMessage.objects.filter(ticket_id__in=ids, to_address__in=addresses)
            .order_by("id")
            .values_list("ticket_id", "to_address", "id", "message_id")
        ):
            self.sent.setdefault((ticket_id, address), []).append((pk, message_id))

    def references(self, row: OutboundMessage) -> tuple[str | None, list[str]]:
        """The ticket's first inbound Message-ID and the last five sent to this address before ``row``,
        oldest first."""
        earlier = [m for pk, m in self.sent.get((row.ticket_id, row.to_address), []) if pk < row.pk]
        return self.origin.get(row.ticket_id), earlier[-5:]


def _references(row: OutboundMessage, context: _Context) -> tuple[str, str]:
    """In-Reply-To and References that make every client thread the conversation."""
    origin, earlier = context.references(row)
    chain = [m for m in [origin, *earlier] if m]
    parent = row.in_reply_to or (earlier[-1] if earlier else origin) or ""
    if parent and parent not in chain:
        chain.append(parent)
    return (f"<{parent}>" if parent else ""), " ".join(f"<{m}>" for m in chain[-10:])


def build_message(row: OutboundMessage, context: _Context | None = None) -> EmailMultiAlternatives:
    """The email of an outbox row; ``context``: what a delivery run read for all its rows."""
    context = context or _Context([row])
    ticket = context.tickets.get(row.ticket_id)
    if ticket is None:
        raise LookupError(f"ticket {row.ticket_id} no longer exists")
    mailbox = row.mailbox
    address = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    token = tokens.make_token(row.ticket_id, row.recipient_id or 0)
    for_agent = row.kind in AGENT_KINDS
    with translation.override(row.language):
        author = row.comment.author if row.comment is not None else ticket.requester
        values: dict[str, Any] = {
            "ticket": ticket,
            "row": row,
            "comment": row.comment,
            "author": author,
            "link": ticket_link(ticket, agent=for_agent),
            "marker": _("##- Please type your reply above this line -##"),
            "status": Status(row.payload["new"]).label if row.payload.get("new") in Status.values else "",
        }
        if row.kind == OutboundKind.RESOLVED:
            values["confirm_link"] = resolution_link(row, "confirm")
            values["reopen_link"] = resolution_link(row, "reopen")
        subjects = {
            OutboundKind.ACK: _("[%(number)s] Received: %(title)s"),
            OutboundKind.REPLY: _("Re: [%(number)s] %(title)s"),
            OutboundKind.STATUS: _("[%(number)s] %(status)s: %(title)s"),
            OutboundKind.RESOLVED: _("[%(number)s] Resolved: %(title)s"),
            OutboundKind.NEW_TICKET: _("[%(number)s] New ticket from %(name)s: %(title)s"),
            OutboundKind.CUSTOMER_REPLY: _("[%(number)s] Reply from %(name)s: %(title)s"),
        }
        name = (author.full_name or author.email) if author is not None else ""
        subject = header_safe(
            subjects[OutboundKind(row.kind)]
            % {
                "number": ticket.number,
                "title": header_safe(ticket.title),
                "status": values["status"],
                "name": header_safe(name, 80),
            },
            250,
        )
        text = render_to_string(f"mail/{row.kind}.txt", values)
        html = render_to_string(f"mail/{row.kind}.html", values)
    if mailbox is not None:
        from_header = formataddr((header_safe(mailbox.display_name, 80), mailbox.address))
    else:
        from_header = address
    reply_address = mailbox.address if mailbox else address.split("<")[-1].strip(">")
    if settings.MAIL_REPLY_PLUS_ADDRESSING and "@" in reply_address:
        local, domain = reply_address.rsplit("@", 1)
        reply_address = f"{local}+{token}@{domain}"
    in_reply_to, references = _references(row, context)
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


# Rows leased and prepared together; each is still marked sent the moment the server took it.
DELIVERY_CHUNK = 50


def deliver_outbox(*, limit: int = 500, now: Any = None) -> int:
    """Send due rows (up to ``limit``); returns how many were sent. Safe with several workers.

    Rows are leased ``DELIVERY_CHUNK`` at a time (skipping those another worker holds) and what their
    messages need is read once per chunk; each message is then sent and recorded on its own, so a worker
    killed mid-chunk sends at most the one message it was handing over twice.
    """
    now = now or timezone.now()
    sent = handled = 0
    connection = mailers.default
    opened = False
    try:
        while handled < limit:
            rows = _lease(min(DELIVERY_CHUNK, limit - handled), now)
            if not rows:
                break
            handled += len(rows)
            context = _Context(rows)
            for row in rows:
                started = timezone.now()
                try:
                    message = build_message(row, context)
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
                _sent(row, started)
                sent += 1
    finally:
        if opened:
            with contextlib.suppress(Exception):  # nothing useful to do about it
                connection.close()
    return sent


def _lease(size: int, now: Any) -> list[OutboundMessage]:
    """Take up to ``size`` due rows for ``LEASE``: another worker skips them, and a worker that dies
    leaves them to be retried when the lease runs out."""
    with transaction.atomic():
        due = OutboundMessage.objects.filter(state=OutboundState.PENDING, next_attempt_at__lte=now)
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:size])
        if not ids:
            return []
        OutboundMessage.objects.filter(pk__in=ids).update(
            next_attempt_at=timezone.now() + LEASE, attempts=F("attempts") + 1
        )
    order = {pk: i for i, pk in enumerate(ids)}
    rows = list(OutboundMessage.objects.select_related("mailbox", "comment__author").filter(pk__in=ids))
    return sorted(rows, key=lambda row: order[row.pk])


def _sent(row: OutboundMessage, started: Any) -> None:
    finished = timezone.now()
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=row.pk).update(
            state=OutboundState.SENT, sent_at=finished, last_error=""
        )
        OutboundAttempt.objects.create(message=row, started_at=started, finished_at=finished, ok=True)


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
