"""The searchable text of each document: one row per document, from its latest ready version.

The full-text index itself is not a model, because neither database's index is a plain table:

- SQLite: the FTS5 virtual table :data:`FTS_TABLE` (``rowid`` = the document's id) holds the
  *folded* title and body (:func:`ecabinet.search.text.fold`), written by
  :mod:`ecabinet.search.services` next to this row. FTS5 also makes shadow tables
  (``search_fts_data``, ``_idx``, ``_docsize``, ``_config``).
- PostgreSQL: the GIN index :data:`PG_INDEX` on :attr:`SearchEntry.search_vector`, the tsvector
  of this row's title and body folded by ``unaccent``, computed by the database as the row is
  written (see the migration ``d4c7dae5a6b4``). It is stored rather than an index expression
  because ranking reads it for every match: recomputed per row, a search over 1,000 matching
  documents took 12–19 s (``tests/search/bench_search.py``).

Both are created by the migration and left out of the models-versus-migrations comparison by
:func:`include_in_schema_comparison`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow

FTS_TABLE = "search_fts"
PG_INDEX = "ix_search_entries_fts"
#: The PostgreSQL function folding text for the index: unaccent, lower case, words only.
PG_FOLD_FUNCTION = "ecabinet_search_fold"


class SearchEntry(db.Model):
    """What search finds of a document: its title and the text of its latest ready version."""

    __tablename__ = "search_entries"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), index=True)
    #: The version indexed: a later ready version replaces it, an earlier one never does.
    version_number: Mapped[int] = mapped_column(Integer)
    #: The document's title when indexed (the index weighs it above the body).
    title: Mapped[str] = mapped_column(String(500))
    #: The PDF's text as extracted, diacritics kept (snippets show it); pages are separated by
    #: form feeds. Empty for a scanned PDF, which is then found by its title.
    body: Mapped[str] = mapped_column(Text)
    #: Why the text could not be extracted (the document is found by its title only).
    extraction_error: Mapped[str | None] = mapped_column(String(200))
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: PostgreSQL: the weighted tsvector of title (A) and body (D), folded, which the GIN index
    #: covers. Always empty on SQLite, whose index is the FTS5 table. Never loaded by the ORM.
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True)


def is_full_text_object(name: str | None) -> bool:
    """The FTS5 table and its shadow tables, or the PostgreSQL GIN index."""
    return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
                           or name == PG_INDEX)


def include_in_schema_comparison(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: the full-text index is made by hand in the migration —
    an FTS5 virtual table or an expression GIN index no model can describe — so comparing
    models with the database skips it (``flask db migrate`` would otherwise drop it)."""
    return not (type_ in ("table", "index") and is_full_text_object(name))
