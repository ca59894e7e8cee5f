"""The demo meeting's dossier: a draft decree and a submission (.docx, made with python-docx, in
the layout of Decree 30/2020/NĐ-CP, on the house style's page and fonts) and a statistical report
(:mod:`.report`, a PDF), uploaded through the documents service and attached to the meeting's
agenda items.

The .docx are converted to PDF like any upload, but not by ``seed-demo`` itself: it is a
short-lived process, and a conversion started in its in-process worker would be cut off when it
exits. Without Redis, the versions are left "converting" and the web server takes them up after
its first request (:func:`ecabinet.docs._requeue_on_first_request`); with Redis, they are
enqueued for the workers as usual. Seeding never waits for LibreOffice.

The texts are realistic but fictional: names, numbers and figures are made up for the demo.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm, Pt
from flask import current_app
from sqlalchemy import select

from ecabinet.database import after_commit_discarded
from ecabinet.demo.report import report_pdf
from ecabinet.extensions import db
from ecabinet.house_style.writer import FONT, MOTTO, NATIONAL_TITLE, a4, docx_bytes, fonts


@dataclass(frozen=True)
class DemoDocument:
    title: str
    filename: str
    #: The beginning of the title of the agenda item it goes to.
    item: str
    make: object  # () -> bytes
    classification: str = "normal"


# --- .docx in the layout of Decree 30 ------------------------------------------------------------

class _Word:
    """An A4 Word document in Times New Roman 14 pt with the decree's margins."""

    def __init__(self):
        self.doc = WordDocument()
        a4(self.doc.sections[0])
        style = self.doc.styles["Normal"]
        style.font.name, style.font.size = FONT, Pt(14)
        fonts(style.element.get_or_add_rPr())
        style.paragraph_format.space_after = Pt(0)

    def para(self, text: str = "", container=None, *, bold=False, italic=False, size=14,
             align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True, before=6):
        paragraph = (container or self.doc).add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Cm(1.27) if indent else None
        fmt.space_before, fmt.space_after = Pt(before), Pt(0)
        if text:
            self.run(paragraph, text, bold=bold, italic=italic, size=size)
        return paragraph

    @staticmethod
    def run(paragraph, text: str, *, bold=False, italic=False, size=14):
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        run.font.size, run.font.name = Pt(size), FONT
        fonts(run._r.get_or_add_rPr())
        return run

    def header(self, issuer: list[str], number: str, date_line: str) -> None:
        """The two columns: the issuing body and the number; the national title and motto."""
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        left, right = table.rows[0].cells
        self._widths(table, Mm(62), Mm(108))
        centre = WD_ALIGN_PARAGRAPH.CENTER
        first = left.paragraphs[0]
        first.alignment = centre
        for n, line in enumerate(issuer):
            if n:
                first.add_run().add_break()
            self.run(first, line, bold=n == len(issuer) - 1, size=13)
        self.para("———", left, align=centre, indent=False, before=0, size=8)
        self.para(number, left, align=centre, indent=False, before=4, size=13)
        title = right.paragraphs[0]
        title.alignment = centre
        self.run(title, NATIONAL_TITLE, bold=True, size=12)
        self.para(MOTTO, right, bold=True, size=13, align=centre, indent=False, before=0)
        self.para("————————", right, align=centre, indent=False, before=0, size=8)
        self.para(date_line, right, italic=True, size=13, align=centre, indent=False, before=4)

    @staticmethod
    def _widths(table, *widths) -> None:
        """LibreOffice reads the grid's widths, Word the cells': set both."""
        for column, cell, width in zip(table.columns, table.rows[0].cells, widths, strict=True):
            column.width = cell.width = width

    def title(self, kind: str, summary: str, *, draft: str | None = None) -> None:
        if draft:
            self.para(draft, bold=True, size=13, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False,
                      before=6)
        self.para(kind, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=18)
        self.para(summary, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=0)
        self.para("———————", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=0, size=8)

    def article(self, heading: str, *clauses: str) -> None:
        paragraph = self.para(before=8)
        self.run(paragraph, heading.split(". ", 1)[0] + ". ", bold=True)
        self.run(paragraph, heading.split(". ", 1)[1], bold=True)
        for clause in clauses:
            self.para(clause)

    def signature(self, authority: list[str], name: str, recipients: list[str]) -> None:
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        left, right = table.rows[0].cells
        self._widths(table, Mm(80), Mm(85))
        first = left.paragraphs[0]
        self.run(first, "Nơi nhận:", bold=True, italic=True, size=12)
        for line in recipients:
            self.para(line, left, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False, before=0)
        centre = WD_ALIGN_PARAGRAPH.CENTER
        block = right.paragraphs[0]
        block.alignment = centre
        for n, line in enumerate(authority):
            if n:
                block.add_run().add_break()
            self.run(block, line, bold=True)
        self.para(name, right, bold=True, align=centre, indent=False, before=60)

    def to_bytes(self) -> bytes:
        props = self.doc.core_properties
        props.author = props.last_modified_by = "Văn phòng Chính phủ"
        props.language = "vi-VN"
        return docx_bytes(self.doc)


