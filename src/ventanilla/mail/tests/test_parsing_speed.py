"""The parser's shortcuts give exactly what the stdlib's full header parser gives, and are really taken.

``parse_message`` reads headers through ``MAIL_POLICY`` (``policy.default`` that skips building header
objects for plain values) and reads plain From headers with ``plain_mailbox``. Where a shortcut answers,
its answer must be the full parser's answer; where it cannot be sure, it must not answer.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.headerregistry import HeaderRegistry
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ventanilla.mail.addresses import plain_mailbox
from ventanilla.mail.parsing import MAIL_POLICY, parse_message, plain_header

CORPUS = Path(__file__).resolve().parent / "corpus"
FULL = policy.default.header_factory

# Pieces chosen to hit every branch of the shortcuts' grammar and every way out of it.
SPECIALS = [*" ;=\"\\()*'%,?./:@<>[]{}~!#&+`", "  ", "\t", "\x01", "\x7f", "é", "\udce9"]
SPECIALS += ["=?utf-8?q?a?=", "=?"]
WORDS = ["text", "plain", "multipart", "mixed", "attachment", "inline", "charset", "utf-8", "UTF-8"]
WORDS += ["name", "Name", "filename", "boundary", "x", "0", "*0", "a b", "=_x", "base64", "us-ascii''a%20b"]
NAMES = ["Content-Type", "Content-Disposition", "Content-Transfer-Encoding", "Subject", "X-Mailer"]
NAMES += ["Content-ID", "From", "To", "Date", "Message-ID", "MIME-Version"]
FREE_TEXT = st.lists(st.sampled_from(SPECIALS + WORDS), min_size=1, max_size=12).map("".join)

SPACE = st.sampled_from(["", "", " ", "\t", "  "])
PARAM_NAMES = st.sampled_from(
    ["charset", "Charset", "name", "filename", "boundary", "a", "a*", "a*0*", "n'x", ""]
)
PARAM_VALUES = st.sampled_from(["utf-8", "x", "a b", "", "=_b", "a;b", 'a"b', "a\\b", " x ", "a,b", "a/b"])
PARAM_VALUES |= st.sampled_from(["(c)", "é", "a'b", "a*b", "a%20", "a?b", "q=?x", "a\x01", "A.B-c_d"])


@st.composite
def mime_values(draw: Any) -> str:
    heads = ["text/plain", "multipart/mixed", "attachment", "inline", "TEXT/Plain", "text", "/plain", "a/b/c"]
    parts = [draw(st.sampled_from(heads)) + draw(SPACE)]
    for _ in range(draw(st.integers(0, 3))):
        value = draw(PARAM_VALUES)
        if draw(st.booleans()):
            value = f'"{value}"'
        equals = draw(st.sampled_from(["=", "=", "", "=="]))
        parts.append(
            draw(SPACE) + draw(PARAM_NAMES) + draw(SPACE) + equals + draw(SPACE) + value + draw(SPACE)
        )
    return ";".join(parts) + draw(st.sampled_from(["", "", ";", "; ", ";;"]))


@st.composite
def from_values(draw: Any) -> str:
    pieces = ["Ana", "Cliente", '"Doe, John"', '" x "', '""', "J.", "a.b", ".", "..", "(c)", "\\"]
    pieces += ["é", "\udce9", "=?utf-8?q?A?=", ",", "@", "<", ">", ":", ";", "'", "#", "~"]
    phrase = draw(SPACE).join(draw(st.lists(st.sampled_from(pieces), max_size=4)))
    address = draw(
        st.sampled_from(["a@b.test", "Ana.B@x-y.test", "a..b@c", "a@b", "a b@c", "a@[1.2.3.4]", '"q"@b'])
    )
    form = draw(
        st.sampled_from(
            ["{p} <{a}>", "{p}<{a}>", "{a}", "{p} {a}", "<{a}>", "{p} <{a}>, <c@d>", "{p} <{a}> (x)"]
        )
    )
    return form.format(p=phrase, a=address) + draw(SPACE)


def _full_text(name: str, value: str) -> str:
    return str(FULL(name, value))


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(NAMES), FREE_TEXT | mime_values())
def test_a_header_shortcut_is_the_full_parser_text(name: str, value: str) -> None:
    value = value.lstrip(" \t")  # as the stdlib's header_source_parse leaves every value
    fast = plain_header(name, value)
    if fast is not None:
        assert fast == _full_text(name, value)


@settings(max_examples=600, deadline=None)
@given(from_values() | FREE_TEXT)
def test_a_mailbox_shortcut_is_the_full_parser_reading(value: str) -> None:
    value = value.lstrip(" \t")
    fast = plain_mailbox(value)
    if fast is not None:
        assert [(a.display_name, a.addr_spec) for a in FULL("From", value).addresses] == [fast]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Content-Type", "text/plain; charset=utf-8", 'text/plain; charset="utf-8"'),
        (
            "Content-Type",
            "text/plain;charset=UTF-8; format=flowed",
            'text/plain; charset="UTF-8"; format="flowed"',
        ),
        (
            "Content-Type",
            'multipart/alternative; boundary="=_a b"',
            'multipart/alternative; boundary="=_a b"',
        ),
        ("Content-Type", "text/plain ; a=1; a=2;", 'text/plain ; a="1"'),
        (
            "Content-Disposition",
            'attachment; filename="captura 1.png"',
            'attachment; filename="captura 1.png"',
        ),
        ("Content-Disposition", "inline", "inline"),
        ("Content-Transfer-Encoding", "base64 ", "base64 "),
        ("Subject", "La impresora no imprime", "La impresora no imprime"),
        ("Auto-Submitted", "auto-replied", "auto-replied"),
    ],
)
def test_plain_values_take_the_shortcut(name: str, value: str, expected: str) -> None:
    assert plain_header(name, value) == expected == _full_text(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Subject", "=?utf-8?q?caf=C3=A9?="),  # encoded word
        ("Subject", "caf\udcc3\udca9"),  # raw 8-bit
        ("Content-Type", "text/plain; name*=utf-8''caf%C3%A9.pdf"),  # RFC 2231
        ("Content-Type", 'text/plain; name="a\\"b"'),  # quoted pair
        ("Content-Type", "text/plain (comment); charset=utf-8"),
        ("Content-Disposition", 'attachment; filename="=?utf-8?q?caf=C3=A9?="'),
        ("Content-Transfer-Encoding", "base64 (comment)"),
        ("From", "Ana <ana@acme.test>"),  # addresses and dates always get the full parser
        ("Date", "Mon, 05 Jan 2026 10:00:00 +0100"),
        ("Message-ID", "<a@b>"),
    ],
)
def test_other_values_get_the_full_parser(name: str, value: str) -> None:
    assert plain_header(name, value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Cliente <cliente1@acme.test>", ("Cliente", "cliente1@acme.test")),
        ('"Doe,  John"   <j@x.test>', ("Doe,  John", "j@x.test")),
        ("Ana  B. Lopez <a@x.test> ", ("Ana B. Lopez", "a@x.test")),
        ("ana@acme.test", ("", "ana@acme.test")),
        ("<ana@acme.test>", ("", "ana@acme.test")),
    ],
)
def test_plain_mailboxes_take_the_shortcut(value: str, expected: tuple[str, str]) -> None:
    assert plain_mailbox(value) == expected
    assert [(a.display_name, a.addr_spec) for a in FULL("From", value).addresses] == [expected]


@pytest.mark.parametrize(
    "value",
    [
        "alice@evil <bob@corp.test>",
        "=?utf-8?q?bob@corp.test?= <eve@evil.test>",
        "Ana (work) <a@x.test>",
        "a@x.test, b@x.test",
        "Team: a@x.test;",
        "Jos\udcc3\udca9 <j@x.test>",
        "J. <j@x.test>",
    ],
)
def test_other_mailboxes_get_the_full_parser(value: str) -> None:
    assert plain_mailbox(value) is None


def _tree(msg: Message) -> list[tuple[Any, ...]]:
    """Every part: its header texts as the policy hands them out, its structure and decoded payload."""
    out = []
    for part in msg.walk():
        headers = tuple((k, str(part.get(k))) for k in part)
        payload = None if part.is_multipart() else part.get_payload(decode=True)
        out.append(
            (headers, part.get_content_type(), part.get_filename(), part.get_content_charset(), payload)
        )
    return out


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_corpus_reads_the_same_through_the_quick_policy(path: Path) -> None:
    raw = path.read_bytes()
    assert _tree(message_from_bytes(raw, policy=MAIL_POLICY)) == _tree(
        message_from_bytes(raw, policy=policy.default)
    )


def test_a_plain_message_builds_no_header_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed guard: the everyday message never reaches the (slow) full header parser."""
    built: list[str] = []
    real_call = HeaderRegistry.__call__

    def counting(self: HeaderRegistry, name: str, value: str) -> Any:
        built.append(name)
        return real_call(self, name, value)

    monkeypatch.setattr(HeaderRegistry, "__call__", counting)
    raw = (
        b"From: Cliente <cliente7@acme.test>\nTo: soporte@desk.test\nCc: colega@acme.test\n"
        b"Date: Mon, 05 Jan 2026 10:00:00 +0100\nMessage-ID: <m1@client.test>\nMIME-Version: 1.0\n"
        b"Subject: No puedo entrar en la VPN\n"
        b'Content-Type: multipart/mixed; boundary="M"\n\n--M\n'
        b'Content-Type: multipart/alternative; boundary="A"\n\n--A\n'
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        b"La VPN me rechaza el certificado.\n--A\nContent-Type: text/html; charset=utf-8\n\n"
        b"<p>La VPN me rechaza el certificado.</p>\n--A--\n--M\n"
        b'Content-Type: image/png\nContent-Disposition: attachment; filename="captura.png"\n'
        b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--M--\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_address, parsed.from_name) == ("cliente7@acme.test", "Cliente")
    assert [a.filename for a in parsed.attachments] == ["captura.png"]
    assert built == []
