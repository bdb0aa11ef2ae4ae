"""Celery entry points (thin: they call services). Beat runs ``tick`` every 30 seconds."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from .delivery import deliver_outbox, pending_count
from .tick import run_tick


@shared_task(name="ventanilla.sla.tasks.tick")
def tick() -> dict[str, int]:
    result = run_tick()
    if result.outbox or pending_count():
        deliver.delay()
    return {"breached": result.breached, "escalated": result.escalated, "outbox": result.outbox}


@shared_task(name="ventanilla.sla.tasks.deliver")
def deliver() -> int:
    # One deliverer at a time per cache: rows are claimed individually anyway, this just avoids a crowd.
    if not cache.add("sla:deliver:lock", 1, timeout=120):
        return 0
    try:
        total = 0
        while True:
            done = deliver_outbox()
            total += done
            if done == 0:
                return total
    finally:
        cache.delete("sla:deliver:lock")
