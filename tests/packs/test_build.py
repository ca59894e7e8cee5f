"""Building a pack from a plan, without the app: notes for documents not ready, Vietnamese text
that extracts exactly, labels and outline of items without documents."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from ecabinet.packs.build import build
from ecabinet.packs.plan import PackDocument, PackItem, PackPlan
from tests.packs.conftest import page_texts, text_pdf

STORE = {"a" * 64: text_pdf(2, "ALPHA"), "b" * 64: text_pdf(3, "BETA")}


def _doc(document_id, title, state="ready", sha=None, confidential=False, ready_number=1):
    ready = sha is not None
    return PackDocument(document_id=document_id, title=title, confidential=confidential,
                        version_id=document_id * 10 if ready else None,
                        version_number=ready_number if ready else None,
                        pdf_sha256=sha, latest_number=2 if state != "ready" and ready else 1,
                        latest_state=state)


def _plan(*items) -> PackPlan:
    return PackPlan(meeting_id=7, title="Phiên họp Chính phủ thường kỳ tháng 2 năm 2026",
                    kind="regular", starts_at=datetime(2026, 2, 5, 1, 30, tzinfo=UTC),
                    location="Trụ sở Chính phủ", items=items)


def test_documents_not_ready_are_noted_on_the_agenda_and_left_out():
    plan = _plan(
        PackItem(1, 1, "Dự án Luật Đất đai (sửa đổi)", "Bộ Tài nguyên và Môi trường", False, (
            _doc(1, "Tờ trình số 12", sha="a" * 64),
            _doc(2, "Dự thảo Luật đang soạn", state="converting"),
            _doc(3, "Báo cáo thẩm định hỏng", state="failed"),
        )),
        PackItem(2, 2, "Các vấn đề khác", None, False, ()),
        PackItem(3, 3, "Đề án cải cách tiền lương", "Bộ Nội vụ", False, (
            # a newer version is converting: the older ready one is used, and that is said
            _doc(4, "Đề án", state="converting", sha="b" * 64),
        )),
    )
    built = build(plan, STORE.__getitem__)
    reader = PdfReader(io.BytesIO(built.data))
    assert built.pages == len(reader.pages) == 2 + 2 + 3
    assert reader.page_labels == ["i", "ii", "1", "2", "3", "4", "5"]
    agenda = page_texts(built.data)[1]
    assert "Dự thảo Luật đang soạn" in agenda and "đang chuyển đổi" in agenda
    assert "Báo cáo thẩm định hỏng" in agenda and "lỗi" in agenda
    assert "(bản 2: đang chuyển đổi)" in agenda
    assert "(Không có tài liệu)" in agenda
    # The item without documents points at the agenda page; the others at their first page.
    outline = reader.outline
    targets = {entry.title: reader.get_destination_page_number(entry)
               for entry in outline if not isinstance(entry, list)}
    assert targets == {"1. Dự án Luật Đất đai (sửa đổi)": 2, "2. Các vấn đề khác": 1,
                       "3. Đề án cải cách tiền lương": 4}
    assert [(p.document_id, p.first, p.count) for p in built.placed] == [(1, 2, 2), (4, 4, 3)]


def test_vietnamese_comes_back_out_exactly():
    title = "Nghị quyết về những giải pháp chủ yếu cải thiện môi trường kinh doanh, nâng cao " \
            "năng lực cạnh tranh quốc gia năm 2026 (Ủy ban Quản lý vốn nhà nước)"
    plan = PackPlan(1, title, "regular", datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
                    "Phòng họp số 1, Trụ sở Chính phủ", ())
    built = build(plan, STORE.__getitem__)
    cover = " ".join(page_texts(built.data)[0].split())
    assert " ".join(title.split()) in cover
    assert "Thời gian: 08:00, ngày 01 tháng 12 năm 2026" in cover
    assert "Địa điểm: Phòng họp số 1, Trụ sở Chính phủ" in cover
    # pypdf reads the same text back through the ToUnicode map
    assert "TÀI LIỆU PHIÊN HỌP" in PdfReader(io.BytesIO(built.data)).pages[0].extract_text()


def test_a_long_agenda_flows_over_several_pages():
    items = tuple(PackItem(i, i, f"Nội dung thứ {i}: báo cáo của các bộ, ngành về việc thực "
                                 f"hiện nhiệm vụ được giao tại phiên họp trước", "Bộ Tư pháp",
                           False, (_doc(i, f"Tờ trình {i}", sha="a" * 64),))
                  for i in range(1, 31))
    built = build(_plan(*items), STORE.__getitem__)
    assert built.front >= 3
    labels = PdfReader(io.BytesIO(built.data)).page_labels
    assert labels[:built.front] == ["i", "ii", "iii", "iv", "v"][:built.front]
    assert labels[built.front] == "1"
    agenda = "\n".join(page_texts(built.data)[1:built.front])
    assert "30. Nội dung thứ 30" in agenda


@pytest.mark.parametrize("damaged", [b"%PDF-1.7 nothing here", None])
def test_a_stored_pdf_that_cannot_be_read_is_noted_not_fatal(damaged):
    def load(digest):
        if digest == "c" * 64:
            if damaged is None:
                raise FileNotFoundError(digest)
            return damaged
        return STORE[digest]

    plan = _plan(PackItem(1, 1, "Mục", None, False, (
        _doc(1, "Hỏng trong kho", sha="c" * 64), _doc(2, "Tốt", sha="a" * 64))))
    built = build(plan, load)
    assert built.pages == 2 + 2
    assert "lỗi" in page_texts(built.data)[1]
