"""The migrations build exactly the schema the models describe, and can be undone."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from ecabinet.extensions import db


def test_models_and_migrations_agree(app):
    # What no model can describe (search's FTS5 table, its GIN index) is skipped by the hook
    # `flask db migrate` uses too.
    options = {"include_name": app.extensions["migrate"].configure_args.get("include_name")}
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts=options),
                                       db.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/roundtrip.db")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"users", "audit_entries", "meetings", "votes", "polls"} <= tables


def test_foreign_keys_are_enforced_again_after_migrating(make_app, tmp_path):
    """The migrations turn SQLite's foreign keys off while tables are re-created
    (migrations/env.py); the pooled connection must come back with them on."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from ecabinet.extensions import db

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/fk.db")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
