# ruff: noqa: E501 — message data reads better on one line
"""Writes the mail corpus (``*.eml`` + ``manifest.json``) used by ``test_corpus.py``.

Every message here was written for Ventanilla (not copied from anywhere). Run it again after changing
a case: ``python src/ventanilla/mail/tests/corpus/build.py``. Placeholders replaced at test time:
``%%NUMBER%%`` (the prepared ticket's number), ``%%TOKEN%%`` (reply token of that ticket for the
requester), ``%%AGENT_TOKEN%%`` (for agent1), ``%%OUTBOUND%%`` (Message-ID of our acknowledgement),
``%%LOOP%%`` (our loop header value), ``%%ORIGIN%%`` (the Message-ID of the ticket's first mail).
"""

from __future__ import annotations

import base64
import json
import quopri
from email.header import Header
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES: list[dict] = []

EN = [
    ("Printer not printing", "The printer on the second floor does not print anything since Monday."),
    ("VPN login fails", "I cannot log in to the VPN since this morning; it says my certificate expired."),
    ("Outlook asks for password", "Outlook keeps asking for my password every five minutes."),
    ("New starter account", "Please create an account for our new colleague who starts next week."),
    ("Shared drive slow", "The shared drive takes minutes to open a folder."),
    ("Laptop will not boot", "My laptop shows a black screen after the last update."),
]
ES = [
    ("La impresora no imprime", "La impresora de la segunda planta no imprime nada desde el lunes."),
    (
        "No puedo entrar en la VPN",
        "No puedo conectarme a la VPN desde esta mañana; dice que el certificado caducó.",
    ),
    ("Outlook pide la contraseña", "Outlook me pide la contraseña cada cinco minutos."),
    ("Alta de nueva compañera", "Necesitamos dar de alta a una compañera que empieza la semana que viene."),
    ("Unidad compartida lenta", "La unidad compartida tarda minutos en abrir una carpeta."),
    ("El portátil no arranca", "Mi portátil se queda en negro después de la última actualización."),
]
N = 0


def add(name: str, raw: bytes | str, lang: str, case: str, expect: dict, setup: str = "none") -> None:
    global N
    N += 1
    filename = f"{N:03d}-{name}.eml"
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    (HERE / filename).write_bytes(data.replace(b"\r\n", b"\n"))
    CASES.append({"file": filename, "lang": lang, "case": case, "setup": setup, "expect": expect})


def head(frm: str, subject: str, *, msgid: str, extra: str = "", to: str = "support@desk.test") -> str:
    return (
        f"From: {frm}\nTo: {to}\nSubject: {subject}\nDate: Mon, 05 Jan 2026 10:00:00 +0100\n"
        f"Message-ID: <{msgid}@client.test>\nMIME-Version: 1.0\n{extra}"
    )


def text_mail(
    frm: str,
    subject: str,
    body: str,
    *,
    msgid: str,
    extra: str = "",
    charset: str = "utf-8",
    to: str = "support@desk.test",
) -> bytes:
    payload = body.encode(charset)
    encoded = quopri.encodestring(payload).decode("ascii")
    return (
        head(frm, subject, msgid=msgid, extra=extra, to=to)
        + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: quoted-printable\n\n"
        + encoded
        + "\n"
    ).encode("utf-8")  # raw UTF-8 in headers happens too


def both(fn):  # run a case builder for English and Spanish samples
    for lang, samples in (("en", EN), ("es", ES)):
        for i, (subject, body) in enumerate(samples):
            fn(lang, i, subject, body)


# 1. Plain new tickets from known customers (12) -------------------------------------------------------
both(
    lambda lang, i, s, b: add(
        f"new-{lang}-{i}",
        text_mail("Ana <ana@acme.test>", s, b, msgid=f"new-{lang}-{i}"),
        lang,
        "new ticket",
        {
            "outcome": "ticket",
            "title": s,
            "requester": "ana@acme.test",
            "body_contains": [b.split()[2]],
            "acks": 1,
        },
    )
)

# 2. Charsets (16) ---------------------------------------------------------------------------------------
CHARSETS = [
    ("iso-8859-1", "es", "Año nuevo: la señal wifi falla en la sala de reuniones", "señal"),
    ("windows-1252", "es", "El café de la oficina “no funciona” — urgente", "café"),
    ("iso-8859-15", "es", "Factura de 120 € pendiente de revisión", "120 €"),
    ("utf-8", "es", "Configuración del móvil de empresa: ¿cómo añado la cuenta?", "móvil"),
    ("koi8-r", "en", "Russian office note: Принтер не работает", "Принтер"),
    ("windows-1251", "en", "Moscow branch: Сеть недоступна", "Сеть"),
    ("shift_jis", "en", "Tokyo office: プリンターが動きません", "プリンター"),
    ("iso-2022-jp", "en", "Osaka office: メールが届きません", "メール"),
    ("euc-jp", "en", "Nagoya: 画面が暗い", "画面"),
    ("gb2312", "en", "Shanghai office: 打印机坏了", "打印机"),
    ("big5", "en", "Taipei office: 網路中斷", "網路"),
    ("euc-kr", "en", "Seoul office: 프린터 고장", "프린터"),
    ("iso-8859-7", "en", "Athens office: Ο εκτυπωτής δεν λειτουργεί", "εκτυπωτής"),
    ("cp850", "es", "Terminal antiguo: la impresión sale con eñes rotas", "eñes"),
    ("mac-roman", "es", "El Mac de diseño dice «disco lleno»", "disco lleno"),
    ("utf-16", "en", "Unicode sixteen: the scanner ✓ is offline", "scanner"),
]
for k, (charset, lang, body, word) in enumerate(CHARSETS):
    if charset == "utf-16":
        payload = base64.encodebytes(body.encode("utf-16")).decode("ascii")
        raw = (
            head("Ana <ana@acme.test>", "Scanner offline", msgid=f"cs-{k}")
            + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: base64\n\n{payload}"
        )
        add(f"charset-{charset}", raw, lang, "charset", {"outcome": "ticket", "body_contains": [word]})
        continue
    add(
        f"charset-{charset}",
        text_mail("Ana <ana@acme.test>", f"Charset {charset}", body, msgid=f"cs-{k}", charset=charset),
        lang,
        "charset",
        {"outcome": "ticket", "body_contains": [word]},
    )

