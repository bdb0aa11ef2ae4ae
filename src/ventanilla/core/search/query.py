"""Turning what a person typed into a safe query for each backend.

User input never reaches a query language as syntax: it is cut into words (letters and digits only), and
each word is passed as a bound parameter (PostgreSQL) or as a double-quoted FTS5 string (SQLite). Quotes,
``AND``/``OR``/``NEAR(``, ``*`` and the like are therefore just text or dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ventanilla.tickets.choices import NUMBER_PREFIX

MAX_TERMS = 8
MAX_TERM_LENGTH = 60
# Prefix matching on very short words would walk a large part of the index for little benefit.
MIN_PREFIX_LENGTH = 3
MIN_STEM_LENGTH = 4
# Typo correction (PostgreSQL): each word may also be read as this many of the closest title words.
CORRECTIONS_PER_TERM = 3

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"^\s*(?:(?P<prefix>[A-Za-z]{3})-?)?(?P<digits>\d{1,12})\s*$")
# Query-side stemming for SQLite (FTS5 ships no Spanish stemmer): strip one common inflectional ending and
# search the rest as a prefix. Longest endings first. Over-matching a little is better than missing.
_SUFFIXES = (
    "aciones",
    "iciones",
    "amente",
    "ations",
    "mente",
    "acion",
    "ación",
    "ition",
    "ings",
    "ness",
    "ing",
    "ers",
    "ies",
    "ied",
    "ion",
    "ión",
    "es",
    "ed",
    "er",
    "ly",
    "as",
    "os",
    "a",
    "o",
    "e",
    "s",
    "y",
)


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[str, ...]
    number: int | None  # a ticket id when the whole query looks like a ticket number

    def __bool__(self) -> bool:
        return bool(self.terms) or self.number is not None


def parse(query: str) -> ParsedQuery:
    text = unicodedata.normalize("NFC", query or "")[:500]
    words = [w.lower()[:MAX_TERM_LENGTH] for w in _WORD.findall(text)]
    # Keep order, drop repeats: the last word typed is the one that gets prefix matching.
    terms = tuple(dict.fromkeys(words))[:MAX_TERMS]
    return ParsedQuery(terms=terms, number=parse_number(text))


def parse_number(text: str) -> int | None:
    """``INC-000123``, ``inc000123``, ``000123`` or ``123`` → 123; None when it is not a ticket number."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    prefix = (match.group("prefix") or "").upper()
    if prefix and prefix not in NUMBER_PREFIX.values():
        return None
    value = int(match.group("digits"))
    return value if 0 < value < 2**63 else None


def light_stem(word: str) -> str:
    """A crude Spanish/English stem: the word less one inflectional ending, never shorter than 4 letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_LENGTH:
            return word[: -len(suffix)]
    return word


def fts5_match(terms: tuple[str, ...], *, columns: tuple[str, ...] | None = None) -> str:
    """An FTS5 MATCH expression: every term required, each as a quoted prefix of its stem.

    Stems are searched as prefixes ("impresoras" → ``"impresor"*`` finds "impresora"); the last term is a
    prefix as typed, so a half-typed word still matches. Terms are quoted, so no input is FTS5 syntax.
    """
    parts = []
    for index, term in enumerate(terms):
        stem = light_stem(term)
        last = index == len(terms) - 1
        if stem != term or (last and len(term) >= MIN_PREFIX_LENGTH):
            parts.append(f'"{stem}"*')
        else:
            parts.append(f'"{term}"')
    expression = " ".join(parts)
    if columns:
        return "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


def pg_tsquery(terms: tuple[str, ...]) -> tuple[str, list[str]]:
    """SQL (with parameters) for a tsquery requiring every term, each in Spanish or English.

    ``to_tsquery`` applies each language's stemmer and stop words; a term that is a stop word in one
    language simply drops out of that half. No prefix matching here: PostgreSQL estimates ``:*`` terms
    poorly, and at 1M tickets a wrong estimate makes it walk the whole table in id order looking for a
    rare match (seconds). Stemming and the trigram match on titles cover most partial words.
    """
    sql_parts: list[str] = []
    params: list[str] = []
    for term in terms:
        # When both languages read the word alike (codes, numbers, names: "srv", "db123", "vpn"), one
        # operand: GIN reads each operand's posting list, and "'srv' | 'srv'" read the list of a word in
        # every ticket twice (605 index pages instead of 303, +5 ms at 1M). Every function here is
        # immutable, so the planner folds the CASE to a constant and estimates it like the plain form.
        es = "to_tsquery('ventanilla_spanish'::regconfig, %s)"
        en = "to_tsquery('ventanilla_english'::regconfig, %s)"
        sql_parts.append(f"(CASE WHEN {es} = {en} THEN {es} ELSE {es} || {en} END)")
        params += [term] * 5  # the same word in each of the five calls
    return " && ".join(sql_parts), params


def pg_corrected_tsquery(terms: tuple[str, ...]) -> tuple[str, list[Any]]:
    """Like :func:`pg_tsquery`, but each unknown term may also be one of the title words closest to it.

    For typos: ``ventanilla_corrected_tsquery`` (``schema.PG_WORDS_INSTALL``) reads "impresroa" as
    "impresroa | impresora" from the dictionary of title words. Wrapped in a scalar subquery so that
    PostgreSQL computes it once per statement (an InitPlan), not once per row it tests.
    """
    return "(SELECT ventanilla_corrected_tsquery(%s::text[], %s))", [list(terms), CORRECTIONS_PER_TERM]
