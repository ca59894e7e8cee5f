"""A package arriving: registered in order with status 01 sent back, or quarantined with
status 02 and its reason — never registered — and the next one still processed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.interchange import edxml
from ecabinet.interchange.axis.models import AxisIncoming, IncomingState
from ecabinet.interchange.incoming.models import IncomingDocument, IncomingQuarantine
from tests.interchange.incoming.conftest import (
    FINANCE,
    GOV_OFFICE,
    deliver,
    hand_over,
    numbered,
    package_bytes,
    statuses_sent,
)

NGHE_AN = "000.00.00.H41"


def register_rows(app):
    with app.app_context():
        rows = db.session.scalars(select(IncomingDocument).order_by(IncomingDocument.id)).all()
        return [(r.number, r.document_id, r.state, r.sender_id is not None) for r in rows]


def quarantine_rows(app):
    with app.app_context():
        return [(q.reason, q.outgoing_id is not None, q.duplicate_of_id) for q in
                db.session.scalars(select(IncomingQuarantine).order_by(IncomingQuarantine.id))]


def test_valid_packages_are_numbered_in_order_and_acknowledged(ministry, test_pki, pdfs):
    deliver(ministry, numbered(test_pki, pdfs.signed, 101))
    deliver(ministry, numbered(test_pki, pdfs.signed, 102))
    report = hand_over(ministry)

    assert len(report.handed_over) == 2 and not report.failed
    assert register_rows(ministry) == [
        (1, f"{GOV_OFFICE},2026/12/04,101/VPCP-KTTH", "received", True),
        (2, f"{GOV_OFFICE},2026/12/04,102/VPCP-KTTH", "received", True)]
    sent = statuses_sent(ministry, test_pki)
    assert [(to, s.status_code, s.response_for.document_id) for to, s in sent] == [
        (GOV_OFFICE, edxml.StatusCode.RECEIVED, f"{GOV_OFFICE},2026/12/04,101/VPCP-KTTH"),
        (GOV_OFFICE, edxml.StatusCode.RECEIVED, f"{GOV_OFFICE},2026/12/04,102/VPCP-KTTH")]
    assert sent[0][1].from_.organ_id == FINANCE
    with ministry.app_context():
        document = db.session.scalar(select(IncomingDocument).where(IncomingDocument.number == 1))
        assert document.subject.startswith("Về việc phê duyệt")
        assert document.attachments[0].sha256 and document.attachments[0].size > 1000
        assert [e.status_code for e in document.events] == ["01"]
        assert {m.state for m in db.session.scalars(select(AxisIncoming))} == {
            IncomingState.RECEIVED}


def test_a_duplicate_is_flagged_not_registered_twice(ministry, test_pki, pdfs):
    first = numbered(test_pki, pdfs.signed, 7)
    deliver(ministry, first)
    hand_over(ministry)
    # The same package again, and another DocumentId (another day) with the same number and
    # symbol from the same issuer in the same year.
    from datetime import date

    deliver(ministry, first)
    deliver(ministry, package_bytes(
        test_pki, pdfs.signed, code=edxml.Code("7", "VPCP-KTTH"),
        promulgation=edxml.PromulgationInfo("Hà Nội", date(2026, 12, 5)),
        document_id=edxml.DocumentId(GOV_OFFICE, date(2026, 12, 5), "7", "VPCP-KTTH")))
    hand_over(ministry)

    assert [row[0] for row in register_rows(ministry)] == [1]
    with ministry.app_context():
        original = db.session.scalar(select(IncomingDocument.id))
    assert quarantine_rows(ministry) == [("duplicate", False, original)] * 2
    assert len(statuses_sent(ministry, test_pki)) == 1  # the first copy's 01 only


def _hostile(test_pki, pdfs):
    """Every kind of bad package, with the reason it must be quarantined for."""
    good = numbered(test_pki, pdfs.signed, 500)
    billion = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
               b'"&lol;&lol;&lol;&lol;">]><edXML>&lol2;</edXML>')
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<r>&x;</r>')
    return {
        "not_well_formed": good[: len(good) // 2],
        "dtd_forbidden": billion,
        "dtd_forbidden_xxe": xxe,
        "schema_invalid": good.replace(b"<edXML:Subject>", b"<edXML:Subjekt>", 1)
        .replace(b"</edXML:Subject>", b"</edXML:Subjekt>", 1),
        "bad_signature": good.replace("Nguyễn Văn Ký".encode(), "Nguyễn Văn Giả".encode()),
        "untrusted_certificate": numbered(test_pki, pdfs.signed, 501, signer=test_pki.stranger),
        "unknown_sender": numbered(
            test_pki, pdfs.signed, 502, signer=test_pki.anonymous,
            from_=edxml.Organisation(NGHE_AN, "UBND tỉnh Nghệ An")),
        "misaddressed": numbered(test_pki, pdfs.signed, 503, to=(
            edxml.Organisation("000.00.00.G09", "Bộ Y tế"),)),
        "pdf_unsigned": numbered(test_pki, pdfs.unsigned, 504),
        "pdf_signature": numbered(test_pki, pdfs.untrusted, 505),
        "pdf_signature_tampered": numbered(test_pki, _tampered(pdfs.signed), 506),
        "too_large": b"<a>" + b"x" * (21 * 1024 * 1024) + b"</a>",
    }


def _tampered(pdf: bytes) -> bytes:
    at = pdf.find(b"/MediaBox")
    return pdf[:at] + b"/MediaBoy" + pdf[at + 9:]


def test_every_hostile_package_is_quarantined_with_02_and_the_next_goes_on(
        ministry, test_pki, pdfs):
    cases = _hostile(test_pki, pdfs)
    for reason, data in cases.items():
        # The unknown sender is authenticated by the service (it is on the axis), sealed with
        # a trusted certificate naming no identifier: only the directory does not know it.
        deliver(ministry, data, sender=NGHE_AN if reason == "unknown_sender" else GOV_OFFICE)
    deliver(ministry, numbered(test_pki, pdfs.signed, 999))  # a good one after them all
    report = hand_over(ministry)

    assert not report.failed
    reasons = [reason for reason, _sent, _dup in quarantine_rows(ministry)]
    assert reasons == [name.removesuffix("_xxe").removesuffix("_tampered") for name in cases]
    assert all(sent for _reason, sent, _dup in quarantine_rows(ministry))
    assert register_rows(ministry) == [
        (1, f"{GOV_OFFICE},2026/12/04,999/VPCP-KTTH", "received", True)]
    sent = statuses_sent(ministry, test_pki)
    assert [s.status_code for _to, s in sent] == [edxml.StatusCode.REFUSED] * len(cases) + [
        edxml.StatusCode.RECEIVED]
    assert {to for to, _s in sent} == {GOV_OFFICE, NGHE_AN}
    # The sender is told which document, when it could be read, and why.
    by_reason = dict(zip(reasons, (s for _to, s in sent), strict=False))
    assert by_reason["bad_signature"].response_for.document_id.endswith("500/VPCP-KTTH")
    assert by_reason["pdf_unsigned"].description
    with ministry.app_context():
        assert db.session.scalar(select(IncomingQuarantine.detail).where(
            IncomingQuarantine.reason == "pdf_signature").limit(1))


def test_a_sender_that_is_not_who_the_service_says_is_refused(ministry, test_pki, pdfs):
    deliver(ministry, numbered(test_pki, pdfs.signed, 1), sender="000.00.00.G09")
    hand_over(ministry)
    assert quarantine_rows(ministry) == [("sender_mismatch", True, None)]
    assert register_rows(ministry) == []
    assert [to for to, _s in statuses_sent(ministry, test_pki)] == ["000.00.00.G09"]


def test_a_failure_to_seal_leaves_the_message_stored_for_the_next_run(
        ministry, test_pki, pdfs, monkeypatch):
    from ecabinet.interchange import installation
    from ecabinet.interchange.incoming import statuses

    deliver(ministry, numbered(test_pki, pdfs.signed, 1))
    sealing = installation.package_signer

    def broken():
        raise RuntimeError("token unplugged")

    monkeypatch.setattr(installation, "package_signer", broken)
    assert hand_over(ministry).failed
    assert register_rows(ministry) == [] and statuses_sent(ministry, test_pki) == []
    monkeypatch.setattr(installation, "package_signer", sealing)
    assert statuses  # the module sends through installation.package_signer
    hand_over(ministry)
    assert [row[0] for row in register_rows(ministry)] == [1]


@pytest.mark.parametrize("year_end", [True])
def test_the_register_year_is_vietnams(year_end):
    from datetime import UTC, datetime

    from ecabinet.interchange.incoming.register import register_year

    assert register_year(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == 2027
    assert register_year(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == 2026