# 3. Unknown / wrong / missing charsets: fallback with a defect note (8) ------------------------------
for k, (lang, text) in enumerate(
    [
        ("es", "Contraseña caducada en el portátil"),
        ("en", "Café machine déjà broken"),
        ("es", "Número de serie ilegible"),
        ("en", "Naïve résumé upload fails"),
    ]
):
    raw = (
        (
            head("Ana <ana@acme.test>", "Charset raro", msgid=f"unk-{k}")
            + "Content-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n\n"
        ).encode()
        + text.encode("windows-1252")
        + b"\n"
    )
    add(
        f"charset-unknown-{k}",
        raw,
        lang,
        "unknown charset",
        {"outcome": "ticket", "body_contains": [text.split()[0]], "notes_contains": "x-no-such-charset"},
    )
    raw = (
        (
            head("Ana <ana@acme.test>", "Mal etiquetado", msgid=f"wrong-{k}")
            + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        ).encode()
        + text.encode("latin-1")
        + b"\n"
    )
    add(
        f"charset-mislabelled-{k}",
        raw,
        lang,
        "mislabelled charset",
        {"outcome": "ticket", "body_contains": [text.split()[0]], "notes_contains": "utf-8"},
    )

# 4. RFC 2047 subjects and display names (12) ---------------------------------------------------------
for k, (lang, subject) in enumerate(
    [
        ("es", "Baja de contraseña — ¡urgente!"),
        ("en", "Café ☕ machine broken"),
        ("es", "Reunión de señalización"),
        ("en", "Résumé uploads fail"),
        ("es", "Configuración de impresión"),
        ("en", "Ünïcödé subject line"),
    ]
):
    for enc in ("b", "q"):
        encoded = (
            Header(subject, "utf-8").encode()
            if enc == "b"
            else "=?utf-8?q?"
            + quopri.encodestring(subject.encode(), header=True).decode().replace("=\n", "")
            + "?="
        )
        if enc == "b":
            encoded = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
        name = (
            "=?iso-8859-1?q?Jos=E9_P=E9rez?="
            if lang == "es"
            else "=?utf-8?b?" + base64.b64encode("Zoë Smith".encode()).decode() + "?="
        )
        add(
            f"rfc2047-{enc}-{k}",
            text_mail(
                f"{name} <ana@acme.test>", encoded, "Ver asunto. / See subject.", msgid=f"rfc2047-{enc}-{k}"
            ),
            lang,
            "RFC 2047",
            {"outcome": "ticket", "title": subject, "requester": "ana@acme.test"},
        )

# 5. HTML-only mail, sanitised, text derived (12) -----------------------------------------------------
for lang, samples in (("en", EN), ("es", ES)):
    for i, (subject, body) in enumerate(samples):
        html = (
            f"<html><head><style>p{{color:red}}</style><script>alert('x')</script></head><body>"
            f'<p onclick="steal()">{body}</p><p><b>{"Gracias" if lang == "es" else "Thanks"}</b></p>'
            f'<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(1)">link</a></body></html>'
        )
        raw = (
            head("Ana <ana@acme.test>", subject, msgid=f"html-{lang}-{i}")
            + "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
            + quopri.encodestring(html.encode()).decode()
        )
        add(
            f"html-only-{lang}-{i}",
            raw,
            lang,
            "HTML only",
            {
                "outcome": "ticket",
                "body_contains": [body.split()[2]],
                "html_excludes": ["<script", "onclick", "tracker.example", "javascript:"],
            },
        )

# 6. multipart/alternative (12) ---------------------------------------------------------------------------
for lang, samples in (("en", EN), ("es", ES)):
    for i, (subject, body) in enumerate(samples):
        raw = (
            head("Ana <ana@acme.test>", subject, msgid=f"alt-{lang}-{i}")
            + 'Content-Type: multipart/alternative; boundary="ALT"\n\n--ALT\n'
            + "Content-Type: text/plain; charset=utf-8\n\n"
            + body
            + "\n--ALT\n"
            + 'Content-Type: text/html; charset=utf-8\n\n<div dir="ltr"><p>'
            + body
            + "</p></div>\n--ALT--\n"
        )
        add(
            f"alternative-{lang}-{i}",
            raw,
            lang,
            "multipart/alternative",
            {"outcome": "ticket", "body_contains": [body.split()[-1]], "html_contains": ["<p>"]},
        )

