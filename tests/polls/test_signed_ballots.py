"""Signed ballots: each answer to a written poll rendered as a one-page PDF and signed with the
member's key in the token (B-T, the demo TSA over real HTTP); the poll's proof bundle."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from ecabinet import storage
from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity.models import User
from ecabinet.polls import services
from ecabinet.polls.models import Poll, PollRecipient
from ecabinet.signing import validation
from tests.pki import PIN, pdfsig, qpdf_check, run


@pytest.fixture
def signed_poll(pki_app, signing_keys):
    """A poll with signed ballots sent to the demo signer (who holds a key) and one member
    without a key (added after it went out, as when a key is revoked meanwhile: a poll asking
    for signed ballots is refused for keyless recipients, tests/polls/test_secretariat_tools.py)."""
    with pki_app.app_context(), unit_of_work():
        secretariat = identity.create_user(email="tk@chinhphu.vn", name="Vũ Thị Lan",
                                           roles=["secretariat"], password="x" * 12)
        keyless = identity.create_user(email="bt@chinhphu.vn", name="Phạm Quốc Bảo",
                                       roles=["member"], password="x" * 12)
        poll = services.create_poll(
            db.session.get(User, secretariat.id),
            question="Ý kiến về dự thảo Nghị định quy định chi tiết Luật Đầu tư công?",
            deadline=datetime.now(UTC) + timedelta(days=2),
            recipient_ids=[signing_keys.signer_id], signed_ballots=True)
        poll.recipients.append(PollRecipient(user_id=keyless.id))
        return poll.id, secretariat.id, keyless.id


def _respond(app, poll_id, user_id, **answer):
    with app.app_context(), unit_of_work():
        poll = db.session.get(Poll, poll_id)
        return services.respond(db.session.get(User, user_id), poll, **answer).ballot_sha256


def test_an_answer_becomes_a_signed_ballot(pki_app, signing_keys, signed_poll, tmp_path):
    poll_id, _, _ = signed_poll
    digest = _respond(pki_app, poll_id, signing_keys.signer_id, answer="other",
                      comment="Đề nghị bổ sung quy định chuyển tiếp tại Điều 45.", pin=PIN)
    assert digest
    with pki_app.app_context():
        ballot = storage.get(digest)
        report = validation.validate_pdf(ballot)
    path = tmp_path / "ballot.pdf"
    path.write_bytes(ballot)
    text = run(["pdftotext", str(path), "-"]).stdout
    assert "PHIẾU LẤY Ý KIẾN THÀNH VIÊN CHÍNH PHỦ" in text
    assert "Nguyễn Văn Ký" in text and "Điều 45" in text
    signature, = report["signatures"]
    assert report["valid"] and signature["valid"]
    assert signature["integrity"] == {"intact": True, "valid": True}
    assert signature["trust"]["trusted"] and signature["level"] == "B-T"
    assert signature["timestamp"]["valid"]
    referee = pdfsig(path)
    assert "Signature is Valid" in referee and "Total document signed" in referee
    assert qpdf_check(path).returncode == 0


def test_a_wrong_or_missing_pin_records_nothing(pki_app, signing_keys, signed_poll):
    poll_id, _, keyless_id = signed_poll
    for pin, code in ((None, "pin_required"), ("000000", "wrong_pin")):
        with pytest.raises(DomainError) as refused:
            _respond(pki_app, poll_id, signing_keys.signer_id, answer="agree", pin=pin)
        assert refused.value.code == code
    # A member without a key cannot answer a signed poll: told so, nothing stored.
    with pytest.raises(DomainError):
        _respond(pki_app, poll_id, keyless_id, answer="agree", pin=PIN)
    with pki_app.app_context():
        assert db.session.get(Poll, poll_id).responses == []


def test_the_proof_bundle_holds_every_signed_ballot(pki_app, signing_keys, signed_poll):
    poll_id, secretariat_id, _ = signed_poll
    digest = _respond(pki_app, poll_id, signing_keys.signer_id, answer="agree", pin=PIN)
    with pki_app.app_context():
        poll = db.session.get(Poll, poll_id)
        secretariat = db.session.get(User, secretariat_id)
        signer = db.session.get(User, signing_keys.signer_id)
        with pytest.raises(DomainError):  # a member is not the secretariat
            services.proof_bundle(signer, poll, b"docx")
        bundle = services.proof_bundle(secretariat, poll, b"the result")
        assert services.ballot_of(signer, poll, signer.id) == storage.get(digest)
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    manifest = json.loads(archive.read("manifest.json"))
    ballot, = manifest["ballots"]
    assert ballot["sha256"] == digest and ballot["answer"] == "agree"
    assert archive.read(ballot["file"]) == storage_bytes(pki_app, digest)
    assert archive.read("tong-hop-ket-qua.docx") == b"the result"


def storage_bytes(app, digest):
    with app.app_context():
        return storage.get(digest)
