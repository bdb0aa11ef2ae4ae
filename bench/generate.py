"""Fast generator of realistic, bilingual tickets for benchmarks (1M in minutes, not hours).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ventanilla_bench \\
        .venv/bin/python bench/generate.py --tickets 1000000

Adds tickets until the database holds ``--tickets`` of them (so 10k then 1M reuses the first 10k).
Reference data (organisations, customers, teams, agents, services) is created once. Tickets and comments
go in with COPY on PostgreSQL and ``executemany`` on SQLite, bypassing the services on purpose: this is
a data loader for measurements, not a way to create tickets. The search index is filled by the same
database triggers that maintain it in production (comment triggers are paused during the load and the
affected tickets re-indexed in one statement afterwards).

Only for benchmark databases: it refuses a database that has tickets not made by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())

MARKER = "bench-generator"  # Organization.notes of generated organisations

# --- Word lists (written for this project) --------------------------------------------------------------
ES_THINGS = [
    "la impresora",
    "el portátil",
    "el correo",
    "la VPN",
    "el monitor",
    "el teclado",
    "el ratón",
    "el servidor",
    "la base de datos",
    "la wifi",
    "el teléfono",
    "la centralita",
    "el escáner",
    "la tarjeta de acceso",
    "el proyector",
    "la aplicación de nóminas",
    "el ERP",
    "la intranet",
    "el certificado",
    "el antivirus",
    "la copia de seguridad",
    "el disco compartido",
    "la impresora multifunción",
    "el navegador",
    "Teams",
    "la cuenta de usuario",
    "la contraseña",
    "el móvil corporativo",
    "la tableta",
    "el lector de tarjetas",
    "la licencia de Office",
    "el CRM",
    "la sala de reuniones",
    "el switch de planta",
    "el cortafuegos",
    "la factura electrónica",
    "el portal de clientes",
    "la videoconferencia",
    "el SAI",
    "la cámara",
]
ES_PROBLEMS = [
    "no funciona",
    "no enciende",
    "va muy lento",
    "no conecta",
    "da error al iniciar",
    "se bloquea",
    "no imprime",
    "pide la contraseña continuamente",
    "no sincroniza",
    "ha dejado de responder",
    "muestra un mensaje de error",
    "no carga",
    "se reinicia solo",
    "no tiene red",
    "está caído",
    "no deja acceder",
    "falla de forma intermitente",
    "no envía correos",
    "no recibe llamadas",
    "hace ruido",
]
ES_CONTEXT = [
    "desde esta mañana",
    "en la planta 3",
    "tras la última actualización",
    "en la oficina de Sevilla",
    "desde ayer por la tarde",
    "a todo el departamento",
    "solo a mí",
    "en la sala grande",
    "después del corte de luz",
    "cuando teletrabajo",
    "con el nuevo equipo",
    "al cerrar el mes",
]
ES_DETAIL = [
    "He reiniciado el equipo y sigue igual.",
    "Adjunto captura del error.",
    "Es urgente porque tenemos cierre.",
    "Otros compañeros tienen el mismo problema.",
    "Ya lo había comunicado la semana pasada.",
    "Necesito una solución antes del viernes.",
    "El mensaje dice que el servicio no está disponible.",
    "No sé si tiene que ver con el cambio de contraseña.",
    "Funcionaba bien hasta el lunes.",
    "Podéis llamarme a la extensión 2145.",
    "He probado desde otro navegador sin éxito.",
    "La luz del equipo parpadea en naranja.",
    "Solicito también acceso para una compañera nueva.",
]
EN_THINGS = [
    "the printer",
    "my laptop",
    "email",
    "the VPN",
    "the monitor",
    "the keyboard",
    "the mouse",
    "the server",
    "the database",
    "the wifi",
    "my desk phone",
    "the scanner",
    "my badge",
    "the projector",
    "payroll app",
    "the ERP",
    "the intranet",
    "the certificate",
    "antivirus",
    "the backup job",
    "the shared drive",
    "the browser",
    "my account",
    "my password",
    "the company phone",
    "the tablet",
    "the Office licence",
    "the CRM",
    "the meeting room screen",
    "the firewall",
    "the customer portal",
    "video calls",
    "the UPS",
]
EN_PROBLEMS = [
    "is not working",
    "won't turn on",
    "is very slow",
    "cannot connect",
    "shows an error at startup",
    "keeps freezing",
    "does not print",
    "keeps asking for my password",
    "is not syncing",
    "stopped responding",
    "crashes",
    "does not load",
    "restarts by itself",
    "has no network",
    "is down",
    "denies access",
    "fails intermittently",
    "cannot send email",
    "drops calls",
    "makes a loud noise",
]
EN_CONTEXT = [
    "since this morning",
    "on the 3rd floor",
    "after the latest update",
    "in the London office",
    "since yesterday afternoon",
    "for the whole team",
    "only for me",
    "in the big meeting room",
    "after the power cut",
    "when working from home",
    "with the new machine",
    "during month-end close",
]
EN_DETAIL = [
    "I restarted it and nothing changed.",
    "Screenshot of the error attached.",
    "Urgent: we are closing the quarter.",
    "Colleagues see the same problem.",
    "I already reported this last week.",
    "I need a fix before Friday.",
    "The message says the service is unavailable.",
    "Maybe related to the password change.",
    "It worked fine until Monday.",
    "Call me on extension 2145.",
    "Tried another browser, same result.",
    "The light on the device blinks orange.",
    "Please also grant access to a new colleague.",
]
ES_REPLIES = [
    "Hemos reiniciado el servicio, ¿puedes comprobarlo?",
    "Estamos revisando la configuración del equipo.",
    "Te hemos enviado un técnico a tu puesto.",
    "Se ha restablecido la contraseña.",
    "El proveedor confirma una incidencia general.",
    "Ya debería funcionar, confirma por favor.",
]
EN_REPLIES = [
    "We restarted the service, can you check?",
    "We are reviewing the device configuration.",
    "A technician is on the way to your desk.",
    "Your password has been reset.",
    "The vendor confirms a wider outage.",
    "It should work now, please confirm.",
]
NOTES = [
    "Parece el driver antiguo; revisar GPO.",
    "Escalar a sistemas si vuelve a pasar.",
    "Known issue with the firmware, ticket open with vendor.",
    "Check DHCP lease on that VLAN.",
    "Usuario VIP: priorizar.",
    "Possible duplicate of last week's outage.",
]

STATUS_WEIGHTS = {  # most tickets of a mature desk are finished
    "closed": 70,
    "resolved": 12,
    "cancelled": 3,
    "new": 3,
    "assigned": 4,
    "in_progress": 5,
    "pending_customer": 2,
    "pending_third_party": 1,
}
CHANNELS = ["portal", "email", "chat", "phone", "walk_in", "remote", "api", "monitoring"]
TYPES = {"incident": "INC", "request": "REQ", "question": "QST"}


def setup_django() -> None:
    import django

    django.setup()


def _sentence_es(rng: random.Random) -> tuple[str, str]:
    thing, problem = rng.choice(ES_THINGS), rng.choice(ES_PROBLEMS)
    title = f"{thing[0].upper()}{thing[1:]} {problem} {rng.choice(ES_CONTEXT)}"
    code = (
        f"ERR-{rng.randint(1000, 99999)} en srv-{rng.choice(['app', 'db', 'web', 'fs'])}{rng.randint(1, 400)}"
    )
    body = f"Hola, {thing} {problem}. " + " ".join(rng.sample(ES_DETAIL, 3)) + f" Código: {code}."
    return title[:200], body


def _sentence_en(rng: random.Random) -> tuple[str, str]:
    thing, problem = rng.choice(EN_THINGS), rng.choice(EN_PROBLEMS)
    title = f"{thing[0].upper()}{thing[1:]} {problem} {rng.choice(EN_CONTEXT)}"
    code = (
        f"ERR-{rng.randint(1000, 99999)} on srv-{rng.choice(['app', 'db', 'web', 'fs'])}{rng.randint(1, 400)}"
    )
    body = f"Hi, {thing} {problem}. " + " ".join(rng.sample(EN_DETAIL, 3)) + f" Code: {code}."
    return title[:200], body


def reference_data(rng: random.Random) -> dict[str, Any]:
    """Organisations, customers, teams with agents, services: created once, reused by every run."""
    from django.contrib.auth.hashers import make_password

    from ventanilla.accounts.models import Organization, Team, TeamMembership, User
    from ventanilla.catalog.models import Service

    if not Organization.objects.filter(notes=MARKER).exists():
        password = make_password("bench-password")
        orgs = Organization.objects.bulk_create(
            [
                Organization(name=f"Bench Org {i:03d}", notes=MARKER, shares_tickets=i % 3 == 0)
                for i in range(50)
            ]
        )
        teams = Team.objects.bulk_create([Team(name=f"Bench Team {i}") for i in range(8)])
        agents = User.objects.bulk_create(
            [
                User(email=f"agent{i}@bench.test", full_name=f"Agent {i}", role="agent", password=password)
                for i in range(40)
            ]
        )
        TeamMembership.objects.bulk_create(
            [TeamMembership(team=teams[i % len(teams)], user=agent) for i, agent in enumerate(agents)]
        )
        User.objects.bulk_create(
            [
                User(
                    email=f"customer{i}@org{i % 50}.bench.test",
                    full_name=f"Customer {i}",
                    role="customer",
                    organization=orgs[i % 50],
                    password=password,
                    language="es" if i % 2 else "en",
                )
                for i in range(2000)
            ]
        )
        Service.objects.bulk_create(
            [
                Service(name=f"Bench service {i}", code=f"bench-{i}", owner_team=teams[i % len(teams)])
                for i in range(20)
            ]
        )
    customers = list(User.objects.filter(email__endswith=".bench.test").values_list("id", "organization_id"))
    team_ids = list(
        Team.objects.filter(name__startswith="Bench Team").order_by("id").values_list("id", flat=True)
    )
    members: dict[int, list[int]] = {}
    for team_id, user_id in TeamMembership.objects.filter(team_id__in=team_ids).values_list(
        "team_id", "user_id"
    ):
        members.setdefault(team_id, []).append(user_id)
    services = list(Service.objects.filter(code__startswith="bench-").values_list("id", "owner_team_id"))
    return {"customers": customers, "teams": team_ids, "members": members, "services": services}


def ticket_rows(
    rng: random.Random, ref: dict[str, Any], first_id: int, count: int, start: datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    tickets, comments = [], []
    for offset in range(count):
        pk = first_id + offset
        created = start + timedelta(seconds=pk * 30)
        title, body = (_sentence_es if rng.random() < 0.6 else _sentence_en)(rng)
        requester, org = rng.choice(ref["customers"])
        service, team = rng.choice(ref["services"])
        status = rng.choices(statuses, weights)[0]
        assignee = rng.choice(ref["members"][team]) if status != "new" else None
        ttype = rng.choices(list(TYPES), [60, 30, 10])[0]
        impact, urgency = rng.randint(1, 4), rng.randint(1, 4)
        done = status in ("resolved", "closed")
        tickets.append(
            (
                pk,
                created,
                created + timedelta(hours=rng.randint(0, 200)),
                ttype,
                f"{TYPES[ttype]}-{pk:06d}",
                title,
                body,
                "",
                status,
                impact,
                urgency,
                min(4, max(1, (impact + urgency) // 2)),
                False,
                "",
                rng.choice(CHANNELS),
                requester,
                org,
                team,
                None,
                assignee,
                service,
                None,
                requester,
                "fixed" if done else "",
                "Resuelto / fixed." if done else "",
                created + timedelta(minutes=20),
                created + timedelta(hours=5) if done else None,
                created + timedelta(days=3) if status == "closed" else None,
                0,
                None,
                1,
            )
        )
        if rng.random() < 0.25:  # a quarter of the tickets have a conversation
            for _n in range(rng.randint(1, 3)):
                public = rng.random() < 0.75
                text = rng.choice(ES_REPLIES + EN_REPLIES) if public else rng.choice(NOTES)
                comments.append(
                    (
                        created + timedelta(minutes=30),
                        created + timedelta(minutes=30),
                        pk,
                        rng.choice(ref["members"][team]),
                        text,
                        "",
                        public,
                        "portal",
                    )
                )
    return tickets, comments


TICKET_COLUMNS = (
    "id, created_at, updated_at, type, number, title, description, description_html, status, impact, "
    "urgency, priority, priority_overridden, priority_reason, channel, requester_id, organization_id, "
    "team_id, queue_id, assignee_id, service_id, category_id, created_by_id, resolution_code, "
    "resolution_note, first_response_at, "
    "resolved_at, closed_at, reopen_count, merged_into_id, version"
)
COMMENT_COLUMNS = "created_at, updated_at, ticket_id, author_id, body, body_html, public, channel"


def _copy(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(target: int, *, batch: int = 50_000, seed: int = 7, quiet: bool = False) -> int:
    """Fill the database up to ``target`` tickets; returns how many were added."""
    from django.db import connection, transaction

    from ventanilla.accounts.models import Organization
    from ventanilla.tickets.models import Ticket

    rng = random.Random(seed)
    ref = reference_data(rng)
    existing = Ticket.objects.count()
    foreign = Ticket.objects.exclude(requester__email__endswith=".bench.test").count()
    if foreign and not Organization.objects.filter(notes=MARKER).exists():
        raise SystemExit("This database has real tickets; the generator only fills benchmark databases.")
    missing = target - existing
    if missing <= 0:
        return 0
    first_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    start = datetime(2024, 1, 1, tzinfo=UTC)
    pg = connection.vendor == "postgresql"
    began = time.perf_counter()
    rng = random.Random(seed + first_id)
    gin: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if pg and missing > 100_000:
            # Building GIN indexes once at the end is far faster than maintaining them row by row.
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_ticket' "
                "AND indexdef LIKE '%USING gin%'"
            )
            gin = cursor.fetchall()
            for name, _definition in gin:
                cursor.execute(f"DROP INDEX {name}")
        if pg:
            cursor.execute("ALTER TABLE tickets_comment DISABLE TRIGGER comment_search")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS comment_search_ai")
    added = 0
    try:
        while added < missing:
            n = min(batch, missing - added)
            tickets, comments = ticket_rows(rng, ref, first_id + added, n, start)
            with transaction.atomic(), connection.cursor() as cursor:
                if pg:
                    raw = cursor.cursor  # the psycopg cursor under Django's wrapper, for COPY
                    _copy(raw, "tickets_ticket", TICKET_COLUMNS, tickets)
                    if comments:
                        _copy(raw, "tickets_comment", COMMENT_COLUMNS, comments)
                        cursor.execute(
                            "UPDATE tickets_ticket t SET (search_public, search_notes) = (SELECT "
                            "v.v_public, v.v_notes "
                            "FROM ventanilla_ticket_search_vectors(t.id, t.title, t.description) v) "
                            "WHERE t.id IN (SELECT DISTINCT ticket_id FROM tickets_comment "
                            "WHERE ticket_id >= %s)",
                            [first_id + added],
                        )
                else:
                    marks = ", ".join(["%s"] * len(tickets[0]))
                    cursor.executemany(
                        f"INSERT INTO tickets_ticket ({TICKET_COLUMNS}) VALUES ({marks})", tickets
                    )
                    if comments:
                        cursor.executemany(
                            f"INSERT INTO tickets_comment ({COMMENT_COLUMNS}) VALUES "
                            f"(%s, %s, %s, %s, %s, %s, %s, %s)",
                            comments,
                        )
                        cursor.execute(
                            "UPDATE ticket_search_fts SET "
                            "comments = (SELECT coalesce(group_concat(body, ' '), '') FROM tickets_comment "
                            "WHERE ticket_id = ticket_search_fts.rowid AND public), "
                            "notes = (SELECT coalesce(group_concat(body, ' '), '') FROM tickets_comment "
                            "WHERE ticket_id = ticket_search_fts.rowid AND NOT public) "
                            "WHERE rowid IN (SELECT DISTINCT ticket_id FROM tickets_comment "
                            "WHERE ticket_id >= %s)",
                            [first_id + added],
                        )
            added += n
            if not quiet:
                rate = added / (time.perf_counter() - began)
                print(f"  {existing + added:>9,} tickets  ({rate:,.0f}/s)", flush=True)
    finally:
        with connection.cursor() as cursor:
            if pg:
                cursor.execute("ALTER TABLE tickets_comment ENABLE TRIGGER comment_search")
                if gin:
                    cursor.execute("SET maintenance_work_mem = '1GB'")
                    for name, definition in gin:
                        t0 = time.perf_counter()
                        cursor.execute(definition)
                        if not quiet:
                            print(f"  index {name} built in {time.perf_counter() - t0:.0f} s", flush=True)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('tickets_ticket', 'id'), {first_id + added - 1})"
                )
                cursor.execute("VACUUM ANALYZE tickets_ticket")
                cursor.execute("VACUUM ANALYZE tickets_comment")
            else:
                from ventanilla.core.search.schema import SQLITE_TRIGGERS

                for statement in SQLITE_TRIGGERS:  # puts comment_search_ai back
                    cursor.execute(statement)
                cursor.execute("ANALYZE")
    return added


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="total number of tickets wanted")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    began = time.perf_counter()
    added = generate(args.tickets, batch=args.batch, seed=args.seed)
    print(f"added {added:,} tickets in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
