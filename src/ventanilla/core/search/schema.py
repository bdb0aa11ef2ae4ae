"""The database side of ticket search: index storage and the triggers that keep it in step.

The index is maintained by **database triggers**, not by Django signals, because the ticket services write
with ``QuerySet.update()`` (conditional writes, merges that move comments) which fires no signal. A trigger
sees every write — service, bulk load, raw SQL — so the index cannot drift.

PostgreSQL: two hidden ``tsvector`` columns on ``tickets_ticket`` (unknown to the Django model on purpose,
so no query ever selects them by accident), each GIN-indexed, plus a trigram GIN index on the title:

* ``search_public`` — title (weight A), description (B) and public comments (C), in ``spanish`` and
  ``english``. What a customer may search.
* ``search_notes`` — NULL unless the ticket has internal notes; then ``search_public`` plus the notes (D).
  An agent's condition is ``search_public @@ q OR search_notes @@ q``: two GIN index scans OR-ed in a
  bitmap, and a query whose words are split between a reply and a note still matches.

PostgreSQL also keeps a dictionary of title words (``ticket_search_word``) for typos: see
``PG_WORDS_INSTALL``.

SQLite: an FTS5 table ``ticket_search_fts`` (rowid = ticket id; columns title, description, comments,
notes). Customers' MATCH is limited to the first three columns with an FTS5 column filter.

Changing anything here needs a new migration that applies the change: the first migration calls
:func:`install` with the definitions of this module.
"""

from __future__ import annotations

from typing import Any

from ventanilla.core.sql import run_statements

# Long texts are cut before indexing: a tsvector is limited to 1 MB and a pasted log is no search material.
MAX_INDEXED_CHARS = 100_000

# Accent-insensitive copies of the built-in configurations: people type "telefono" for "teléfono".
PG_CONFIGS = {
    "ventanilla_spanish": ("spanish", "spanish_stem"),
    "ventanilla_english": ("english", "english_stem"),
}

# The GIN indexes of the text (the planner's bitmaps of a match come from these).
SEARCH_INDEXES = frozenset({"ticket_search_public_gin", "ticket_search_notes_gin"})

# Comments reindex their tickets once per statement: a batch of mail adds hundreds of comments in one
# INSERT, and one UPDATE of the tickets it touched costs a third of one UPDATE per comment (planning, a
# function call and an index round each). Transition tables cannot be combined with a column list or
# several events, so an edit (rare) keeps the row trigger.
PG_COMMENT_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION ventanilla_comment_search_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- The inserted rows, or the deleted ones: both triggers give their transition table this name.
        UPDATE tickets_ticket t
           SET (search_public, search_notes) = (
               SELECT v.v_public, v.v_notes
                 FROM ventanilla_ticket_search_vectors(t.id, t.title, t.description) v)
         WHERE t.id IN (SELECT ticket_id FROM ventanilla_changed_comments);
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS comment_search ON tickets_comment",
    "DROP TRIGGER IF EXISTS comment_search_insert ON tickets_comment",
    "DROP TRIGGER IF EXISTS comment_search_delete ON tickets_comment",
    "CREATE TRIGGER comment_search AFTER UPDATE OF body, public, ticket_id "
    "ON tickets_comment FOR EACH ROW EXECUTE FUNCTION ventanilla_comment_search_trigger()",
    "CREATE TRIGGER comment_search_insert AFTER INSERT ON tickets_comment "
    "REFERENCING NEW TABLE AS ventanilla_changed_comments "
    "FOR EACH STATEMENT EXECUTE FUNCTION ventanilla_comment_search_statement()",
    "CREATE TRIGGER comment_search_delete AFTER DELETE ON tickets_comment "
    "REFERENCING OLD TABLE AS ventanilla_changed_comments "
    "FOR EACH STATEMENT EXECUTE FUNCTION ventanilla_comment_search_statement()",
]

