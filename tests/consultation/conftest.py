"""A draft decree of the Ministry of Justice sent for comments: the drafting member, the
secretariat, two reviewers, an outsider, and helpers to upload and comment through the API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document as new_docx

from tests.browser.conftest import (  # noqa: F401 - fixtures of the browser tests here
    browser,
    context,
    live_server,
    page,
    screenshot,
    tablet,
)
from tests.conftest import bearer
from tests.docs.conftest import (  # noqa: F401 - fixtures used in this folder
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
    fake_converter,
    new_version,
    upload,
)

PARAGRAPHS = [
    "NGHỊ ĐỊNH",
    "Quy định chi tiết một số điều của Luật Ban hành văn bản quy phạm pháp luật",
    "",  # an empty paragraph: not numbered
    "Điều 1. Phạm vi điều chỉnh",
    "Nghị định này quy định chi tiết về việc lấy ý kiến đối với dự thảo văn bản.",
    "Điều 2. Đối tượng áp dụng",
    "Nghị định này áp dụng đối với các bộ, cơ quan ngang bộ và cơ quan thuộc Chính phủ.",
]
#: The table after paragraph 5 (cells in order), then one paragraph after it.
TABLE = [["Cơ quan", "Thời hạn"], ["Bộ Tư pháp", "30 ngày"]]
AFTER_TABLE = "Điều 3. Hiệu lực thi hành"


def draft_docx(paragraphs=PARAGRAPHS, table=TABLE, after=AFTER_TABLE) -> bytes:
    document = new_docx()
    for text in paragraphs[:5]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    for text in paragraphs[5:]:
        document.add_paragraph(text)
    if after:
        document.add_paragraph(after)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


#: What the numbering of draft_docx() must be.
NUMBERED = [
    "NGHỊ ĐỊNH",
    "Quy định chi tiết một số điều của Luật Ban hành văn bản quy phạm pháp luật",
    "Điều 1. Phạm vi điều chỉnh",
    "Nghị định này quy định chi tiết về việc lấy ý kiến đối với dự thảo văn bản.",
    "Cơ quan", "Thời hạn", "Bộ Tư pháp", "30 ngày",
    "Điều 2. Đối tượng áp dụng",
    "Nghị định này áp dụng đối với các bộ, cơ quan ngang bộ và cơ quan thuộc Chính phủ.",
    "Điều 3. Hiệu lực thi hành",
]


@pytest.fixture
def app(make_app, fake_converter):  # noqa: F811 - the fixture imported above
    """Conversions by the fake converter: the paragraphs come from the .docx itself."""
    return make_app(CONVERTER_COMMAND=fake_converter)


@dataclass
class Cast:
    users: dict
    tokens: dict

    def headers(self, who: str) -> dict:
        return bearer(self.tokens[who])


@pytest.fixture
def cast(app, make_user, token_for, scenario):
    """Built the first time in a test process, restored from its snapshot after that
    (tests/fixtures/snapshots.py)."""
    return scenario("consultation.cast", app, lambda: _build_cast(make_user, token_for))


def _build_cast(make_user, token_for) -> Cast:
    users = {
        "drafter": make_user("member", name="Lê Thành Long", organisation="Bộ Tư pháp",
                             title="Bộ trưởng Bộ Tư pháp"),
        "secretariat": make_user("secretariat", name="Vũ Thị Lan",
                                 organisation="Văn phòng Chính phủ"),
        "r1": make_user("member", name="Phạm Quốc Bảo", organisation="Bộ Tài chính",
                        title="Thứ trưởng Bộ Tài chính"),
        "r2": make_user("member", name="Nguyễn Thu Hà", organisation="Bộ Nội vụ"),
        "outsider": make_user("member", name="Người ngoài"),
        "guest": make_user("guest", name="Đinh Công Sơn"),
    }
    return Cast(users, {name: token_for(user) for name, user in users.items()})


@pytest.fixture
def call(client):
    """call(cast, "r1", "POST", path, json) -> (status, body)"""

    def request(cast, who, method, path, json=None):
        response = client.open(path, method=method, json=json, headers=cast.headers(who))
        return response.status_code, response.get_json(silent=True)

    return request


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@dataclass
class Draft:
    document_id: int
    round_id: int


@pytest.fixture
def draft(app, client, cast, call, scenario):
    """The drafter's .docx, in a round open for a week with r1 and r2 as reviewers (built
    through the API the first time in a test process, then restored from its snapshot)."""
    return scenario("consultation.draft", app, lambda: _build_draft(client, cast, call))


def _build_draft(client, cast, call) -> Draft:
    status, document = upload(client, cast.headers("drafter"), draft_docx(),
                              filename="du-thao-nghi-dinh.docx", title="Dự thảo Nghị định")
    assert status == 201, document
    status, round_ = call(cast, "drafter", "POST", "/api/v1/consultation-rounds", {
        "document_id": document["id"], "version": 1, "deadline": in_days(7),
        "reviewer_ids": [cast.users["r1"].id, cast.users["r2"].id],
        "title": "Lấy ý kiến dự thảo Nghị định"})
    assert status == 201, round_
    return Draft(document["id"], round_["id"])
