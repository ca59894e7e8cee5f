"""The distrib migration turns each decision's printed Nơi nhận and its readers into the one
list: printed lines in their order, a line naming an organisation becoming its recipient, a
reader that was not printed kept before the archive line; and back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from ecabinet.extensions import db

BEFORE = "e1a0c0f00007"
NOW = "2026-12-01 00:00:00"


def _seed(connection) -> None:
    run = connection.execute
    for org_id, name in ((1, "Thủ tướng Chính phủ"), (2, "Bộ Tư pháp"), (3, "Bộ Tài chính")):
        run(text("INSERT INTO organisations (id, name, created_at) VALUES (:i, :n, :t)"),
            {"i": org_id, "n": name, "t": NOW})
    run(text("INSERT INTO users (id, email, name, locale, active, session_version, "
             "failed_logins, created_at) VALUES (1, 's@x.vn', 'Trần Minh Quang', 'vi', 1, 1, 0, "
             ":t)"), {"t": NOW})
    for decision_id, recipients in ((1, "- Như Điều 3;\n- Bộ Tư pháp;\n- Lưu: VT, TCCV."),
                                    (2, "")):
        run(text("INSERT INTO decisions (id, kind, state, summary, body, issuer_id, authority, "
                 "recipients_text, place, signer_id, created_at, render_state) VALUES "
                 "(:d, 'quyet_dinh', 'issued', 'Về việc thử', 'Điều 1.', 1, 'THỦ TƯỚNG', :r, "
                 "'Hà Nội', 1, :t, 'ready')"), {"d": decision_id, "r": recipients, "t": NOW})
    # Decision 1: a reader that was not printed (Bộ Tài chính), one printed (Bộ Tư pháp).
    # Decision 2: nothing printed, one person reads it (twice: the constraint keeps one).
    for decision_id, org_id, user_id in ((1, 3, None), (1, 2, None), (2, None, 1),
                                         (2, None, 1)):
        run(text("INSERT INTO decision_recipients (decision_id, organisation_id, user_id) "
                 "VALUES (:d, :o, :u)"), {"d": decision_id, "o": org_id, "u": user_id})


def _block(connection, decision_id: int) -> list[tuple]:
    return [tuple(row) for row in connection.execute(text(
        "SELECT label, organisation_id, user_id FROM decision_recipients WHERE decision_id = :d "
        "ORDER BY position"), {"d": decision_id})]


def test_the_printed_lines_and_the_readers_become_one_list(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/distrib.db")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            _seed(connection)
        upgrade()
        with db.engine.connect() as connection:
            assert _block(connection, 1) == [
                ("Như Điều 3", None, None), ("Bộ Tư pháp", 2, None),
                ("Bộ Tài chính", 3, None), ("Lưu: VT, TCCV", None, None)]
            # As the layout printed an empty block: "Như trên", and the archive line.
            assert _block(connection, 2) == [
                ("Như trên", None, None), ("Trần Minh Quang", None, 1), ("Lưu: VT", None, None)]
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT recipients_text FROM decisions WHERE id = 1")).scalar_one() == \
                "Như Điều 3\nBộ Tư pháp\nBộ Tài chính\nLưu: VT, TCCV"
            assert connection.execute(text(
                "SELECT count(*) FROM decision_recipients WHERE decision_id = 1")).scalar() == 2
        db.engine.dispose()