# 7. Inline images by cid (6) ------------------------------------------------------------------------------
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PNG = PNG + b"\0" * 100  # big enough to be kept, still a PNG by its signature
for k, lang in enumerate(["en", "es", "en", "es", "en", "es"]):
    cid = f"image{k:03d}.png@01D9ABCD.12345678"
    text = "See the screenshot below." if lang == "en" else "Adjunto captura de pantalla."
    raw = (
        head("Ana <ana@acme.test>", "Screenshot / Captura", msgid=f"cid-{k}")
        + 'Content-Type: multipart/related; boundary="REL"\n\n--REL\n'
        + "Content-Type: text/html; charset=utf-8\n\n"
        + f'<p>{text}</p><p><img src="cid:{cid}" alt="screenshot"></p>\n--REL\n'
        + f'Content-Type: image/png; name="image{k:03d}.png"\nContent-Transfer-Encoding: base64\n'
        + f'Content-ID: <{cid}>\nContent-Disposition: inline; filename="image{k:03d}.png"\n\n'
        + base64.encodebytes(PNG).decode()
        + "--REL--\n"
    )
    add(
        f"inline-image-{k}",
        raw,
        lang,
        "inline image",
        {"outcome": "ticket", "html_contains": ["data:image/png"], "attachments": 1},
    )

# 8. Attachments: RFC 2231 names, too large, forbidden types (14) --------------------------------------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
for k, (lang, filename) in enumerate(
    [
        ("es", "factura año 2025.pdf"),
        ("en", "résumé.pdf"),
        ("es", "presupuesto_señal.pdf"),
        ("en", "report ✓.pdf"),
    ]
):
    encoded_name = "utf-8''" + "".join(
        c if c.isalnum() or (c in "._-" and ord(c) < 128) else "".join(f"%{b:02X}" for b in c.encode())
        for c in filename
    )
    raw = (
        head("Ana <ana@acme.test>", "Adjunto / Attachment", msgid=f"att-{k}")
        + 'Content-Type: multipart/mixed; boundary="MIX"\n\n--MIX\nContent-Type: text/plain; charset=utf-8\n\n'
        + ("Va adjunto el documento." if lang == "es" else "Document attached.")
        + "\n--MIX\n"
        + f"Content-Type: application/pdf\nContent-Disposition: attachment; filename*={encoded_name}\n"
        + "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(PDF).decode()
        + "--MIX--\n"
    )
    add(
        f"attachment-rfc2231-{k}",
        raw,
        lang,
        "RFC 2231 filename",
        {"outcome": "ticket", "attachments": 1, "attachment_names": [filename]},
    )
for k, lang in enumerate(["es", "en", "es", "en", "es"]):
    raw = (
        head("Ana <ana@acme.test>", "Ejecutable / Executable", msgid=f"exe-{k}")
        + 'Content-Type: multipart/mixed; boundary="MIX"\n\n--MIX\nContent-Type: text/plain; charset=utf-8\n\n'
        + ("Instalad este programa." if lang == "es" else "Please install this.")
        + "\n--MIX\n"
        + f'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="tool{k}.exe"\n'
        + "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 120).decode()
        + "--MIX--\n"
    )
    add(
        f"attachment-forbidden-{k}",
        raw,
        lang,
        "forbidden attachment",
        {"outcome": "ticket", "attachments": 0, "body_contains": [f"tool{k}.exe"]},
    )
for k, lang in enumerate(["es", "en", "es", "en", "es"]):
    raw = (
        head("Ana <ana@acme.test>", "Fichero grande / Big file", msgid=f"big-{k}")
        + 'Content-Type: multipart/mixed; boundary="MIX"\n\n--MIX\nContent-Type: text/plain; charset=utf-8\n\n'
        + ("Mando el volcado." if lang == "es" else "Sending the dump.")
        + "\n--MIX\n"
        + f'Content-Type: application/pdf\nContent-Disposition: attachment; filename="dump{k}.pdf"\n'
        + "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(PDF + b"0" * 3000).decode()
        + "--MIX--\n"
    )
    add(
        f"attachment-too-large-{k}",
        raw,
        lang,
        "attachment over the limit (test limit 2 KB)",
        {"outcome": "ticket", "attachments": 0, "body_contains": [f"dump{k}.pdf"]},
    )