# What PG_COMMENT_TRIGGERS replaced (migration tickets/0006 going backwards).
PG_COMMENT_TRIGGERS_BY_ROW = [
    "DROP TRIGGER IF EXISTS comment_search_insert ON tickets_comment",
    "DROP TRIGGER IF EXISTS comment_search_delete ON tickets_comment",
    "DROP FUNCTION IF EXISTS ventanilla_comment_search_statement()",
    "DROP TRIGGER IF EXISTS comment_search ON tickets_comment",
    "CREATE TRIGGER comment_search AFTER INSERT OR DELETE OR UPDATE OF body, public, ticket_id "
    "ON tickets_comment FOR EACH ROW EXECUTE FUNCTION ventanilla_comment_search_trigger()",
]

PG_INSTALL = [
    *(
        stmt
        for name, (base, stem) in PG_CONFIGS.items()
        for stmt in (
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}",
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {stem}",
        )
    ),
    "ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS search_public tsvector, "
    "ADD COLUMN IF NOT EXISTS search_notes tsvector",
    f"""
    CREATE OR REPLACE FUNCTION ventanilla_search_text(body text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(
            to_tsvector('ventanilla_spanish'::regconfig, left(coalesce(body, ''), {MAX_INDEXED_CHARS}))
            || to_tsvector('ventanilla_english'::regconfig, left(coalesce(body, ''), {MAX_INDEXED_CHARS})),
            weight)
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION ventanilla_ticket_search_vectors(
        p_id bigint, p_title text, p_description text, OUT v_public tsvector, OUT v_notes tsvector)
    LANGUAGE plpgsql STABLE AS $$
    DECLARE
        public_text text;
        note_text text;
    BEGIN
        v_public := ventanilla_search_text(p_title, 'A') || ventanilla_search_text(p_description, 'B');
        SELECT left(string_agg(body, ' ' ORDER BY id) FILTER (WHERE public), {MAX_INDEXED_CHARS}),
               left(string_agg(body, ' ' ORDER BY id) FILTER (WHERE NOT public), {MAX_INDEXED_CHARS})
          INTO public_text, note_text
          FROM tickets_comment WHERE ticket_id = p_id;
        IF public_text IS NOT NULL THEN
            v_public := v_public || ventanilla_search_text(public_text, 'C');
        END IF;
        v_notes := CASE WHEN note_text IS NULL THEN NULL
                        ELSE v_public || ventanilla_search_text(note_text, 'D') END;
    END $$
    """,  # noqa: S608 - only module constants are interpolated
    """
    CREATE OR REPLACE FUNCTION ventanilla_ticket_search_reindex(p_id bigint) RETURNS void
    LANGUAGE sql AS $$
        UPDATE tickets_ticket t
           SET (search_public, search_notes) = (
               SELECT v.v_public, v.v_notes
                 FROM ventanilla_ticket_search_vectors(t.id, t.title, t.description) v)
         WHERE t.id = p_id
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION ventanilla_ticket_search_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            -- A new ticket has no comments yet: skip the comment lookup (keeps bulk loads fast).
            NEW.search_public := ventanilla_search_text(NEW.title, 'A')
                                 || ventanilla_search_text(NEW.description, 'B');
            NEW.search_notes := NULL;
        ELSE
            SELECT v.v_public, v.v_notes INTO NEW.search_public, NEW.search_notes
              FROM ventanilla_ticket_search_vectors(NEW.id, NEW.title, NEW.description) v;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION ventanilla_comment_search_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN
            PERFORM ventanilla_ticket_search_reindex(NEW.ticket_id);
        END IF;
        IF TG_OP = 'DELETE' OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id THEN
            PERFORM ventanilla_ticket_search_reindex(OLD.ticket_id);
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS ticket_search_insert ON tickets_ticket",
    "CREATE TRIGGER ticket_search_insert BEFORE INSERT ON tickets_ticket "
    "FOR EACH ROW EXECUTE FUNCTION ventanilla_ticket_search_trigger()",
    "DROP TRIGGER IF EXISTS ticket_search_update ON tickets_ticket",
    # Most writes (status, assignment, version bumps) leave the text alone and must not pay for indexing.
    "CREATE TRIGGER ticket_search_update BEFORE UPDATE OF title, description ON tickets_ticket "
    "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title "
    "OR OLD.description IS DISTINCT FROM NEW.description) "
    "EXECUTE FUNCTION ventanilla_ticket_search_trigger()",
    *PG_COMMENT_TRIGGERS,
    # Backfill rows that existed before the index did.
    "UPDATE tickets_ticket t SET (search_public, search_notes) = ("
    "SELECT v.v_public, v.v_notes FROM ventanilla_ticket_search_vectors(t.id, t.title, t.description) v) "
    "WHERE t.search_public IS NULL",
    # Detailed word statistics: with the default target PostgreSQL misjudges rare words and walks the
    # table in id order looking for them (3.6 s instead of 65 ms at 1M tickets, measured).
    "ALTER TABLE tickets_ticket ALTER COLUMN search_public SET STATISTICS 1000, "
    "ALTER COLUMN search_notes SET STATISTICS 1000",
    "CREATE INDEX IF NOT EXISTS ticket_search_public_gin ON tickets_ticket USING gin (search_public)",
    "CREATE INDEX IF NOT EXISTS ticket_search_notes_gin ON tickets_ticket USING gin (search_notes)",
    "CREATE INDEX IF NOT EXISTS ticket_title_trgm ON tickets_ticket USING gin (title gin_trgm_ops)",
]

# The typo dictionary (PostgreSQL; migration tickets/0005): the distinct words of ticket titles, lower case
# and without accents, with a trigram index. A search whose words match nothing replaces each word by
# itself or the closest dictionary words and searches again (see query.pg_corrected_tsquery): checking a
# word list of a few thousand entries costs about a millisecond, whereas comparing the query with each
# title (pg_trgm on the titles themselves) costs ~20 µs a ticket. Words are only ever added (a renamed or
# deleted title leaves its words behind, which at worst suggests a correction that finds nothing).
# No unique constraint on purpose: ``ON CONFLICT`` would make two transactions adding the same new word
# wait for each other (and could deadlock long mail batches); a rare duplicate row is harmless.
TITLE_WORD_MIN_LENGTH = 3
TITLE_WORD_MAX_LENGTH = 40

PG_WORDS_INSTALL = [
    "CREATE TABLE IF NOT EXISTS ticket_search_word (word text NOT NULL)",
    f"""
    CREATE OR REPLACE FUNCTION ventanilla_title_words(title text) RETURNS SETOF text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT DISTINCT w
          FROM regexp_split_to_table(lower(unaccent(coalesce(title, ''))), '[^[:alnum:]]+') w
         WHERE length(w) BETWEEN {TITLE_WORD_MIN_LENGTH} AND {TITLE_WORD_MAX_LENGTH} AND w !~ '^[0-9]+$'
    $$
    """,  # noqa: S608 - only module constants are interpolated
    # Typo correction: each term the dictionary does not know is OR-ed with up to ``per_term`` of its
    # closest words (pg_trgm similarity >= pg_trgm.similarity_threshold, 0.3 by default); known words stay
    # as typed (correcting "correo" to "corte" would only add noise). Terms and dictionary words are
    # letters and digits only, so the " | "-joined text is a safe to_tsquery input.
    """
    CREATE OR REPLACE FUNCTION ventanilla_corrected_tsquery(terms text[], per_term integer)
    RETURNS tsquery LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
    DECLARE
        term text;
        plain text;
        alternatives text;
        alternative tsquery;
        result tsquery;
    BEGIN
        FOREACH term IN ARRAY terms LOOP
            plain := unaccent(term);
            alternatives := term;
            IF NOT EXISTS (SELECT 1 FROM ticket_search_word WHERE word = plain) THEN
                SELECT array_to_string(term || ARRAY(
                           SELECT d.word FROM (SELECT DISTINCT word FROM ticket_search_word
                                                WHERE word % plain) d
                            ORDER BY d.word <-> plain, d.word LIMIT per_term), ' | ')
                  INTO alternatives;
            END IF;
            alternative := to_tsquery('ventanilla_spanish'::regconfig, alternatives)
                           || to_tsquery('ventanilla_english'::regconfig, alternatives);
            result := CASE WHEN result IS NULL THEN alternative ELSE result && alternative END;
        END LOOP;
        RETURN result;
    END $$
    """,
    # New tickets: once per statement over all its rows, so a batch (create_tickets, imports, COPY) pays
    # one lookup per distinct word, not per ticket.
    """
    CREATE OR REPLACE FUNCTION ventanilla_ticket_words_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ticket_search_word (word)
        SELECT DISTINCT w.w FROM new_tickets t, ventanilla_title_words(t.title) AS w(w)
         WHERE NOT EXISTS (SELECT 1 FROM ticket_search_word s WHERE s.word = w.w);
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION ventanilla_ticket_words_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO ticket_search_word (word)
        SELECT w.w FROM ventanilla_title_words(NEW.title) AS w(w)
         WHERE NOT EXISTS (SELECT 1 FROM ticket_search_word s WHERE s.word = w.w);
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS ticket_search_words_insert ON tickets_ticket",
    "CREATE TRIGGER ticket_search_words_insert AFTER INSERT ON tickets_ticket "
    "REFERENCING NEW TABLE AS new_tickets FOR EACH STATEMENT "
    "EXECUTE FUNCTION ventanilla_ticket_words_insert()",
    # Title edits are rare; status changes, assignments and the like do not fire this.
    "DROP TRIGGER IF EXISTS ticket_search_words_update ON tickets_ticket",
    "CREATE TRIGGER ticket_search_words_update AFTER UPDATE OF title ON tickets_ticket "
    "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) "
    "EXECUTE FUNCTION ventanilla_ticket_words_update()",
    "CREATE INDEX IF NOT EXISTS ticket_search_word_word ON ticket_search_word (word)",
    "CREATE INDEX IF NOT EXISTS ticket_search_word_trgm ON ticket_search_word USING gin (word gin_trgm_ops)",
    # Backfill from the existing titles.
    "INSERT INTO ticket_search_word (word) SELECT DISTINCT w.w FROM tickets_ticket t, "
    "ventanilla_title_words(t.title) AS w(w) WHERE NOT EXISTS (SELECT 1 FROM ticket_search_word)",
    "ANALYZE ticket_search_word",
]

