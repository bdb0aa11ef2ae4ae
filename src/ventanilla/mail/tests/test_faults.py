"""Crash safety: a worker killed with SIGKILL in the middle of a message, then restarted.

PostgreSQL only: the worker is a separate process that must see the test's committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ventanilla.mail.models import InboundMessage
from ventanilla.mail.services import store_message
from ventanilla.tickets.models import Comment, Ticket

from .helpers import make_mail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
APP = "ventanilla-mail-test-worker"


def _psycopg() -> Any:
    import psycopg

    cfg = connection.settings_dict
    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname=cfg["NAME"],
        autocommit=True,
    )


def _worker() -> subprocess.Popen[bytes]:
    cfg = connection.settings_dict
    url = f"postgres://{cfg['USER']}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PGAPPNAME": APP,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "VENTANILLA_TESTING": "true",
        "SECRET_KEY": "django-insecure-test",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    manage = [sys.executable, "-m", "ventanilla.cli", "process_mail"]
    return subprocess.Popen(
        manage,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[4],
    )


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a second process shares the test database)")


def _store(n: int, mailbox: Any) -> None:
    for i in range(n):
        store_message(make_mail(subject=f"Caso {i}", msgid=f"<kill-{i}@c.test>"), mailbox=mailbox)


def _assert_exactly_once(n: int) -> None:
    assert InboundMessage.objects.filter(state="done").count() == n
    assert Ticket.objects.count() == n
    assert sorted(Ticket.objects.values_list("title", flat=True)) == sorted(f"Caso {i}" for i in range(n))
    assert Comment.objects.count() == 0


def test_worker_killed_mid_message_then_restarted(personas: Any, mailbox: Any) -> None:
    _store(10, mailbox)
    with _psycopg() as blocker:
        # Hold the ticket table so the worker stops inside its transaction, half-way through message 1.
        blocker.autocommit = False
        blocker.execute("LOCK TABLE tickets_ticket IN ACCESS EXCLUSIVE MODE")
        worker = _worker()
        with _psycopg() as probe:
            deadline = time.monotonic() + 60
            waiting = 0
            while time.monotonic() < deadline and not waiting:
                waiting = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock'",
                    [APP],
                ).fetchone()[0]
                time.sleep(0.1)
            assert waiting, worker.communicate(timeout=5)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            # The server notices the dead client only when it next writes to it; a restart ends it too.
            probe.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [APP]
            )
        blocker.rollback()
    assert InboundMessage.objects.filter(state="done").count() == 0
    assert Ticket.objects.count() == 0
    restarted = _worker()
    _out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()
    _assert_exactly_once(10)


def test_worker_killed_at_random_points(personas: Any, mailbox: Any) -> None:
    _store(40, mailbox)
    for delay in (1.5, 2.0, 2.5):
        worker = _worker()
        time.sleep(delay)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    final = _worker()
    _out, err = final.communicate(timeout=180)
    assert final.returncode == 0, err.decode()
    _assert_exactly_once(40)