def draft_decree() -> bytes:
    """Dự thảo Nghị định quy định chi tiết một số điều của Luật Đầu tư công (about 3 pages)."""
    w = _Word()
    w.header(["CHÍNH PHỦ"], "Số:       /2026/NĐ-CP", "Hà Nội, ngày      tháng      năm 2026")
    w.title("NGHỊ ĐỊNH", "Quy định chi tiết một số điều của Luật Đầu tư công",
            draft="DỰ THẢO 3")
    for basis in ("Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;",
                  "Căn cứ Luật Đầu tư công ngày 29 tháng 11 năm 2024;",
                  "Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;",
                  "Theo đề nghị của Bộ trưởng Bộ Kế hoạch và Đầu tư;",
                  "Chính phủ ban hành Nghị định quy định chi tiết một số điều của Luật Đầu tư "
                  "công."):
        w.para(basis, italic=True, before=4)
    w.para("Chương I", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=12)
    w.para("QUY ĐỊNH CHUNG", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=0)
    w.article("Điều 1. Phạm vi điều chỉnh",
              "Nghị định này quy định chi tiết về lập, thẩm định, quyết định chủ trương đầu tư, "
              "quyết định đầu tư chương trình, dự án đầu tư công; lập, giao, điều chỉnh kế hoạch "
              "đầu tư công trung hạn và hằng năm; theo dõi, đánh giá, kiểm tra kế hoạch và dự án "
              "đầu tư công.")
    w.article("Điều 2. Đối tượng áp dụng",
              "Nghị định này áp dụng đối với cơ quan, tổ chức, cá nhân tham gia hoặc có liên quan "
              "đến hoạt động đầu tư công, quản lý và sử dụng vốn đầu tư công.")
    w.article("Điều 3. Nguyên tắc phân bổ vốn đầu tư công",
              "1. Bảo đảm tập trung, có trọng tâm, trọng điểm; không dàn trải, manh mún; ưu tiên "
              "bố trí vốn cho các dự án đã hoàn thành nhưng chưa bố trí đủ vốn, dự án chuyển "
              "tiếp, dự án quan trọng quốc gia và dự án có tính liên vùng, có sức lan tỏa.",
              "2. Bảo đảm công khai, minh bạch, công bằng trong phân bổ vốn; góp phần thúc đẩy "
              "cải cách hành chính và tăng cường công tác phòng, chống tham nhũng, lãng phí.",
              "3. Mức vốn bố trí cho từng dự án không vượt quá tổng mức đầu tư được phê duyệt "
              "trừ đi lũy kế vốn đã bố trí đến hết năm trước năm kế hoạch.")
    w.para("Chương II", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=12)
    w.para("CHỦ TRƯƠNG ĐẦU TƯ VÀ QUYẾT ĐỊNH ĐẦU TƯ", bold=True,
           align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=0)
    w.article("Điều 4. Hồ sơ, nội dung thẩm định chủ trương đầu tư",
              "1. Hồ sơ thẩm định chủ trương đầu tư gồm: tờ trình đề nghị quyết định chủ trương "
              "đầu tư; báo cáo nghiên cứu tiền khả thi hoặc báo cáo đề xuất chủ trương đầu tư; "
              "báo cáo thẩm định nội bộ; các tài liệu khác có liên quan.",
              "2. Nội dung thẩm định gồm: sự cần thiết đầu tư; sự phù hợp với quy hoạch; mục "
              "tiêu, quy mô, địa điểm, tiến độ thực hiện; nguồn vốn và khả năng cân đối vốn; "
              "hiệu quả kinh tế - xã hội; tác động đến môi trường.",
              "3. Thời gian thẩm định không quá 45 ngày đối với dự án nhóm A, 30 ngày đối với dự "
              "án nhóm B và 20 ngày đối với dự án nhóm C, kể từ ngày nhận đủ hồ sơ hợp lệ.")
    w.article("Điều 5. Điều chỉnh chủ trương đầu tư",
              "1. Việc điều chỉnh chủ trương đầu tư chỉ được thực hiện khi thay đổi mục tiêu, "
              "địa điểm, quy mô, tổng mức đầu tư làm vượt tổng mức đầu tư đã được quyết định "
              "hoặc khi có yêu cầu của cơ quan có thẩm quyền.",
              "2. Cấp quyết định chủ trương đầu tư là cấp quyết định điều chỉnh chủ trương đầu "
              "tư; hồ sơ, trình tự điều chỉnh thực hiện như khi quyết định chủ trương đầu tư.")
    w.para("Chương III", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=12)
    w.para("KẾ HOẠCH ĐẦU TƯ CÔNG", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
           before=0)
    w.article("Điều 6. Lập kế hoạch đầu tư công hằng năm",
              "1. Trước ngày 15 tháng 5 hằng năm, Thủ tướng Chính phủ ban hành chỉ thị về việc "
              "xây dựng kế hoạch phát triển kinh tế - xã hội và dự toán ngân sách nhà nước năm "
              "sau, trong đó có kế hoạch đầu tư công.",
              "2. Trước ngày 20 tháng 7, các bộ, cơ quan trung ương và địa phương báo cáo kế "
              "hoạch đầu tư công năm sau gửi Bộ Kế hoạch và Đầu tư, Bộ Tài chính.",
              "3. Kế hoạch đầu tư công hằng năm phải bảo đảm giải ngân hết số vốn được giao; số "
              "vốn không giải ngân hết phải được báo cáo rõ nguyên nhân và trách nhiệm.")
    w.article("Điều 7. Giải ngân vốn đầu tư công",
              "Thời gian giải ngân vốn kế hoạch hằng năm đến ngày 31 tháng 01 năm sau. Trường "
              "hợp đặc biệt, Thủ tướng Chính phủ quyết định kéo dài thời gian giải ngân nhưng "
              "không quá ngày 31 tháng 12 năm sau.")
    w.para("Chương IV", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=12)
    w.para("ĐIỀU KHOẢN THI HÀNH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
           before=0)
    w.article("Điều 8. Hiệu lực thi hành",
              "1. Nghị định này có hiệu lực thi hành kể từ ngày ký ban hành.",
              "2. Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Thủ trưởng cơ quan thuộc Chính "
              "phủ, Chủ tịch Ủy ban nhân dân tỉnh, thành phố trực thuộc trung ương chịu trách "
              "nhiệm thi hành Nghị định này./.")
    w.signature(["TM. CHÍNH PHỦ", "THỦ TƯỚNG"], "Trần Minh Quang",
                ["- Ban Bí thư Trung ương Đảng;", "- Thủ tướng, các Phó Thủ tướng Chính phủ;",
                 "- Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
                 "- HĐND, UBND các tỉnh, thành phố trực thuộc trung ương;",
                 "- Lưu: VT, KTTH."])
    return w.to_bytes()


