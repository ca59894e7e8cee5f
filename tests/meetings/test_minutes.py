"""Minutes and the conclusions notice: drawn from the session, laid out as Decree 30 wants,
versioned, edited, locked; hostile uploads refused; read only by those who may."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.docs import converter
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM, vietnamese_date
from ecabinet.identity.models import User
from ecabinet.meetings.minutes import documents, uploads
from ecabinet.meetings.minutes.record import (
    RULE_WORDS,
    Attendance,
    ItemRecord,
    MeetingRecord,
    Person,
    PositionTally,
    Quorum,
    VoteRecord,
)
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api

TITLES = {
    "chair": "Thủ tướng Chính phủ",
    "m1": "Phó Thủ tướng Chính phủ",
    "m2": "Bộ trưởng Bộ Tư pháp",
    "m3": "Bộ trưởng Bộ Nội vụ",
    "m4": "Bộ trưởng Bộ Tài chính",
    "guest": "Thứ trưởng Bộ Nội vụ",
    "secretariat": "Vụ trưởng Vụ Tổng hợp",
}


# --- the session that the documents record -------------------------------------------------------

def _vote(api, cab, item, question, rule, ballots, secret=False):
    body = secret_vote_body(cab, question, rule) if secret else \
        {"question": question, "rule": rule, "secret": False}
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{item}/votes", body, who="chair")
    assert status == 201, vote
    for who, choice in ballots.items():
        cast = {"ballot": encrypted_ballot(vote, choice)} if secret else {"choice": choice}
        assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", cast, who=who)[0] == 201
    if secret:  # the trustees decrypt the sums: the minutes show the tally they give
        return tally_over_api(api, cab, vote["id"])
    status, result = api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")
    assert status == 200, result
    return result


@pytest.fixture
def adjourned(app, session_open, api, scenario):
    """The session ran: positions, two speakers, three votes (one secret, one tie the chair
    decided), an item adopted without discussion; then the chair adjourned it (through the API
    the first time in a test process, then restored from its snapshot)."""
    scenario("meetings.adjourned", app, lambda: _adjourn(app, session_open, api))
    return session_open


def _adjourn(app, cab, api) -> None:
    mid, (law, report, staff) = cab.meeting_id, cab.items
    with app.app_context(), unit_of_work():
        for who, title in TITLES.items():
            db.session.get(User, cab.users[who].id).title = title
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/checkin", who="guest")[0] == 200
    for who, stance in (("m1", "agree"), ("m2", "object"), ("m3", "speak")):
        assert api(cab, "PUT", f"/api/v1/agenda-items/{law}/positions", {"stance": stance},
                   who=who)[0] == 200
    # m3's "speak" on the item under discussion queued m3 already; m2 asks for the floor.
    assert api(cab, "POST", f"/api/v1/agenda-items/{law}/speakers", who="m2")[0] == 201
    for _turn in range(2):
        assert api(cab, "POST", f"/api/v1/agenda-items/{law}/speakers/floor", {},
                   who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/agenda-items/{law}/speakers/finish", who="chair")[0] == 204
    result = _vote(api, cab, law, "Thông qua dự án Luật Tổ chức chính quyền địa phương (sửa đổi)?",
                   "majority_of_all", {"chair": "yes", "m1": "yes", "m2": "no", "m3": "yes"})
    assert result["tally"] == {"yes": 3, "no": 1, "abstain": 0, "absent": 1}
    secret = _vote(api, cab, law, "Giao Bộ Nội vụ tiếp thu, hoàn thiện dự án Luật",
                   "two_thirds_of_present",
                   {"chair": "yes", "m1": "yes", "m2": "abstain", "m3": "yes"}, secret=True)
    # Two thirds of the 4 present, applied to the decrypted tally: 3 for is enough.
    assert (secret["tally"], secret["outcome"]) == (
        {"yes": 3, "no": 0, "abstain": 1, "absent": 1}, "adopted")
    for who in ("chair", "m1", "m2", "m3", "m4"):  # every member who votes on it agrees
        assert api(cab, "PUT", f"/api/v1/agenda-items/{report}/positions", {"stance": "agree"},
                   who=who)[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/adopt-uncontested",
               {"item_ids": [report]}, who="chair")[0] == 200
    # The staff item is confidential: its invitee (m1) and the chair alone vote on it.
    tie = _vote(api, cab, staff, "Thông qua phương án nhân sự", "majority_of_present",
                {"chair": "yes", "m1": "no"})
    assert tie["outcome"] == "adopted"
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "adjourned"},
               who="chair")[0] == 200


def _started(api, cab) -> str:
    """The date line: the day the session opened (in the tests, today)."""
    meeting = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}", who="secretariat")[1]
    return vietnamese_date(datetime.fromisoformat(meeting["started_at"]), "Hà Nội")


def _url(cab, tail=""):
    return f"/api/v1/meetings/{cab.meeting_id}/minutes{tail}"


def _generate(api, cab, kind, who="secretariat"):
    return api(cab, "POST", _url(cab), {"kind": kind}, who=who)


def _download(client, cab, kind, number, who="secretariat"):
    return client.get(_url(cab, f"/{kind}/{number}.docx"), headers=cab.headers(who))


def _upload(client, cab, data, *, kind="minutes", filename="bien-ban-da-sua.docx",
            who="secretariat"):
    # Encoded here in memory: the test client would spool a large body to a temporary file
    # that it never closes (a ResourceWarning, which this suite treats as an error).
    boundary, body = encode_multipart({"kind": kind, "file": FileStorage(
        io.BytesIO(data), filename=filename, content_type="application/octet-stream")})
    response = client.post(_url(cab, "/upload"), headers=cab.headers(who), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    return response.status_code, response.get_json(silent=True)


def _lines(data: bytes) -> list[str]:
    """Every paragraph's text, table cells included, in reading order."""
    doc = Document(io.BytesIO(data))
    lines: list[str] = []

    def walk(container):
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                lines.append(block.text)

    walk(doc)
    return [line for line in lines if line.strip()]


