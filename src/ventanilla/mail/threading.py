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


def _ticket(pk: int) -> Ticket | None:
    return Ticket.objects.select_related("requester", "organization").filter(pk=pk).first()


def find_thread(parsed: ParsedMessage, sender: User | None, envelope: list[str] | None = None) -> Thread:
    thread = Thread()
    ids = parsed.in_reply_to + parsed.references
    recipients = " ".join(parsed.to + parsed.cc + (envelope or []))
    found = tokens.find_tokens(" ".join(ids)) + tokens.find_tokens(recipients)
    for token in found:
        ticket = _ticket(token.ticket_id)
        if ticket is not None:
            thread = Thread(ticket=ticket, via="token", token_user_id=token.user_id)
            break
    if thread.ticket is None and ids:
        pk = (
            OutboundMessage.objects.filter(message_id__in=ids).values_list("ticket_id", flat=True).first()
            or InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if pk:
            thread = Thread(ticket=_ticket(pk), via="reference")
    if thread.ticket is None:
        for number in SUBJECT_TAG.findall(parsed.subject):
            pk = Ticket.pk_from_number(number)
            ticket = _ticket(pk) if pk else None
            if ticket is not None and ticket.number == number.upper():
                thread = Thread(ticket=ticket, via="tag")
                break
    # A merged ticket's mail continues in the ticket it was merged into.
    seen: set[int] = set()
    while thread.ticket is not None and thread.ticket.merged_into_id and thread.ticket.pk not in seen:
        seen.add(thread.ticket.pk)
        thread.ticket = _ticket(thread.ticket.merged_into_id)
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
