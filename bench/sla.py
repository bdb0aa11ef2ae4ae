"""SLA benchmarks: calendar arithmetic, target computation, and the tick at 1M open tickets.

    .venv/bin/python bench/sla.py                      # PostgreSQL database ventanilla_sla_bench (reused)
    .venv/bin/python bench/sla.py --tickets 100000     # smaller
    .venv/bin/python bench/sla.py --calendar-only      # no database needed beyond settings

Prints figures only; nothing asserts timings (docs/admin/sla.md records them). The database named by
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ventanilla_sla_bench) is created if missing and
filled with synthetic tickets titled "SLA bench …"; it refuses a database holding other tickets.

Figures:
* ``calendar add()``: calls/s of ``Calendar.add`` on a Madrid office calendar (lunch break, ES-MD
  holidays) for random instants over three years and random durations up to 5 business days.
* ``targets computed``: tickets/s for ``services.backfill_targets`` on ``--backfill`` tickets (policy match,
  calendar arithmetic, bulk insert): the cost of giving every ticket its targets.
* ``tick, 1% due``: one ``run_tick`` over ``--tickets`` open tickets (2 targets each) of which 1% have a
  breached first response and another 1% a due escalation; writes the outbox rows.
* ``tick, none due``: median of 20 ticks when nothing is due, with the EXPLAIN of both probes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ventanilla_sla_bench"
TITLE = "SLA bench"


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_calendar(n: int) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from ventanilla.sla.calendar import Calendar

    cal = Calendar.build(
        time_zone="Europe/Madrid",
        weekly={d: [("09:00", "14:00"), ("15:00", "18:00")] for d in range(5)},
        country="ES",
        subdivision="MD",
    )
    rng = random.Random(4)
    base = dt.datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/Madrid"))
    starts = [base + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400)) for _ in range(n)]
    durations = [dt.timedelta(minutes=rng.randrange(1, 5 * 8 * 60)) for _ in range(n)]
    short = [dt.timedelta(minutes=rng.randrange(1, 4 * 60)) for _ in range(n)]
    for label, spans in (
        ("calendar add(), up to 5 business days", durations),
        ("calendar add(), up to 4 business hours", short),
    ):
        cal.engine()._cache.clear()
        started = time.perf_counter()
        for start, duration in zip(starts, spans, strict=True):
            cal.add(start, duration)
        elapsed = time.perf_counter() - started
        print(f"{label:48s} {n / elapsed:>12,.0f} calls/s  ({n:,} calls, {elapsed:.2f} s)")
    started = time.perf_counter()
    for start, duration in zip(starts, durations, strict=True):
        cal.between(start, start + duration * 3)
    elapsed = time.perf_counter() - started
    print(f"{'calendar between()':48s} {n / elapsed:>12,.0f} calls/s")


def setup_data(tickets: int, backfill: int) -> None:
    import datetime as dt

    from django.db import connection

    from ventanilla.accounts.models import Organization, User
    from ventanilla.sla.choices import EscalationAction
    from ventanilla.sla.models import SlaPolicy, TicketSlaTarget
    from ventanilla.sla.services import RuleSpec, backfill_targets, save_calendar, save_policy
    from ventanilla.tickets.models import Ticket

    if Ticket.objects.exclude(title__startswith=TITLE).exists():
        sys.exit("This database holds tickets the benchmark did not make; use a dedicated database.")
    org, _ = Organization.objects.get_or_create(name="SLA bench customer")
    requester, _ = User.objects.get_or_create(
        email="sla-bench@example.test", defaults={"full_name": "SLA bench", "organization": org}
    )
    policy = SlaPolicy.objects.filter(name="SLA bench").first()
    if policy is None:
        calendar = save_calendar(
            actor=None,
            data={
                "name": "SLA bench office",
                "time_zone": "Europe/Madrid",
                "holiday_country": "ES",
                "holiday_subdivision": "MD",
            },
            intervals=[(d, dt.time(9), dt.time(14)) for d in range(5)]
            + [(d, dt.time(15), dt.time(18)) for d in range(5)],
        )
        policy = save_policy(
            actor=None,
            data={
                "name": "SLA bench",
                "calendar": calendar,
                "first_response_minutes": 60,
                "resolution_minutes": 480,
            },
            escalations=[RuleSpec("resolution", 50, EscalationAction.NOTIFY_TEAM_LEAD)],
        )
    have = Ticket.objects.count()
    if have < tickets:
        print(f"generating {tickets - have:,} tickets …", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO tickets_ticket (created_at, updated_at, type, title, description,
                    description_html,
                    status, impact, urgency, priority, priority_overridden, priority_reason,
                    channel, requester_id,
                    organization_id, resolution_code, resolution_note, reopen_count, version)
                SELECT now() - (g %% 900) * interval '1 minute', now(), 'incident', '{TITLE} ' || g, '', '',
                    CASE WHEN g %% 3 = 0 THEN 'in_progress' ELSE 'new' END, 4, 3, 4, false, '',
                    'portal', %s, %s,
                    '', '', 0, 1
                FROM generate_series(%s, %s) g""",
                [requester.pk, org.pk, have + 1, tickets],
            )
        print(f"  … {time.perf_counter() - started:.1f} s", flush=True)
    if not TicketSlaTarget.objects.exists():
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[:backfill])
        started = time.perf_counter()
        written = backfill_targets(Ticket.objects.filter(pk__lte=ids[-1]))
        elapsed = time.perf_counter() - started
        print(
            f"{'targets computed (backfill_targets)':48s} {len(ids) / elapsed:>12,.0f} tickets/s  "
            f"({len(ids):,} tickets, {written:,} targets, {elapsed:.1f} s)",
            flush=True,
        )
        print("inserting the other targets …", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO sla_ticketslatarget (ticket_id, kind, policy_id, target_seconds,
                    elapsed_seconds,
                    last_started_at, due_at, cycle, breach_count, created_at, updated_at)
                SELECT t.id, k.kind, %s, CASE k.kind WHEN 'first_response' THEN 3600 ELSE 28800 END, 0, now(),
                    now() + interval '1 day', 1, 0, now(), now()
                FROM tickets_ticket t CROSS JOIN (VALUES ('first_response'), ('resolution')) k(kind)
                WHERE t.id > %s""",
                [policy.pk, ids[-1]],
            )
    reset()
    vacuum()


def vacuum() -> None:
    """What autovacuum does between ticks in a live desk: drop dead row versions, refresh statistics."""
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cursor:
        for table in ("sla_ticketslatarget", "sla_outbox", "sla_escalationfiring", "tickets_ticket"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def reset() -> None:
    """Put the due pattern back: 1% breaching first responses, 1% due escalations, the rest in the future."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sla_outboxattempt, sla_outbox, sla_escalationfiring")
        cursor.execute(
            """UPDATE sla_ticketslatarget SET breached_at = NULL, breach_count = 0, met_at = NULL,
                 paused_since = NULL, stopped_at = NULL, elapsed_seconds = 0,
                 last_started_at = CASE WHEN ticket_id %% 100 = 1 THEN now() - interval '5 days'
                                        ELSE now() END,
                 due_at = CASE WHEN kind = 'first_response' AND ticket_id %% 100 = 0
                                    THEN now() - interval '1 minute'
                               ELSE now() + interval '1 day' + (ticket_id %% 1000) * interval '1 minute' END,
                 escalate_at = CASE WHEN kind <> 'resolution' THEN NULL
                                    WHEN ticket_id %% 100 = 1 THEN now() - interval '1 minute'
                                    ELSE now() + interval '12 hours'
                                         + (ticket_id %% 1000) * interval '1 minute' END
               WHERE breached_at IS NOT NULL OR (kind = 'first_response' AND ticket_id %% 100 = 0)
                  OR (kind = 'resolution' AND (escalate_at IS NULL OR ticket_id %% 100 = 1))
                  OR due_at IS NULL OR due_at < now() + interval '1 hour'
                  OR escalate_at < now() + interval '1 hour'""",
            [],  # so that %% is read as %
        )


