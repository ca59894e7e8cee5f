"""The register of outgoing documents as its keepers read it (issue 9, point 16): a page and
`GET /api/v1/register?year=&format=` (json, csv, xlsx) with the register's columns, for the
clerks and the secretariat; a document the reader may not read keeps its line (the numbers stay
gapless) with its summary withheld."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from ecabinet.database import unit_of_work
from ecabinet.decisions import distribution
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.extensions import db
from tests.decisions.conftest import headers


def _issued(app, people, number, *, year=2026, kind="quyet_dinh", summary, recipients="",
            issued_at=None, user_recipients=()):
    symbol = {"quyet_dinh": "QĐ", "nghi_quyet": "NQ"}[kind]
    with app.app_context(), unit_of_work():
        decision = Decision(
            kind=kind, state=DecisionState.ISSUED.value, summary=summary, body="Điều 1.",
            issuer_id=people.issuer_id, authority="THỦ TƯỚNG",
            signer_id=people.signer.id, created_by_id=people.secretariat.id, year=year,
            number=number, symbol=f"{number:02d}/{symbol}-TTg",
            issued_at=issued_at or datetime(year, 3, number, 3, tzinfo=UTC),
            issued_by_id=people.clerk.id)
        decision.recipients = distribution.build(recipients, user_ids=user_recipients)
        db.session.add(decision)
        db.session.flush()
        return decision.id


@pytest.fixture
def book(app, people):
    _issued(app, people, 1, summary="Về việc phê duyệt Đề án chuyển đổi số",
            recipients="Các Bộ, cơ quan ngang bộ;\nLưu: VT, KSTT.",
            user_recipients=[people.member.id])
    _issued(app, people, 2, kind="nghi_quyet", summary="Về phiên họp Chính phủ thường kỳ")
    _issued(app, people, 1, year=2025, summary="Năm trước")
    # a draft is not in the register
    with app.app_context(), unit_of_work():
        db.session.add(Decision(kind="quyet_dinh", summary="Dự thảo", body="x",
                                issuer_id=people.issuer_id, authority="THỦ TƯỚNG",
                                signer_id=people.signer.id, state=DecisionState.DRAFT.value))


def test_the_register_lists_a_years_documents_with_their_columns(client, people, book):
    response = client.get("/api/v1/register?year=2026", headers=headers(people, "clerk"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["year"] == 2026 and 2025 in body["years"]
    first, second = body["entries"]
    assert first["symbol"] == "01/QĐ-TTg" and first["number"] == 1
    assert first["issued_on"] == "2026-03-01" and first["kind"] == "quyet_dinh"
    assert first["summary"] == "Về việc phê duyệt Đề án chuyển đổi số"
    assert first["signer"] == "Trần Minh Quang" and first["issuer"] == "Thủ tướng Chính phủ"
    assert first["recipients"] == ["Phạm Quốc Bảo", "Các Bộ, cơ quan ngang bộ", "Lưu: VT, KSTT"]
    assert second["symbol"] == "02/NQ-TTg"


def test_exports_in_csv_and_xlsx(client, people, book):
    response = client.get("/api/v1/register?year=2026&format=csv",
                          headers=headers(people, "secretariat"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "so-van-ban-di-2026.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Số, ký hiệu", "Ngày ban hành", "Loại văn bản"]
    assert rows[1][:3] == ["01/QĐ-TTg", "01/03/2026", "Quyết định"]
    response = client.get("/api/v1/register?year=2026&format=xlsx",
                          headers=headers(people, "clerk"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in str(values[0][0]) and "2026" in str(values[0][0])
    assert ["01/QĐ-TTg", "01/03/2026", "Quyết định"] in [row[:3] for row in values]


def test_only_the_registers_keepers_read_it(client, people, book):
    for who in ("member", "outsider", "signer"):
        response = client.get("/api/v1/register?year=2026", headers=headers(people, who))
        assert response.status_code == 403, who
    assert client.get("/api/v1/register?year=2026&format=pdf",
                      headers=headers(people, "clerk")).status_code == 422
    assert client.get("/api/v1/register?year=99999",
                      headers=headers(people, "clerk")).status_code == 422


def test_the_page_shows_the_year_and_offers_the_exports(app, people, book):
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(app, client).login(people.secretariat)
    page = client.get("/register?year=2026")
    assert page.status_code == 200
    assert "01/QĐ-TTg" in page.text and "Năm trước" not in page.text
    assert "format=xlsx" in page.text and "format=csv" in page.text
    assert "/register" in client.get("/decisions").text


def test_the_page_s_columns_are_the_register_s(app, people, book):
    """The page's headings are the export's columns (found walking the decision day: the
    recipients' column said "Người nhận phiếu", a written poll's word)."""
    import re

    from ecabinet.decisions.register_book import COLUMNS
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(app, client).login(people.clerk)
    page = client.get("/register?year=2026").text
    assert re.findall(r'<th scope="col">(.*?)</th>', page) == list(COLUMNS[:6])
