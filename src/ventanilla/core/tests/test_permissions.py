"""The permission engine itself: fail closed, 404 for the forbidden, one rule per model."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from ventanilla.core.models import ChangeLogEntry, Heartbeat
from ventanilla.core.permissions import _rules, can, get_restricted_or_404, restrict
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_model_without_rule_is_invisible_even_to_admins(personas):
    Heartbeat.objects.create(name="beat", seen_at="2026-01-01T00:00:00Z")
    assert Heartbeat not in _rules and ChangeLogEntry not in _rules
    assert not restrict(Heartbeat.objects.all(), personas.admin).exists()
    assert not restrict(ChangeLogEntry.objects.all(), personas.admin).exists()


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_no_user_sees_nothing(personas, user):
    make_ticket(personas.customer_a, actor=personas.customer_a)
    assert not restrict(Ticket.objects.all(), user).exists()


def test_inactive_admin_sees_nothing(personas):
    make_ticket(personas.customer_a, actor=personas.customer_a)
    personas.admin.is_active = False
    assert not restrict(Ticket.objects.all(), personas.admin).exists()


def test_restrict_keeps_callers_filters(personas):
    mine = make_ticket(personas.customer_a, actor=personas.customer_a, title="mine")
    make_ticket(personas.customer_a, actor=personas.customer_a, title="other")
    make_ticket(personas.customer_b, actor=personas.customer_b, title="mine")
    qs = restrict(Ticket.objects.filter(title="mine"), personas.customer_a)
    assert list(qs) == [mine]


def test_get_restricted_or_404(personas):
    mine = make_ticket(personas.customer_a, actor=personas.customer_a)
    assert get_restricted_or_404(Ticket.objects.all(), personas.customer_a, pk=mine.pk) == mine
    for lookup in ({"pk": mine.pk + 1000}, {"pk": "abc"}, {"pk": None}):
        with pytest.raises(Http404):
            get_restricted_or_404(Ticket.objects.all(), personas.customer_a, **lookup)
    with pytest.raises(Http404):
        get_restricted_or_404(Ticket.objects.all(), personas.customer_b, pk=mine.pk)
    with pytest.raises(Http404):  # visible, but the action is not allowed: still 404, no existence leak
        get_restricted_or_404(Ticket.objects.all(), personas.customer_a, "assign", pk=mine.pk)


def test_can_is_one_query(personas, django_assert_num_queries):
    ticket = make_ticket(personas.customer_a, actor=personas.customer_a)
    user = type(personas.customer_a).objects.select_related("organization").get(pk=personas.customer_a.pk)
    with django_assert_num_queries(1):
        assert can(user, "view", ticket)
