"""Which documents a search shows: those the searcher may read, and nothing of the others.

The documents' rule is :mod:`ecabinet.docs.access`: :func:`~ecabinet.docs.access.can_read`
for one document, :func:`~ecabinet.docs.access.readable_by` as SQL. A search filters the
matches in SQL, asks the other features' rules that have no SQL form about the matches SQL
refused (:func:`readable_matches`), and checks every result it shows with the predicate again
(:func:`shows`). ``tests/search/test_access.py`` checks the SQL against ``can_read`` user by
user.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select

from ecabinet.docs import access as docs_access
from ecabinet.docs.models import Document
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.search.models import SearchEntry


def readable_matches(user: User, match, rank, max_candidates: int) -> tuple[ColumnElement, bool]:
    """The condition on :class:`SearchEntry` joined to :class:`Document` that keeps the
    matches ``user`` may read, and whether it is exact (every match the SQL refused could be
    put to the rules without an SQL form; see :func:`_granted_elsewhere`)."""
    readable = docs_access.readable_by(user)
    granted, exact = _granted_elsewhere(user, match, readable, rank, max_candidates)
    if granted:
        readable = or_(readable, SearchEntry.document_id.in_(granted))
    return readable, exact


def shows(user: User, document: Document) -> bool:
    """The last word on a result: the documents' own rule."""
    return docs_access.can_read(user, document)


def _granted_elsewhere(user: User, match, readable, rank, max_candidates: int):
    """Documents other features let the user read through a rule without an SQL form
    (:func:`ecabinet.docs.access.grant_reading`), which ``readable_by`` cannot see. The
    matching documents SQL refused are put to those rules, best ranked first, at most
    ``max_candidates`` of them (each costs a query or two). Returns (the ids granted, whether
    every candidate was checked).
    """
    rules = _reading_grants()
    if not rules or docs_access.is_secretariat(user):
        return [], True
    candidates = list(db.session.scalars(
        select(Document)
        .join(SearchEntry, SearchEntry.document_id == Document.id)
        .where(match, ~readable)
        .order_by(rank, SearchEntry.document_id)
        .limit(max_candidates + 1)))
    checked = candidates[:max_candidates]
    granted = [document.id for document in checked
               if any(rule(user, document) for rule in rules)]
    return granted, len(candidates) <= max_candidates


def _reading_grants() -> list:
    """The rules features gave the documents feature without an SQL form (those with one are
    part of ``readable_by``). SQL has already applied the documents' own rule to the
    candidates, so only these remain to ask (``can_read`` would ask the documents' rule
    again, ~3 queries a document)."""
    return docs_access.rules_without_sql()
