"""The clerk's pages: the register with its filters and .xlsx, a document with its history and
its next step (a form, CSRF and all), the quarantine, the leader's dashboard."""

from __future__ import annotations

import io

from tests.conftest import AuthActions, csrf_from
from tests.interchange.incoming.conftest import deliver, hand_over
from tests.interchange.incoming.test_workflow import people, registered  # noqa: F401


def signed_in(app, user):
    client = app.test_client()
    AuthActions(app, client).login(user)
    return client


def test_the_clerk_registers_from_the_page_and_the_leader_sees_it_to_assign(
        ministry, people, registered):  # noqa: F811
    clerk = signed_in(ministry, people["clerk"][0])
    page = clerk.get("/interchange/incoming")
    assert page.status_code == 200 and "42/VPCP-KTTH" in page.text
    assert "Sổ" in page.text or "Register" in page.text
    show = clerk.get(f"/interchange/incoming/{registered}")
    assert show.status_code == 200 and "Về việc phê duyệt" in show.text
    answer = clerk.post(f"/interchange/incoming/{registered}/accept", data={
        "csrf_token": csrf_from(show.text), "leader_id": str(people["leader"][0].id)})
    assert answer.status_code == 302
    assert "03" in clerk.get(f"/interchange/incoming/{registered}").text

    leader = signed_in(ministry, people["leader"][0])
    home = leader.get("/")
    assert f"/interchange/incoming/{registered}" in home.text


def test_the_register_exports_to_xlsx_with_its_filters(ministry, people, registered):  # noqa: F811
    from openpyxl import load_workbook

    clerk = signed_in(ministry, people["clerk"][0])
    answer = clerk.get("/interchange/incoming?format=xlsx&state=received")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[3]) for r in rows] == [(1, "42/VPCP-KTTH")]
    empty = clerk.get("/interchange/incoming?format=xlsx&state=done")
    assert list(load_workbook(io.BytesIO(empty.data)).active.iter_rows(min_row=4)) == []


def test_the_quarantine_page_shows_why(ministry, people):  # noqa: F811
    deliver(ministry, b"<edXML>not closed")
    hand_over(ministry)
    clerk = signed_in(ministry, people["clerk"][0])
    page = clerk.get("/interchange/incoming/quarantine")
    assert page.status_code == 200 and "not_well_formed" in page.text
    member = signed_in(ministry, people["member"][0])
    assert member.get("/interchange/incoming/quarantine").status_code == 403
    assert member.get("/interchange/incoming").status_code == 200  # an empty list


def test_a_document_page_is_hidden_from_who_may_not_read_it(ministry, people, registered):  # noqa: F811
    member = signed_in(ministry, people["stranger_clerk"][0])
    assert member.get(f"/interchange/incoming/{registered}").status_code == 404
    assert member.get(f"/interchange/incoming/{registered}/files/1").status_code == 404
    clerk = signed_in(ministry, people["clerk"][0])
    pdf = clerk.get(f"/interchange/incoming/{registered}/files/1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
