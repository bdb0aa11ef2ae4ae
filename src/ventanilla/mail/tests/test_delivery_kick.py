"""Delivery kicks: a burst of outbox rows sends one task now and one for the end of the interval."""

from __future__ import annotations

from typing import Any

import pytest
from celery.signals import before_task_publish


@pytest.fixture
def broker(tmp_path: Any) -> Any:
    """Celery's own filesystem broker in a temporary folder: tasks are really published, nowhere shared."""
    from ventanilla.celery import app

    folder = tmp_path / "queue"
    folder.mkdir()
    saved = app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager
    app.conf.task_always_eager = False  # publish for real (the tests run tasks eagerly otherwise)
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "store_processed": False,
    }
    _forget_connections(app)  # pools made earlier with other options are not reused
    yield folder
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved
    _forget_connections(app)


def _forget_connections(app: Any) -> None:
    app._pool = None
    app.amqp._producer_pool = None


def test_a_burst_of_rows_sends_two_kicks(broker: Any, monkeypatch: Any) -> None:
    from ventanilla.mail import outbound

    published: list[dict[str, Any]] = []

    def on_publish(sender: str | None = None, headers: dict[str, Any] | None = None, **kw: Any) -> None:
        published.append({"task": sender, "eta": (headers or {}).get("eta")})

    before_task_publish.connect(on_publish, weak=False)
    monkeypatch.setattr(outbound._kick_delivery, "at", float("-inf"))
    try:
        for _ in range(20):  # twenty rows committed in a burst
            outbound._kick_delivery()
    finally:
        before_task_publish.disconnect(on_publish)
    assert [p["task"] for p in published] == ["ventanilla.mail.tasks.deliver"] * 2
    assert published[0]["eta"] is None  # the first row is delivered at once
    assert published[1]["eta"] is not None  # the rest by one run at the end of the interval
    assert len(list(broker.iterdir())) == 2  # really on the broker
