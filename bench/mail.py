"""Mail benchmark: 1,000 varied messages through the whole inbound pipeline, and outbox delivery.

    .venv/bin/python bench/mail.py                       # PostgreSQL, database ventanilla_mail_bench
    .venv/bin/python bench/mail.py --messages 5000 --database-url postgres://postgres@127.0.0.1/x

The benchmark database is dropped and recreated: never point it at real data. Figures:

* ``store``: messages/s written to the raw store (what an MTA pipe / LMTP / IMAP waits for).
* ``process``: messages/s turned into tickets, comments, notes and bounces by one worker process
  (parse, sender, threading, reply stripping, attachments, ticket services, outbox rows), run from a
  folder of generated messages: ~55% new tickets (plain, HTML-only, alternative, 8-bit charsets,
  attachments, Cc), ~30% replies threaded by References, the rest out-of-office, bulk and bounces.
* ``full pipeline``: store + process, per worker process (target ≥ 300 msg/s).
* ``outbox``: notifications/s handed to a local aiosmtpd sink over SMTP by ``deliver_outbox``.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ventanilla_mail_bench"

SUBJECTS = [
    ("es", "La impresora no imprime", "La impresora de la segunda planta no imprime nada."),
    ("es", "No puedo entrar en la VPN", "Desde esta mañana la VPN me rechaza el certificado."),
    ("en", "Outlook asks for password", "Outlook keeps asking for my password every few minutes."),
    ("en", "Shared drive slow", "Opening a folder on the shared drive takes minutes."),
]


def recreate(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def generate(folder: Path, n: int, seed: int = 5) -> None:
    """``n`` varied messages; replies point at earlier messages of the same sender (References)."""
    rng = random.Random(seed)
    sent: dict[str, list[str]] = {}
    png = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(3000))).decode()
    for i in range(n):
        who = f"cliente{rng.randrange(200)}@{'acme.test' if rng.random() < 0.7 else 'gmail.test'}"
        lang, subject, body = rng.choice(SUBJECTS)
        msgid = f"bench-{i}@client.test"
        roll = rng.random()
        if roll < 0.30 and not sent.get(who):
            roll = 0.5  # nothing to reply to yet: a new ticket instead
        headers = (
            f"From: Cliente <{who}>\nTo: soporte@desk.test\nDate: Mon, 05 Jan 2026 10:00:00 +0100\n"
            f"Message-ID: <{msgid}>\nMIME-Version: 1.0\n"
        )
        if roll < 0.30 and sent.get(who):
            parent = rng.choice(sent[who])
            text = (
                "Sigue igual.\n\nEl lun, 5 ene 2026 a las 10:00, Soporte escribió:\n> "
                if lang == "es"
                else "Still the same.\n\nOn Mon, Jan 5, 2026 at 10:00 AM Support wrote:\n> "
            ) + body
            raw = (
                headers + f"Subject: Re: {subject}\nIn-Reply-To: <{parent}>\nReferences: <{parent}>\n"
                "Content-Type: text/plain; charset=utf-8\n\n" + text + "\n"
            )
        elif roll < 0.35:
            raw = (
                headers + "Subject: Respuesta automática: Recibido\nAuto-Submitted: auto-replied\n"
                "Content-Type: text/plain; charset=utf-8\n\nFuera de la oficina hasta el lunes.\n"
            )
        elif roll < 0.40:
            raw = (
                headers.replace(who, f"news{i % 7}@vendor.test") + "Subject: Ofertas\nPrecedence: bulk\n"
                "List-Id: <ofertas.vendor.test>\nContent-Type: text/plain; charset=utf-8\n\nOfertas.\n"
            )
        elif roll < 0.45:
            raw = (
                f"From: MAILER-DAEMON@mx.acme.test\nTo: soporte@desk.test\nSubject: Undelivered\n"
                f"Message-ID: <{msgid}>\nMIME-Version: 1.0\n"
                'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n--B\n'
                "Content-Type: text/plain\n\nFailed.\n--B\nContent-Type: message/delivery-status\n\n"
                f"Reporting-MTA: dns; mx.acme.test\n\nFinal-Recipient: rfc822; {who}\nAction: failed\n"
                "Status: 5.1.1\n\n--B--\n"
            )
        elif roll < 0.60:
            raw = (
                headers + f"Subject: {subject}\nContent-Type: text/html; charset=utf-8\n\n"
                f"<html><body><p>{body}</p><p><b>Gracias</b></p><script>x()</script></body></html>\n"
            )
        elif roll < 0.75:
            raw = (
                headers + f"Subject: {subject}\nCc: colega{i % 9}@acme.test\n"
                'Content-Type: multipart/alternative; boundary="A"\n\n--A\n'
                f"Content-Type: text/plain; charset=utf-8\n\n{body}\n--A\n"
                f"Content-Type: text/html; charset=utf-8\n\n<div><p>{body}</p></div>\n--A--\n"
            )
        elif roll < 0.85:
            raw = (
                headers + f"Subject: {subject}\n"
                'Content-Type: multipart/mixed; boundary="M"\n\n--M\n'
                f"Content-Type: text/plain; charset=utf-8\n\n{body}\n--M\n"
                f'Content-Type: image/png\nContent-Disposition: attachment; filename="captura{i}.png"\n'
                f"Content-Transfer-Encoding: base64\n\n{png}--M--\n"
            )
        else:
            payload = body.encode("iso-8859-1", "replace")
            raw = (
                (
                    headers + f"Subject: {subject}\nContent-Type: text/plain; charset=iso-8859-1\n"
                    "Content-Transfer-Encoding: 8bit\n\n"
                ).encode()
                + payload
                + b"\n"
            )
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        (folder / f"{i:05d}.eml").write_bytes(data)
        if "Subject: Re:" not in (raw if isinstance(raw, str) else "") and roll >= 0.45:
            sent.setdefault(who, []).append(msgid)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--messages", type=int, default=1000)
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
    from ventanilla.mail.models import InboundMessage, Mailbox, OutboundMessage
    from ventanilla.mail.outbound import deliver_outbox
    from ventanilla.mail.services import process_pending, store_message

    org = Organization.objects.create(name="Acme bench")
    OrganizationDomain.objects.create(organization=org, domain="acme.test")
    team = Team.objects.create(name="Bench desk")
    mailbox = Mailbox.objects.create(name="soporte", address="soporte@desk.test", team=team, language="es")

    folder = Path(tempfile.mkdtemp(prefix="ventanilla-mail-corpus-"))
    generate(folder, args.messages)
    files = sorted(folder.glob("*.eml"))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{len(files)} messages in {folder}, database {engine}")

    started = time.perf_counter()
    for path in files:
        store_message(path.read_bytes(), mailbox=mailbox)
    store_s = time.perf_counter() - started
    started = time.perf_counter()
    while process_pending(limit=1000):
        pass
    process_s = time.perf_counter() - started
    n = len(files)
    outcomes: dict[str, int] = {}
    for outcome in InboundMessage.objects.values_list("outcome", flat=True):
        outcomes[outcome or "-"] = outcomes.get(outcome or "-", 0) + 1
    print(f"{'store (durable, deduplicated)':34s} {n / store_s:>8,.0f} msg/s  ({store_s:.2f} s)")
    print(f"{'process (one worker process)':34s} {n / process_s:>8,.0f} msg/s  ({process_s:.2f} s)")
    print(f"{'full pipeline, per worker process':34s} {n / (store_s + process_s):>8,.0f} msg/s")
    print(
        "outcomes:",
        ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        "| quarantined",
        InboundMessage.objects.filter(state="quarantined").count(),
    )

    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            Sink.count += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    pending = OutboundMessage.objects.filter(state="pending").count()
    started = time.perf_counter()
    sent = 0
    while done := deliver_outbox(limit=500):
        sent += done
    out_s = time.perf_counter() - started
    controller.stop()
    print(
        f"{'outbox delivery to SMTP sink':34s} {sent / out_s if out_s else 0:>8,.0f} msg/s  "
        f"({sent} of {pending} sent, sink got {Sink.count}, {out_s:.2f} s)"
    )


if __name__ == "__main__":
    main()
