"""A folder of varied generated messages: the mail benchmark's input and the batch equivalence test's.

About 55% new tickets (plain, HTML-only, alternative, 8-bit charsets, attachments, Cc), 30% replies
threaded by References, the rest out-of-office, bulk and bounces.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

SUBJECTS = [
    ("es", "La impresora no imprime", "La impresora de la segunda planta no imprime nada."),
    ("es", "No puedo entrar en la VPN", "Desde esta mañana la VPN me rechaza el certificado."),
    ("en", "Outlook asks for password", "Outlook keeps asking for my password every few minutes."),
    ("en", "Shared drive slow", "Opening a folder on the shared drive takes minutes."),
]


def generate(folder: Path, n: int, seed: int = 5, prefix: str = "bench", people: str = "cliente") -> None:
    """``n`` varied messages; replies point at earlier messages of the same sender (References).

    Senders are ``<people><0-199>@acme.test`` or ``@gmail.test``: another ``people`` gives a folder
    whose senders the desk does not know yet."""
    rng = random.Random(seed)
    sent: dict[str, list[str]] = {}
    png = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(3000))).decode()
    for i in range(n):
        who = f"{people}{rng.randrange(200)}@{'acme.test' if rng.random() < 0.7 else 'gmail.test'}"
        lang, subject, body = rng.choice(SUBJECTS)
        msgid = f"{prefix}-{i}@client.test"
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
        (folder / f"{prefix}-{i:05d}.eml").write_bytes(data)
        if "Subject: Re:" not in (raw if isinstance(raw, str) else "") and roll >= 0.45:
            sent.setdefault(who, []).append(msgid)