# 9. Forwarded messages (8) ---------------------------------------------------------------------------
for k, (lang, subject, body) in enumerate([("en", *EN[0]), ("es", *ES[0]), ("en", *EN[1]), ("es", *ES[1])]):
    inner = (
        "From: Carlos <carlos@acme.test>\nTo: ana@acme.test\nSubject: "
        + subject
        + "\nDate: Sun, 04 Jan 2026 09:00:00 +0100\nMessage-ID: <inner-"
        + str(k)
        + "@client.test>\nContent-Type: text/plain; charset=utf-8\n\n"
        + body
        + "\n"
    )
    raw = (
        head("Ana <ana@acme.test>", ("Fwd: " if lang == "en" else "RV: ") + subject, msgid=f"fwd-att-{k}")
        + 'Content-Type: multipart/mixed; boundary="MIX"\n\n--MIX\nContent-Type: text/plain; charset=utf-8\n\n'
        + ("See below." if lang == "en" else "Os reenvío esto.")
        + "\n--MIX\nContent-Type: message/rfc822\n\n"
        + inner
        + "--MIX--\n"
    )
    add(
        f"forward-attached-{k}",
        raw,
        lang,
        "forwarded as attachment",
        {"outcome": "ticket", "body_contains": [body.split()[3], "carlos@acme.test"], "attachments": 1},
    )
    inline = (
        (
            (
                "See below.\n\n---------- Forwarded message ---------\nFrom: Carlos <carlos@acme.test>\n"
                "Date: Sun, Jan 4, 2026 at 9:00 AM\nSubject: "
            )
            if lang == "en"
            else (
                "Os reenvío esto.\n\n---------- Mensaje reenviado ---------\nDe: Carlos <carlos@acme.test>\n"
                "Fecha: dom, 4 ene 2026 a las 9:00\nAsunto: "
            )
        )
        + subject
        + "\n\n"
        + body
    )
    add(
        f"forward-inline-{k}",
        text_mail(
            "Ana <ana@acme.test>",
            ("Fwd: " if lang == "en" else "RV: ") + subject,
            inline,
            msgid=f"fwd-inline-{k}",
        ),
        lang,
        "forwarded inline",
        {"outcome": "ticket", "body_contains": [body.split()[3]]},
    )

# 10. Calendar invitations (6) ------------------------------------------------------------------------
for k, lang in enumerate(["en", "es", "en", "es", "en", "es"]):
    summary = "Server maintenance window" if lang == "en" else "Ventana de mantenimiento"
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//Ventanilla test//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
        f"UID:evt-{k}@client.test\r\nSUMMARY:{summary}\r\nDTSTART:2026011{k}T200000Z\r\n"
        f"DTEND:2026011{k}T220000Z\r\nLOCATION:CPD Madrid\r\nORGANIZER:mailto:ana@acme.test\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = (
        head(
            "Ana <ana@acme.test>",
            ("Invitation: " if lang == "en" else "Invitación: ") + summary,
            msgid=f"ics-{k}",
        )
        + 'Content-Type: multipart/alternative; boundary="ALT"\n\n--ALT\nContent-Type: text/plain; charset=utf-8\n\n'
        + ("You are invited." if lang == "en" else "Estás invitado.")
        + "\n--ALT\n"
        + "Content-Type: text/calendar; charset=utf-8; method=REQUEST\n\n"
        + ics
        + "--ALT--\n"
    )
    add(
        f"calendar-{k}",
        raw,
        lang,
        "calendar invitation",
        {"outcome": "ticket", "body_contains": [summary, "CPD Madrid"], "attachments": 1},
    )

# 11. Sender identity: display-name tricks and unknown senders (16) ------------------------------------
TRICKS = [
    ("alice@evil.test <ana@acme.test>", "ana@acme.test"),
    ('"bob@globex.test" <ana@acme.test>', "ana@acme.test"),
    ("=?utf-8?q?bob=40globex=2Etest?= <ana@acme.test>", "ana@acme.test"),
    ("ana@acme.test (bob@globex.test)", "ana@acme.test"),
    ('"Ana, Acme" <ana@acme.test>', "ana@acme.test"),
    ("ANA@ACME.TEST", "ana@acme.test"),
]
for k, (frm, who) in enumerate(TRICKS):
    for lang, (subject, body) in (("en", EN[k]), ("es", ES[k])):
        add(
            f"identity-{k}-{lang}",
            text_mail(frm, subject, body, msgid=f"id-{k}-{lang}"),
            lang,
            "sender identity",
            {"outcome": "ticket", "requester": who},
        )
add(
    "identity-encoded-only",
    text_mail("=?utf-8?q?ana=40acme=2Etest?=", "Sin remitente", "Hola", msgid="id-enc"),
    "es",
    "address only in an encoded word",
    {"state": "quarantined", "reason_contains": "From"},
)
add(
    "identity-two-from",
    (
        "From: ana@acme.test\nFrom: bob@globex.test\nTo: support@desk.test\nSubject: Two\n"
        "Message-ID: <two-from@client.test>\n\nHello\n"
    ),
    "en",
    "two From headers",
    {"state": "quarantined", "reason_contains": "From"},
)
add(
    "unknown-org-domain-en",
    text_mail("New Person <new.person@acme.test>", *EN[2], msgid="unk-org-en"),
    "en",
    "unknown sender, organisation domain",
    {"outcome": "ticket", "requester": "new.person@acme.test", "organization": "Acme Corp"},
)
add(
    "unknown-org-domain-es",
    text_mail("Nueva Persona <nueva.persona@acme.test>", *ES[2], msgid="unk-org-es"),
    "es",
    "unknown sender, organisation domain",
    {"outcome": "ticket", "requester": "nueva.persona@acme.test", "organization": "Acme Corp"},
)
add(
    "unknown-subdomain",
    text_mail("x@mail.acme.test", *EN[3], msgid="unk-sub"),
    "en",
    "unknown sender, subdomain (no organisation)",
    {"outcome": "ticket", "requester": "x@mail.acme.test", "organization": None},
)
add(
    "unknown-lookalike",
    text_mail("y@acme.test.evil.test", *ES[3], msgid="unk-look"),
    "es",
    "unknown sender, look-alike domain",
    {"outcome": "ticket", "organization": None},
)