def submission() -> bytes:
    """Tờ trình of the Ministry of Home Affairs on the local government bill (about 2 pages)."""
    w = _Word()
    w.header(["BỘ NỘI VỤ"], "Số: 245/TTr-BNV", "Hà Nội, ngày 12 tháng 11 năm 2026")
    w.title("TỜ TRÌNH", "Về dự án Luật Tổ chức chính quyền địa phương (sửa đổi)")
    w.para("Kính gửi: Chính phủ.", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=8)
    w.para("Thực hiện Chương trình xây dựng luật, pháp lệnh năm 2026, Bộ Nội vụ đã chủ trì, "
           "phối hợp với các bộ, ngành, địa phương xây dựng dự án Luật Tổ chức chính quyền địa "
           "phương (sửa đổi). Bộ Nội vụ kính trình Chính phủ dự án Luật như sau:")
    sections = [
        ("I. SỰ CẦN THIẾT BAN HÀNH LUẬT",
         ["Sau hơn 10 năm thi hành, Luật Tổ chức chính quyền địa phương đã tạo cơ sở pháp lý "
          "quan trọng cho tổ chức và hoạt động của chính quyền địa phương. Tuy nhiên, thực tiễn "
          "đã bộc lộ một số hạn chế: việc phân định thẩm quyền giữa các cấp chính quyền chưa rõ "
          "ràng; mô hình tổ chức chưa thật sự phù hợp với đặc điểm đô thị, nông thôn, hải đảo; "
          "phân cấp, phân quyền chưa đi đôi với bảo đảm nguồn lực.",
          "Việc sửa đổi Luật nhằm thể chế hóa chủ trương sắp xếp tổ chức bộ máy tinh gọn, hoạt "
          "động hiệu lực, hiệu quả và đẩy mạnh phân cấp, phân quyền cho địa phương."]),
        ("II. MỤC ĐÍCH, QUAN ĐIỂM XÂY DỰNG LUẬT",
         ["1. Bảo đảm sự lãnh đạo của Đảng, phù hợp với Hiến pháp và thống nhất với hệ thống "
          "pháp luật.",
          "2. Phân định rõ thẩm quyền giữa chính quyền trung ương và chính quyền địa phương theo "
          "nguyên tắc việc nào cấp nào sát thực tiễn hơn, giải quyết kịp thời, hiệu quả hơn thì "
          "giao cho cấp đó.",
          "3. Kế thừa các quy định còn phù hợp; bổ sung quy định mới đã được thực tiễn kiểm "
          "nghiệm."]),
        ("III. BỐ CỤC VÀ NỘI DUNG CƠ BẢN CỦA DỰ ÁN LUẬT",
         ["Dự án Luật gồm 7 chương, 54 điều, giảm 89 điều so với Luật hiện hành. Các nội dung "
          "mới chủ yếu gồm: tổ chức chính quyền địa phương hai cấp; thẩm quyền của Hội đồng "
          "nhân dân và Ủy ban nhân dân; cơ chế ủy quyền; trách nhiệm giải trình của chính quyền "
          "địa phương.",
          "Hồ sơ dự án Luật gồm: Tờ trình; dự thảo Luật; báo cáo thẩm định của Bộ Tư pháp; báo "
          "cáo tổng hợp, giải trình, tiếp thu ý kiến góp ý; bản so sánh, thuyết minh."]),
    ]
    for heading, paragraphs in sections:
        w.para(heading, bold=True, indent=True, before=10)
        for text in paragraphs:
            w.para(text)
    w.para("Bộ Nội vụ kính trình Chính phủ xem xét, quyết định./.", before=8)
    w.signature(["BỘ TRƯỞNG"], "Hoàng Anh Tuấn",
                ["- Như trên;", "- Thủ tướng Chính phủ (để báo cáo);", "- Bộ Tư pháp;",
                 "- Văn phòng Chính phủ;", "- Lưu: VT, CQĐP."])
    return w.to_bytes()


