"""Waking a worker up for queued work without sending a task per item.

A run of the woken task drains everything committed before it starts, so one kick covers a burst. A
process sends at most one kick per interval; work committed in between is covered by one kick scheduled
for the interval's end (sending a task costs about as much as writing a ticket on the local broker).
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)


class Kick:
    def __init__(self, task_name: str, *, interval: float = 1.0) -> None:
        self.task_name = task_name
        self.interval = interval
        self.at = float("-inf")  # when the latest kick this process sent will run (monotonic clock)

    def __call__(self) -> None:
        now = time.monotonic()
        if self.at > now:
            return  # a kick that runs after this commit is already on its way
        run_at = max(now, self.at + self.interval)
        try:
            from ventanilla.celery import app

            app.send_task(self.task_name, countdown=run_at - now if run_at > now else None)
            self.at = run_at
        except Exception:  # broker down: beat's periodic run of the same task picks the work up
            logger.warning("could not enqueue %s", self.task_name, exc_info=True)