# 12. Cc → watchers (4) -----------------------------------------------------------------------------------
for k, (lang, cc, watchers) in enumerate(
    [
        ("en", "carlos@acme.test", 1),
        ("es", "carlos@acme.test, marta@acme.test", 2),
        ("en", "bob@globex.test", 0),
        ("es", "support@desk.test", 0),
    ]
):
    add(
        f"cc-watchers-{k}",
        text_mail("ana@acme.test", *(EN if lang == "en" else ES)[k], msgid=f"cc-{k}", extra=f"Cc: {cc}\n"),
        lang,
        "Cc becomes watchers",
        {"outcome": "ticket", "watchers": watchers},
    )

# 13. Replies by token / reference with each client's quoting (32) --------------------------------------
QUOTES = {
    "gmail-en": "Still failing after the restart.\n\nOn Mon, Jan 5, 2026 at 10:00 AM Soporte <support@desk.test> wrote:\n> ##- Please type your reply above this line -##\n> We have received your request.\n",
    "gmail-es": "Sigue fallando después de reiniciar.\n\nEl lun, 5 ene 2026 a las 10:00, Soporte (<support@desk.test>) escribió:\n> ##- Escriba su respuesta por encima de esta línea -##\n> Hemos recibido su solicitud.\n",
    "outlook-en": "Still failing after the restart.\n\n________________________________\nFrom: Soporte <support@desk.test>\nSent: Monday, January 5, 2026 10:00 AM\nTo: Ana\nSubject: [%%NUMBER%%] Received\n\nWe have received your request.\n",
    "outlook-es": "Sigue fallando después de reiniciar.\n\n________________________________\nDe: Soporte <support@desk.test>\nEnviado: lunes, 5 de enero de 2026 10:00\nPara: Ana\nAsunto: [%%NUMBER%%] Recibido\n\nHemos recibido su solicitud.\n",
    "outlook-original-en": "Still failing after the restart.\n\n-----Original Message-----\nFrom: Soporte\nSent: Monday\n\nWe have received your request.\n",
    "outlook-original-es": "Sigue fallando después de reiniciar.\n\n-----Mensaje original-----\nDe: Soporte\nEnviado: lunes\n\nHemos recibido su solicitud.\n",
    "apple-en": "Still failing after the restart.\n\nSent from my iPhone\n\n> On 5 Jan 2026, at 10:00, Soporte <support@desk.test> wrote:\n>\n> We have received your request.\n",
    "apple-es": "Sigue fallando después de reiniciar.\n\nEnviado desde mi iPhone\n\n> El 5 ene 2026, a las 10:00, Soporte <support@desk.test> escribió:\n>\n> Hemos recibido su solicitud.\n",
    "thunderbird-en": "Still failing after the restart.\n\nOn 05/01/2026 10:00, Soporte wrote:\n> We have received your request.\n",
    "thunderbird-es": "Sigue fallando después de reiniciar.\n\nEl 05/01/26 a las 10:00, Soporte escribió:\n> Hemos recibido su solicitud.\n",
    "marker-en": "Still failing after the restart.\n\n##- Please type your reply above this line -##\nWe have received your request.\n",
    "marker-es": "Sigue fallando después de reiniciar.\n\n##- Escriba su respuesta por encima de esta línea -##\nHemos recibido su solicitud.\n",
    "signature-en": "Still failing after the restart.\n\n-- \nAna López\nAcme Corp\n\n> We have received your request.\n",
    "signature-es": "Sigue fallando después de reiniciar.\n\n-- \nAna López\nAcme Corp\n\n> Hemos recibido su solicitud.\n",
    "outlook-mobile-en": "Still failing after the restart.\n\nGet Outlook for iOS\n________________________________\nFrom: Soporte\nSent: Monday\n",
    "outlook-mobile-es": "Sigue fallando después de reiniciar.\n\nObtener Outlook para iOS\n________________________________\nDe: Soporte\nEnviado: lunes\n",
}
for style, body in QUOTES.items():
    lang = style[-2:]
    kept = body.split("\n")[0]
    add(
        f"reply-token-{style}",
        text_mail(
            "Ana <ana@acme.test>",
            "Re: [%%NUMBER%%] " + ("Received" if lang == "en" else "Recibido"),
            body,
            msgid=f"reply-tok-{style}",
            to="support+%%TOKEN%%@desk.test",
        ),
        lang,
        f"reply by token ({style})",
        {"outcome": "comment", "comment_body": kept, "public": True},
        "ticket",
    )
    add(
        f"reply-ref-{style}",
        text_mail(
            "Ana <ana@acme.test>",
            "Re: " + ("Received" if lang == "en" else "Recibido"),
            body,
            msgid=f"reply-ref-{style}",
            extra="In-Reply-To: <%%OUTBOUND%%>\nReferences: <%%ORIGIN%%> <%%OUTBOUND%%>\n",
        ),
        lang,
        f"reply by In-Reply-To ({style})",
        {"outcome": "comment", "comment_body": kept},
        "ticket",
    )

