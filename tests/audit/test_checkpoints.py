"""Signed checkpoints of the chain's head, kept outside the database: whoever holds the database
can recompute the whole chain after an edit, but cannot sign a checkpoint with the
organisation's seal nor time-stamp it, so `ecabinet audit verify` names the rewrite."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ecabinet.audit import checkpoint_schedule, checkpoints
from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from tests.conftest import bearer
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401 - fixtures
from tests.pki import P12_PASSWORD, PIN, free_port

SEAL_ORGANISATION = "Văn phòng Chính phủ"


def _config(demo_pki, **overrides) -> dict:
    # Hourly checks off unless a test wants them: otherwise the first commit makes checkpoint 1.
    return {**demo_pki.config, "AUDIT_SEAL_ORGANISATION": SEAL_ORGANISATION,
            "AUDIT_SEAL_PIN": PIN, "AUDIT_CHECKPOINT_INTERVAL_SECONDS": None, **overrides}


@pytest.fixture
def pki_app(make_app, demo_pki):
    return make_app(**_config(demo_pki))


@pytest.fixture
def app(pki_app, signing_keys):
    """The app with the organisation's seal key (and a few audit entries: its users)."""
    return pki_app


def _record(app, count: int, action: str = "test.write") -> None:
    with app.app_context():
        for n in range(count):
            with unit_of_work():
                audit.record(action, details={"n": n})
        db.session.remove()


def _folder(app) -> Path:
    with app.app_context():
        return checkpoints.folder()


def _checkpoint(runner) -> str:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def _rewrite_chain(app, seq: int, details: str | None) -> None:
    """The attack: edit one entry, then recompute every hash after it and move the head, as
    anyone holding the database can. The chain alone verifies afterwards."""
    with app.app_context():
        if details is not None:
            db.session.execute(text("UPDATE audit_entries SET details = :d WHERE seq = :s"),
                               {"d": details, "s": seq})
            db.session.commit()
        prev = audit.GENESIS_HASH
        for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all():
            new_hash = audit.entry_hash(prev, entry)
            db.session.execute(text("UPDATE audit_entries SET prev_hash = :p, hash = :h "
                                    "WHERE id = :id"), {"p": prev, "h": new_hash, "id": entry.id})
            prev = new_hash
        db.session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
        db.session.commit()
        assert audit.verify_chain().ok  # what `audit verify` used to rely on alone
        db.session.remove()


def _truncate(app, keep: int) -> None:
    """Cut the entries after ``keep`` and move the head back onto the last one kept."""
    with app.app_context():
        last = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == keep)).one()
        db.session.execute(text("DELETE FROM audit_entries WHERE seq > :k"), {"k": keep})
        db.session.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h"),
                           {"s": keep, "h": last.hash})
        db.session.commit()
        assert audit.verify_chain().ok
        db.session.remove()


def _head(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(text("SELECT last_seq FROM audit_head"))
        finally:
            db.session.remove()


# --- a good checkpoint ---------------------------------------------------------------------------

def test_a_signed_and_time_stamped_checkpoint_verifies(app, runner):
    size = _head(app)
    output = _checkpoint(runner)
    assert "Checkpoint 1" in output and "time-stamped" in output
    folder = _folder(app)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "00000001.json", "00000001.p7s", "00000001.tst"]
    statement = json.loads((folder / "00000001.json").read_bytes())
    assert statement["checkpoint"] == 1 and statement["tree_size"] == size
    assert statement["previous"] == "0" * 64
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "1 checkpoint" in result.output and "BROKEN" not in result.output