# Walks of the newest tickets (common words, the typo fallback) test who may see a row from this index
# alone — an index-only scan backward, no heap page for the rows the caller may not see — and read the
# text of the visible rows only (expressions.walks_index_only; docs/adr/0002-search.md "Index-only
# walks"). WALK_INDEX_COLUMNS are the index's columns, which that check trusts it with.
# The columns are those of the permission rules (agents: team, assignee; customers: requester,
# organisation). Every one of them is indexed already, so updates that were HOT stay HOT. Autovacuum
# after 1 % of the rows were inserted or changed (defaults: 20 %) keeps the visibility map of all but the
# newest tickets fresh: a page not marked all-visible costs the walk a heap visit per row (then it is
# 15 % slower than without the index, ADR 0002 "Index-only walks").
WALK_INDEX_COLUMNS = frozenset({"id", "team_id", "assignee_id", "requester_id", "organization_id"})
PG_WALK_INDEX_INSTALL = [
    "CREATE INDEX IF NOT EXISTS ticket_walk_idx ON tickets_ticket (id) "
    "INCLUDE (team_id, assignee_id, requester_id, organization_id)",
    "ALTER TABLE tickets_ticket SET (autovacuum_vacuum_insert_scale_factor = 0.01, "
    "autovacuum_vacuum_scale_factor = 0.01)",
]

