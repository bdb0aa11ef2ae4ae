"""Links between tickets and merging duplicates."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ventanilla.accounts.models import User
from ventanilla.core import events
from ventanilla.core.context import acting_as
from ventanilla.core.errors import Conflict, ValidationFailed
from ventanilla.sla import hooks

from ..choices import FINAL, LinkKind, ResolutionCode, Status, TimelineKind
from ..models import Attachment, Comment, Ticket, TicketLink, TimelineEntry
from .common import require, timeline, write


def link_tickets(*, actor: User | None, source: Ticket, target: Ticket, kind: str) -> TicketLink:
    require(actor, "change", source)
    require(actor, "view", target)
    if kind not in LinkKind.values:
        raise ValidationFailed(
            _("Unknown link kind “%(kind)s”; use one of: %(all)s.")
            % {"kind": kind, "all": ", ".join(LinkKind.values)},
            code="invalid_choice",
            field="kind",
        )
    if source.pk == target.pk:
        raise ValidationFailed(_("A ticket cannot be linked to itself."), code="link_to_self", field="target")
    if (
        kind == LinkKind.RELATED
        and TicketLink.objects.filter(source=target, target=source, kind=kind).exists()
    ):
        raise Conflict(_("These tickets are already linked."), code="link_exists")
    if kind == LinkKind.PARENT_OF and _is_ancestor(target, source):
        raise ValidationFailed(
            _("That would make a ticket its own ancestor."), code="link_cycle", field="target"
        )
    with acting_as(actor), transaction.atomic():
        try:
            with transaction.atomic():
                link = TicketLink.objects.create(source=source, target=target, kind=kind, created_by=actor)
        except IntegrityError:
            raise Conflict(_("These tickets are already linked."), code="link_exists") from None
        timeline(source, actor, TimelineKind.LINK, kind=kind, other=target.number, other_id=target.pk)
        timeline(
            target, actor, TimelineKind.LINK, kind=kind, other=source.number, other_id=source.pk, inverse=True
        )
        events.emit("ticket.linked", source_id=source.pk, target_id=target.pk, kind=kind)
    return link


def _is_ancestor(candidate: Ticket, node: Ticket) -> bool:
    """True if ``candidate`` is ``node`` or one of its descendants' ancestors via parent_of links."""
    frontier, seen = {candidate.pk}, set()
    while frontier:
        if node.pk in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                TicketLink.objects.filter(source_id__in=frontier, kind=LinkKind.PARENT_OF).values_list(
                    "target_id", flat=True
                )
            )
            - seen
        )
    return False


def unlink_tickets(*, actor: User | None, link: TicketLink) -> None:
    require(actor, "change", link.source)
    with acting_as(actor), transaction.atomic():
        timeline(
            link.source,
            actor,
            TimelineKind.UNLINK,
            kind=link.kind,
            other=link.target.number,
            other_id=link.target_id,
        )
        link.delete()


def merge_tickets(*, actor: User | None, source: Ticket, target: Ticket) -> Ticket:
    """Fold ``source`` into ``target``: its comments, attachments and watchers (and its requester, as a
    watcher) move to the target; the source is closed as a duplicate and linked to it."""
    require(actor, "change", source)
    require(actor, "change", target)
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A ticket cannot be merged into itself."), code="merge_into_self", field="target"
        )
    if source.status in FINAL or target.status in FINAL:
        raise Conflict(_("Closed or cancelled tickets cannot be merged."), code="merge_final")
    if source.organization_id != target.organization_id:
        raise ValidationFailed(
            _("Tickets of different organisations cannot be merged."),
            code="organization_mismatch",
            field="target",
        )
    with acting_as(actor), transaction.atomic():
        moved_comments = Comment.objects.filter(ticket=source).update(ticket=target)
        moved_files = Attachment.objects.filter(ticket=source).update(ticket=target)
        TimelineEntry.objects.filter(ticket=source, comment__isnull=False).update(ticket=target)
        watchers = list(source.watchers.all())
        if source.requester_id != target.requester_id:
            watchers.append(source.requester)
        if watchers:
            target.watchers.add(*[w for w in watchers if w.pk != target.requester_id])
        TicketLink.objects.get_or_create(
            source=source, target=target, kind=LinkKind.DUPLICATE_OF, defaults={"created_by": actor}
        )
        old_status = source.status
        write(
            source,
            {
                "status": Status.CLOSED,
                "merged_into": target,
                "resolution_code": ResolutionCode.DUPLICATE,
                "resolution_note": _("Merged into %(number)s.") % {"number": target.number},
                "closed_at": timezone.now(),
            },
            expect_status=old_status,
        )
        write(target, {})
        hooks.ticket_changed(source, actor=actor, reason="merged")
        timeline(source, actor, TimelineKind.MERGE, public=True, into=target.number, into_id=target.pk)
        timeline(source, actor, TimelineKind.STATUS, public=True, old=old_status, new=Status.CLOSED)
        timeline(
            target,
            actor,
            TimelineKind.MERGE,
            public=True,
            merged=source.number,
            merged_id=source.pk,
            comments=moved_comments,
            attachments=moved_files,
        )
        events.emit("ticket.merged", source_id=source.pk, target_id=target.pk)
    return target
