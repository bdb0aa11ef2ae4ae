"""Mail admin: mailboxes are configuration; stored mail, outbox and bounces are read-only records with
actions (replay a quarantined message, retry failed deliveries) that call the mail services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ventanilla.core.admin import ReadOnlyAdmin, ReferenceAdmin

from . import outbound, services
from .choices import InboundState
from .models import Bounce, InboundMessage, Mailbox, OutboundAttempt, OutboundMessage


@admin.register(Mailbox)
class MailboxAdmin(ReferenceAdmin):
    list_display = ("name", "address", "team", "queue", "ticket_type", "language", "imap_host", "is_active")
    list_filter = ("is_active", "team", "language")
    search_fields = ("name", "address")


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "source",
        "mailbox",
        "from_address",
        "subject",
        "state",
        "outcome",
        "ticket",
        "reason",
    )
    list_filter = ("state", "outcome", "source", "mailbox")
    search_fields = ("from_address", "subject", "message_id", "reason")
    exclude = ("raw",)
    readonly_fields = ("raw_text",)
    actions = ["replay"]
    list_select_related = ("mailbox", "ticket")

    @admin.display(description=_("raw message"))
    def raw_text(self, obj: InboundMessage) -> str:
        return bytes(obj.raw)[:200_000].decode("utf-8", "replace")

    @admin.action(description=_("Replay the selected quarantined messages"))
    def replay(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> HttpResponse | None:
        done = 0
        for message in queryset.filter(state=InboundState.QUARANTINED):
            result = services.replay(message, actor=request.user)
            done += int(result is not None and result.state == InboundState.DONE)
        self.message_user(
            request,
            ngettext("%(n)d message processed.", "%(n)d messages processed.", done) % {"n": done},
            messages.SUCCESS if done else messages.WARNING,
        )
        return None


class AttemptInline(admin.TabularInline):
    model = OutboundAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("started_at", "finished_at", "ok", "error")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "kind",
        "to_address",
        "ticket",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "kind")
    search_fields = ("to_address", "message_id")
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed messages"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        count = outbound.retry_failed(queryset)
        self.message_user(request, gettext("%(n)d message(s) queued again.") % {"n": count})


@admin.register(Bounce)
class BounceAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "address", "action", "status", "ticket", "diagnostic")
    search_fields = ("address", "diagnostic")
