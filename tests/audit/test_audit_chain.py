"""The hash-chained audit trail: every change is recorded, and tampering is found and named."""

import pytest
from sqlalchemy import text

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.identity import services as identity


@pytest.fixture
def trail(app, make_user):
    """A few real entries: users created, one updated."""
    admin = make_user("admin")
    make_user("member")
    make_user("guest")
    with app.app_context(), unit_of_work():
        identity.update_user(identity.get_user(admin.id), actor=None, title="Quản trị")
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [(e.seq, e.id, e.action) for e in entries]


def _sql(app, statement: str, **params):
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_changes_are_recorded_with_who_what_where(app, make_user, trail):
    assert [action for _, _, action in trail] == ["user.create"] * 3 + ["user.update"]
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "user.update")).one()
        assert entry.object_type == "users"
        assert '"title": "Quản trị"' in entry.details


def test_intact_chain_verifies(app, runner, trail):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "4 entries verified" in result.output


def test_edited_entry_is_named(app, runner, trail):
    seq, row_id, _ = trail[1]
    _sql(app, "UPDATE audit_entries SET details = :d WHERE id = :id", d='{"forged": true}',
         id=row_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry #{seq} (row id {row_id})" in result.output
    assert "changed" in result.output


def test_edited_actor_is_found(app, runner, trail):
    seq, row_id, _ = trail[2]
    _sql(app, "UPDATE audit_entries SET actor_label = 'someone else' WHERE id = :id", id=row_id)
    with app.app_context():
        report = audit.verify_chain()
    assert not report.ok and report.broken_seq == seq


def test_deleted_entry_is_found(app, runner, trail):
    seq, row_id, _ = trail[1]
    _sql(app, "DELETE FROM audit_entries WHERE id = :id", id=row_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {seq} is missing" in result.output


def test_entry_cut_from_the_end_is_found(app, runner, trail):
    seq, row_id, _ = trail[-1]
    _sql(app, "DELETE FROM audit_entries WHERE id = :id", id=row_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"#{seq}" in result.output


def test_reordered_entries_are_found(app, runner, trail):
    (seq_a, id_a, _), (seq_b, id_b, _) = trail[1], trail[2]
    # Swap the positions of two entries (through a free value: seq is unique).
    _sql(app, "UPDATE audit_entries SET seq = -1 WHERE id = :id", id=id_a)
    _sql(app, "UPDATE audit_entries SET seq = :s WHERE id = :id", s=seq_a, id=id_b)
    _sql(app, "UPDATE audit_entries SET seq = :s WHERE id = :id", s=seq_b, id=id_a)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry #{seq_a}" in result.output


def test_a_refused_change_leaves_no_entry(app, make_user):
    make_user("member", email="dup@example.gov.vn")
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
        with pytest.raises(Conflict), unit_of_work():
            identity.create_user(email="dup@example.gov.vn", name="Trùng", roles=["member"])
        after = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
        assert after == before
        assert audit.verify_chain().ok


def test_admin_page_lists_and_filters(client, auth, make_user):
    admin = make_user("admin")
    make_user("member", email="loc@example.gov.vn")
    auth.login(admin)
    page = client.get("/admin/audit?action=user.create")
    assert page.status_code == 200
    assert "loc@example.gov.vn" in page.text
    assert "<code>auth.login</code>" not in page.text
    verified = client.get("/admin/audit?verify=1")
    assert "3" in verified.text and "flash-success" in verified.text


def test_secrets_never_reach_the_trail(app, make_user):
    make_user("signer", password="a very secret password")
    with app.app_context():
        details = " ".join(db.session.scalars(db.select(AuditEntry.details)))
    assert "a very secret password" not in details
