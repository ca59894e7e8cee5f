"""The reviewers are e-mailed when a new version is uploaded during their round, whichever the
drafting side chose (issue 9, point 11): kept on the earlier version, or moved to the new one.
A real SMTP server on loopback (tests/fixtures/mail.py) keeps what arrives."""

from __future__ import annotations

import pytest

from tests.consultation.test_superseded import _choose, _upload_v2
from tests.fixtures.mail import mail_config, subject, text_of


@pytest.fixture
def app(make_app, fake_converter, smtp):
    return make_app(CONVERTER_COMMAND=fake_converter, **mail_config(smtp[0]))


def _to(messages, user) -> list:
    return [m for m in messages if m["To"] == user.email]


@pytest.mark.parametrize("choice", ["keep", "move"])
def test_the_reviewers_are_e_mailed_in_both_choices(app, client, cast, draft, smtp, choice):
    _, inbox = smtp
    _upload_v2(client, cast, draft)
    before = len(inbox.wait_for(0))
    _choose(app, cast, draft, choice)
    messages = inbox.wait_for(before + 2)[before:]
    for who in ("r1", "r2"):
        mail, = _to(messages, cast.users[who])
        body = text_of(mail)
        assert "Lấy ý kiến dự thảo Nghị định" in subject(mail)
        assert "phiên bản 1" in body and "phiên bản 2" in body, body
        assert "https://ecabinet.gov.vn/consultation/rounds/" in body
    assert not _to(messages, cast.users["drafter"])  # the one who chose is not told


def test_a_confidential_draft_s_title_does_not_travel_by_mail(app, client, cast, smtp):
    from tests.consultation.conftest import Draft, draft_docx, in_days
    from tests.docs.conftest import upload

    _, inbox = smtp
    status, document = upload(client, cast.headers("drafter"), draft_docx(),
                              filename="du-thao-mat.docx", title="Phương án nhân sự",
                              classification="confidential")
    assert status == 201, document
    response = client.post("/api/v1/consultation-rounds", headers=cast.headers("drafter"),
                           json={"document_id": document["id"], "version": 1,
                                 "deadline": in_days(7), "reviewer_ids": [cast.users["r1"].id],
                                 "title": "Phương án nhân sự"})
    assert response.status_code == 201, response.get_json()
    draft = Draft(document["id"], response.get_json()["id"])
    _upload_v2(client, cast, draft)
    _choose(app, cast, draft, "keep")
    mail, = _to(inbox.wait_for(1), cast.users["r1"])
    assert "Phương án nhân sự" not in subject(mail) + text_of(mail)
    assert "phiên bản 1" in text_of(mail)