PG_WALK_INDEX_UNINSTALL = [
    "ALTER TABLE tickets_ticket RESET "
    "(autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_scale_factor)",
    "DROP INDEX IF EXISTS ticket_walk_idx",
]

PG_WORDS_UNINSTALL = [
    "DROP TRIGGER IF EXISTS ticket_search_words_update ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_search_words_insert ON tickets_ticket",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_words_update()",
    "DROP FUNCTION IF EXISTS ventanilla_corrected_tsquery(text[], integer)",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_words_insert()",
    "DROP FUNCTION IF EXISTS ventanilla_title_words(text)",
    "DROP TABLE IF EXISTS ticket_search_word",
]

PG_WORDS_REBUILD = [
    "TRUNCATE ticket_search_word",
    "INSERT INTO ticket_search_word (word) SELECT DISTINCT w.w FROM tickets_ticket t, "
    "ventanilla_title_words(t.title) AS w(w)",
]

PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS comment_search ON tickets_comment",
    "DROP TRIGGER IF EXISTS comment_search_insert ON tickets_comment",
    "DROP TRIGGER IF EXISTS comment_search_delete ON tickets_comment",
    "DROP FUNCTION IF EXISTS ventanilla_comment_search_statement()",
    "DROP TRIGGER IF EXISTS ticket_search_update ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_search_insert ON tickets_ticket",
    "DROP FUNCTION IF EXISTS ventanilla_comment_search_trigger()",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_search_trigger()",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_search_reindex(bigint)",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_search_vectors(bigint, text, text)",
    'DROP FUNCTION IF EXISTS ventanilla_search_text(text, "char")',
    "DROP INDEX IF EXISTS ticket_title_trgm",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_public, DROP COLUMN IF EXISTS search_notes",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in PG_CONFIGS),
]

