"""Mail benchmark: 1,000 varied messages through the whole inbound pipeline, and outbox delivery.

    .venv/bin/python bench/mail.py                       # PostgreSQL, database ventanilla_mail_bench
    .venv/bin/python bench/mail.py --messages 5000 --database-url postgres://postgres@127.0.0.1/x

The benchmark database is dropped and recreated: never point it at real data. Figures:

* ``store, one by one``: messages/s written to the raw store one commit each (what an MTA pipe or the
  LMTP receiver waits for), measured on a separate 200 messages.
* ``store, batched``: the folder stored as ``ventanilla import_mail`` and the IMAP poller do it
  (``store_messages``, 100 messages per commit).
* ``process``: messages/s turned into tickets, comments, notes and bounces by one worker process
  (parse, sender, threading, reply stripping, attachments, ticket services, outbox rows), run from a
  folder of generated messages: ~55% new tickets (plain, HTML-only, alternative, 8-bit charsets,
  attachments, Cc), ~30% replies threaded by References, the rest out-of-office, bulk and bounces.
* ``full pipeline, one process``: batched store then process in the same process. Target (issue 5):
  ≥ 300 msg/s per worker process. The process is set up like a worker (every app's task modules
  imported before the clock starts).
* ``outbox``: notifications/s handed over SMTP by ``deliver_outbox`` to a local aiosmtpd sink running
  in a process of its own (one round's worth of rows).

Each round is a new folder from new senders, processed into the database the earlier rounds filled;
the figures printed last are the medians over the rounds (``--rounds``), since the speed of a virtual
machine can move by a third between one minute and the next.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ventanilla_mail_bench"


def recreate(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SINK = """
import sys
from aiosmtpd.controller import Controller

class Sink:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()  # until the benchmark closes it
controller.stop()
print(Sink.count)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--messages", type=int, default=1000, help="messages per round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="folders processed one after the other; the figures are their median (virtual machines vary)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write cProfile statistics of the rounds to FILE (slows them down)"
    )
    parser.add_argument("--skip-outbox", action="store_true", help="do not measure outbox delivery")
    args = parser.parse_args()
    recreate(args.database_url)
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="ventanilla.settings",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="ERROR",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
    )
    media = tempfile.mkdtemp(prefix="ventanilla-mail-bench-")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ventanilla.accounts.models import Organization, OrganizationDomain, Team
    from ventanilla.celery import app as celery_app
    from ventanilla.mail.models import InboundMessage, Mailbox, OutboundMessage
    from ventanilla.mail.outbound import deliver_outbox
    from ventanilla.mail.services import process_pending, store_message, store_messages
    from ventanilla.mail.tests.generated import generate

    # What a Celery worker does when it starts: import every app's tasks (and what they import), so the
    # figures are a running worker's, not a cold process's first imports.
    celery_app.loader.import_default_modules()

    org = Organization.objects.create(name="Acme bench")
    OrganizationDomain.objects.create(organization=org, domain="acme.test")
    team = Team.objects.create(name="Bench desk")
    mailbox = Mailbox.objects.create(name="soporte", address="soporte@desk.test", team=team, language="es")

    single = Path(tempfile.mkdtemp(prefix="ventanilla-mail-single-"))
    generate(single, 200, seed=11, prefix="single")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{args.rounds} rounds of {args.messages} messages, database {engine}")

    singles = sorted(single.glob("*.eml"))
    started = time.perf_counter()
    for path in singles:
        store_message(path.read_bytes(), mailbox=mailbox)
    single_s = time.perf_counter() - started
    InboundMessage.objects.all().delete()  # measured only: not part of the processed folders
    print(
        f"{'store, one by one (pipe, LMTP)':34s} {len(singles) / single_s:>8,.0f} msg/s  ({single_s:.2f} s)"
    )

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    figures = []
    for number in range(1, args.rounds + 1):
        # Each round: a new folder from new senders (the same mix of known and unknown people), into the
        # database the rounds before filled, as a running desk would receive it.
        folder = Path(tempfile.mkdtemp(prefix="ventanilla-mail-corpus-"))
        generate(folder, args.messages, seed=number, prefix=f"r{number}", people=f"r{number}cliente")
        files = sorted(folder.glob("*.eml"))
        before = InboundMessage.objects.count()
        started = time.perf_counter()
        for start in range(0, len(files), 100):
            batch = [p.read_bytes() for p in files[start : start + 100]]
            store_messages(batch, source="import", mailbox=mailbox)
        store_s = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        while process_pending(limit=1000):
            pass
        process_s, process_cpu = time.perf_counter() - started, time.process_time() - cpu
        n = InboundMessage.objects.count() - before
        figures.append((n / store_s, n / process_s, n / (store_s + process_s)))
        print(
            f"round {number}: {n} messages; store {n / store_s:,.0f} msg/s ({store_s:.2f} s), "
            f"process {n / process_s:,.0f} msg/s ({process_s:.2f} s, {process_cpu:.2f} s of it this "
            f"process's CPU), store + process {n / (store_s + process_s):,.0f} msg/s"
        )
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    outcomes: dict[str, int] = {}
    for outcome in InboundMessage.objects.values_list("outcome", flat=True):
        outcomes[outcome or "-"] = outcomes.get(outcome or "-", 0) + 1
    labels = ["store, batched (import, IMAP)", "process (one worker process)", "full pipeline, one process"]
    for label, values in zip(labels, zip(*figures, strict=True), strict=True):
        spread = f"(rounds {min(values):,.0f}–{max(values):,.0f})" if len(values) > 1 else ""
        print(f"{label:34s} {statistics.median(values):>8,.0f} msg/s  median {spread}")
    print(
        "outcomes, all rounds:",
        ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        "| quarantined",
        InboundMessage.objects.filter(state="quarantined").count(),
    )

    if args.skip_outbox:
        return
    # The sink runs in a process of its own, like a real mail server: in this process its thread would
    # compete with delivery for the interpreter lock at every SMTP command.
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    pending = min(args.messages, OutboundMessage.objects.filter(state="pending").count())
    started = time.perf_counter()
    sent = 0
    while sent < args.messages and (done := deliver_outbox(limit=min(500, args.messages - sent))):
        sent += done
    out_s = time.perf_counter() - started
    got, _err = sink.communicate("", timeout=30)
    print(
        f"{'outbox delivery to SMTP sink':34s} {sent / out_s if out_s else 0:>8,.0f} msg/s  "
        f"({sent} of {pending} sent, sink got {got.strip()}, {out_s:.2f} s)"
    )


if __name__ == "__main__":
    main()
