"""Celery application. Workers and beat load their settings from Django (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.settings")

app = Celery("ventanilla")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs live in code so every deployment has the same schedule (see ARCHITECTURE §1).
app.conf.beat_schedule = {
    "core-heartbeat": {"task": "ventanilla.core.tasks.heartbeat", "schedule": 60.0},
    "sla-tick": {"task": "ventanilla.sla.tasks.tick", "schedule": 30.0},
    "mail-process-pending": {"task": "ventanilla.mail.tasks.process_pending", "schedule": 60.0},
    "mail-deliver": {"task": "ventanilla.mail.tasks.deliver", "schedule": 30.0},
    "mail-imap-poll": {"task": "ventanilla.mail.tasks.imap_poll", "schedule": 60.0},
}