# SQLite: the comment columns are rebuilt from the comments table, so a moved or edited comment is right.
_SQLITE_COMMENTS = """
    UPDATE ticket_search_fts SET
        comments = (SELECT coalesce(group_concat(body, ' '), '') FROM tickets_comment
                     WHERE ticket_id = {ref}.ticket_id AND public),
        notes = (SELECT coalesce(group_concat(body, ' '), '') FROM tickets_comment
                  WHERE ticket_id = {ref}.ticket_id AND NOT public)
     WHERE rowid = {ref}.ticket_id;
"""

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search_fts USING fts5("
    "title, description, comments, notes, tokenize = 'unicode61 remove_diacritics 2')"
)

# Triggers are also (re)created after every migrate: SQLite's table rebuild (ALTER of a column) drops them.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ticket_search_ai AFTER INSERT ON tickets_ticket BEGIN "
    "INSERT INTO ticket_search_fts (rowid, title, description, comments, notes) "
    "VALUES (new.id, new.title, new.description, '', ''); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_search_au AFTER UPDATE OF title, description ON tickets_ticket "
    "WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN "
    "UPDATE ticket_search_fts SET title = new.title, description = new.description WHERE rowid = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS ticket_search_ad AFTER DELETE ON tickets_ticket BEGIN "
    "DELETE FROM ticket_search_fts WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS comment_search_ai AFTER INSERT ON tickets_comment BEGIN "
    + _SQLITE_COMMENTS.format(ref="new")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS comment_search_au "
    "AFTER UPDATE OF body, public, ticket_id ON tickets_comment BEGIN "
    + _SQLITE_COMMENTS.format(ref="new")
    + _SQLITE_COMMENTS.format(ref="old")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS comment_search_ad AFTER DELETE ON tickets_comment BEGIN "
    + _SQLITE_COMMENTS.format(ref="old")
    + " END",
]

