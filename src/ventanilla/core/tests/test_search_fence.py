"""The search fence: the match is computed inside the caller's restricted queryset, on both backends.

On PostgreSQL ``search_tickets`` emits ``id = ANY(ARRAY(SELECT id FROM <restricted queryset> WHERE
<match>))`` (docs/adr/0002-search.md). These tests pin what must never change with it: an outsider never
gets another organisation's ticket out of it, in either order, at any page, through any of the plans
``search_tickets`` picks; relevance ranks the newest matches *the searcher may see*; and a page of
results costs a fixed number of queries (the page, plus one EXPLAIN on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

import ventanilla.core.search as search
from ventanilla.core.permissions import restrict
from ventanilla.core.search import search_tickets
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.models import Ticket
from ventanilla.tickets.rules import team_ids
from ventanilla.tickets.services import add_comment, set_watchers

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
RELATED = ("requester", "organization", "team", "assignee")


def visible(user: Any) -> Any:
    return restrict(Ticket.objects.all(), user, "view")


def newest(user: Any, query: str, **filters: Any) -> list[int]:
    qs = search_tickets(visible(user), query, user=user, order=False).filter(**filters).order_by("-id")
    return list(qs.values_list("pk", flat=True))


def ranked(user: Any, query: str) -> list[int]:
    return list(search_tickets(visible(user), query, user=user).values_list("pk", flat=True))


@pytest.fixture
def crowd(personas: Any) -> dict[str, list[Ticket]]:
    """One ticket of organisation A, then a crowd of newer org B tickets with the same words."""
    p = personas
    own = make_ticket(
        p.customer_a, actor=p.customer_a, title="Correo lento desde ayer", description="Outlook"
    )
    others = [
        make_ticket(
            p.customer_b, actor=p.customer_b, title=f"Correo lento {i}", description="Outlook va lento"
        )
        for i in range(4)
    ]
    # Words that only another organisation's ticket has, in a public reply and in an internal note.
    add_comment(actor=p.agent_1, ticket=others[0], body="Buzón de Globex casi lleno", public=True)
    add_comment(actor=p.agent_1, ticket=others[0], body="Cuota zanahoria del buzón", public=False)
    return {"own": [own], "others": others}


# PostgreSQL plans (see search_tickets): the planner's estimates of (visible matches, close titles)
# decide between the fence, the fence with a walked typo fallback, and the plain walk for common words.
PLANS = {"fence": (0.0, 0.0), "fence, walked fallback": (0.0, 1e9), "walk": (1e9, 1e9)}


@pytest.fixture(params=sorted(PLANS) if POSTGRES else ["fts5"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per PostgreSQL plan, forcing the estimates that select it."""
    if POSTGRES:
        estimates = PLANS[request.param]
        monkeypatch.setattr(search, "estimated_rows", lambda *qs: list(estimates[: len(qs)]))
    return str(request.param)


@pytest.mark.parametrize("window", [2, 500])
def test_attacker_never_gets_another_organisations_ticket(
    personas: Any, crowd: dict[str, list[Ticket]], monkeypatch: pytest.MonkeyPatch, window: int, plan: str
) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", window)
    monkeypatch.setattr(search, "COMMON_RANK_WINDOW", window)
    own = crowd["own"][0].pk
    foreign = [t.pk for t in crowd["others"]]
    attacker = personas.customer_a
    # Words of both organisations, words only the other one has, and a typo of the other's title.
    for query in (
        "correo lento",
        "outlook",
        "lento",
        "buzón",
        "globex",
        "zanahoria",
        "correo",
        "corrreo lento",
    ):
        for ids in (newest(attacker, query), ranked(attacker, query)):
            assert not set(ids) & set(foreign), query
    # Not vacuous: the attacker does find their own ticket by the shared words (and, through the typo
    # fallback, by a misspelling — except on SQLite and in the common-words walk, which have none).
    assert newest(attacker, "correo lento") == ranked(attacker, "correo lento") == [own]
    typo_finds = [own] if POSTGRES and plan != "walk" else []
    assert newest(attacker, "corrreo lento") == ranked(attacker, "corrreo lento") == typo_finds
    # Ticket numbers of the other organisation, in every form, and paging past every id.
    for t in crowd["others"]:
        assert newest(attacker, t.number) == ranked(attacker, t.number) == []
        assert newest(attacker, str(t.pk)) == []
    assert newest(attacker, "correo", id__lt=max(foreign) + 1) == [own]
    assert search_tickets(visible(attacker), "correo lento", user=attacker).count() == 1
    # A narrower queryset than the rule (org A only) stays narrow for a manager who sees everything.
    narrowed = restrict(Ticket.objects.filter(organization=personas.org_a), personas.manager, "view")
    assert list(
        search_tickets(narrowed, "correo lento", user=personas.manager).values_list("pk", flat=True)
    ) == [own]