def _paragraph(doc, text):
    found = [p for p in _all_paragraphs(doc) if p.text == text]
    assert found, f"no paragraph {text!r}"
    return found[0]


def _all_paragraphs(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _stored_files(app) -> int:
    root = Path(app.config["STORAGE_DIR"])
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


# --- the documents -------------------------------------------------------------------------------

def test_minutes_record_the_session(client, adjourned, api):
    cab = adjourned
    status, version = _generate(api, cab, "minutes")
    assert status == 201, version
    assert (version["kind"], version["number"], version["source"]) == ("minutes", 1, "generated")
    response = _download(client, cab, "minutes", 1)
    assert response.status_code == 200
    assert response.mimetype == uploads.DOCX_MIME
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"bien-ban-{cab.meeting_id}-v1.docx" in response.headers["Content-Disposition"]
    lines = _lines(response.data)
    text = "\n".join(lines)

    # The header, the number and date lines, the type name and the summary.
    assert lines[:7] == ["CHÍNH PHỦ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", lines[3], _started(api, cab), "BIÊN BẢN",
                         "Phiên họp Chính phủ thường kỳ tháng 11 năm 2026"]
    assert re.fullmatch(r"Số:\s+/BB-CP", lines[3])
    # Attendance with titles, the absent member, the guest, quorum.
    assert "Chủ tọa: Trần Minh Quang, Thủ tướng Chính phủ." in lines
    assert "- Phạm Quốc Bảo, Phó Thủ tướng Chính phủ;" in lines
    assert "- Đỗ Văn Khánh, Bộ trưởng Bộ Nội vụ." in lines
    absent = lines.index("Vắng mặt: 1 thành viên.")
    assert lines[absent + 1] == "- Hoàng Anh Tuấn, Bộ trưởng Bộ Tài chính."
    assert "- Đinh Công Sơn, Thứ trưởng Bộ Nội vụ." in lines
    assert "4/5 thành viên; đủ số lượng theo quy định (hai phần ba tổng số thành viên " \
           "Chính phủ, tối thiểu 4 thành viên)" in text
    # Items: the presenting agency, positions, speakers in the order they spoke.
    assert "1. Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)" in lines
    assert "Cơ quan trình: Bộ Nội vụ." in lines
    assert "Ý kiến trước phiên họp: 1 tán thành, 1 không tán thành, 1 đăng ký phát biểu, " \
           "2 chưa có ý kiến." in lines
    assert "Phát biểu tại phiên họp (theo thứ tự): Đỗ Văn Khánh, Bộ trưởng Bộ Nội vụ; " \
           "Nguyễn Thu Hà, Bộ trưởng Bộ Tư pháp." in lines
    # Votes: question, form and rule, tally, outcome; the secret one; the tie.
    assert "Biểu quyết lần 1:" in lines and "Biểu quyết lần 2:" in lines
    assert "Hình thức: biểu quyết công khai; nguyên tắc thông qua: quá nửa tổng số thành " \
           "viên Chính phủ." in lines
    assert "Kết quả: 3 tán thành, 1 không tán thành, 0 không biểu quyết, 1 vắng mặt hoặc " \
           "không tham gia (trên tổng số 5 thành viên, 4 có mặt)." in lines
    assert "Hình thức: bỏ phiếu kín; nguyên tắc thông qua: hai phần ba số thành viên có mặt." \
        in lines
    assert "Kết quả: 3 tán thành, 0 không tán thành, 1 không biểu quyết" in text
    assert lines.count("Kết luận: thông qua.") == 2
    assert "3. Phương án nhân sự (mật)" in lines
    assert "nguyên tắc thông qua: quá nửa số thành viên có mặt." in text
    assert "Kết luận: thông qua (số phiếu tán thành và không tán thành ngang nhau, kết quả " \
           "theo ý kiến mà Chủ tọa đã biểu quyết)." in lines
    assert "nội dung được thông qua không thảo luận." in text
    # Signatures and recipients.
    assert lines[lines.index("THƯ KÝ") + 1] == "Vũ Thị Lan"
    assert lines[-2:] == ["CHỦ TỌA", "Trần Minh Quang"]
    recipients = lines[lines.index("Nơi nhận:") + 1:-2]
    assert all(line.startswith("- ") for line in recipients)
    assert all(line.endswith(";") for line in recipients[:-1])
    assert recipients[-1] == "- Lưu: VT, TH."


def test_minutes_layout_follows_decree_30(client, adjourned, api):
    cab = adjourned
    _generate(api, cab, "minutes")
    doc = Document(io.BytesIO(_download(client, cab, "minutes", 1).data))
    section = doc.sections[0]
    measures = (section.page_width, section.page_height, section.top_margin,
                section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(length.mm, 1) for length in measures] == [210, 297, 20, 20, 30, 15]
    # Times New Roman in every script slot, so that no other font is substituted.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == \
        {"Times New Roman"}
    assert fonts.get(qn("w:asciiTheme")) is None
    header = doc.tables[0]
    assert all(run.bold for run in header.cell(0, 0).paragraphs[0].runs)
    national = _paragraph(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert national.runs[0].bold and national.runs[0].font.size == Pt(12)
    motto = _paragraph(doc, "Độc lập - Tự do - Hạnh phúc")
    assert motto.runs[0].bold and motto.runs[0].font.size == Pt(13)
    date_line = _paragraph(doc, _started(api, cab))
    assert date_line.runs[0].italic
    type_name = _paragraph(doc, "BIÊN BẢN")
    assert type_name.runs[0].bold and type_name.alignment == 1  # centred
    body = _paragraph(doc, "Phiên họp xem xét, cho ý kiến về các nội dung sau:")
    assert body.alignment == 3 and body.paragraph_format.first_line_indent == Mm(12.7)
    assert body.runs[0].font.size == Pt(14)
    received = _paragraph(doc, "Nơi nhận:")
    assert received.runs[0].bold and received.runs[0].italic
    assert received.runs[0].font.size == Pt(12)
    last = _paragraph(doc, "- Lưu: VT, TH.")
    assert last.runs[0].font.size == Pt(11)
    # Word refuses a property given twice; LibreOffice would not tell.
    for props in doc.element.body.iter(qn("w:pPr"), qn("w:rPr"), qn("w:tblPr"), qn("w:trPr"),
                                       qn("w:tcPr"), qn("w:sectPr")):
        tags = [child.tag for child in props]
        assert len(tags) == len(set(tags)), tags
    signatures = _paragraph(doc, "CHỦ TỌA")
    assert signatures.runs[0].bold and _paragraph(doc, "Trần Minh Quang").runs[0].bold


def test_conclusions_notice(client, adjourned, api):
    cab = adjourned
    status, version = _generate(api, cab, "conclusions")
    assert status == 201 and (version["kind"], version["number"]) == ("conclusions", 1)
    response = _download(client, cab, "conclusions", 1)
    assert f"thong-bao-ket-luan-{cab.meeting_id}-v1.docx" in \
        response.headers["Content-Disposition"]
    doc = Document(io.BytesIO(response.data))
    lines = _lines(response.data)
    today = datetime.now(VIETNAM).date()
    assert lines[:7] == ["VĂN PHÒNG CHÍNH PHỦ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc", lines[3],
                         vietnamese_date(today, "Hà Nội"), "THÔNG BÁO",
                         "Kết luận của Thủ tướng Chính phủ tại Phiên họp Chính phủ thường kỳ "
                         "tháng 11 năm 2026"]
    assert re.fullmatch(r"Số:\s+/TB-VPCP", lines[3])
    opened = _started(api, cab).removeprefix("Hà Nội, ngày ")
    assert lines[7].startswith(f"Ngày {opened}, tại Trụ sở Chính phủ, Thủ tướng Chính phủ "
                               "Trần Minh Quang chủ trì Phiên họp Chính phủ thường kỳ tháng 11 "
                               "năm 2026. Dự phiên họp có 4/5 thành viên Chính phủ")
    assert "Kết quả biểu quyết: Thông qua dự án Luật Tổ chức chính quyền địa phương (sửa đổi): " \
           "thông qua (3/5 thành viên Chính phủ tán thành; nguyên tắc: quá nửa tổng số thành " \
           "viên Chính phủ)." in lines
    assert "Kết quả biểu quyết: Giao Bộ Nội vụ tiếp thu, hoàn thiện dự án Luật: thông qua (3/5 " \
           "thành viên Chính phủ tán thành; nguyên tắc: hai phần ba số thành viên có mặt)." in lines
    assert "Kết quả: nội dung được thông qua không thảo luận (không có ý kiến không tán " \
           "thành)." in lines
    assert "Kết quả biểu quyết: Thông qua phương án nhân sự: thông qua (1/2 thành viên Chính phủ " \
           "tán thành; nguyên tắc: quá nửa số thành viên có mặt; số phiếu ngang nhau, kết quả " \
           "theo ý kiến mà Chủ tọa đã biểu quyết)." in lines
    placeholder = "[Văn phòng Chính phủ ghi nội dung kết luận của Chủ tọa về nội dung này.]"
    assert lines.count(placeholder) == 3
    assert _paragraph(doc, placeholder).runs[0].italic
    assert "KT. BỘ TRƯỞNG, CHỦ NHIỆM" in lines and "PHÓ CHỦ NHIỆM" in lines
    assert _paragraph(doc, "KT. BỘ TRƯỞNG, CHỦ NHIỆM").runs[0].bold
    recipients = lines[lines.index("Nơi nhận:") + 1:lines.index("KT. BỘ TRƯỞNG, CHỦ NHIỆM")]
    assert "- Bộ Nội vụ;" in recipients and "- Bộ Kế hoạch và Đầu tư;" in recipients
    assert recipients[-1] == "- Lưu: VT, TH."
    closing = "Văn phòng Chính phủ thông báo để các cơ quan, đơn vị liên quan biết, thực hiện./."
    assert lines[lines.index(closing) + 1] == "Nơi nhận:"


def test_rendering_needs_no_database():
    """Rules, an open vote and a missing chair, straight from a record."""
    people = (Person("Lê Văn A"), Person("Trần Thị B", "Bộ trưởng Bộ Y tế"))
    item = ItemRecord(
        position=1, title="Đề nghị xây dựng Nghị định", presenting_agency=None, presenter=None,
        confidential=False, positions=PositionTally(0, 0, 0, 2), speakers=(),
        votes=(VoteRecord("Thông qua đề nghị", False, "two_thirds_of_all",
                          RULE_WORDS["two_thirds_of_all"], "closed", 2, 2, 1, 1, 0, 0,
                          "rejected", "không thông qua", False),
               VoteRecord("Lần hai", False, "majority_of_all", "x", "open", 2, 2, None, None,
                          None, None, None, None, False)),
        adopted_without_discussion=False)
    record = MeetingRecord(
        meeting_id=1, title="Phiên họp Chính phủ chuyên đề về xây dựng pháp luật",
        kind="thematic", summary="Phiên họp Chính phủ chuyên đề về xây dựng pháp luật",
        starts_at=datetime(2026, 2, 5, 8, 0, tzinfo=VIETNAM), started_at=None, closed_at=None,
        location=None, status="adjourned", chair=None, secretary=None,
        attendance=Attendance(people, (), (), (), Quorum(2, 2, 2, True, "two_thirds", "x")),
        items=(item,), drawn_up_on=date(2026, 2, 6))
    lines = _lines(documents.render_minutes(record))
    assert "Hà Nội, ngày 05 tháng 02 năm 2026" in lines
    assert "Hình thức: biểu quyết công khai; nguyên tắc thông qua: hai phần ba tổng số thành " \
           "viên." in lines
    assert "Kết luận: không thông qua." in lines
    assert "Kết quả: chưa kết thúc biểu quyết khi phiên họp tạm dừng." in lines
    notice = _lines(documents.render_conclusions(record))
    assert "Hà Nội, ngày 06 tháng 02 năm 2026" in notice
    assert "Kết luận của Thủ tướng Chính phủ tại Phiên họp Chính phủ chuyên đề về xây dựng " \
           "pháp luật" in notice
    assert "Kết quả biểu quyết: Thông qua đề nghị: không thông qua (1/2 thành viên Chính phủ " \
           "tán thành; nguyên tắc: hai phần ba tổng số thành viên)." in notice


# --- versions ------------------------------------------------------------------------------------

def test_versions_upload_and_lock(app, client, adjourned, api):
    cab = adjourned
    assert _generate(api, cab, "minutes")[1]["number"] == 1
    assert _generate(api, cab, "minutes")[1]["number"] == 2
    assert _generate(api, cab, "conclusions")[1]["number"] == 1

    edited = Document(io.BytesIO(_download(client, cab, "minutes", 2).data))
    edited.add_paragraph("Thư ký đã bổ sung ý kiến phát biểu.")
    buffer = io.BytesIO()
    edited.save(buffer)
    status, version = _upload(client, cab, buffer.getvalue(), filename="Biên bản (sửa).docx")
    assert status == 201, version
    assert (version["number"], version["source"], version["filename"]) == \
        (3, "uploaded", "Biên bản (sửa).docx")
    response = _download(client, cab, "minutes", 3)
    assert "Thư ký đã bổ sung ý kiến phát biểu." in _lines(response.data)
    assert "filename*=UTF-8''Bi%C3%AAn" in response.headers["Content-Disposition"]
    # Earlier versions are kept as they were.
    assert _download(client, cab, "minutes", 1).status_code == 200

    status, listed = api(cab, "GET", _url(cab), who="secretariat")
    assert [(v["kind"], v["number"]) for v in listed] == \
        [("conclusions", 1), ("minutes", 1), ("minutes", 2), ("minutes", 3)]
    assert listed[3]["download_url"] == _url(cab, "/minutes/3.docx")

    status, locked = api(cab, "POST", _url(cab, "/minutes/3/lock"), who="secretariat")
    assert status == 200 and locked["locked"] and locked["locked_by"]["id"] == \
        cab.users["secretariat"].id
    status, body = _generate(api, cab, "minutes")
    assert status == 409 and body["error"]["code"] == "minutes_locked"
    assert _upload(client, cab, buffer.getvalue())[0] == 409
    assert api(cab, "POST", _url(cab, "/minutes/2/lock"), who="secretariat")[0] == 409
    # The notice is a series of its own.
    assert _generate(api, cab, "conclusions")[1]["number"] == 2

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)
                                     .where(AuditEntry.action.like("minutes.%"))).all()
    assert actions.count("minutes.generate") == 4
    assert actions.count("minutes.upload") == 1 and actions.count("minutes.lock") == 1


