"""The demo data: complete, built through the services, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from ventanilla.accounts.models import Organization, User
from ventanilla.core.demo import DEMO_LOGINS, build_demo
from ventanilla.core.models import ChangeLogEntry
from ventanilla.tickets.choices import Channel, Status, TicketType
from ventanilla.tickets.models import Comment, Ticket, TicketLink, TimelineEntry

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    return {
        "users": User.objects.count(),
        "orgs": Organization.objects.count(),
        "tickets": Ticket.objects.count(),
        "comments": Comment.objects.count(),
        "timeline": TimelineEntry.objects.count(),
        "changelog": ChangeLogEntry.objects.count(),
        "statuses": sorted(Ticket.objects.values_list("status", flat=True)),
    }


def test_demo_is_complete_and_idempotent(capsys: Any) -> None:
    call_command("demo", tickets=200)
    first = snapshot()
    assert first["orgs"] == 3 and first["tickets"] == 200
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Ticket.objects.values_list("type", flat=True)) == set(TicketType.values)
    assert Comment.objects.filter(public=False).exists() and Comment.objects.filter(public=True).exists()
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 1
    assert TicketLink.objects.exclude(kind="duplicate_of").exists()
    assert Organization.objects.filter(vip=True).count() == 1
    assert Organization.objects.filter(shares_tickets=True).count() == 1
    assert User.objects.filter(role__in=["agent", "team_lead"]).count() == 6
    assert User.objects.filter(role__in=["customer", "customer_manager"]).count() == 20
    # History is spread over months, not all "now".
    oldest = Ticket.objects.order_by("created_at").first()
    newest = Ticket.objects.order_by("-created_at").first()
    assert oldest and newest and (newest.created_at - oldest.created_at).days > 60
    for _role, email, password in DEMO_LOGINS:
        assert User.objects.get(email=email).check_password(password)
    assert "admin@ventanilla.local" in capsys.readouterr().out

    call_command("demo")
    assert snapshot() == first


def test_small_demo_still_covers_every_status_and_channel() -> None:
    build_demo(tickets=12)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert Ticket.objects.count() == 12


def test_demo_is_deterministic() -> None:
    build_demo(tickets=30)
    first = list(Ticket.objects.order_by("id").values_list("title", "status", "channel", "requester__email"))
    Ticket.objects.all().delete()
    build_demo(tickets=30)
    second = list(Ticket.objects.order_by("id").values_list("title", "status", "channel", "requester__email"))
    assert first == second