SQLITE_REBUILD = [
    "DELETE FROM ticket_search_fts",
    "INSERT INTO ticket_search_fts (rowid, title, description, comments, notes) "
    "SELECT t.id, t.title, t.description, "
    "coalesce((SELECT group_concat(body, ' ') FROM tickets_comment c "
    "WHERE c.ticket_id = t.id AND c.public), ''), "
    "coalesce((SELECT group_concat(body, ' ') FROM tickets_comment c "
    "WHERE c.ticket_id = t.id AND NOT c.public), '') "
    "FROM tickets_ticket t",
]

SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS ticket_search_ai",
    "DROP TRIGGER IF EXISTS ticket_search_au",
    "DROP TRIGGER IF EXISTS ticket_search_ad",
    "DROP TRIGGER IF EXISTS comment_search_ai",
    "DROP TRIGGER IF EXISTS comment_search_au",
    "DROP TRIGGER IF EXISTS comment_search_ad",
    "DROP TABLE IF EXISTS ticket_search_fts",
]


def _run_on_postgresql(connection: Any, statements: list[str]) -> None:
    """The parts that exist on PostgreSQL only (SQLite has no equivalent, or needs none)."""
    if connection.vendor == "postgresql":
        run_statements(connection, statements)


def install(connection: Any) -> None:
    """Create the index, its triggers, and fill it from the existing tickets (idempotent)."""
    if connection.vendor == "postgresql":
        run_statements(connection, PG_INSTALL)
    elif connection.vendor == "sqlite":
        run_statements(connection, [SQLITE_TABLE, *SQLITE_TRIGGERS, *SQLITE_REBUILD])


def install_comment_triggers(connection: Any) -> None:
    """Comments reindex their tickets once per statement (PostgreSQL; SQLite's triggers are per row)."""
    _run_on_postgresql(connection, PG_COMMENT_TRIGGERS)


def uninstall_comment_triggers(connection: Any) -> None:
    _run_on_postgresql(connection, PG_COMMENT_TRIGGERS_BY_ROW)


def install_words(connection: Any) -> None:
    """Create the typo dictionary of title words and its triggers, filled from the titles (PostgreSQL)."""
    _run_on_postgresql(connection, PG_WORDS_INSTALL)


def uninstall_words(connection: Any) -> None:
    _run_on_postgresql(connection, PG_WORDS_UNINSTALL)


def install_walk_index(connection: Any) -> None:
    """The covering index of the permission columns that newest-first walks read (PostgreSQL)."""
    _run_on_postgresql(connection, PG_WALK_INDEX_INSTALL)


def uninstall_walk_index(connection: Any) -> None:
    _run_on_postgresql(connection, PG_WALK_INDEX_UNINSTALL)


def uninstall(connection: Any) -> None:
    if connection.vendor == "postgresql":
        run_statements(connection, PG_UNINSTALL)
    elif connection.vendor == "sqlite":
        run_statements(connection, SQLITE_UNINSTALL)


def ensure_triggers(connection: Any) -> None:
    """Recreate SQLite triggers that a table rebuild dropped (PostgreSQL keeps them across ALTER TABLE)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'ticket_search_fts'")
        if cursor.fetchone() is None:
            return  # not migrated that far yet
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
            "('ticket_search_ai', 'ticket_search_au', 'ticket_search_ad', "
            "'comment_search_ai', 'comment_search_au', 'comment_search_ad')"
        )
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return
    # Rows written while a trigger was missing may be stale: rebuild the whole index with the triggers.
    run_statements(connection, [*SQLITE_TRIGGERS, *SQLITE_REBUILD])


def rebuild(connection: Any) -> None:
    """Recompute the whole index (after a bulk load with triggers disabled, or to repair it)."""
    if connection.vendor == "postgresql":
        run_statements(
            connection,
            [
                "UPDATE tickets_ticket t SET (search_public, search_notes) = (SELECT v.v_public, v.v_notes "
                "FROM ventanilla_ticket_search_vectors(t.id, t.title, t.description) v)",
                *PG_WORDS_REBUILD,
            ],
        )
    elif connection.vendor == "sqlite":
        run_statements(connection, SQLITE_REBUILD)
