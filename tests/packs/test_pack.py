"""The meeting pack: cover, agenda in order, the documents the reader may read, outline, page
labels; what a guest gets; the cache; a document whose conversion failed."""

from __future__ import annotations

import io

from pypdf import PdfReader

from ecabinet.packs import build as builder
from tests.conftest import bearer
from tests.docs.conftest import wait_for_state
from tests.docs.corpus import docx_bytes
from tests.packs.conftest import add_document, fetch_pack, pack_of, page_texts, text_pdf

ITEM_1 = "1. Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)"
ITEM_2 = "2. Báo cáo tình hình kinh tế - xã hội tháng 11"
ITEM_3 = "3. Phương án nhân sự (mật)"


def _outline(reader: PdfReader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """[(item title, its page index, [(document title, page index), …]), …]"""
    entries, outline = [], reader.outline
    for index, entry in enumerate(outline):
        if isinstance(entry, list):
            continue
        children = outline[index + 1] if index + 1 < len(outline) and \
            isinstance(outline[index + 1], list) else []
        entries.append((entry.title, reader.get_destination_page_number(entry),
                        [(child.title, reader.get_destination_page_number(child))
                         for child in children]))
    return entries


def test_a_members_pack_has_cover_agenda_documents_outline_and_labels(client, cabinet,
                                                                       dossier):
    response = pack_of(client, cabinet, "m1")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.data))
    # cover + agenda, then 3 + 2 + 2 pages of documents
    assert len(reader.pages) == 2 + 3 + 2 + 2
    assert reader.page_labels == ["i", "ii", "1", "2", "3", "4", "5", "6", "7"]
    assert _outline(reader) == [
        (ITEM_1, 2, [("Tờ trình dự án Luật Tổ chức chính quyền địa phương", 2)]),
        (ITEM_2, 5, [("Báo cáo tình hình kinh tế - xã hội tháng 11", 5)]),
        (ITEM_3, 7, [("Phương án nhân sự (MẬT)", 7)]),
    ]
    texts = page_texts(response.data)
    cover, agenda = texts[0], texts[1]
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "TÀI LIỆU PHIÊN HỌP", "Phiên họp Chính phủ thường kỳ tháng 11",
                     "Thời gian: 08:00, ngày 30 tháng 11 năm 2026",
                     "Địa điểm: Trụ sở Chính phủ"):
        assert expected in cover, expected
    # The agenda: items in order, with presenting agency and the page each starts on.
    assert agenda.index(ITEM_1) < agenda.index(ITEM_2) < agenda.index(ITEM_3)
    assert "Cơ quan trình: Bộ Nội vụ" in agenda
    assert "Cơ quan trình: Bộ Kế hoạch và Đầu tư" in agenda
    lines = [line.strip() for line in agenda.splitlines() if line.strip()]
    for item_start in ("1", "4", "6"):
        assert item_start in lines
    # The documents follow in agenda order.
    assert "LAW page 1" in texts[2] and "LAW page 3" in texts[4]
    assert "REPORT page 1" in texts[5] and "STAFFING page 2" in texts[8]


def test_the_agenda_order_follows_the_agenda_not_the_upload_order(client, cabinet, api,
                                                                   dossier):
    status, _ = api(cabinet, "PUT", f"/api/v1/meetings/{cabinet.meeting_id}/agenda-order",
                    {"item_ids": [cabinet.items[1], cabinet.items[0], cabinet.items[2]]},
                    who="secretariat")
    assert status == 200
    reader = PdfReader(io.BytesIO(pack_of(client, cabinet, "m2").data))
    titles = [entry[0] for entry in _outline(reader)]
    assert titles == ["1. Báo cáo tình hình kinh tế - xã hội tháng 11",
                      "2. Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)"]
    assert "REPORT page 1" in page_texts(pack_of(client, cabinet, "m2").data)[2]


def test_a_guests_pack_has_only_their_item(client, cabinet, dossier):
    response = pack_of(client, cabinet, "guest")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2 + 3
    assert [entry[0] for entry in _outline(reader)] == [ITEM_1]
    everything = "\n".join(page_texts(response.data))
    assert "Phương án nhân sự" not in everything
    assert "Báo cáo tình hình kinh tế" not in everything
    assert "STAFFING" not in everything and "REPORT" not in everything


