"""Processing a claimed batch of inbound messages with a fixed number of statements.

Most mail is one of a few plain cases: a new ticket, a reply from someone taking part in the ticket, an
automatic message nobody needs, one of our own coming back, a bounce of mail we cannot identify. Those
are written together: one query for the people, three for threading, then one INSERT per table for new
people, tickets, comments, attachments, timeline, change log, SLA clocks and outbox, whatever the batch
size. Everything else (quarantine, reopening, follow-ups, unverified notes, bounces of our own mail)
is processed one by one afterwards by ``services._process_claimed``, the code that decides every case.

The result is what processing the messages one by one, in order, gives: a message is left to the
one-by-one path as soon as it could depend on one that went that way before it (same sender, same
ticket, a reference to it) or on one in the same batch (a reply to a message not yet processed).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.accounts.services import create_customers
from ventanilla.core.bulk import bulk_update
from ventanilla.core.context import acting_as
from ventanilla.tickets.choices import FINAL, Status
from ventanilla.tickets.models import Ticket

from . import services
from .choices import InboundState, Outcome
from .models import Bounce, InboundMessage, Mailbox
from .outbound import on_comments_added, on_tickets_created
from .parsing import ParsedMessage, parse_message
from .threading import BatchLookups, find_thread

logger = logging.getLogger(__name__)


@dataclass
class _Item:
    row: InboundMessage
    parsed: ParsedMessage | None
    ctx: services.InboundContext | None = None
    mailbox: Mailbox | None = None
    kind: str = "slow"  # "slow", "wait" (next wave), "done" (no writes), "ticket", "comment", "bounce"
    outcome: str = ""
    sender: User | None = None
    new_sender: str = ""  # the address of a sender to create
    ticket: Ticket | None = None
    comment: Any = None
    notes: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # bounced addresses of people who exist by then
    position: int = 0  # in the batch: the order one-by-one processing would follow

    def reset(self) -> None:
        """Forget an earlier wave's plan."""
        self.kind, self.outcome, self.new_sender = "slow", "", ""
        self.sender = self.ticket = self.comment = None
        self.notes, self.known = [], set()


def process_batch(rows: list[InboundMessage]) -> None:
    """Process claimed (locked) pending rows inside the caller's transaction; see the module docstring.

    Replies to a message of the same batch wait for the next wave: each wave plans and writes the
    messages that depend on nothing unwritten, then the waiting ones are planned again.
    """
    items = []
    for position, row in enumerate(rows):
        try:
            parsed: ParsedMessage | None = parse_message(bytes(row.raw))
        except Exception:  # the one-by-one path quarantines it with the reason
            parsed = None
        items.append(_Item(row=row, parsed=parsed, position=position))
    slow = items
    if any(item.parsed is not None for item in items):
        try:
            with transaction.atomic(), acting_as(None):
                slow = []
                held: set[Any] = set()
                pending = items
                while pending:
                    people = _plan(pending, held)
                    _write(pending, people)
                    slow += [item for item in pending if item.kind == "slow"]
                    pending = [item for item in pending if item.kind == "wait"]
        except services.TRANSIENT_ERRORS:
            raise
        except Exception:
            # Whatever went wrong is found again, message by message, and quarantines only its message.
            logger.exception("batch of %d inbound messages failed; processing them one by one", len(items))
            slow = items
            for item in items:  # an earlier wave's outcome was rolled back with the rest
                item.row.refresh_from_db(fields=FINISHED_FIELDS)
    for item in sorted(slow, key=lambda item: item.position):
        services._process_claimed(item.row)


# --- deciding ------------------------------------------------------------------------------------------


