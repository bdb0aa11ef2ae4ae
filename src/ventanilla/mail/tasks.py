"""Celery entry points (thin: they call the mail services)."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from .outbound import deliver_outbox
from .services import process_message, process_pending


@shared_task(
    name="ventanilla.mail.tasks.process_inbound",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=10,
)
def process_inbound(pk: int) -> str:
    row = process_message(pk)
    return row.state if row is not None else "skipped"


@shared_task(name="ventanilla.mail.tasks.process_pending")
def sweep() -> int:
    """Beat runs this every minute: whatever is stored and still pending (lost task, crash) is processed."""
    return process_pending()


@shared_task(name="ventanilla.mail.tasks.deliver")
def deliver() -> int:
    # One deliverer at a time per cache; rows are claimed one by one anyway, this only avoids a crowd.
    if not cache.add("mail:deliver:lock", 1, timeout=300):
        return 0
    try:
        total = 0
        while (done := deliver_outbox()) > 0:
            total += done
        return total
    finally:
        cache.delete("mail:deliver:lock")


@shared_task(name="ventanilla.mail.tasks.imap_poll")
def imap_poll() -> int:
    """One pass over every IMAP mailbox (for sites that do not run ``ventanilla imap_poll --idle``)."""
    from .imap import poll_all

    if not cache.add("mail:imap:lock", 1, timeout=600):  # single-instance job
        return 0
    try:
        return poll_all()
    finally:
        cache.delete("mail:imap:lock")