DOCUMENTS = [
    DemoDocument("Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026",
                 "bao-cao-kinh-te-xa-hoi-thang-11.pdf", "Báo cáo tình hình kinh tế", report_pdf),
    DemoDocument("Tờ trình về dự án Luật Tổ chức chính quyền địa phương (sửa đổi)",
                 "to-trinh-luat-to-chuc-chinh-quyen-dia-phuong.docx",
                 "Dự án Luật Tổ chức chính quyền địa phương", submission),
    DemoDocument("Dự thảo Nghị định quy định chi tiết một số điều của Luật Đầu tư công",
                 "du-thao-nghi-dinh-luat-dau-tu-cong.docx", "Dự thảo Nghị định", draft_decree),
]


# --- seeding -------------------------------------------------------------------------------------

@contextmanager
def _conversion_left_to_the_web_server():
    """Without Redis, forget the "convert after commit" the upload asked for in this process
    (see the module's docstring); the web server converts what is left converting."""
    if current_app.config.get("REDIS_URL"):
        yield
        return
    with after_commit_discarded():
        yield


def ensure_documents(meeting, secretary, created: list[str]) -> None:
    """Upload and attach each demo document that is not there yet (matched by its title)."""
    from ecabinet.docs import services as documents
    from ecabinet.docs.models import Document
    from ecabinet.meetings.services import EDITABLE

    limits = documents.limits(current_app.config)
    for demo in DOCUMENTS:
        if db.session.scalar(select(Document.id).where(Document.title == demo.title)):
            continue
        item = next((i for i in meeting.items if i.title.startswith(demo.item)), None)
        if item is None or meeting.status not in EDITABLE:
            continue  # a dossier is completed before the session, not during it
        with _conversion_left_to_the_web_server():
            document = documents.upload(secretary, data=demo.make(), filename=demo.filename,
                                        title=demo.title, classification=demo.classification,
                                        limits=limits)
        documents.attach(secretary, item, document.id)
        created.append(f"document {demo.title}")