def _plan(items: list[_Item], held: set[Any]) -> dict[str, User]:
    """Decide which messages take the fast path now, which wait for the next wave and which go one by
    one; ``held`` collects the senders, tickets and Message-IDs of those going one by one."""
    parsed = [item.parsed for item in items if item.parsed is not None]
    addresses = {p.from_address for p in parsed if p.from_address}
    addresses.update(a for p in parsed for a in p.cc[:20])
    addresses.update(r.address for p in parsed if p.bounce for r in p.bounce_reports)
    people = (
        {u.email: u for u in User.objects.select_related("organization").filter(email__in=addresses)}
        if addresses
        else {}
    )
    lookups = BatchLookups([(i.parsed, i.row.envelope_recipients) for i in items if i.parsed is not None])
    default = services._default_mailbox()
    earlier_ids: set[str] = set()  # Message-IDs of the messages before this one in this wave
    waiting: set[Any] = set()  # keys of the messages that wait for the next wave
    created: dict[str, int] = {}  # addresses the fast path will create -> position of the first to need one
    for position, item in enumerate(items):
        item.reset()
        if item.parsed is not None:
            item.mailbox = item.row.mailbox or default
            item.ctx = services.InboundContext(message=item.row, parsed=item.parsed)
            _decide(item, people, lookups, created)
            keys = _keys(item)
            refs = set(item.parsed.in_reply_to + item.parsed.references)
            if (keys | refs) & held:
                item.kind = "slow"  # it follows or answers a message going one by one: so must it
            elif refs & earlier_ids or keys & waiting:
                item.kind = "wait"  # it answers (or follows) a message not written yet
            if item.parsed.message_id:
                earlier_ids.add(item.parsed.message_id)
        if item.kind == "slow":
            held.update(_keys(item))
            continue
        if item.kind == "wait":
            waiting.update(_keys(item))
            continue
        if item.kind == "bounce":
            assert item.parsed is not None
            # One by one, a bounce names the person only if they existed by then.
            item.known = {
                r.address
                for r in item.parsed.bounce_reports
                if r.address in people or created.get(r.address, position) < position
            }
        if item.new_sender:
            created.setdefault(item.new_sender, position)
        if item.kind == "ticket":
            for address in _cc(item):
                if address not in people:
                    created.setdefault(address, position)
    _create_people([item for item in items if item.kind not in ("slow", "wait")], people)
    return people  # everyone the fast path needs, by address


def _keys(item: _Item) -> set[Any]:
    if item.parsed is None:
        return set()
    keys: set[Any] = {item.parsed.from_address, item.parsed.message_id} - {""}
    if item.ticket is not None:
        keys.add(("ticket", item.ticket.pk))
    return keys


def _cc(item: _Item) -> list[str]:
    assert item.parsed is not None
    return services.cc_addresses(item.parsed, item.parsed.from_address, item.mailbox)


def _decide(item: _Item, people: dict[str, User], lookups: BatchLookups, created: dict[str, int]) -> None:
    """The fast cases of ``services._apply``, in the same order; anything else stays "slow"."""
    parsed = item.parsed
    assert parsed is not None and item.ctx is not None
    if parsed.our_loop:
        item.kind, item.outcome = "done", Outcome.LOOP
        item.notes = [_("Our own notification came back; ignored.")]
        return
    if parsed.bounce:
        if not parsed.bounced_message_ids:  # nothing of ours to find: only the failed addresses to record
            item.kind, item.outcome = "bounce", Outcome.BOUNCE
        return
    if not parsed.from_address:
        return
    if item.mailbox is not None and parsed.from_address == item.mailbox.address.lower():
        item.kind, item.outcome = "done", Outcome.LOOP
        item.notes = [_("Mail from our own address; ignored.")]
        return
    sender = people.get(parsed.from_address)
    thread = find_thread(parsed, sender, item.row.envelope_recipients, lookups)
    item.ticket = thread.ticket
    if sender is None:
        if thread.ticket is not None:
            return  # whether a newcomer may write on a ticket needs them in the database: one by one
        if parsed.from_address not in created:  # else an earlier message creates them: known by now
            if parsed.auto in ("auto_replied", "bulk"):
                item.kind, item.outcome = "done", Outcome.IGNORED
                item.notes = [_("Automatic or bulk mail from an unknown sender; no ticket.")]
                return
            if not _valid(parsed.from_address):
                return
        item.new_sender = parsed.from_address
    elif not sender.is_active:
        return
    item.sender = sender
    if parsed.auto:
        item.ctx.suppress_ack = True  # RFC 3834: never answer automatic mail automatically
    ticket = thread.ticket
    if ticket is None:
        if parsed.is_out_of_office:
            item.kind, item.outcome = "done", Outcome.IGNORED
            item.notes = [_("Out-of-office reply to no ticket.")]
        elif all(a in people or _valid(a) for a in _cc(item)):
            item.kind, item.outcome = "ticket", Outcome.TICKET
        return
    if (
        parsed.is_out_of_office
        or not thread.trusted
        or ticket.status in FINAL
        or ticket.status == Status.RESOLVED
    ):
        return
    item.kind, item.outcome = "comment", Outcome.COMMENT


