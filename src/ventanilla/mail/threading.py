"""Which ticket a message belongs to, and how far the sender may be trusted on it.

Order: a signed reply token (sub-address or our Message-ID in In-Reply-To/References), then a known
Message-ID in In-Reply-To/References, then a ``[INC-000123]`` subject tag. Only the token proves that
the sender received our mail; the other two are trusted only when the sender is a participant of the
ticket (someone the permission engine lets comment on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ventanilla.accounts.models import User
from ventanilla.core.permissions import can
from ventanilla.tickets.models import Ticket

from . import tokens
from .models import InboundMessage, OutboundMessage
from .parsing import ParsedMessage

SUBJECT_TAG = re.compile(r"\[\s*((?:INC|REQ|QST)-\d{1,12})\s*\]", re.IGNORECASE)


@dataclass
class Thread:
    ticket: Ticket | None = None
    via: str = ""  # "token", "reference", "tag" or ""
    token_user_id: int | None = None
    trusted: bool = False  # the sender may write on this ticket as themself


class Lookups:
    """The reads threading needs, one query each. :class:`BatchLookups` answers them for many messages
    from a few queries made up front."""

    def ticket(self, pk: int) -> Ticket | None:
        return Ticket.objects.select_related("requester", "organization").filter(pk=pk).first()

    def ticket_id_for(self, ids: list[str]) -> int | None:
        """The ticket one of our outbound, else inbound, messages with one of these Message-IDs belongs to."""
        return (
            OutboundMessage.objects.filter(message_id__in=ids).values_list("ticket_id", flat=True).first()
            or InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
            .values_list("ticket_id", flat=True)
            .first()
        )


class BatchLookups(Lookups):
    """Threading reads for a batch of messages: tickets and Message-IDs fetched in three queries.

    A ticket not fetched up front (a merge target) falls back to a query of its own.
    """

    def __init__(self, messages: list[tuple[ParsedMessage, list[str]]]) -> None:
        ids = {i for parsed, _env in messages for i in parsed.in_reply_to + parsed.references}
        self.outbound: dict[str, int] = {}
        self.inbound: dict[str, int] = {}
        if ids:
            for message_id, ticket_id in OutboundMessage.objects.filter(message_id__in=ids).values_list(
                "message_id", "ticket_id"
            ):
                self.outbound.setdefault(message_id, ticket_id)
            for message_id, ticket_id in InboundMessage.objects.filter(
                message_id__in=ids, ticket__isnull=False
            ).values_list("message_id", "ticket_id"):
                self.inbound.setdefault(message_id, ticket_id)
        wanted = set(self.outbound.values()) | set(self.inbound.values())
        for parsed, envelope in messages:
            wanted.update(t.ticket_id for t in _tokens(parsed, envelope))
            wanted.update(
                filter(None, (Ticket.pk_from_number(n) for n in SUBJECT_TAG.findall(parsed.subject)))
            )
        self.tickets: dict[int, Ticket] = (
            {
                t.pk: t
                for t in Ticket.objects.select_related("requester", "organization").filter(pk__in=wanted)
            }
            if wanted
            else {}
        )

    def ticket(self, pk: int) -> Ticket | None:
        return self.tickets[pk] if pk in self.tickets else super().ticket(pk)

    def ticket_id_for(self, ids: list[str]) -> int | None:
        return next((self.outbound[i] for i in ids if i in self.outbound), None) or next(
            (self.inbound[i] for i in ids if i in self.inbound), None
        )


def _tokens(parsed: ParsedMessage, envelope: list[str] | None) -> list[tokens.ReplyToken]:
    recipients = " ".join(parsed.to + parsed.cc + (envelope or []))
    return tokens.find_tokens(" ".join(parsed.in_reply_to + parsed.references)) + tokens.find_tokens(
        recipients
    )


def find_thread(
    parsed: ParsedMessage,
    sender: User | None,
    envelope: list[str] | None = None,
    lookups: Lookups | None = None,
) -> Thread:
    lookups = lookups or Lookups()
    thread = Thread()
    ids = parsed.in_reply_to + parsed.references
    for token in _tokens(parsed, envelope):
        ticket = lookups.ticket(token.ticket_id)
        if ticket is not None:
            thread = Thread(ticket=ticket, via="token", token_user_id=token.user_id)
            break
    if thread.ticket is None and ids:
        pk = lookups.ticket_id_for(ids)
        if pk:
            thread = Thread(ticket=lookups.ticket(pk), via="reference")
    if thread.ticket is None:
        for number in SUBJECT_TAG.findall(parsed.subject):
            pk = Ticket.pk_from_number(number)
            ticket = lookups.ticket(pk) if pk else None
            if ticket is not None and ticket.number == number.upper():
                thread = Thread(ticket=ticket, via="tag")
                break
    # A merged ticket's mail continues in the ticket it was merged into.
    seen: set[int] = set()
    while thread.ticket is not None and thread.ticket.merged_into_id and thread.ticket.pk not in seen:
        seen.add(thread.ticket.pk)
        thread.ticket = lookups.ticket(thread.ticket.merged_into_id)
    if thread.ticket is not None and sender is not None:
        if thread.via == "token" and thread.token_user_id == sender.pk:
            thread.trusted = True
        elif sender.is_staff_side:
            thread.trusted = False  # an agent's mail counts only with their own token (no spoofed replies)
        else:
            thread.trusted = is_participant(sender, thread.ticket)
    return thread


def is_participant(user: User, ticket: Ticket) -> bool:
    if not user.is_active:
        return False
    if ticket.requester_id == user.pk or ticket.watchers.filter(pk=user.pk).exists():
        return True
    return can(user, "comment", ticket)
