"""Every notice the app mails has one form: addressed to the person by name, one mail each,
the subject cut to what a mail header holds, the link absolute (the reader opens it from a
mail client)."""

from datetime import UTC, datetime
from types import SimpleNamespace

from ecabinet.notify.mail import letters
from ecabinet.notify.polls import reminder_mails


def test_a_poll_reminder_reaches_each_member_by_name(app, monkeypatch):
    people = [SimpleNamespace(email="a@gov.vn", name="Phạm Quốc Bảo"),
              SimpleNamespace(email="b@gov.vn", name="Nguyễn Thu Hà")]
    poll = SimpleNamespace(id=7, question="Ý kiến về dự thảo Nghị định " + "x" * 300,
                           deadline=datetime(2026, 12, 10, 9, tzinfo=UTC))
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://ecabinet.example.gov.vn/")
    with app.test_request_context():
        mails = reminder_mails(poll, people)
    assert [m.to for m in mails] == ["a@gov.vn", "b@gov.vn"]
    assert mails[0].text.startswith("Kính gửi đồng chí Phạm Quốc Bảo,\n\n")
    assert "https://ecabinet.example.gov.vn/polls/7\n" in mails[1].text
    assert "//polls" not in mails[1].text
    assert all(len(m.subject) == 200 for m in mails)


def test_no_people_no_mail(app):
    assert letters([], "Tiêu đề", "Nội dung") == []