@functools.lru_cache(maxsize=4096)  # the same senders and Cc lists come back all day
def _valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _create_people(items: list[_Item], people: dict[str, User]) -> None:
    """The senders and Cc'd people the fast path needs, one INSERT per language."""
    wanted: dict[str, tuple[str, str]] = {}  # address -> (name, language): the first message's
    for item in items:
        language = item.mailbox.language if item.mailbox else ""
        if item.new_sender:
            assert item.parsed is not None
            wanted.setdefault(item.new_sender, (item.parsed.from_name, language))
        if item.kind == "ticket":
            for address in _cc(item):
                if address not in people:
                    wanted.setdefault(address, ("", language))
    for language in dict.fromkeys(language for _name, language in wanted.values()):
        batch = {a: name for a, (name, lang) in wanted.items() if lang == language}
        people.update(
            create_customers(actor=None, people=batch, **({"language": language} if language else {}))
        )
    for item in items:
        if item.new_sender:
            item.sender = people[item.new_sender]


# --- writing -------------------------------------------------------------------------------------------


def _write(items: list[_Item], people: dict[str, User]) -> None:
    from ventanilla.tickets.services import add_attachments, add_comments, create_tickets

    fast = [item for item in items if item.kind not in ("slow", "wait")]
    tickets = [item for item in fast if item.kind == "ticket"]
    comments = [item for item in fast if item.kind == "comment"]
    if tickets:
        ticket_items, files = [], []
        for item in tickets:
            assert item.parsed is not None and item.sender is not None
            files.append(services._files(item.parsed, item.notes))
            data = services.ticket_item(item.parsed, item.sender, item.mailbox, item.notes)
            data["watchers"] = services._cc_watchers(
                item.parsed, item.sender, item.mailbox, item.notes, lambda address, _n, _m: people[address]
            )
            data["description"] = services._with_notes(data["description"], item.notes + item.parsed.notes)
            ticket_items.append(data)
        created = create_tickets(actor=None, items=ticket_items, notify=False)
        for item, ticket in zip(tickets, created, strict=True):
            item.ticket = ticket
        by_ticket = {id(item.ticket): item.ctx for item in tickets}
        on_tickets_created(created, actor=None, inbound_for=lambda t: by_ticket[id(t)])
        add_attachments(
            actor=None,
            items=[
                (item.ticket, name, data)
                for item, kept in zip(tickets, files, strict=True)
                for name, data in kept
                if item.ticket is not None
            ],
        )
    if comments:
        comment_items = []
        for item in comments:
            assert item.parsed is not None and item.sender is not None and item.ticket is not None
            comment_items.append(services.reply_item(item.ticket, item.parsed, item.sender, item.notes))
        written = add_comments(actor=None, items=comment_items, notify=False)
        for item, comment in zip(comments, written, strict=True):
            item.comment = comment
        on_comments_added([(item.ticket, item.comment, item.ctx) for item in comments])
    bounces = [
        Bounce(
            inbound=item.row,
            address=report.address,
            action=report.action,
            status=report.status,
            diagnostic=report.diagnostic,
            user=people.get(report.address) if report.address in item.known else None,
        )
        for item in fast
        if item.kind == "bounce" and item.parsed is not None
        for report in item.parsed.bounce_reports
    ]
    if bounces:
        Bounce.objects.bulk_create(bounces)
    _finish(fast)


def _finish(items: list[_Item]) -> None:
    """Mark the rows done with their outcome: one UPDATE for the batch."""
    now = timezone.now()
    for item in items:
        row, parsed = item.row, item.parsed
        assert parsed is not None
        row.state = InboundState.DONE
        row.outcome = item.outcome
        row.ticket = item.ticket if item.kind in ("ticket", "comment") else None
        row.comment = item.comment
        row.sender = item.sender
        row.notes = parsed.notes + item.notes
        row.reason = ""
        row.from_address = parsed.from_address[:320]
        row.subject = parsed.subject[:300]
        row.processed_at = now
        row.attempts += 1
    bulk_update(InboundMessage, [item.row for item in items], FINISHED_FIELDS)


# What processing writes on an inbound row.
FINISHED_FIELDS = [
    "state",
    "outcome",
    "ticket",
    "comment",
    "sender",
    "notes",
    "reason",
    "from_address",
    "subject",
    "processed_at",
    "attempts",
]