# HTML replies from each client (8)
HTML_REPLIES = {
    "gmail": '<div dir="ltr">{t}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon wrote:</div><blockquote class="gmail_quote">old text</blockquote></div>',
    "apple": '<div>{t}</div><div><br><blockquote type="cite">old text</blockquote></div>',
    "thunderbird": '<p>{t}</p><div class="moz-cite-prefix">On 05/01/2026 Soporte wrote:<br></div><blockquote type="cite">old text</blockquote>',
    "outlook": '<div>{t}</div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Soporte</div><div>old text</div>',
}
for client, template in HTML_REPLIES.items():
    for lang, t in (("en", "Works now, thanks."), ("es", "Ya funciona, gracias.")):
        raw = (
            head(
                "Ana <ana@acme.test>",
                "Re: [%%NUMBER%%] x",
                msgid=f"html-reply-{client}-{lang}",
                to="support+%%TOKEN%%@desk.test",
            )
            + "Content-Type: text/html; charset=utf-8\n\n"
            + template.format(t=t)
            + "\n"
        )
        add(
            f"reply-html-{client}-{lang}",
            raw,
            lang,
            f"HTML reply ({client})",
            {"outcome": "comment", "comment_body": t, "html_excludes": ["old text"]},
            "ticket",
        )

# 14. Subject tag: participant vs stranger (8) ------------------------------------------------------------
for lang, (subject, body) in (("en", EN[4]), ("es", ES[4])):
    add(
        f"tag-participant-{lang}",
        text_mail("ana@acme.test", f"Re: [%%NUMBER%%] {subject}", body, msgid=f"tag-part-{lang}"),
        lang,
        "subject tag from the requester",
        {"outcome": "comment"},
        "ticket",
    )
    add(
        f"tag-stranger-{lang}",
        text_mail("bob@globex.test", f"[%%NUMBER%%] {subject}", body, msgid=f"tag-str-{lang}"),
        lang,
        "subject tag from a stranger",
        {"outcome": "ticket", "requester": "bob@globex.test", "prepared_untouched": True},
        "ticket",
    )
    add(
        f"tag-unknown-{lang}",
        text_mail("nobody@elsewhere.test", f"RE: [%%NUMBER%%] {subject}", body, msgid=f"tag-unk-{lang}"),
        lang,
        "subject tag from an unknown address",
        {"outcome": "ticket", "prepared_untouched": True},
        "ticket",
    )
    add(
        f"reference-stranger-{lang}",
        text_mail(
            "bob@globex.test",
            f"Re: {subject}",
            body,
            msgid=f"ref-str-{lang}",
            extra="In-Reply-To: <%%ORIGIN%%>\n",
        ),
        lang,
        "In-Reply-To from a stranger",
        {"outcome": "ticket", "prepared_untouched": True},
        "ticket",
    )

# 15. Agents replying by mail (10) --------------------------------------------------------------------------
for lang, text in (
    ("en", "I have replaced the toner; please try again."),
    ("es", "He cambiado el tóner; pruebe de nuevo, por favor."),
):
    add(
        f"agent-token-{lang}",
        text_mail(
            "agent1@desk.test",
            "Re: [%%NUMBER%%] x",
            text,
            msgid=f"agent-tok-{lang}",
            to="support+%%AGENT_TOKEN%%@desk.test",
        ),
        lang,
        "agent reply with own token",
        {"outcome": "comment", "public": True, "notifies_customer": True},
        "ticket",
    )
    add(
        f"agent-tag-only-{lang}",
        text_mail("agent1@desk.test", "Re: [%%NUMBER%%] x", text, msgid=f"agent-tag-{lang}"),
        lang,
        "agent reply without token",
        {"outcome": "untrusted", "public": False, "notifies_customer": False},
        "ticket",
    )
    add(
        f"agent-other-token-{lang}",
        text_mail(
            "agent1@desk.test",
            "Re: [%%NUMBER%%] x",
            text,
            msgid=f"agent-oth-{lang}",
            to="support+%%TOKEN%%@desk.test",
        ),
        lang,
        "agent reply with the customer's token",
        {"outcome": "untrusted", "public": False},
        "ticket",
    )
    add(
        f"agent-spoofed-{lang}",
        text_mail(
            "Agent One <agent1@desk.test>",
            "Re: [%%NUMBER%%] x",
            text,
            msgid=f"agent-spoof-{lang}",
            extra="In-Reply-To: <%%OUTBOUND%%>\nReply-To: evil@elsewhere.test\n",
        ),
        lang,
        "spoofed agent reply by reference",
        {"outcome": "untrusted", "public": False},
        "ticket",
    )
    add(
        f"agent-forged-token-{lang}",
        text_mail(
            "agent1@desk.test",
            "Re: [%%NUMBER%%] x",
            text,
            msgid=f"agent-forge-{lang}",
            to="support+1-1-0123456789abcdef@desk.test",
        ),
        lang,
        "agent reply with a forged token",
        {"outcome": "untrusted", "public": False},
        "ticket",
    )