def test_minutes_wait_for_the_session_to_stop(session_open, api):
    cab = session_open
    status, body = _generate(api, cab, "minutes")
    assert status == 409 and body["error"]["code"] == "wrong_status"
    assert _generate(api, cab, "agenda")[0] == 422
    assert api(cab, "POST", _url(cab, "/minutes/1/lock"), who="secretariat")[0] == 404


# --- hostile uploads -----------------------------------------------------------------------------

def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _docx_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


XXE = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
       b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
       b'<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')


def test_hostile_uploads_are_refused_and_nothing_is_stored(app, client, adjourned, api):
    cab = adjourned
    good = _download(client, cab, "minutes", _generate(api, cab, "minutes")[1]["number"]).data
    entries = _docx_entries(good)
    macro_types = entries["[Content_Types].xml"].replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    cases = {
        "not a zip": (b"Just some text, not a document.", 415),
        "a program renamed": (b"MZ\x90\x00\x03" + bytes(2000), 415),
        "a zip without word/document.xml": (_zip({"readme.txt": b"hello"}), 415),
        "a macro-enabled document": (_zip({**entries, "[Content_Types].xml": macro_types}), 415),
        "a macro project inside": (_zip({**entries, "word/vbaProject.bin": b"\x00" * 64}), 415),
        "an external entity": (_zip({**entries, "word/document.xml": XXE}), 422),
        "a truncated docx": (good[: len(good) // 2], 415),
        "a zip bomb": (_zip({**entries, "word/media/zeros.bin": bytes(101 * 2**20)}), 422),
        "too large": (_zip({**entries, "word/media/noise.bin": bytes(uploads.MAX_UPLOAD_BYTES)},
                           zipfile.ZIP_STORED), 413),
        "empty": (b"", 415),
    }
    stored = _stored_files(app)
    for name, (data, expected) in cases.items():
        status, body = _upload(client, cab, data, filename="bien-ban.docx")
        assert status == expected, (name, body)
        assert body["error"]["message"], name
    assert _stored_files(app) == stored
    status, listed = api(cab, "GET", _url(cab), who="secretariat")
    assert [v["number"] for v in listed] == [1]
    # A form without the file, or with another kind, is refused by the schema.
    response = client.post(_url(cab, "/upload"), headers=cab.headers("secretariat"),
                           data={"kind": "minutes"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert _upload(client, cab, good, kind="decision")[0] == 422


# --- who reads what ------------------------------------------------------------------------------

def test_who_may_read_the_minutes(client, adjourned, api):
    cab = adjourned
    _generate(api, cab, "minutes")
    # Drafts: the secretariat and the chair.
    assert _download(client, cab, "minutes", 1, who="chair").status_code == 200
    assert api(cab, "GET", _url(cab), who="chair")[1][0]["number"] == 1
    for who in ("m1", "m2", "guest"):
        assert _download(client, cab, "minutes", 1, who=who).status_code == 403, who
        assert api(cab, "GET", _url(cab), who=who) == (200, [])
    # Outsiders do not learn that the meeting exists.
    assert _download(client, cab, "minutes", 1, who="outsider").status_code == 404
    assert api(cab, "GET", _url(cab), who="outsider")[0] == 404
    assert client.get(_url(cab, "/minutes/1.docx")).status_code == 401
    # Only the secretariat makes and locks versions.
    assert _generate(api, cab, "minutes", who="chair")[0] == 403
    assert _upload(client, cab, b"x", who="m1")[0] == 403
    assert api(cab, "POST", _url(cab, "/minutes/1/lock"), who="chair")[0] == 403
    assert api(cab, "POST", _url(cab, "/minutes/1/lock"), who="outsider")[0] == 404
    # Once locked, members read it, if they may see every item it reports (m1 is invited to
    # the confidential item, m2 is not); guests never do.
    assert api(cab, "POST", _url(cab, "/minutes/1/lock"), who="secretariat")[0] == 200
    assert _download(client, cab, "minutes", 1, who="m1").status_code == 200
    assert [v["number"] for v in api(cab, "GET", _url(cab), who="m1")[1]] == [1]
    assert _download(client, cab, "minutes", 1, who="m2").status_code == 403
    assert _download(client, cab, "minutes", 1, who="guest").status_code == 403
    assert _download(client, cab, "minutes", 9).status_code == 404
    assert _download(client, cab, "nonsense", 1).status_code == 404


def test_storage_is_content_addressed(app):
    from ecabinet import storage

    with app.app_context():
        digest = storage.put(b"bien ban")
        assert storage.put(b"bien ban") == digest
        assert storage.get(digest) == b"bien ban"
        assert storage.path_for(digest).parent.name == digest[2:4]
        with pytest.raises(ValueError):
            storage.path_for("../../etc/passwd")
        storage.path_for(digest).write_bytes(b"changed")
        with pytest.raises(OSError):
            storage.get(digest)


# --- what LibreOffice makes of it ----------------------------------------------------------------

@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice and poppler-utils are not installed")
def test_libreoffice_renders_the_vietnamese(client, adjourned, api, tmp_path):
    cab = adjourned
    _generate(api, cab, "minutes")
    # The installed LibreOffice, as the app's conversions run it (the process's, kept running).
    (tmp_path / "bien-ban.pdf").write_bytes(converter.for_config({}).convert(
        _download(client, cab, "minutes", 1).data, timeout=120))
    text = subprocess.run(["pdftotext", str(tmp_path / "bien-ban.pdf"), "-"],  # noqa: S607
                          check=True, capture_output=True, text=True, timeout=30).stdout
    text = " ".join(text.split())
    for expected in ("BIÊN BẢN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", _started(api, cab),
                     "Nơi nhận:", "quá nửa tổng số thành viên Chính phủ"):
        assert expected in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "bien-ban.pdf")],  # noqa: S607
                           capture_output=True, text=True, timeout=30).stdout
    assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts
    assert "DejaVu" not in fonts


def test_the_api_describes_itself(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    upload = spec["paths"]["/api/v1/meetings/{meeting_id}/minutes/upload"]["post"]
    assert "parameters" not in upload  # kind and file are one multipart body
    ref = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["properties"]["file"]["format"] == "binary"
    assert set(body["required"]) == {"kind", "file"}
    download = spec["paths"]["/api/v1/meetings/{meeting_id}/minutes/{kind}/{number}.docx"]["get"]
    assert uploads.DOCX_MIME in download["responses"]["200"]["content"]