def test_a_member_not_invited_to_the_confidential_item_does_not_get_it(client, cabinet,
                                                                       dossier):
    reader = PdfReader(io.BytesIO(pack_of(client, cabinet, "m2").data))
    assert len(reader.pages) == 2 + 3 + 2
    assert [entry[0] for entry in _outline(reader)] == [ITEM_1, ITEM_2]
    assert "STAFFING" not in "\n".join(page_texts(pack_of(client, cabinet, "m2").data))


def test_the_second_download_uses_the_cached_pack(client, cabinet, api, dossier, monkeypatch):
    builds = []
    real_build = builder.build

    def counting(plan, *args, **kwargs):
        builds.append(plan.key())
        return real_build(plan, *args, **kwargs)

    monkeypatch.setattr(builder, "build", counting)
    first = pack_of(client, cabinet, "m2")
    second = pack_of(client, cabinet, "m2")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data  # nothing confidential: the cached bytes themselves
    # m3 sees the same items and documents: the same build serves them.
    assert pack_of(client, cabinet, "m3").data == first.data
    assert len(builds) == 1
    # A new version changes the plan: built again.
    response = client.post(
        f"/api/v1/documents/{dossier.report}/versions",
        data={"file": (io.BytesIO(text_pdf(4, "REPORT2")), "v2.pdf")},
        headers=cabinet.headers("secretariat"), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    third = pack_of(client, cabinet, "m2")
    assert len(builds) == 2
    assert len(PdfReader(io.BytesIO(third.data)).pages) == 2 + 3 + 4


def test_a_document_whose_conversion_failed_is_listed_with_a_note_and_skipped(
        app, client, cabinet, api, dossier, fake_converter):
    app.config["CONVERTER_COMMAND"] = fake_converter
    failed = add_document(client, cabinet, api, cabinet.items[1], docx_bytes("REFUSE"),
                          title="Dự thảo Nghị định hỏng", filename="hong.docx")
    assert wait_for_state(client, cabinet.headers("secretariat"), failed)["state"] == "failed"
    response = pack_of(client, cabinet, "m2")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2 + 3 + 2  # nothing of it
    agenda = page_texts(response.data)[1]
    assert "Dự thảo Nghị định hỏng" in agenda
    line = next(line for line in agenda.splitlines() if "lỗi" in line or "hỏng" in line)
    assert "lỗi" in agenda, line
    outline = _outline(reader)
    assert [doc for _, _, docs in outline for doc, _ in docs] == [
        "Tờ trình dự án Luật Tổ chức chính quyền địa phương",
        "Báo cáo tình hình kinh tế - xã hội tháng 11"]


def test_an_empty_agenda_still_makes_a_pack(client, make_user, token_for):
    secretariat = make_user("secretariat")
    headers = bearer(token_for(secretariat))
    meeting = client.post("/api/v1/meetings", json={
        "title": "Phiên họp chuyên đề về pháp luật", "starts_at": "2026-02-05T08:00:00+07:00",
        "kind": "thematic"}, headers=headers).get_json()
    response = fetch_pack(client, f"/api/v1/meetings/{meeting['id']}/pack", headers=headers)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.page_labels == ["i", "ii"]
    cover = page_texts(response.data)[0]
    assert "Phiên họp Chính phủ chuyên đề" in cover
    assert "ngày 05 tháng 02 năm 2026" in cover


def test_a_range_request_gets_the_whole_copy(client, cabinet, dossier):
    """Every download is a new copy (another time in its watermark): never served in parts."""
    whole = pack_of(client, cabinet, "m1")
    ranged = client.get(f"/api/v1/meetings/{cabinet.meeting_id}/pack",
                        headers={**cabinet.headers("m1"), "Range": "bytes=0-99"})
    assert ranged.status_code == 200
    assert len(ranged.data) > 100 and ranged.data[:5] == b"%PDF-"
    assert abs(len(ranged.data) - len(whole.data)) < 100  # (its own time in the mark)