# 16. Resolved / closed tickets (12) ------------------------------------------------------------------------
for lang, text in (("en", "It is broken again."), ("es", "Vuelve a fallar.")):
    for k in range(2):
        add(
            f"reopen-{lang}-{k}",
            text_mail(
                "ana@acme.test",
                "Re: [%%NUMBER%%] x",
                text,
                msgid=f"reopen-{lang}-{k}",
                to="support+%%TOKEN%%@desk.test",
            ),
            lang,
            "reply to resolved ticket",
            {"outcome": "reopened", "status": "in_progress"},
            "resolved",
        )
        add(
            f"followup-old-{lang}-{k}",
            text_mail(
                "ana@acme.test",
                "Re: [%%NUMBER%%] x",
                text,
                msgid=f"fu-old-{lang}-{k}",
                to="support+%%TOKEN%%@desk.test",
            ),
            lang,
            "reply to a ticket resolved long ago",
            {"outcome": "follow_up", "linked": True},
            "resolved_old",
        )
        add(
            f"followup-closed-{lang}-{k}",
            text_mail(
                "ana@acme.test",
                "Re: [%%NUMBER%%] x",
                text,
                msgid=f"fu-closed-{lang}-{k}",
                extra="In-Reply-To: <%%OUTBOUND%%>\n",
            ),
            lang,
            "reply to a closed ticket",
            {"outcome": "follow_up", "linked": True},
            "closed",
        )

# 17. Out-of-office and other automatic mail (20) --------------------------------------------------------
OOO = [
    (
        "en",
        "Automatic reply: [%%NUMBER%%] Received",
        "Auto-Submitted: auto-replied\n",
        "I am out of the office until Monday.",
    ),
    (
        "es",
        "Respuesta automática: [%%NUMBER%%] Recibido",
        "Auto-Submitted: auto-replied\n",
        "Estoy fuera de la oficina hasta el lunes.",
    ),
    ("en", "Out of Office: [%%NUMBER%%]", "X-Autoreply: yes\n", "Away, back soon."),
    ("es", "Fuera de la oficina: [%%NUMBER%%]", "X-Autorespond: yes\n", "De vacaciones."),
    ("en", "Automatic reply: Received", "X-Auto-Response-Suppress: All\n", "Away until the 12th."),
    ("es", "Respuesta automática: Recibido", "", "Ausente hasta el día 12."),
]
for k, (lang, subject, extra, body) in enumerate(OOO):
    add(
        f"ooo-ticket-{k}",
        text_mail(
            "ana@acme.test", subject, body, msgid=f"ooo-{k}", to="support+%%TOKEN%%@desk.test", extra=extra
        ),
        lang,
        "out-of-office on a ticket",
        {"outcome": "auto_reply", "public": False, "status": "pending_customer", "acks": 0},
        "pending",
    )
    add(
        f"ooo-resolved-{k}",
        text_mail(
            "ana@acme.test",
            subject,
            body,
            msgid=f"ooo-res-{k}",
            extra=extra + "In-Reply-To: <%%OUTBOUND%%>\n",
        ),
        lang,
        "out-of-office never reopens",
        {"outcome": "auto_reply", "status": "resolved"},
        "resolved",
    )
for k, (lang, frm, extra) in enumerate(
    [
        ("en", "news@vendor.test", "Precedence: bulk\n"),
        ("es", "boletin@proveedor.test", "List-Id: <ofertas.proveedor.test>\n"),
        ("en", "promo@vendor.test", "Precedence: list\nList-Unsubscribe: <mailto:u@vendor.test>\n"),
        ("es", "ana.ooo@elsewhere.test", "Auto-Submitted: auto-replied\n"),
    ]
):
    add(
        f"bulk-unknown-{k}",
        text_mail(frm, "Newsletter / Boletín", "Offers / Ofertas", msgid=f"bulk-{k}", extra=extra),
        lang,
        "bulk or automatic mail from an unknown sender",
        {"outcome": "ignored", "tickets": 0},
    )
for k, lang in enumerate(["en", "es", "en", "es"]):
    add(
        f"monitoring-{k}",
        text_mail(
            "ana@acme.test",
            "ALERT: disk /var 95%" if lang == "en" else "ALERTA: disco /var al 95%",
            "host srv01 disk usage 95%",
            msgid=f"mon-{k}",
            extra="Auto-Submitted: auto-generated\n",
        ),
        lang,
        "automatic alert from a known sender",
        {"outcome": "ticket", "acks": 0},
    )

# 18. Bounces (12) ----------------------------------------------------------------------------------------------
for k, (lang, status, diag) in enumerate(
    [
        ("en", "5.1.1", "smtp; 550 5.1.1 User unknown"),
        ("es", "5.1.1", "smtp; 550 5.1.1 El usuario no existe"),
        ("en", "5.2.2", "smtp; 552 5.2.2 Mailbox full"),
        ("es", "5.7.1", "smtp; 550 5.7.1 Mensaje rechazado"),
        ("en", "4.4.1", "smtp; 421 4.4.1 Connection timed out"),
        ("es", "5.4.4", "smtp; 550 5.4.4 Dominio inexistente"),
    ]
):
    action = "delayed" if status.startswith("4") else "failed"
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\nTo: support@desk.test\n"
        + f"Subject: {'Undelivered Mail Returned to Sender' if lang == 'en' else 'Mensaje no entregado'}\n"
        + f"Message-ID: <dsn-{k}@mx.acme.test>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        + 'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\n\n--DSN\n'
        + "Content-Type: text/plain; charset=utf-8\n\n"
        + (
            "This is the mail system. Your message could not be delivered.\n"
            if lang == "en"
            else "Este es el sistema de correo. No se pudo entregar su mensaje.\n"
        )
        + "--DSN\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.acme.test\n\n"
        + f"Final-Recipient: rfc822; ana@acme.test\nAction: {action}\nStatus: {status}\nDiagnostic-Code: {diag}\n\n"
        + "--DSN\nContent-Type: text/rfc822-headers\n\nFrom: support@desk.test\nTo: ana@acme.test\n"
        + "Subject: [%%NUMBER%%] Received\nMessage-ID: <%%OUTBOUND%%>\n\n--DSN--\n"
    )
    add(
        f"bounce-dsn-{k}",
        raw,
        lang,
        "delivery status notification",
        {
            "outcome": "bounce",
            "bounce_address": "ana@acme.test",
            "bounce_status": status,
            "tickets": 1,
            "bounce_note": action == "failed" or action == "delayed",
        },
        "ticket",
    )
    raw2 = raw.replace("<%%OUTBOUND%%>", f"<unknown-{k}@elsewhere.test>").replace(
        f"<dsn-{k}@", f"<dsn-orphan-{k}@"
    )
    add(
        f"bounce-orphan-{k}",
        raw2,
        lang,
        "bounce for mail we do not know",
        {"outcome": "bounce", "tickets": 0},
    )
