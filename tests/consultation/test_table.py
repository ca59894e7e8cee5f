"""The consolidated table (Bảng tổng hợp, tiếp thu, giải trình ý kiến) as a .docx."""

from __future__ import annotations

import io
import os

from docx import Document as open_docx
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

from tests.consultation.conftest import NUMBERED
from tests.consultation.test_api import comment


def _answer(call, cast, comment_id, kind, text):
    status, _ = call(cast, "drafter", "PUT", f"/api/v1/consultation-comments/{comment_id}/answer",
                     {"kind": kind, "text": text})
    assert status == 200


def _table_of(client, cast, draft, who="drafter"):
    return client.get(f"/api/v1/consultation-rounds/{draft.round_id}/table",
                      headers=cast.headers(who))


def test_the_table_lists_comments_in_document_order_with_answers(client, call, cast, draft):
    late = comment(call, cast, draft, who="r1", anchor="p:10",
                   text="Đề nghị bổ sung cơ quan thuộc Chính phủ.")[1]
    first = comment(call, cast, draft, who="r2", anchor="p:4",
                    text="Đề nghị làm rõ khái niệm “dự thảo”.")[1]
    comment(call, cast, draft, who="r1", anchor="p:4", text="Nhất trí, bổ sung ví dụ.")
    call(cast, "drafter", "POST", f"/api/v1/consultation-comments/{first['id']}/replies",
         {"text": "Đề nghị Bộ Nội vụ gửi ví dụ."})
    _answer(call, cast, first["id"], "accepted", "Đã bổ sung khoản 2 Điều 1.")
    _answer(call, cast, late["id"], "explained", "Giữ như dự thảo vì đã có quy định riêng.")

    response = _table_of(client, cast, draft)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["Cache-Control"] == "private, no-store"
    document = open_docx(io.BytesIO(response.data))
    if os.environ.get("CONSULTATION_TABLE_OUT"):  # to render it by hand
        with open(os.environ["CONSULTATION_TABLE_OUT"], "wb") as out:
            out.write(response.data)

    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert abs(section.page_width - Mm(297)) < Mm(1) and abs(section.page_height - Mm(210)) < Mm(1)
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size == Pt(13)

    header = document.tables[0]
    left, right = header.rows[0].cells
    assert left.paragraphs[0].text == "BỘ TƯ PHÁP"  # the drafting agency
    assert [p.text for p in right.paragraphs if p.text][:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right.paragraphs[-1].text.startswith("Hà Nội, ngày ")
    body = [p.text for p in document.paragraphs]
    assert "BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN" in body

    table = document.tables[1]
    heads = [cell.text for cell in table.rows[0].cells]
    assert heads == ["STT", "Cơ quan, người góp ý", "Điều, đoạn", "Nội dung góp ý",
                     "Tiếp thu / giải trình"]
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    # p:4 (two comments, in the order written) before p:10
    assert rows[0][3].startswith("Đề nghị làm rõ") and rows[1][3] == "Nhất trí, bổ sung ví dụ."
    assert rows[2][3] == "Đề nghị bổ sung cơ quan thuộc Chính phủ."
    assert rows[0][1] == "Bộ Nội vụ\nNguyễn Thu Hà"
    assert rows[1][1] == "Bộ Tài chính\nPhạm Quốc Bảo (Thứ trưởng Bộ Tài chính)"
    # cited as lawyers cite them (one merged cell)
    assert rows[0][2] == rows[1][2] == f"Điều 1 (đoạn 4)\n“{NUMBERED[3]}”"
    assert table.rows[1].cells[2]._tc is table.rows[2].cells[2]._tc
    assert rows[2][2].startswith("Điều 2 (đoạn 10)\n“Nghị định này áp dụng")
    assert "Lê Thành Long: Đề nghị Bộ Nội vụ gửi ví dụ." in rows[0][3]
    assert rows[0][4] == "Tiếp thu. Đã bổ sung khoản 2 Điều 1."
    assert rows[1][4] == "Chưa trả lời"
    assert rows[2][4].startswith("Giải trình. Giữ như dự thảo")
    kind_run = table.rows[1].cells[4].paragraphs[0].runs[0]
    assert kind_run.text == "Tiếp thu. " and kind_run.bold


def test_an_empty_table_says_so(client, cast, draft):
    document = open_docx(io.BytesIO(_table_of(client, cast, draft).data))
    assert document.tables[1].rows[1].cells[0].text == "Chưa có ý kiến góp ý."


def test_only_the_drafting_side_downloads_the_table(client, cast, draft):
    assert _table_of(client, cast, draft, who="r1").status_code == 403
    assert _table_of(client, cast, draft, who="outsider").status_code == 404
    assert _table_of(client, cast, draft, who="secretariat").status_code == 200