def bench_tick() -> None:
    from django.db import connection

    from ventanilla.sla.models import Outbox, TicketSlaTarget
    from ventanilla.sla.tick import explain_idle_tick, run_tick
    from ventanilla.tickets.models import Ticket

    open_tickets = Ticket.objects.count()
    targets = TicketSlaTarget.objects.count()
    started = time.perf_counter()
    result = run_tick()
    elapsed = time.perf_counter() - started
    print(
        f"{'tick, 1% due':48s} {elapsed:>12.2f} s        "
        f"({open_tickets:,} open tickets, {targets:,} targets: "
        f"{result.breached:,} breached, {result.escalated:,} escalations, "
        f"{Outbox.objects.count():,} outbox rows)"
    )
    started = time.perf_counter()
    assert not run_tick()
    after = (time.perf_counter() - started) * 1000
    print(f"{'tick, none due, right after (before vacuum)':48s} {after:>12.2f} ms")
    vacuum()
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        idle = run_tick()
        runs.append(time.perf_counter() - started)
        assert not idle
    print(
        f"{'tick, none due (median of 20)':48s} {statistics.median(runs) * 1000:>12.2f} ms       "
        f"(max {max(runs) * 1000:.2f} ms) on {connection.vendor}"
    )
    for name, plan in explain_idle_tick().items():
        print(f"EXPLAIN {name} probe:\n  " + plan.replace("\n", "\n  "))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--backfill", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--calendar-only", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not args.calendar_only:
        ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    bench_calendar(args.calls)
    if args.calendar_only:
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    setup_data(args.tickets, min(args.backfill, args.tickets))
    bench_tick()


if __name__ == "__main__":
    main()
