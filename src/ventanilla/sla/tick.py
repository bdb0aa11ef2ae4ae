"""The SLA tick: flips due targets to breached and fires due escalations, writing outbox rows.

Safe with several workers at once and across restarts:

* Breaches are claimed with one conditional ``UPDATE … WHERE breached_at IS NULL AND due_at <= now``
  (``RETURNING`` the rows won), so a target is flipped — and its outbox row written — exactly once. On
  PostgreSQL the candidate rows are taken ``FOR UPDATE SKIP LOCKED`` so concurrent ticks share the work
  instead of waiting on each other.
* Due escalations are taken with their target rows locked (``SKIP LOCKED`` on PostgreSQL; SQLite
  transactions are exclusive). A rule fires when its :class:`EscalationFiring` row is written, in the same
  transaction as its outbox row; rules that already have a firing are skipped and the unique constraint is
  the last guard, so a rule fires once per ticket, target and cycle even after a crash or restart.
  Everything a tick writes commits together, or not at all.
* When nothing is due both probes are index-only lookups on partial indexes (see ``TicketSlaTarget``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .choices import EscalationAction, OutboxKind, OutboxState
from .models import EscalationFiring, Outbox, TicketSlaTarget
from .services import elapsed_at, policy_info, schedule

logger = logging.getLogger(__name__)
BATCH = 10_000


@dataclass
class TickResult:
    breached: int = 0
    escalated: int = 0
    outbox: int = 0

    def __bool__(self) -> bool:
        return bool(self.breached or self.escalated)


def _table() -> str:
    return TicketSlaTarget._meta.db_table


def _flip_breaches(now: dt.datetime, batch: int) -> list[tuple[int, int, str]]:
    """Claim up to ``batch`` due targets; returns (target id, ticket id, kind) of the rows this call won."""
    table = _table()
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # Identical predicate inside and outside: the outer one re-checks rows another worker changed meanwhile.
    due = "breached_at IS NULL AND met_at IS NULL AND due_at IS NOT NULL AND due_at <= %s"
    sql = (
        f"UPDATE {table} SET breached_at = due_at, breach_count = breach_count + 1, updated_at = %s "  # noqa: S608
        f"WHERE id IN (SELECT id FROM {table} WHERE {due} ORDER BY due_at LIMIT %s{lock}) AND {due} "
        f"RETURNING id, ticket_id, kind"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [at, at, batch, at])
        return [(int(r[0]), int(r[1]), str(r[2])) for r in cursor.fetchall()]


@dataclass
class DueTarget:
    """A light copy of a target row: the tick handles thousands and needs no model instances."""

    pk: int
    ticket_id: int
    kind: str
    policy_id: int
    cycle: int
    target_seconds: int
    elapsed_seconds: float
    last_started_at: dt.datetime | None
    breached_at: dt.datetime | None
    due_at: dt.datetime | None
    escalate_at: dt.datetime | None


DUE_FIELDS = (
    "pk",
    "ticket_id",
    "kind",
    "policy_id",
    "cycle",
    "target_seconds",
    "elapsed_seconds",
    "last_started_at",
    "breached_at",
    "due_at",
    "escalate_at",
)


def _due_escalations(now: dt.datetime, batch: int) -> list[DueTarget]:
    qs = TicketSlaTarget.objects.filter(escalate_at__lte=now).order_by("escalate_at")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True)
    return [DueTarget(*row) for row in qs.values_list(*DUE_FIELDS)[:batch]]


Row = tuple[Any, ...]
OUTBOX_COLUMNS = (
    "kind",
    "action",
    "ticket_id",
    "target_id",
    "rule_id",
    "payload",
    "state",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
)
OUTBOX_TYPES = (
    "text",
    "text",
    "bigint",
    "bigint",
    "bigint",
    "jsonb",
    "text",
    "integer",
    "timestamptz",
    "text",
    "timestamptz",
)
FIRING_COLUMNS = ("ticket_id", "target_id", "rule_id", "cycle", "fired_at")
FIRING_TYPES = ("bigint", "bigint", "bigint", "integer", "timestamptz")


def _insert(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    types: Sequence[str],
    ignore_conflicts: bool = False,
    chunk: int = 2000,
) -> None:
    """Multi-row INSERT without building model instances: the tick writes thousands of rows at once.

    PostgreSQL gets one array per column (``unnest``), so a batch is one statement with a handful of
    parameters; SQLite gets ``executemany``.
    """
    if not rows:
        return
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}){tail}"  # noqa: S608
            for i in range(0, len(rows), chunk * 5):
                part = rows[i : i + chunk * 5]
                cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks}){tail}"  # noqa: S608
            cursor.executemany(sql, list(rows))


def _outbox_rows(rows: Sequence[Row]) -> None:
    _insert(Outbox._meta.db_table, OUTBOX_COLUMNS, rows, types=OUTBOX_TYPES)


def _fire_batch(targets: list[DueTarget], now: dt.datetime) -> int:
    """Fire every reached, unfired rule of these (locked) targets, write their outbox rows and reschedule.

    The targets are row-locked (PostgreSQL) or the transaction is exclusive (SQLite), so no other tick
    touches their firings meanwhile; the unique constraint on firings stays as the last guard.
    """
    fired: dict[tuple[int, int], set[int]] = {}
    for target_id, cycle, rule_id in EscalationFiring.objects.filter(
        target_id__in=[t.pk for t in targets]
    ).values_list("target_id", "cycle", "rule_id"):
        fired.setdefault((target_id, cycle), set()).add(rule_id)
    at = connection.ops.adapt_datetimefield_value(now)
    firings: list[Row] = []
    outbox: list[Row] = []
    schedule_rows: list[tuple[int, dt.datetime | None]] = []
    for target in targets:
        info = policy_info(target.policy_id)
        if info is None:
            schedule_rows.append((target.pk, None))
            continue
        done = fired.setdefault((target.pk, target.cycle), set())
        elapsed = elapsed_at(target, info.calendar, now)
        for rule in info.rules:
            if rule.target != target.kind or rule.pk in done:
                continue
            if elapsed + 1e-6 < target.target_seconds * rule.threshold / 100:
                continue
            done.add(rule.pk)
            firings.append((target.ticket_id, target.pk, rule.pk, target.cycle, at))
            payload = {
                "target": target.kind,
                "threshold": rule.threshold,
                "cycle": target.cycle,
                "team_id": rule.team_id,
            }
            outbox.append(
                (
                    OutboxKind.ESCALATION.value,
                    rule.action,
                    target.ticket_id,
                    target.pk,
                    rule.pk,
                    json.dumps(payload),
                    OutboxState.PENDING.value,
                    0,
                    at,
                    "",
                    at,
                )
            )
        new: dt.datetime | None = None
        if target.last_started_at is not None:
            schedule(target, info, now, fired=done, due=False)
            new = target.escalate_at
            if new is not None and new <= now:
                new = None  # defensive: never leave a row that would be picked again at once
        schedule_rows.append((target.pk, new))
    _insert(
        EscalationFiring._meta.db_table, FIRING_COLUMNS, firings, types=FIRING_TYPES, ignore_conflicts=True
    )
    _outbox_rows(outbox)
    table = _table()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS t SET escalate_at = v.at FROM "  # noqa: S608
                "(SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS at) AS v WHERE t.id = v.id",
                [[pk for pk, _at in schedule_rows], [when for _pk, when in schedule_rows]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET escalate_at = %s WHERE id = %s",  # noqa: S608
                [(connection.ops.adapt_datetimefield_value(when), pk) for pk, when in schedule_rows],
            )
    return len(outbox)


def run_tick(now: dt.datetime | None = None, *, batch: int = BATCH) -> TickResult:
    """One pass: breach everything due and fire every due escalation, in batches of ``batch`` rows."""
    now = now or timezone.now()
    result = TickResult()
    at = connection.ops.adapt_datetimefield_value(now)
    while True:
        with transaction.atomic():
            won = _flip_breaches(now, batch)
            _outbox_rows(
                [
                    (
                        OutboxKind.BREACH.value,
                        EscalationAction.NOTIFY_ASSIGNEE.value,
                        ticket_id,
                        target_id,
                        None,
                        json.dumps({"target": kind}),
                        OutboxState.PENDING.value,
                        0,
                        at,
                        "",
                        at,
                    )
                    for target_id, ticket_id, kind in won
                ]
            )
        result.breached += len(won)
        result.outbox += len(won)
        if len(won) < batch:
            break
    while True:
        with transaction.atomic():
            due = _due_escalations(now, batch)
            fired = _fire_batch(due, now) if due else 0
        result.escalated += fired
        result.outbox += fired
        if len(due) < batch:
            break
    if result:
        logger.info("SLA tick: %d breached, %d escalations", result.breached, result.escalated)
    return result


def explain_idle_tick(now: dt.datetime | None = None) -> dict[str, Any]:
    """The query plans of the two probes (for the benchmark and docs)."""
    now = now or timezone.now()
    table = _table()
    plans: dict[str, Any] = {}
    with connection.cursor() as cursor:
        prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        for name, sql in (
            (
                "breach",
                f"SELECT id FROM {table} WHERE breached_at IS NULL AND met_at IS NULL AND "  # noqa: S608
                f"due_at IS NOT NULL AND due_at <= %s ORDER BY due_at LIMIT 5000",
            ),
            (
                "escalation",
                f"SELECT id FROM {table} WHERE escalate_at IS NOT NULL AND escalate_at <= %s "  # noqa: S608
                f"ORDER BY escalate_at LIMIT 5000",
            ),
        ):
            cursor.execute(prefix + sql, [connection.ops.adapt_datetimefield_value(now)])
            plans[name] = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    return plans