for k, lang in enumerate(["en", "es"]):
    raw = (
        "From: MAILER-DAEMON@mx.globex.test\nTo: support@desk.test\n"
        + f"Subject: {'failure notice' if lang == 'en' else 'Notificación de estado de entrega (error)'}\n"
        + f"Message-ID: <plain-bounce-{k}@mx.globex.test>\n\n"
        + "Sorry, we were unable to deliver your message to the following address.\n\n"
        + "<bob@globex.test>:\n550 user unknown\n\n--- Below this line is a copy of the message.\n\n"
        + "Message-ID: <%%OUTBOUND%%>\nSubject: [%%NUMBER%%] Received\n"
    )
    add(
        f"bounce-plain-{k}",
        raw,
        lang,
        "bounce without a DSN part",
        {"outcome": "bounce", "bounce_address": "bob@globex.test", "tickets": 1},
        "ticket",
    )

# 19. Loops and control headers (8) ----------------------------------------------------------------------
for lang in ("en", "es"):
    add(
        f"loop-ours-{lang}",
        text_mail(
            "support@desk.test",
            "[%%NUMBER%%] Received",
            "our own mail",
            msgid=f"loop-{lang}",
            extra="X-Ventanilla-Loop: %%LOOP%%\n",
        ),
        lang,
        "our own notification coming back",
        {"outcome": "loop", "tickets": 1},
        "ticket",
    )
    add(
        f"loop-forged-{lang}",
        text_mail(
            "ana@acme.test",
            *(EN[5] if lang == "en" else ES[5]),
            msgid=f"loop-forged-{lang}",
            extra="X-Ventanilla-Loop: forged@desk.test\n",
        ),
        lang,
        "forged loop header is ignored",
        {"outcome": "ticket"},
    )
    add(
        f"control-header-{lang}",
        text_mail(
            "bob@globex.test",
            *(EN[1] if lang == "en" else ES[1]),
            msgid=f"ctl-{lang}",
            extra="X-Ventanilla-Ticket: %%NUMBER%%\nX-Ventanilla-Token: %%TOKEN%%\n",
        ),
        lang,
        "our control headers from outside are stripped",
        {"outcome": "ticket", "prepared_untouched": True},
        "ticket",
    )
    add(
        f"from-mailbox-{lang}",
        text_mail("support@desk.test", "Test", "hello", msgid=f"self-{lang}"),
        lang,
        "mail from our own address",
        {"outcome": "loop", "tickets": 0},
    )

# 20. Broken input (6) ------------------------------------------------------------------------------------
add(
    "no-from-en",
    "To: support@desk.test\nSubject: No sender\nMessage-ID: <nofrom-en@client.test>\n\nhello\n",
    "en",
    "no From header",
    {"state": "quarantined"},
)
add(
    "no-from-es",
    "To: support@desk.test\nSubject: Sin remitente\nMessage-ID: <nofrom-es@client.test>\n\nhola\n",
    "es",
    "no From header",
    {"state": "quarantined"},
)
add(
    "no-subject-en",
    text_mail("ana@acme.test", "", "The projector in room 3 flickers.", msgid="nosubj-en"),
    "en",
    "no subject: title from the first line",
    {"outcome": "ticket", "title": "The projector in room 3 flickers."},
)
add(
    "no-subject-es",
    text_mail("ana@acme.test", "", "El proyector de la sala 3 parpadea.", msgid="nosubj-es"),
    "es",
    "no subject: title from the first line",
    {"outcome": "ticket", "title": "El proyector de la sala 3 parpadea."},
)
add(
    "no-message-id",
    "From: ana@acme.test\nTo: support@desk.test\nSubject: Sin Message-ID\n\nFalta el Message-ID.\n",
    "es",
    "no Message-ID (deduplicated by content)",
    {"outcome": "ticket"},
)
add(
    "long-subject",
    text_mail("ana@acme.test", "Problema " * 40, "Asunto larguísimo.", msgid="long-subj"),
    "es",
    "subject longer than a title",
    {"outcome": "ticket"},
)

(HERE / "manifest.json").write_text(json.dumps(CASES, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{len(CASES)} messages written")
