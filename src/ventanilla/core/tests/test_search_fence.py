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
from django.db import connection, transaction

import ventanilla.core.search as search
from ventanilla.core.permissions import restrict
from ventanilla.core.search import search_tickets
from ventanilla.core.search.expressions import PROBE_ALIAS, NewestWindow
from ventanilla.core.search.schema import WALK_INDEX_COLUMNS
from ventanilla.testing.factories import make_ticket
from ventanilla.tickets.choices import OPEN
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


# PostgreSQL plans (see search_tickets): the planner's estimates of (visible matches, close titles, the
# caller's queryset), and whether it would AND the match's bitmap with a bigger one of the restriction,
# decide between the fence, the fence of candidates looked up among all tickets (for the words, and for
# the typo fallback when the restriction is big), either with a walk of the newest ids first for the typo
# fallback, and for common words the window of newest ids, the walk behind it, or the short walk alone
# (a fenced page of ids walked through the walk index, see walks_index_only).
_FENCE = search.PlanEstimate(0.0)
_CANDIDATES = search.PlanEstimate(0.0, intersection=(10.0, 1e6))
_MANY = search.PlanEstimate(1e9)
# Common words, but in a database of a few dozen tickets: a window of the newest 3-4 ids for a page of 50.
_WINDOWED = search.PlanEstimate(search.FENCE_MAX_ESTIMATE + 1.0)
PLANS = {
    "fence": (_FENCE, _FENCE, _FENCE),
    "fence, walked fallback": (_FENCE, _MANY, _FENCE),
    "candidates": (_CANDIDATES, _FENCE, _MANY),
    "candidates, walked fallback": (_CANDIDATES, _MANY, _MANY),
    "walk": (_MANY, _MANY, _MANY),
    "window": (_WINDOWED, _MANY, _MANY),
    "short walk": (_WINDOWED, _MANY, _MANY),
}
COMMON_WORD_PLANS = {"walk", "window", "short walk"}  # the words matched: no typo fallback


