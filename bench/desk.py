"""Agent workspace: server-side render time of the queue and ticket pages at 1M tickets, and page weight.

    .venv/bin/python bench/desk.py                       # database ventanilla_desk_bench on 127.0.0.1
    .venv/bin/python bench/desk.py --tickets 1000000 --repeat 50

The database is filled by ``bench/generate.py`` up to ``--tickets`` (only what is missing is added; the
database is created and migrated when absent). Each page is requested through Django's full request
handling (middleware, session, permission engine, queries, template rendering) with the test client
as a signed-in agent of one of the generator's 8 teams, and as a manager who sees every ticket.
Static files are collected into a temporary directory first so the manifest storage of production is
what renders the pages. Prints p50/p95 per page and the JavaScript + CSS bytes each page references.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ventanilla_desk_bench"
BUDGET_BYTES = 300 * 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fmt(samples: list[float]) -> str:
    return f"p50 {percentile(samples, 0.5) * 1000:6.1f} ms  p95 {percentile(samples, 0.95) * 1000:6.1f} ms"


def ensure_database(url: str, tickets: int) -> None:
    name = url.rsplit("/", 1)[-1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    env = {**os.environ, "DATABASE_URL": url}
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    python = sys.executable
    manage = str(Path(python).parent / "ventanilla")
    subprocess.run([manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run(
        [python, str(ROOT / "bench" / "generate.py"), "--tickets", str(tickets)],
        check=True,
        env=env,
        cwd=ROOT,
    )


def setup_django(url: str, static_root: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["STATIC_ROOT"] = static_root
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


CPU: list[float] = []  # Python CPU time of the last timed() run (load-independent part of a request)
SQL: list[float] = []  # wall time spent waiting for the database, same requests


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    from django.db import connection

    for _ in range(warmup):
        fn()
    samples = []
    CPU.clear()
    SQL.clear()
    waited = [0.0]

    def clock_sql(execute: Any, *args: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(*args)
        finally:
            waited[0] += time.perf_counter() - began

    with connection.execute_wrapper(clock_sql):
        for _ in range(repeat):
            waited[0] = 0.0
            began, cpu = time.perf_counter(), time.process_time()
            fn()
            samples.append(time.perf_counter() - began)
            CPU.append(time.process_time() - cpu)
            SQL.append(waited[0])
    return samples


def page_weight(html: str) -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes, files) of the scripts and stylesheets a page references."""
    from django.conf import settings

    urls = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html
    )
    raw = packed = 0
    files = []
    for url in urls:
        path = Path(settings.STATIC_ROOT) / url.removeprefix(settings.STATIC_URL)
        data = path.read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, 9))
        files.append(f"{url.rsplit('/', 1)[-1]} {len(data) / 1024:.1f} KB")
    return raw, packed, files


