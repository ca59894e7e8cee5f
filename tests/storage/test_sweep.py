"""`storage_sweep.sweep`: what is removed, what is kept, and what is never looked at."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfWriter
from sqlalchemy import delete, func, select

from ecabinet import storage, storage_sweep
from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision, DecisionAttachment, DecisionSignature
from ecabinet.docs import services as docs
from ecabinet.docs.jobs import local_worker
from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.interchange.axis.models import AxisIncoming, AxisOutgoing
from ecabinet.interchange.incoming.models import (
    IncomingAttachment,
    IncomingDocument,
    IncomingQuarantine,
)
from ecabinet.meetings.models import Meeting, MinutesVersion
from ecabinet.packs import services as packs
from ecabinet.packs.models import MeetingPack
from ecabinet.packs.plan import PackPlan
from ecabinet.polls.models import Poll, PollResponse
from tests.storage.conftest import OLD, age


def sweep(app, **options) -> storage_sweep.SweepReport:
    with app.app_context():
        return storage_sweep.sweep(**options)


def sweep_entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "storage.sweep")))


def pack_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(MeetingPack.id)))


def blank_pdf(width: int) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def column_name(column) -> str:
    return f"{column.class_.__tablename__}.{column.key}"


# --- removed -------------------------------------------------------------------------------------

def test_an_old_file_nothing_names_is_removed(app, store, stored_path):
    digest = store(b"orphan bytes")
    report = sweep(app)
    assert not stored_path(digest).exists()
    assert (report.files_removed, report.bytes_removed) == (1, len(b"orphan bytes"))
    assert (report.kept_referenced, report.kept_recent, report.ignored) == (0, 0, 0)


def test_the_bytes_of_a_rolled_back_upload_go_and_a_committed_upload_stays(app, make_user):
    """The case the sweep exists for: ``put()`` ran, then the transaction rolled back."""
    secretariat = make_user("secretariat")
    committed, rolled_back = blank_pdf(595), blank_pdf(600)
    with app.app_context():
        limits = docs.limits(app.config)
        with unit_of_work():
            actor = db.session.get(User, secretariat.id)
            kept = docs.upload(actor, data=committed, filename="a.pdf", title="Tờ trình",
                               classification=None, limits=limits).latest.sha256
        with pytest.raises(RuntimeError), unit_of_work():
            actor = db.session.get(User, secretariat.id)
            docs.upload(actor, data=rolled_back, filename="b.pdf", title="Báo cáo",
                        classification=None, limits=limits)
            raise RuntimeError("a later step of the request failed")
        lost = storage.sha256_of(rolled_back)
        assert storage.exists(lost), "the rollback left the bytes behind"
        for digest in (kept, lost):
            age(storage.path_for(digest))

        report = storage_sweep.sweep()

        assert storage.exists(kept) and not storage.exists(lost)
        assert (report.files_removed, report.kept_referenced) == (1, 1)


def test_a_shorter_grace_removes_what_the_default_keeps(app, store, stored_path):
    digest = store(b"three hours old", old=False)
    age(stored_path(digest), timedelta(hours=3))
    assert sweep(app).kept_recent == 1
    assert stored_path(digest).exists()
    assert sweep(app, grace=timedelta(hours=2)).files_removed == 1
    assert not stored_path(digest).exists()


def test_an_old_temporary_file_is_removed_and_a_fresh_one_kept(app, store, stored_path):
    folder = stored_path(store(b"a neighbour", old=False)).parent
    old_temp, fresh_temp = folder / ".tmp-crashed", folder / ".tmp-writing"
    old_temp.write_bytes(b"half a fi")
    fresh_temp.write_bytes(b"being written")
    age(old_temp)

    report = sweep(app)

    assert not old_temp.exists() and fresh_temp.exists()
    assert (report.temp_removed, report.temp_bytes_removed) == (1, len(b"half a fi"))
    assert report.files_removed == 0


# --- kept ----------------------------------------------------------------------------------------

def test_a_file_named_by_any_file_column_is_kept(app, make_user, store, stored_path):
    """One row per column of FILE_COLUMNS, each naming its own old file; no audit entry names
    them. A column added to the list without a row here fails the test."""
    signer = make_user("signer")
    digests = {column_name(column): store(f"bytes of {column_name(column)}".encode())
               for column in storage_sweep.FILE_COLUMNS}
    unused = dict(digests)
    now = datetime.now(UTC)

    def file_of(name: str) -> str:
        return unused.pop(name)

    with app.app_context(), unit_of_work():
        organisation = Organisation(name="Văn phòng Chính phủ", code="VPCP")
        meeting = Meeting(title="Phiên họp thường kỳ", starts_at=now)
        poll = Poll(question="Ý kiến về dự thảo?", deadline=now + timedelta(days=3))
        document = Document(title="Tờ trình", created_by_id=signer.id)
        db.session.add_all([organisation, meeting, poll, document])
        db.session.flush()
        document.versions.append(DocumentVersion(
            number=1, kind="docx", sha256=file_of("document_versions.sha256"), size=1,
            filename="to-trinh.docx", state="ready",
            pdf_sha256=file_of("document_versions.pdf_sha256"), pages=1))
        db.session.add(MinutesVersion(
            meeting_id=meeting.id, kind="minutes", number=1,
            sha256=file_of("minutes_versions.sha256"), size=1, filename="bien-ban.docx",
            source="generated"))
        db.session.add(PollResponse(poll_id=poll.id, user_id=signer.id, answer="agree",
                                    ballot_sha256=file_of("poll_responses.ballot_sha256")))
        decision = Decision(kind="cong_van", summary="Về việc thử", body="Nội dung",
                            issuer_id=organisation.id, authority="BỘ TRƯỞNG",
                            signer_id=signer.id, pdf_sha256=file_of("decisions.pdf_sha256"))
        decision.attachments.append(DecisionAttachment(
            position=1, title="Phụ lục", source_sha256=file_of(
                "decision_attachments.source_sha256"),
            pdf_sha256=file_of("decision_attachments.pdf_sha256")))
        decision.signatures.append(DecisionSignature(
            role="signer", user_id=signer.id, field_name="Signature1", level="B-T",
            pdf_sha256=file_of("decision_signatures.pdf_sha256")))
        db.session.add(decision)
        db.session.add(MeetingPack(meeting_id=meeting.id, cache_key="c" * 64,
                                   pdf_sha256=file_of("meeting_packs.pdf_sha256"), pages=1,
                                   layout="{}", created_at=now - timedelta(hours=1)))
        db.session.add(AxisOutgoing(recipients='["000.00.00.G12"]', messagetype="edoc", size=1,
                                    package_sha256=file_of("axis_outgoing.package_sha256")))
        db.session.add(AxisIncoming(remote_id="r-1", sender="000.00.00.G12", messagetype="edoc",
                                    size=1, package_sha256=file_of(
                                        "axis_incoming.package_sha256")))
        incoming = IncomingDocument(
            year=2026, number=1, document_id="000.00.00.G22,2026/12/04,1/VPCP",
            sender_identifier="000.00.00.G22", sender_name="Văn phòng Chính phủ",
            code_number="1", code_notation="VPCP", subject="Về việc thử",
            promulgation_date=now.date(),
            package_sha256=file_of("incoming_documents.package_sha256"))
        incoming.attachments.append(IncomingAttachment(
            position=1, name="a.pdf", content_type="application/pdf", size=1,
            sha256=file_of("incoming_attachments.sha256")))
        db.session.add(incoming)
        db.session.add(IncomingQuarantine(
            sender_identifier="000.00.00.G22", reason="bad_signature", message="…",
            package_sha256=file_of("incoming_quarantine.package_sha256")))
    assert not unused, f"no row built for {sorted(unused)}"
    orphan = store(b"named by nothing")

    report = sweep(app)

    assert all(stored_path(digest).exists() for digest in digests.values())
    assert not stored_path(orphan).exists()
    assert (report.kept_referenced, report.files_removed) == (len(digests), 1)


def test_a_hash_named_only_in_the_audit_trail_is_kept(app, store, stored_path):
    evidence, upper, other = store(b"evidence"), store(b"named in capitals"), store(b"other")
    longer = store(b"inside a longer run of hex digits")
    with app.app_context(), unit_of_work():
        audit.record("test.evidence", details={
            "nested": {"files": [f"sha256:{evidence}"]}, "upper": upper.upper(),
            "not_a_hash": f"{longer}00"})

    report = sweep(app)

    assert stored_path(evidence).exists() and stored_path(upper).exists()
    assert not stored_path(other).exists() and not stored_path(longer).exists()
    assert (report.kept_referenced, report.files_removed) == (2, 2)


def test_a_fresh_unreferenced_file_is_kept(app, store, stored_path):
    """A transaction may have stored its bytes and not committed its row yet."""
    digest = store(b"just written", old=False)
    report = sweep(app)
    assert stored_path(digest).exists()
    assert (report.kept_recent, report.files_removed) == (1, 0)



def test_bytes_stored_again_count_as_fresh(app, store, stored_path):
    """An old orphan written again by a transaction not committed yet must survive: storing
    bytes that exist already starts their grace period anew."""
    digest = store(b"an old orphan, uploaded again")
    assert store(b"an old orphan, uploaded again", old=False) == digest
    report = sweep(app)
    assert stored_path(digest).exists()
    assert (report.kept_recent, report.files_removed) == (1, 0)



# --- meeting packs -------------------------------------------------------------------------------

def test_old_packs_go_with_their_pdf_and_a_recent_pack_stays(app, store, stored_path, add_pack):
    old_pdf, recent_pdf = store(b"%PDF old pack"), store(b"%PDF recent pack")
    old = add_pack(old_pdf, created_ago=OLD, key="old plan")
    recent = add_pack(recent_pdf, created_ago=timedelta(hours=1), key="recent plan")

    report = sweep(app)

    assert pack_ids(app) == {recent}
    assert old not in pack_ids(app)
    assert not stored_path(old_pdf).exists()
    assert stored_path(recent_pdf).exists(), "its file is old, but a row names it"
    assert (report.packs_removed, report.files_removed, report.kept_referenced) == (1, 1, 1)


def test_a_pack_pdf_shared_with_a_recent_pack_stays(app, store, stored_path, add_pack):
    shared = store(b"%PDF the same bytes for two plans")
    add_pack(shared, created_ago=OLD, key="plan a")
    recent = add_pack(shared, created_ago=timedelta(hours=1), key="plan b")
    assert sweep(app).packs_removed == 1
    assert pack_ids(app) == {recent} and stored_path(shared).exists()


def pack_for(plan: PackPlan):
    """What a download gets: the stored pack, else the one its build job makes (the local
    worker thread, waited for)."""
    with unit_of_work():
        built = packs.stored_pack(plan.key())
        if built is None:
            packs.request_build(plan)
    if built is None:
        assert local_worker().wait_idle(timeout=60)
        built = packs.stored_pack(plan.key())
    assert built is not None
    return built


def test_a_swept_pack_is_built_again_on_the_next_download(app, meeting_id):
    plan = PackPlan(meeting_id=meeting_id, title="Phiên họp thường kỳ", kind="regular",
                    starts_at=datetime(2025, 5, 2, 8, 30, tzinfo=UTC), location="Hà Nội")
    with app.app_context():
        first = pack_for(plan)
        with unit_of_work():
            row = db.session.scalar(select(MeetingPack))
            row.created_at = datetime.now(UTC) - OLD
            digest = row.pdf_sha256
        age(storage.path_for(digest))

        report = storage_sweep.sweep()

        assert report.packs_removed == 1 and not storage.exists(digest)
        again = pack_for(plan)
        assert again.pages == first.pages
        assert db.session.scalar(select(func.count(MeetingPack.id))) == 1
        assert storage.exists(db.session.scalar(select(MeetingPack.pdf_sha256)))



def test_a_pack_swept_while_it_is_being_rebuilt_is_written_anew(app, meeting_id, monkeypatch):
    """A download found the row, its file was gone, and the sweep removed the row while the
    pack was being built again: the download still succeeds and the row is back."""
    from ecabinet.packs import build as builder

    plan = PackPlan(meeting_id=meeting_id, title="Phiên họp thường kỳ", kind="regular",
                    starts_at=datetime(2025, 5, 2, 8, 30, tzinfo=UTC), location="Hà Nội")
    real_build = builder.build

    def build_while_the_sweep_runs(*args, **kwargs):
        db.session.execute(delete(MeetingPack))  # what the sweep's transaction does
        return real_build(*args, **kwargs)

    with app.app_context():
        digest = pack_for(plan).data and db.session.scalar(select(MeetingPack.pdf_sha256))
        storage.path_for(digest).unlink()
        monkeypatch.setattr(builder, "build", build_while_the_sweep_runs)
        again = pack_for(plan)
        assert again.pages >= 1
        assert db.session.scalar(select(func.count(MeetingPack.id))) == 1
        assert storage.exists(db.session.scalar(select(MeetingPack.pdf_sha256)))


# --- never looked at -----------------------------------------------------------------------------

def test_what_is_not_a_stored_file_is_left_alone(app, store, stored_path, root, tmp_path):
    digest = store(b"a real neighbour", old=False)
    folder = stored_path(digest).parent
    elsewhere = "ef01" + "2" * 60
    outside = tmp_path / "outside"
    (outside / "01").mkdir(parents=True)
    target = outside / "01" / elsewhere
    target.write_bytes(b"not in storage")
    junk = [
        folder / "notes.txt",
        folder / digest.upper(),  # not lowercase
        folder / digest[:63],  # too short
        folder / ("0000" + digest[4:]),  # a hash in another hash's folder
        root / ("a" * 64),  # outside the two levels of folders
    ]
    for path in junk:
        path.write_bytes(b"junk")
    (root / "zz").mkdir()
    junk.append(root / "zz" / ("b" * 64))  # a folder not named by hex digits
    junk[-1].write_bytes(b"junk")
    (folder / ("c" * 64)).mkdir()  # a folder with a hash's name
    junk.append(folder / ("c" * 64))
    link = folder / (digest[:4] + "d" * 60)  # a link named like a stored file
    link.symlink_to(target)
    (root / "ef").symlink_to(outside, target_is_directory=True)  # a linked folder
    for path in [*junk, link, root / "ef", target]:
        age(path)

    report = sweep(app)

    assert all(path.exists() for path in junk)
    assert link.is_symlink() and target.read_bytes() == b"not in storage"
    assert (report.files_removed, report.temp_removed) == (0, 0)
    # notes.txt, the capitals, the short name, the misplaced hash, the folder, the link
    assert report.ignored == 6


def test_a_missing_storage_folder_is_an_empty_sweep(make_app, tmp_path):
    app = make_app(STORAGE_DIR=str(tmp_path / "never-written"))
    report = sweep(app)
    assert report.counts() == storage_sweep.SweepReport(False, 24.0).counts()
    assert not (tmp_path / "never-written").exists()


def test_a_negative_grace_is_refused(app):
    with pytest.raises(ValueError):
        sweep(app, grace=timedelta(hours=-1))


# --- dry run and audit ---------------------------------------------------------------------------

def test_a_dry_run_removes_nothing_and_reports_what_the_sweep_then_does(
        app, store, stored_path, add_pack, root):
    orphans = [store(b"orphan one"), store(b"orphan two")]
    kept = store(b"kept", old=False)
    old_pack_pdf, recent_pack_pdf = store(b"%PDF old"), store(b"%PDF recent")
    add_pack(old_pack_pdf, created_ago=OLD, key="old")
    add_pack(recent_pack_pdf, created_ago=timedelta(minutes=5), key="recent")
    temp = stored_path(kept).parent / ".tmp-left"
    temp.write_bytes(b"left by a crash")
    age(temp)
    (stored_path(kept).parent / "README").write_bytes(b"junk")
    before = sorted(path for path in root.rglob("*"))

    dry = sweep(app, dry_run=True)

    assert sorted(path for path in root.rglob("*")) == before
    assert len(pack_ids(app)) == 2
    assert sweep_entries(app) == []
    assert dry.dry_run
    assert (dry.packs_removed, dry.files_removed, dry.temp_removed) == (1, 3, 1)
    assert (dry.kept_referenced, dry.kept_recent, dry.ignored) == (1, 1, 1)

    real = sweep(app)

    assert real.counts() == dry.counts()
    assert not any(stored_path(digest).exists() for digest in [*orphans, old_pack_pdf])
    assert not temp.exists() and len(pack_ids(app)) == 1


def test_the_sweep_is_recorded_in_the_audit_trail(app, store, add_pack):
    store(b"orphan")
    add_pack(store(b"%PDF old"), created_ago=OLD, key="old")

    report = sweep(app, grace=timedelta(hours=12))

    [entry] = sweep_entries(app)
    assert json.loads(entry.details) == report.counts()
    assert json.loads(entry.details)["packs_removed"] == 1
    assert json.loads(entry.details)["files_removed"] == 2
    assert json.loads(entry.details)["grace_hours"] == 12
    assert entry.actor_id is None and entry.object_type == "storage"
    with app.app_context():
        assert audit.verify_chain().ok


def test_a_file_that_cannot_be_removed_is_counted_and_the_rest_goes_on(
        app, store, stored_path, monkeypatch):
    stuck, other = store(b"stuck"), store(b"removable")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if str(path).endswith(stuck):
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(storage_sweep.os, "unlink", unlink)
    report = sweep(app)
    assert stored_path(stuck).exists() and not stored_path(other).exists()
    assert (report.errors, report.files_removed) == (1, 1)
    assert json.loads(sweep_entries(app)[0].details)["errors"] == 1
