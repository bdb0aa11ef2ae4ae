from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="ventanilla.core.tasks.heartbeat")
def heartbeat() -> None:
    """Beat schedules this every minute; the worker running it proves both are alive."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})