def prepare_sample(agent: Any) -> list[int]:
    """A few tickets of the agent's teams with a real timeline (the generator writes none), made
    through the services once and reused."""
    from ventanilla.core.permissions import restrict
    from ventanilla.tickets.models import Ticket
    from ventanilla.tickets.services import add_comment, link_tickets, set_tags

    marked = list(Ticket.objects.filter(tags__name="desk-bench").values_list("pk", flat=True))
    if marked:
        return marked
    visible = restrict(Ticket.objects.filter(status="in_progress"), agent, "view").order_by("-id")
    sample = list(visible.select_related("requester", "team")[:10])
    for ticket in sample:
        for n in range(6):
            add_comment(
                actor=agent, ticket=ticket, body=f"Seguimiento {n}: revisado el equipo.", public=n % 2 == 0
            )
        set_tags(actor=agent, ticket=ticket, names=["desk-bench", "vpn"])
    for a, b in itertools.pairwise(sample):
        link_tickets(actor=agent, source=a, target=b, kind="related")
    return [t.pk for t in sample]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--skip-generate", action="store_true", help="use the database as it is")
    args = parser.parse_args()
    if not args.skip_generate:
        ensure_database(args.database_url, args.tickets)
    static_root = tempfile.mkdtemp(prefix="desk-bench-static-")
    setup_django(args.database_url, static_root)

    from django.db import connection
    from django.test import Client

    from ventanilla.accounts.models import User
    from ventanilla.desk.queue import default_views
    from ventanilla.desk.services import save_view
    from ventanilla.tickets.models import Ticket

    total = Ticket.objects.count()
    agent = User.objects.get(email="agent0@bench.test")
    manager, _created = User.objects.get_or_create(
        email="manager@bench.test", defaults={"full_name": "Bench Manager", "role": "manager"}
    )
    sample = prepare_sample(agent)
    save_view(
        actor=agent,
        name="P1 and P2 open",
        filters={"priority": ["1", "2"], "status": ["new", "assigned", "in_progress"]},
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, {total:,} tickets")

    views = {v.key: v.query for v in default_views()}
    pages: list[tuple[str, Any, str]] = [
        ("queue, default (agent)", agent, "/desk/tickets/"),
        ("queue, 'My open' (agent)", agent, f"/desk/tickets/?{views['mine']}"),
        ("queue, 'Unassigned in my teams'", agent, f"/desk/tickets/?{views['unassigned']}"),
        ("queue, 'Awaiting customer'", agent, f"/desk/tickets/?{views['awaiting']}"),
        (
            "queue, 2 statuses + P1/P2, by priority",
            agent,
            "/desk/tickets/?status=new&status=in_progress&priority=1&priority=2&sort=priority",
        ),
        ("queue, recently updated", agent, "/desk/tickets/?sort=-updated_at"),
        ("queue, default (manager, all)", manager, "/desk/tickets/"),
        ("queue, text search 'impresora'", agent, "/desk/tickets/?q=impresora"),
        ("ticket page (agent, 6 comments)", agent, f"/desk/tickets/{sample[0]}/"),
        ("ticket page (manager)", manager, f"/desk/tickets/{sample[1]}/"),
    ]
    clients: dict[int, Client] = {}
    results = []
    for label, user, url in pages:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client()
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        queries: list[str] = []

        def count_sql(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count_sql):
            client.get(url)
        samples = timed(functools.partial(client.get, url), args.repeat)
        results.append((label, samples, len(queries)))
        print(
            f"{label:42s} {fmt(samples)}  ({len(queries)} queries; median: Python CPU "
            f"{statistics.median(CPU) * 1000:.1f} ms, SQL {statistics.median(SQL) * 1000:.1f} ms)"
        )
    client = clients[agent.pk]
    extra: list[tuple[str, str]] = []
    # Page 2 and page 3 of the default queue through their keyset cursors.
    url = "/desk/tickets/"
    for n in (2, 3):
        found = re.search(r'href="([^"]+)" rel="next"', client.get(url).content.decode())
        assert found, "no next page"
        url = "/desk/tickets/" + found.group(1).replace("&amp;", "&")
        extra.append((f"queue, page {n} (keyset cursor)", url))
    # The sidebar counts fragment, uncached (worst case) — it loads after the page, in its own request.
    extra.append(("sidebar view counts (uncached, htmx)", "/desk/views/counts/"))
    from django.core.cache import cache

    def uncached(path: str) -> None:
        cache.clear()
        client.get(path)

    for label, url in extra:
        samples = timed(functools.partial(uncached, url), args.repeat)
        print(f"{label:42s} {fmt(samples)}")

    for label, url in (
        ("queue page", "/desk/tickets/"),
        ("ticket page", f"/desk/tickets/{sample[0]}/"),
        ("log a contact", "/desk/contact/"),
    ):
        raw, packed, files = page_weight(client.get(url).content.decode())
        verdict = "within" if raw <= BUDGET_BYTES else "OVER"
        print(
            f"{label}: JS+CSS {raw / 1024:.1f} KB ({packed / 1024:.1f} KB gzipped), "
            f"{verdict} the 300 KB budget"
        )
        print(f"    {', '.join(files)}")


if __name__ == "__main__":
    main()
