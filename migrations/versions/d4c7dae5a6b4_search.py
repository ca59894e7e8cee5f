"""full-text search over document text

Revision ID: d4c7dae5a6b4
Revises: d3b6c9d4f5a3
Create Date: 2026-11-24 00:00:00

The table ``search_entries`` (the model :class:`ecabinet.search.models.SearchEntry`) holds the
text of each document's latest ready version. The index over it depends on the database:

- SQLite: an FTS5 virtual table ``search_fts`` (tokenizer unicode61) whose rowid is the
  document's id and whose columns hold the title and the text *folded* by the application
  (lower case, no diacritics, đ → d); the application writes it next to ``search_entries``.
- PostgreSQL: the ``unaccent`` extension, an IMMUTABLE wrapper ``ecabinet_search_fold(text)``
  (unaccent, lower case, every run of non-alphanumerics made one space — so that ``30/2020/NĐ-CP``
  gives the words 30 2020 nd cp, as on SQLite, instead of one "file path" token), the column
  ``search_vector``, the tsvector of title (weight A) and text (weight D) folded by it, which
  the application has the database compute as it writes a row
  (``ecabinet.search.services.tsvector_of``), and a GIN index on that column. The vector is
  stored, not an index expression, because ranking reads it for every match (recomputing it
  made a search over 1,000 matching documents take 12–19 s). On SQLite the column stays empty.

What production PostgreSQL needs: the contrib extension ``unaccent`` available on the server
(Debian's ``postgresql-15`` package ships it). ``unaccent`` is a *trusted* extension since
PostgreSQL 13, so the database owner (any role with CREATE on the database) may create it;
otherwise a superuser runs ``CREATE EXTENSION unaccent SCHEMA public;`` once before
``ecabinet db upgrade``. An extension found already installed, in whatever schema, is used as
it is. The extension is created in ``public`` rather than in the first schema of the search
path, so that dropping an application schema never takes it (and everyone's indexes) along.
Downgrading leaves the extension in place: other databases' objects may use it.
"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy.dialects import postgresql

import ecabinet.extensions


# revision identifiers, used by Alembic.
revision = 'd4c7dae5a6b4'
down_revision = 'd3b6c9d4f5a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_entries',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('extraction_error', sa.String(length=200), nullable=True),
    sa.Column('indexed_at', ecabinet.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
              nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_search_entries_document_id_documents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'],
                            name=op.f('fk_search_entries_version_id_document_versions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_search_entries'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_version_id'), ['version_id'],
                              unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "title, body, tokenize = 'unicode61 remove_diacritics 2')")
    elif dialect == 'postgresql':
        schema = _unaccent_schema()
        op.execute(
            "CREATE OR REPLACE FUNCTION ecabinet_search_fold(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            f"SELECT regexp_replace(lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)), "
            "'[^[:alnum:]]+', ' ', 'g') $$")
        op.execute("CREATE INDEX ix_search_entries_fts ON search_entries "
                   "USING gin (search_vector)")


def _unaccent_schema() -> str:
    """The schema of the ``unaccent`` extension, creating it in ``public`` if it is missing.
    Test runs migrate several schemas of one database at once: a lock taken for the rest of
    this transaction makes one of them create the extension and the others find it."""
    bind = op.get_bind()
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('ecabinet: create unaccent'))"))
    find = sa.text("SELECT quote_ident(n.nspname) FROM pg_extension e "
                   "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'")
    schema = bind.execute(find).scalar()
    if schema is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        schema = bind.execute(find).scalar()
    return schema


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_search_entries_fts")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_version_id'))

    op.drop_table('search_entries')
    if dialect == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS ecabinet_search_fold(text)")
