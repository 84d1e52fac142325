"""What a household is found by, and how a typed search is matched against it.

A household's `search_text` holds, one space apart: the folded words of its case number, camp ID
and phone (with the camp ID's key and the phone's local form), and every token of its members'
names from `app.identity.names.search_tokens`: folded words, joined compounds and `#`-marked
skeletons. A search is split into terms the same way; each term must match, either as a piece
of a folded word (a literal match) or, for a word in Latin letters, by its skeleton as a whole
token (so Zeinab finds Zainab and زينب). Households matched by folded words alone are listed
before those found through a skeleton (`app.registry.queries.search_cases`).

Indexes: PostgreSQL has a trigram GIN index on `search_text` (pg_trgm), which serves the LIKE
conditions; SQLite has an FTS5 table with the trigram tokenizer (`households_fts`, kept by
triggers), queried with MATCH. Terms shorter than three characters cannot use either index and
are checked on the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.identity.identifiers import identifier_key
from app.identity.names import fold, is_latin_word, name_words, search_tokens
from app.registry import search_index
from app.registry.models import Household

_FTS = sa.table(search_index.TABLE, sa.column("rowid"))


@dataclass(frozen=True)
class Term:
    """One word of a search: its folded form, and its skeleton when it may stand for a name."""

    literal: str
    key: str | None = None

    @property
    def key_token(self) -> str | None:
        return f" #{self.key} " if self.key else None


def search_text(identifiers: Iterable[str | None], names: Iterable[str | None]) -> str:
    """The stored search text: `identifiers` (case number, camp ID, phone) and `names`."""
    tokens: dict[str, None] = {}
    for value in identifiers:
        tokens.update(dict.fromkeys(fold(value).split()))
        key = identifier_key(value)
        if key:
            tokens[key] = None
    tokens.update(dict.fromkeys(search_tokens(names)))
    return f" {' '.join(tokens)} " if tokens else ""


def terms(query: str | None) -> list[Term]:
    """The terms of a typed search: words folded, compounds joined, Latin words keyed."""
    return [
        Term(word, key if key and is_latin_word(word) else None) for word, key in name_words(query)
    ]


def matching(
    query_terms: list[Term], dialect: str, literal_only: bool = False
) -> sa.ColumnElement[bool]:
    """The condition that every term matches a household's search text; with `literal_only`,
    that every term matches a folded word (no skeleton)."""
    if literal_only:
        query_terms = [Term(t.literal) for t in query_terms]
    column = Household.search_text
    short = [t for t in query_terms if len(t.literal) < 3]
    indexed = [t for t in query_terms if len(t.literal) >= 3]
    conditions = [_like(column, term) for term in short]
    if dialect == "sqlite" and indexed:
        conditions.append(Household.id.in_(_fts_ids(indexed)))
    else:
        conditions.extend(_like(column, term) for term in indexed)
    return sa.and_(*conditions) if conditions else sa.true()


def _like(column, term: Term) -> sa.ColumnElement[bool]:
    literal = column.contains(term.literal, autoescape=True)
    if term.key_token is None:
        return literal
    return sa.or_(literal, column.contains(term.key_token, autoescape=True))


def _fts_ids(query_terms: list[Term]) -> sa.Select:
    expression = " AND ".join(_fts_term(t) for t in query_terms)
    # The table's own name on the left of MATCH searches all its columns; the operator's
    # bound value is named anew each time, so two such conditions can share a statement.
    matches = sa.literal_column(search_index.TABLE).op("MATCH")(expression)
    return sa.select(_FTS.c.rowid).where(matches)


def _fts_term(term: Term) -> str:
    phrases = [_phrase(term.literal)]
    if term.key_token:
        phrases.append(_phrase(term.key_token))
    return "(" + " OR ".join(phrases) + ")"


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
