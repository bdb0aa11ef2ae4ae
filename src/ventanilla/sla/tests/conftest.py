"""Shared SLA fixtures: an office calendar in Madrid and a policy helper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ventanilla.sla.models import BusinessCalendar, SlaPolicy
from ventanilla.sla.services import RuleSpec, save_calendar, save_policy

MADRID = ZoneInfo("Europe/Madrid")


def madrid(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MADRID)  # type: ignore[misc]


@pytest.fixture
def office(db: Any) -> BusinessCalendar:
    """Mon–Fri 09:00–14:00 and 15:00–18:00 in Madrid with Madrid holidays."""
    return save_calendar(
        actor=None,
        data={
            "name": "Madrid office",
            "time_zone": "Europe/Madrid",
            "holiday_country": "ES",
            "holiday_subdivision": "MD",
        },
        intervals=[(d, dt.time(9), dt.time(14)) for d in range(5)]
        + [(d, dt.time(15), dt.time(18)) for d in range(5)],
    )


@pytest.fixture
def make_policy(office: BusinessCalendar) -> Callable[..., SlaPolicy]:
    counter = iter(range(1000))

    def make(escalations: list[RuleSpec] | None = None, **data: Any) -> SlaPolicy:
        data.setdefault("name", f"Policy {next(counter)}")
        data.setdefault("calendar", office)
        data.setdefault("first_response_minutes", 60)
        data.setdefault("resolution_minutes", 480)
        return save_policy(actor=None, data=data, escalations=escalations)

    return make


@pytest.fixture
def clock() -> Iterator[Callable[[dt.datetime], None]]:
    """``clock(instant)`` moves time there (and keeps it still) until the test ends."""
    travellers: list[Any] = []

    def move(instant: dt.datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(instant, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    for traveller in travellers:
        traveller.stop()
