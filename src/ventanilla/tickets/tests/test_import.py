"""ventanilla import_tickets: every problem reported by line, nothing half-written, no mail by default."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ventanilla.accounts.models import User
from ventanilla.mail.models import OutboundMessage
from ventanilla.testing.factories import ServiceFactory
from ventanilla.tickets.models import Ticket

from .helpers import counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages asserted below are the English ones (the site's default language is Spanish)."""
    settings.LANGUAGE_CODE = "en"


def run(tmp_path, rows, *args):
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    call_command("import_tickets", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_a_valid_file_with_names_resolved(personas, tmp_path):
    service = ServiceFactory(name="Correo", owner_team=personas.team_1)
    out, _err = run(
        tmp_path,
        [
            "# exported from the old desk",
            {
                "requester_email": "ANA@acme.test",
                "title": "La impresora no imprime",
                "description": "Atasco de papel",
                "type": "request",
                "channel": "phone",
                "tags": ["Hardware", "impresora"],
                "watchers": ["carlos@acme.test"],
            },
            "",
            {"requester_email": "ana@acme.test", "title": "Correo lento", "service": "correo", "urgency": 1},
        ],
    )
    first, second = Ticket.objects.order_by("id")
    assert "Imported 2 tickets" in out and first.number in out and second.number in out
    assert first.requester == personas.customer_a and first.type == "request" and first.channel == "phone"
    assert sorted(first.tags.values_list("name", flat=True)) == ["hardware", "impresora"]
    assert list(first.watchers.all()) == [personas.colleague_a]
    assert second.service == service and second.team == personas.team_1  # the service's owner
    assert second.channel == "api"  # the default channel of imported tickets
    assert not OutboundMessage.objects.exists()  # old tickets are not acknowledged unless --notify


def test_every_problem_is_reported_by_line_and_nothing_is_written(personas, tmp_path):
    before = counts()
    with pytest.raises(CommandError) as info:
        run(
            tmp_path,
            [
                {"requester_email": "ana@acme.test", "title": "Bien"},
                "{not json",
                {"requester_email": "ana@acme.test", "title": ""},
                {"requester_email": "nadie@acme.test", "title": "Unknown person"},
                {"requester_email": "ana@acme.test", "title": "X", "colour": "red"},
                {"requester_email": "ana@acme.test", "title": "X", "team": "No such team"},
                {"requester_email": "ana@acme.test", "title": "X", "type": "outage"},
                '["a list"]',
            ],
        )
    assert info.value.returncode == 65
    message = str(info.value)
    assert "7 problem(s)" in message and "nothing was imported" in message
    assert counts() == before
    assert not User.objects.filter(email="nadie@acme.test").exists()


def test_problem_lines_name_line_field_and_fix(personas, tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"requester_email": "ana@acme.test", "title": "ok"})
        + "\n"
        + json.dumps({"requester_email": "nadie@acme.test", "title": "x"})
        + "\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_tickets", str(path), stderr=err)
    assert "line 2, requester_email: No user has the email address nadie@acme.test." in err.getvalue()
    assert "--create-requesters" in err.getvalue()


def test_attacker_cannot_make_another_organisation_watch(personas, tmp_path):
    """A watcher sees the ticket: the file cannot make Globex's user watch Acme's ticket."""
    with pytest.raises(CommandError):
        run(
            tmp_path,
            [{"requester_email": "ana@acme.test", "title": "Secreto", "watchers": ["bob@globex.test"]}],
        )
    assert not Ticket.objects.exists()


def test_create_requesters_joins_them_by_domain(personas, tmp_path):
    out, _err = run(
        tmp_path,
        [
            {"requester_email": "nueva@acme.test", "title": "Primera"},
            {"requester_email": "nueva@acme.test", "title": "Segunda"},
            {"requester_email": "someone@elsewhere.test", "title": "Tercera"},
        ],
        "--create-requesters",
    )
    assert "Imported 3 tickets" in out
    nueva = User.objects.get(email="nueva@acme.test")
    assert nueva.organization == personas.org_a
    assert Ticket.objects.filter(requester=nueva, organization=personas.org_a).count() == 2
    assert User.objects.get(email="someone@elsewhere.test").organization is None


def test_dry_run_checks_and_writes_nothing(personas, tmp_path):
    before = counts()
    out, _err = run(
        tmp_path,
        [{"requester_email": "nueva@acme.test", "title": "Primera"}],
        "--create-requesters",
        "--dry-run",
    )
    assert "1 tickets, 1 new requesters" in out
    assert counts() == before and not User.objects.filter(email="nueva@acme.test").exists()


def test_notify_sends_the_usual_acknowledgements(personas, tmp_path):
    run(tmp_path, [{"requester_email": "ana@acme.test", "title": "Con aviso"}], "--notify")
    assert OutboundMessage.objects.filter(kind="ack", recipient=personas.customer_a).count() == 1


def test_batches_keep_file_order_and_numbers(personas, tmp_path):
    rows = [{"requester_email": "ana@acme.test", "title": f"T{i}"} for i in range(7)]
    run(tmp_path, rows, "--batch-size", "3")
    tickets = list(Ticket.objects.order_by("id"))
    assert [t.title for t in tickets] == [f"T{i}" for i in range(7)]
    assert all(t.number == Ticket.format_number(t.type, t.pk) for t in tickets)


def test_missing_and_non_utf8_files_are_clear_errors(tmp_path, db):
    with pytest.raises(CommandError, match="No file"):
        call_command("import_tickets", str(tmp_path / "nope.jsonl"))
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes('{"title": "Impresión"}'.encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8") as info:
        call_command("import_tickets", str(latin))
    assert info.value.returncode == 65


def test_the_command_speaks_the_site_language(personas, tmp_path, settings):
    settings.LANGUAGE_CODE = "es"
    out, _err = run(tmp_path, [{"requester_email": "ana@acme.test", "title": "Hola"}])
    assert "Importados 1 tickets" in out
    with pytest.raises(CommandError, match="no se importó nada"):
        run(tmp_path, [{"requester_email": "ana@acme.test", "title": ""}])