def test_a_checkpoint_verifies_from_a_thread_with_a_running_loop(app, runner):
    """pyHanko's coroutines then run in a helper thread, outside the app context (a browser
    test's Playwright keeps such a loop): what reads the config is done before."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    _checkpoint(runner)

    async def inside_a_loop():
        return _verify(runner)

    # A thread of its own: this process's main thread may hold Playwright's loop already
    # (a browser test earlier in the same worker), where asyncio.run cannot start another.
    with ThreadPoolExecutor(max_workers=1) as thread:
        result = thread.submit(asyncio.run, inside_a_loop()).result()
    assert result.exit_code == 0, result.output
    assert "BROKEN" not in result.output


def test_checkpoints_chain_to_each_other(app, runner):
    _checkpoint(runner)
    _record(app, 2)
    _checkpoint(runner)
    folder = _folder(app)
    first = (folder / "00000001.json").read_bytes()
    second = json.loads((folder / "00000002.json").read_bytes())
    import hashlib

    assert second["previous"] == hashlib.sha256(first).hexdigest()
    assert second["tree_size"] == _head(app)
    assert _verify(runner).exit_code == 0


def test_nothing_new_makes_no_checkpoint(app, runner):
    _checkpoint(runner)
    output = _checkpoint(runner)
    assert "nothing new" in output
    assert not (_folder(app) / "00000002.json").exists()


# --- attacks -------------------------------------------------------------------------------------

def test_a_recomputed_chain_is_named_before_its_checkpoint(app, runner):
    _checkpoint(runner)
    _record(app, 3)
    _rewrite_chain(app, 2, '{"forged": true}')
    result = _verify(runner)
    assert result.exit_code == 1
    assert "rewritten before checkpoint 1" in result.output


def test_a_rewrite_after_the_last_checkpoint_is_not_claimed_and_not_signed(app, runner):
    """Entries after the last checkpoint are protected by the next one; but the server refuses
    to sign a head that does not extend its last checkpoint."""
    _checkpoint(runner)
    size = _head(app)
    _record(app, 3)
    _rewrite_chain(app, size + 2, '{"forged": true}')
    assert _verify(runner).exit_code == 0  # nothing signed covers it yet
    _rewrite_chain(app, 1, '{"forged": true}')
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code == 1
    assert "checkpoint 1" in refused.output
    assert not (_folder(app) / "00000002.json").exists()


def test_a_deleted_entry_renumbered_and_rehashed_is_named(app, runner):
    """Delete an entry, close the gap in the numbers, recompute the chain: still named."""
    _checkpoint(runner)
    _record(app, 3)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
        # In two steps: PostgreSQL checks the unique seq row by row, in whatever order the
        # rows lie, so a shift in place can collide with a row not yet moved.
        db.session.execute(text("UPDATE audit_entries SET seq = -seq WHERE seq > 2"))
        db.session.execute(text("UPDATE audit_entries SET seq = -seq - 1 WHERE seq < 0"))
        db.session.execute(text("UPDATE audit_head SET last_seq = last_seq - 1"))
        db.session.commit()
        db.session.remove()
    _rewrite_chain(app, 1, None)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "rewritten before checkpoint 1" in result.output


def test_truncation_before_the_last_checkpoint_is_named(app, runner):
    _checkpoint(runner)
    keep = _head(app)
    _record(app, 3)
    _checkpoint(runner)
    covered = _head(app)
    _truncate(app, keep + 1)
    result = _verify(runner)
    assert result.exit_code == 1
    assert (f"truncated: checkpoint 2 covers entry {covered} but the chain ends at entry "
            f"{keep + 1}") in result.output


def test_a_deleted_checkpoint_is_found(app, runner):
    for _ in range(3):
        _record(app, 1)
        _checkpoint(runner)
    folder = _folder(app)
    for path in folder.glob("00000002.*"):
        path.unlink()
    result = _verify(runner)
    assert result.exit_code == 1
    assert "checkpoint 2 is missing" in result.output


def test_a_checkpoint_signed_by_another_key_is_refused(app, runner, demo_pki):
    """Rewrite the chain, then replace the checkpoint by one over the new head, signed by a
    key the same CA certified for someone else: refused, and the rewrite still named."""
    from pyhanko.sign.signers import SimpleSigner

    from ecabinet.asyncio_bridge import run_async

    _checkpoint(runner)
    _rewrite_chain(app, 1, '{"forged": true}')
    folder = _folder(app)
    statement = json.loads((folder / "00000001.json").read_bytes())
    with app.app_context():
        statement["head_hash"] = db.session.scalar(text("SELECT last_hash FROM audit_head"))
        db.session.remove()
    forged = checkpoints.canonical(statement)
    signer = SimpleSigner.load_pkcs12_data(demo_pki.file_key_p12, other_certs=[],
                                           passphrase=P12_PASSWORD.encode())
    signature = run_async(lambda: signer.async_sign_general_data(forged, "sha256"))
    (folder / "00000001.json").write_bytes(forged)
    (folder / "00000001.p7s").write_bytes(signature.dump())
    (folder / "00000001.tst").unlink()
    result = _verify(runner)
    assert result.exit_code == 1
    assert "checkpoint 1" in result.output and "not signed by the seal of" in result.output


def test_a_pinned_seal_certificate_is_required(app, runner, demo_pki, tmp_path):
    _checkpoint(runner)
    seal = tmp_path / "seal.der"
    seal.write_bytes(demo_pki.seal["certificate"])
    other = tmp_path / "other.der"
    other.write_bytes(demo_pki.personal["certificate"])
    app.config["AUDIT_SEAL_CERTIFICATES"] = [str(other)]
    result = _verify(runner)
    assert result.exit_code == 1 and "AUDIT_SEAL_CERTIFICATES" in result.output
    app.config["AUDIT_SEAL_CERTIFICATES"] = [str(other), str(seal)]
    assert _verify(runner).exit_code == 0


def test_an_edited_checkpoint_fails_its_signature(app, runner):
    _checkpoint(runner)
    path = _folder(app) / "00000001.json"
    statement = json.loads(path.read_bytes())
    statement["tree_size"] -= 1
    path.write_bytes(checkpoints.canonical(statement))
    result = _verify(runner)
    assert result.exit_code == 1
    assert "checkpoint 1: the signature does not match" in result.output


# --- when the TSA or the key is not there --------------------------------------------------------

def test_tsa_down_gives_a_signed_untimestamped_checkpoint_stamped_later(app, make_app,
                                                                       demo_pki, runner):
    down = make_app(**_config(demo_pki, TSA_URL=f"http://127.0.0.1:{free_port()}/tsa"))
    output = _checkpoint(down.test_cli_runner())
    assert "NOT time-stamped" in output
    folder = _folder(app)
    assert (folder / "00000001.p7s").exists() and not (folder / "00000001.tst").exists()
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "checkpoint 1 is not time-stamped" in result.output
    # The next run with the TSA back stamps it.
    output = _checkpoint(runner)
    assert "Time-stamped checkpoint 1" in output
    assert (folder / "00000001.tst").exists()
    assert "not time-stamped" not in _verify(runner).output


def test_a_failed_checkpoint_never_loses_the_audited_action(make_app, demo_pki, signing_keys,
                                                            caplog):
    """No PIN for the seal: the change commits and is chained, a warning says why no
    checkpoint was made."""
    app = make_app(**_config(demo_pki, AUDIT_SEAL_PIN=None, AUDIT_CHECKPOINT_EVERY=1))
    with caplog.at_level(logging.WARNING, logger="ecabinet.audit"):
        _record(app, 1, "vote.close")
        checkpoint_schedule.wait_idle()
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "vote.close"))
        assert audit.verify_chain().ok
        db.session.remove()
    assert not (_folder(app) / "00000001.json").exists()
    assert "AUDIT_SEAL_PIN" in caplog.text


def test_a_wrong_seal_pin_is_not_counted_against_the_clerks_and_not_retried(
        make_app, demo_pki, signing_keys, caplog):
    """SoftHSM2 has no lockout, a real HSM has: an unattended job must not lock the
    organisation's seal, nor spend the clerks' wrong-PIN allowance."""
    from ecabinet.signing.models import SigningKey

    app = make_app(**_config(demo_pki, AUDIT_SEAL_PIN="wrong-pin-0", AUDIT_CHECKPOINT_EVERY=1))
    with caplog.at_level(logging.WARNING, logger="ecabinet.audit"):
        _record(app, 1, "vote.close")
        checkpoint_schedule.wait_idle()
        assert "refused the PIN" in caplog.text
        caplog.clear()
        _record(app, 1, "vote.close")
        checkpoint_schedule.wait_idle()
        assert "not trying it again" in caplog.text
    with app.app_context():
        seal = db.session.get(SigningKey, signing_keys.seal_id)
        assert seal.pin_failures == 0 and seal.locked_at is None
        assert audit.verify_chain().ok
        db.session.remove()
    assert not (_folder(app) / "00000001.json").exists()


# --- made automatically --------------------------------------------------------------------------

def test_a_checkpoint_every_n_entries(make_app, demo_pki, signing_keys):
    app = make_app(**_config(demo_pki, AUDIT_CHECKPOINT_EVERY=4))
    start = _head(app)
    _record(app, 8 - start % 4)
    checkpoint_schedule.wait_idle()
    with app.app_context():
        made = checkpoints.stored()
        db.session.remove()
    assert made and made[-1].tree_size % 4 == 0 and made[-1].tree_size >= 4


@pytest.mark.parametrize("action", ["vote.close", "decision.issue"])
def test_a_checkpoint_at_each_vote_close_and_decision_issue(app, action):
    _record(app, 1, action)
    checkpoint_schedule.wait_idle()
    with app.app_context():
        made = checkpoints.stored()
        db.session.remove()
    assert [c.reason for c in made] == [action]
    assert made[0].tree_size == _head(app)


def test_hourly_when_the_last_checkpoint_is_older(make_app, demo_pki, signing_keys, runner):
    app = make_app(**_config(demo_pki, AUDIT_CHECKPOINT_INTERVAL_SECONDS=3600))
    _record(app, 1)  # no checkpoint yet: the first one is due
    checkpoint_schedule.wait_idle()
    _record(app, 1)  # the last one is recent: nothing
    checkpoint_schedule.wait_idle()
    with app.app_context():
        assert [c.checkpoint for c in checkpoints.stored()] == [1]
        db.session.remove()
    app.config["AUDIT_CHECKPOINT_INTERVAL_SECONDS"] = 0
    _record(app, 1)
    checkpoint_schedule.wait_idle()
    with app.app_context():
        made = checkpoints.stored()
        db.session.remove()
    assert [c.reason for c in made] == ["hourly", "hourly"]


# --- downloads -----------------------------------------------------------------------------------

def test_admins_list_and_download_checkpoints(app, runner, make_user, token_for):
    _checkpoint(runner)
    client = app.test_client()
    admin = bearer(token_for(make_user("admin")))
    listing = client.get("/api/v1/audit/checkpoints", headers=admin)
    assert listing.status_code == 200, listing.text
    [item] = listing.get_json()["checkpoints"]
    assert item["checkpoint"] == 1 and item["timestamped"] is True
    archive = client.get("/api/v1/audit/checkpoints/1", headers=admin)
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        assert sorted(bundle.namelist()) == ["00000001.json", "00000001.p7s", "00000001.tst"]
        assert bundle.read("00000001.json") == (_folder(app) / "00000001.json").read_bytes()


def test_checkpoint_downloads_refuse_others_and_bad_input(app, runner, make_user, token_for):
    _checkpoint(runner)
    client = app.test_client()
    member = bearer(token_for(make_user("member")))
    assert client.get("/api/v1/audit/checkpoints", headers=member).status_code == 403
    assert client.get("/api/v1/audit/checkpoints/1", headers=member).status_code == 403
    assert client.get("/api/v1/audit/checkpoints").status_code == 401
    admin = bearer(token_for(make_user("admin")))
    for path in ("/api/v1/audit/checkpoints/2", "/api/v1/audit/checkpoints/0",
                 "/api/v1/audit/checkpoints/..%2Fsecret_key", "/api/v1/audit/checkpoints/-1"):
        answer = client.get(path, headers=admin)
        assert answer.status_code == 404, path
        assert answer.get_json()["error"]["code"]
    assert client.get("/api/v1/audit/checkpoints", headers=admin).status_code == 200


def test_the_checkpoints_page_offers_each_download(app, client, runner, make_user, auth):
    _checkpoint(runner)
    auth.login(make_user("admin"))
    page = client.get("/admin/audit/checkpoints")
    assert page.status_code == 200
    assert "Điểm kiểm tra nhật ký" in page.text and "Đã gắn dấu thời gian" in page.text
    assert 'href="/api/v1/audit/checkpoints/1"' in page.text
    # The browser's session is enough for the download.
    download = client.get("/api/v1/audit/checkpoints/1")
    assert download.status_code == 200 and download.mimetype == "application/zip"


def test_closing_a_real_vote_makes_a_checkpoint(app, api, session_open):  # noqa: F811
    """Through the API, as the chair does it: the checkpoint follows the vote's commit and
    covers its entry."""
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": False, "rule": "majority_of_present"}, who="chair")
    assert status == 201
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"},
               who="m1")[0] in (200, 201)
    checkpoint_schedule.wait_idle()
    assert not (_folder(app) / "00000001.json").exists()  # opening and voting: none
    status, _ = api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")
    assert status == 200
    checkpoint_schedule.wait_idle()
    with app.app_context():
        [made] = checkpoints.stored()
        closed = db.session.scalar(select(AuditEntry.seq).where(AuditEntry.action == "vote.close"))
        db.session.remove()
    assert made.reason == "vote.close" and made.tree_size >= closed


def test_a_copy_kept_elsewhere_shows_the_newest_checkpoints_deleted(app, runner, make_user,
                                                                    token_for, tmp_path):
    """Deleting the newest checkpoints with the entries they cover goes unseen by the server's
    files alone; the copy an auditor downloaded names it."""
    keep = _head(app)
    _checkpoint(runner)
    _record(app, 3)
    _checkpoint(runner)
    admin = bearer(token_for(make_user("admin")))
    copy = tmp_path / "kept.zip"
    copy.write_bytes(app.test_client().get("/api/v1/audit/checkpoints/2", headers=admin).data)
    assert runner.invoke(args=["audit", "verify", "--checkpoint", str(copy)]).exit_code == 0
    for path in _folder(app).glob("00000002.*"):
        path.unlink()
    _truncate(app, keep)
    assert _verify(runner).exit_code == 0  # the server's own files cannot tell
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(copy)])
    assert result.exit_code == 1
    assert "checkpoint 2 is missing from the server" in result.output
    assert "truncated: checkpoint 2 covers entry" in result.output


def test_a_bad_copy_is_a_clear_error(app, runner, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text('{"not": "a checkpoint"}')
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(junk)])
    assert result.exit_code == 2 and "not a checkpoint" in result.output