def test_relevance_window_is_taken_from_what_the_searcher_sees(
    personas: Any, crowd: dict[str, list[Ticket]], monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    # Four newer org B matches would fill a window of 2 taken from every ticket; the customer's own older
    # ticket must still be found, because the window is cut from the restricted queryset.
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    monkeypatch.setattr(search, "COMMON_RANK_WINDOW", 2)
    assert ranked(personas.customer_a, "correo lento") == [crowd["own"][0].pk]
    assert len(ranked(personas.customer_b, "correo lento")) == 2  # only the newest 2 are ranked
    assert set(ranked(personas.customer_b, "correo lento")) == {t.pk for t in crowd["others"][-2:]}
    # Newest-first is not windowed: every match, for paging.
    assert newest(personas.customer_b, "correo lento") == [t.pk for t in reversed(crowd["others"])]


def test_watcher_restriction_inside_the_fence(
    personas: Any, crowd: dict[str, list[Ticket]], plan: str
) -> None:
    # A colleague sees an organisation ticket only as a watcher (a correlated EXISTS in the restriction,
    # which has to keep working once the restricted queryset is nested inside the fence).
    own = crowd["own"][0]
    assert newest(personas.colleague_a, "correo lento") == []
    set_watchers(actor=personas.agent_1, ticket=own, add=[personas.colleague_a])
    assert newest(personas.colleague_a, "correo lento") == [own.pk]
    assert ranked(personas.colleague_a, "correo lento") == [own.pk]


def test_notes_stay_staff_only_inside_the_fence(
    personas: Any, crowd: dict[str, list[Ticket]], plan: str
) -> None:
    first = crowd["others"][0].pk
    assert newest(personas.customer_b, "zanahoria") == []
    assert ranked(personas.customer_b, "zanahoria") == []
    assert newest(personas.customer_b, "buzón") == [first]
    assert newest(personas.manager, "zanahoria") == ranked(personas.manager, "zanahoria") == [first]


@pytest.mark.parametrize("order", [False, True])
def test_a_page_of_results_costs_a_fixed_number_of_queries(
    personas: Any, crowd: dict[str, list[Ticket]], django_assert_num_queries: Any, order: bool
) -> None:
    # SQLite: the page. PostgreSQL: one EXPLAIN (planning only) for the estimates, then the page.
    agent = personas.manager
    team_ids(agent)  # memoised per request, as in views
    qs = visible(agent).select_related(*RELATED)
    with django_assert_num_queries(2 if POSTGRES else 1) as captured:
        result = search_tickets(qs, "correo lento", user=agent, order=order)
        page = list((result if order else result.order_by("-id"))[:50])
        for ticket in page:  # related rows come with the page
            _ = (ticket.requester, ticket.organization, ticket.team, ticket.assignee)
    assert len(page) == 5
    if POSTGRES:
        assert captured.captured_queries[0]["sql"].startswith("EXPLAIN (FORMAT JSON)")
        assert "ARRAY(SELECT" in captured.captured_queries[1]["sql"]


@pytest.mark.skipif(not POSTGRES, reason="the ARRAY fence is PostgreSQL's; SQLite matches through FTS5")
def test_postgresql_fences_the_restricted_match(personas: Any, crowd: dict[str, list[Ticket]]) -> None:
    user = personas.customer_a
    for order in (False, True):
        sql = str(search_tickets(visible(user), "correo lento", user=user, order=order).query)
        outer, _, fence = sql.partition("= ANY(")
        assert "ARRAY(SELECT" in fence, sql
        # The match is only inside the fence, next to the permission restriction; not in the outer query.
        assert "search_public @@" in fence and "search_public @@" not in outer
        assert '"requester_id" =' in outer
        # The words' array (the first one) is cut from the restricted queryset: its WHERE starts with
        # the customer's restriction, ahead of the match.
        words_array = fence.split("ARRAY(SELECT", 1)[1].split("search_public @@", 1)[0]
        assert '"requester_id" =' in words_array, sql
    qs = search_tickets(visible(user), "correo lento", user=user, order=False).order_by("-id")[:50]
    assert "InitPlan" in qs.explain()


@pytest.mark.skipif(not POSTGRES, reason="typo matching (pg_trgm) is PostgreSQL's")
def test_close_titles_only_when_the_words_match_nothing(
    personas: Any, crowd: dict[str, list[Ticket]], plan: str
) -> None:
    if plan == "walk":
        return  # common words: no typo fallback at all
    own = crowd["own"][0].pk
    # A typo finds the close title (all of them, or the newest FUZZY_WINDOW when they are many)...
    assert (
        newest(personas.customer_a, "corrreo lentto")
        == ranked(personas.customer_a, "corrreo lentto")
        == [own]
    )
    # ... but once the words match something, close titles are not added to the matches.
    typo_title = make_ticket(personas.customer_a, actor=personas.customer_a, title="Outlok no abre")
    # "outlook" is close to that title (word similarity 0.67) but is a word of `own`'s description.
    assert newest(personas.customer_a, "outlook") == [own]
    assert newest(personas.customer_a, "outlok") == [typo_title.pk]
    assert newest(personas.customer_a, "outlokk") == [typo_title.pk]  # nothing matches: close titles


def test_estimates_come_from_one_explain(personas: Any, crowd: dict[str, list[Ticket]]) -> None:
    if not POSTGRES:
        return
    qs = visible(personas.manager)
    from ventanilla.core.search.expressions import TicketMatch, TitleSimilar

    words = qs.filter(TicketMatch(("correo",), True, fuzzy=False))
    titles = qs.filter(TitleSimilar(("correo",), True))
    estimates = search.estimated_rows(words, titles)
    assert len(estimates) == 2 and all(e >= 1 for e in estimates)
    assert search.estimated_rows(qs.none()) == [0.0]