def _force_plan(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``search_tickets`` pick the PostgreSQL plan ``name`` of PLANS, whatever the data."""
    estimates = PLANS[name]
    monkeypatch.setattr(search, "plan_estimates", lambda *qs: list(estimates[: len(qs)]))


@pytest.fixture(params=sorted(PLANS) if POSTGRES else ["fts5"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per PostgreSQL plan, forcing the estimates that select it."""
    if POSTGRES:
        _force_plan(monkeypatch, request.param)
        # Windows however small (in the test database every walk is short), except for the short walk.
        if request.param != "short walk":
            monkeypatch.setattr(NewestWindow, "MIN_WALK", 0)
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
    typo_finds = [own] if POSTGRES and plan not in COMMON_WORD_PLANS else []
    assert newest(attacker, "corrreo lento") == ranked(attacker, "corrreo lento") == typo_finds
    # Ticket numbers of the other organisation, in every form, and paging past every id.
    for t in crowd["others"]:
        assert newest(attacker, str(t.number)) == ranked(attacker, str(t.number)) == []
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
    # A typo corrected to the note's word (a word of some title, so in the typo dictionary) does not
    # reach the note for a customer either.
    titled = make_ticket(personas.customer_a, actor=personas.customer_a, title="Zanahoria morada")
    assert newest(personas.customer_b, "zanahorai") == ranked(personas.customer_b, "zanahorai") == []
    if POSTGRES and plan not in COMMON_WORD_PLANS:
        assert set(newest(personas.manager, "zanahorai")) == {first, titled.pk}


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


@pytest.mark.skipif(not POSTGRES, reason="the ARRAY fence is PostgreSQL's; SQLite matches through FTS5")
def test_candidates_are_fenced_by_the_restricted_queryset(
    personas: Any, crowd: dict[str, list[Ticket]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Candidates first: the words are looked up among all tickets, but only inside a fence whose rows
    # come from the caller's restricted queryset, so the outer query never rests on its filter alone.
    _force_plan(monkeypatch, "candidates")
    user = personas.customer_a
    for order in (False, True):
        sql = str(search_tickets(visible(user), "correo lento", user=user, order=order).query)
        outer, _, fence = sql.partition("= ANY(")
        assert "search_public @@" not in outer
        restricted, _, candidates = fence.partition("ARRAY(SELECT")[2].partition("ARRAY(SELECT")
        assert '"requester_id" =' in restricted and "search_public @@" not in restricted, sql
        assert "search_public @@" in candidates.split("ARRAY(SELECT", 1)[0], sql
    assert newest(user, "correo lento") == ranked(user, "correo lento") == [crowd["own"][0].pk]


@pytest.mark.skipif(not POSTGRES, reason="the ARRAY fence is PostgreSQL's; SQLite matches through FTS5")
def test_an_agents_candidates_are_filtered_by_the_agents_restriction(
    personas: Any, crowd: dict[str, list[Ticket]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Candidates first for a restriction of plain columns (an agent's teams): the restriction is tested
    # on each matching row the text bitmap fetches (a scalar subselect), inside the candidates' query.
    _force_plan(monkeypatch, "candidates")
    agent = personas.agent_1
    crowd_team = Ticket.objects.filter(pk__in=[t.pk for t in crowd["others"]])
    crowd_team.update(team=personas.team_1)
    Ticket.objects.filter(pk=crowd["own"][0].pk).update(team=personas.team_2)
    assert team_ids(agent) == [personas.team_1.pk]
    mine = [t.pk for t in sorted(crowd["others"], key=lambda t: -t.pk)]
    for order in (False, True):
        sql = str(search_tickets(visible(agent), "correo lento", user=agent, order=order).query)
        candidates = sql.partition("= ANY(")[2].partition("ARRAY(SELECT")[2].partition("ARRAY(SELECT")[0]
        assert "search_public @@" in candidates and "(SELECT (((" in candidates, sql
        assert '"team_id" IN' in candidates.partition("(SELECT (((")[2], sql
    assert newest(agent, "correo lento") == mine
    assert sorted(ranked(agent, "correo lento")) == sorted(mine)
    assert search_tickets(visible(agent), "correo lento", user=agent).count() == len(mine)


def test_plan_estimates_read_the_bitmap_and() -> None:
    def bitmap(index: str, rows: float) -> dict[str, Any]:
        return {"Node Type": "Bitmap Index Scan", "Index Name": index, "Plan Rows": rows}

    def plan(text_rows: float, other_rows: float) -> dict[str, Any]:
        text = {
            "Node Type": "BitmapOr",
            "Plan Rows": text_rows,
            "Plans": [
                bitmap("ticket_search_public_gin", text_rows),
                bitmap("ticket_search_notes_gin", 10),
            ],
        }
        team = bitmap("ticket_team_status_idx", other_rows)
        both = {"Node Type": "BitmapAnd", "Plan Rows": 100, "Plans": [text, team]}
        return {"Node Type": "Bitmap Heap Scan", "Plan Rows": 90, "Plans": [both]}

    # An agent's team (150k tickets) ANDed with a few thousand matches: candidates first.
    estimate = search._plan_estimate(plan(5000, 150_000))
    assert estimate.rows == 90 and estimate.intersection == (5000, 150_000)
    assert estimate.candidates_first
    # Too many matches to look up one by one, or a restriction smaller than the match: the planner's way.
    assert not search._plan_estimate(plan(search.CANDIDATE_MAX_ESTIMATE + 1, 1e6)).candidates_first
    assert not search._plan_estimate(plan(500, 40)).candidates_first
    # No BitmapAnd (the match alone, the restriction tested on its rows): nothing to change.
    alone = {
        "Node Type": "Bitmap Heap Scan",
        "Plan Rows": 90,
        "Plans": [bitmap("ticket_search_public_gin", 900)],
    }
    assert not search._plan_estimate(alone).candidates_first


@pytest.mark.skipif(not POSTGRES, reason="typo matching (pg_trgm) is PostgreSQL's")
def test_close_titles_only_when_the_words_match_nothing(
    personas: Any, crowd: dict[str, list[Ticket]], plan: str
) -> None:
    if plan in COMMON_WORD_PLANS:
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


@pytest.fixture
def printers(personas: Any) -> list[Ticket]:
    """Twelve tickets with a common word, alternately organisation A's and B's, newest last."""
    made = []
    for i in range(12):
        customer = personas.customer_a if i % 2 == 0 else personas.customer_b
        made.append(make_ticket(customer, actor=customer, title=f"Impresora atascada {i}"))
        make_ticket(customer, actor=customer, title=f"Pantalla rota {i}")  # in between, no match
    return made


def _force_window(monkeypatch: pytest.MonkeyPatch, page: int, width: int) -> None:
    """Estimates that make NewestWindow look among the newest ``width`` ids for a page of ``page``."""
    newest_id = Ticket.objects.order_by("-id").values_list("pk", flat=True)[0]
    estimate = search.PlanEstimate(NewestWindow.WINDOW_SAFETY * page * newest_id / width)
    monkeypatch.setattr(search, "plan_estimates", lambda *qs: [estimate] * len(qs))
    monkeypatch.setattr(search, "FENCE_MAX_ESTIMATE", 0)  # whatever the estimate: common words
    monkeypatch.setattr(NewestWindow, "MIN_WALK", 0)


@pytest.mark.skipif(not POSTGRES, reason="the window of newest ids is PostgreSQL's")
@pytest.mark.parametrize("width", [1, 3, 7, 40])
def test_newest_window_pages_exactly_like_the_walk(
    personas: Any, printers: list[Ticket], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    # Windows that hold the page, that come short (the walk takes over) and pages past the window: every
    # page, cursor after cursor, is the walk's page, and never another organisation's ticket.
    page = 2
    _force_window(monkeypatch, page, width)
    user = personas.customer_a
    expected = [t.pk for t in reversed(printers) if t.requester_id == user.pk]
    found: list[int] = []
    cursor: dict[str, Any] = {}
    while True:
        qs = search_tickets(visible(user), "impresora", user=user, order=False).filter(**cursor)
        rows = qs.order_by("-id")[:page]
        sql = str(rows.query)
        assert "cardinality(w.ids)" in sql
        if cursor:  # a later page: the window ends at the cursor, not at the newest ticket
            assert any(f'"id" > {cursor["id__lt"] - w} ' in sql for w in (width, width + 1)), sql
        ids = [t.pk for t in rows]
        found += ids
        if len(ids) < page:
            break
        cursor = {"id__lt": ids[-1]}
    assert found == expected
    # A manager sees both organisations: the window interleaves them the same way.
    manager = personas.manager
    assert newest(manager, "impresora") == [t.pk for t in reversed(printers)]
    assert set(ranked(manager, "impresora")) == {t.pk for t in printers[-search.COMMON_RANK_WINDOW :]}


@pytest.mark.skipif(not POSTGRES, reason="the window of newest ids is PostgreSQL's")
def test_newest_window_only_for_pages_newest_first(
    personas: Any, printers: list[Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    _force_window(monkeypatch, 50, 3)
    user = personas.customer_a
    expected = [t.pk for t in reversed(printers) if t.requester_id == user.pk]
    result = search_tickets(visible(user), "impresora", user=user, order=False)
    # A count, the oldest first, a page filtered through a join: the plain condition, the same rows.
    assert result.count() == len(expected)
    oldest = result.order_by("id")[:50]
    assert "cardinality(w.ids)" not in str(oldest.query)
    assert [t.pk for t in oldest] == expected[::-1]
    joined = result.filter(organization__name=personas.org_a.name).order_by("-id")[:50]
    assert "cardinality(w.ids)" not in str(joined.query)
    assert [t.pk for t in joined] == expected
    # An offset page counts the offset in: the window must hold offset + page rows.
    assert [t.pk for t in result.order_by("-id")[2:4]] == expected[2:4]


@pytest.mark.skipif(not POSTGRES, reason="the window of newest ids is PostgreSQL's")
@pytest.mark.parametrize("order", [False, True])
def test_a_page_of_common_words_costs_a_fixed_number_of_queries(
    personas: Any,
    printers: list[Ticket],
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
    order: bool,
) -> None:
    # The EXPLAIN is replaced by forced estimates here; what is left: max(id) for the window, the page.
    _force_window(monkeypatch, 50, 10)  # fewer ids than the fixture made, however few the database holds
    agent = personas.manager
    qs = visible(agent).select_related(*RELATED)
    with django_assert_num_queries(2) as captured:
        result = search_tickets(qs, "impresora", user=agent, order=order)
        page = list((result if order else result.order_by("-id"))[:50])
        for ticket in page:
            _ = (ticket.requester, ticket.organization, ticket.team, ticket.assignee)
    assert {t.pk for t in page} == {t.pk for t in printers}
    sql = captured.captured_queries[1]["sql"]
    assert "cardinality(w.ids)" in sql
    # Relevance ranks the window as an id array, not a semi-join (which PostgreSQL joined to the users
    # by a sequential scan per row).
    assert '"id" IN (SELECT' not in sql


@pytest.mark.skipif(not POSTGRES, reason="the walk index is PostgreSQL's")
def test_the_walk_index_carries_every_column_walks_trust_it_with() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE c.relname = 'ticket_walk_idx'"
        )
        columns = {row[0] for row in cursor.fetchall()}
    assert columns == WALK_INDEX_COLUMNS


@pytest.mark.skipif(not POSTGRES, reason="the walk index is PostgreSQL's")
def test_short_walks_read_who_may_see_from_the_walk_index(
    personas: Any, printers: list[Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Common words whose walk is expected to be short: the page is a fenced walk of ids, the rows'
    # permission columns read from ticket_walk_idx and the text of the visible rows read by id.
    common = search.PlanEstimate(search.FENCE_MAX_ESTIMATE + 1.0)
    monkeypatch.setattr(search, "plan_estimates", lambda *qs: [common] * len(qs))
    user = personas.customer_a
    expected = [t.pk for t in reversed(printers) if t.requester_id == user.pk]
    page = search_tickets(visible(user), "impresora", user=user, order=False).order_by("-id")[:50]
    sql = str(page.query)
    assert PROBE_ALIAS in sql and "cardinality(w.ids)" not in sql
    assert [t.pk for t in page] == expected
    with transaction.atomic(), connection.cursor() as cursor:
        # A table of a few dozen never-vacuumed rows gets a sequential scan or a plain index scan; with
        # only index-only scans left to choose, the walk is one if its shape allows it (the columns).
        for scan in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        assert "Index Only Scan Backward using ticket_walk_idx" in page.explain()
    # A condition the index does not carry (status): the text is tested on the walked row itself.
    open_only = visible(user).filter(status__in=sorted(OPEN))
    filtered = search_tickets(open_only, "impresora", user=user, order=False).order_by("-id")[:50]
    assert PROBE_ALIAS not in str(filtered.query)
    assert [t.pk for t in filtered] == expected


@pytest.mark.skipif(not POSTGRES, reason="typo matching (pg_trgm) is PostgreSQL's")
@pytest.mark.parametrize("filtered", [False, True])
def test_the_typo_walk_finds_the_same_tickets_with_and_without_the_walk_index(
    personas: Any, printers: list[Ticket], monkeypatch: pytest.MonkeyPatch, filtered: bool
) -> None:
    # The typo fallback walks the newest ids: through the walk index when the caller's conditions are
    # its columns, row by row when one is not (status); the same tickets either way, the caller's only.
    _force_plan(monkeypatch, "fence, walked fallback")
    user = personas.customer_a
    expected = [t.pk for t in reversed(printers) if t.requester_id == user.pk]
    queryset = visible(user).filter(status__in=sorted(OPEN)) if filtered else visible(user)
    result = search_tickets(queryset, "impresroa", user=user, order=False).order_by("-id")
    assert (PROBE_ALIAS in str(result.query)) is not filtered
    assert list(result.values_list("pk", flat=True)) == expected
