"""The demo dossier's statistical report: a PDF (two A4 pages) with its text in an embedded
Liberation Serif, metric-compatible with Times New Roman, so that it can be searched. Made with
pyHanko, no LibreOffice. The text is realistic but fictional.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

_FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
              "/usr/share/fonts/truetype/dejavu")

#: (font, alignment, text); font "space" is an empty line.
REPORT_LINES = [
    ("bold", "left", "BỘ KẾ HOẠCH VÀ ĐẦU TƯ"),
    ("bold", "right", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("bold", "right", "Độc lập - Tự do - Hạnh phúc"),
    ("regular", "left", "Số: 9120/BC-BKHĐT"),
    ("italic", "right", "Hà Nội, ngày 28 tháng 11 năm 2026"),
    ("space", "left", ""),
    ("title", "center", "BÁO CÁO"),
    ("bold", "center", "Tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026"),
    ("space", "left", ""),
    ("regular", "center", "Kính gửi: Chính phủ."),
    ("bold", "left", "I. TÌNH HÌNH KINH TẾ VĨ MÔ"),
    ("regular", "left", "1. Kinh tế vĩ mô tiếp tục ổn định, lạm phát được kiểm soát. Chỉ số giá "
                        "tiêu dùng (CPI) bình quân 11 tháng tăng 3,2% so với cùng kỳ năm trước, "
                        "trong phạm vi mục tiêu Quốc hội đề ra. Các cân đối lớn của nền kinh tế "
                        "được bảo đảm."),
    ("regular", "left", "2. Thu ngân sách nhà nước 11 tháng ước đạt 1.812 nghìn tỷ đồng, bằng "
                        "102,4% dự toán năm; chi ngân sách nhà nước ước đạt 1.695 nghìn tỷ đồng, "
                        "bằng 81,3% dự toán năm. Bội chi được kiểm soát trong giới hạn cho phép."),
    ("regular", "left", "3. Tổng kim ngạch xuất, nhập khẩu hàng hóa 11 tháng ước đạt 786 tỷ USD, "
                        "tăng 14,1% so với cùng kỳ; cán cân thương mại xuất siêu khoảng 23,5 tỷ "
                        "USD."),
    ("bold", "left", "II. ĐẦU TƯ CÔNG VÀ THU HÚT ĐẦU TƯ"),
    ("regular", "left", "1. Giải ngân vốn đầu tư công 11 tháng ước đạt 61,7% kế hoạch Thủ tướng "
                        "Chính phủ giao, cao hơn cùng kỳ năm trước về tỷ lệ và số tuyệt đối. Còn "
                        "12 bộ, cơ quan trung ương và 9 địa phương có tỷ lệ giải ngân dưới mức "
                        "bình quân cả nước."),
    ("regular", "left", "2. Vốn đầu tư trực tiếp nước ngoài (FDI) thực hiện ước đạt 21,9 tỷ USD, "
                        "tăng 8,7% so với cùng kỳ, mức cao nhất trong 5 năm trở lại đây."),
    ("bold", "left", "III. MỘT SỐ LĨNH VỰC XÃ HỘI"),
    ("regular", "left", "Công tác an sinh xã hội được bảo đảm; đời sống của người dân cơ bản ổn "
                        "định. Tỷ lệ thất nghiệp trong độ tuổi lao động khoảng 2,2%. Công tác "
                        "phòng, chống thiên tai, khắc phục hậu quả bão, lũ tại các tỉnh miền "
                        "Trung được triển khai kịp thời."),
    ("bold", "left", "IV. KIẾN NGHỊ"),
    ("regular", "left", "1. Đề nghị Chính phủ chỉ đạo các bộ, cơ quan, địa phương quyết liệt đẩy "
                        "mạnh giải ngân vốn đầu tư công trong những tháng cuối năm, phấn đấu giải "
                        "ngân đạt trên 95% kế hoạch."),
    ("regular", "left", "2. Tiếp tục rà soát, tháo gỡ vướng mắc về thể chế, nhất là trong các "
                        "lĩnh vực đất đai, đầu tư, xây dựng; kiên quyết xử lý trách nhiệm tổ "
                        "chức, cá nhân chậm trễ, gây ách tắc."),
    ("regular", "left", "3. Chỉ đạo các địa phương chủ động phương án bảo đảm cung ứng hàng hóa "
                        "thiết yếu, bình ổn giá cả thị trường dịp Tết Nguyên đán."),
    ("space", "left", ""),
    ("regular", "left", "Bộ Kế hoạch và Đầu tư kính báo cáo Chính phủ./."),
    ("space", "left", ""),
    ("bold", "right", "BỘ TRƯỞNG"),
    ("space", "left", ""),
    ("space", "left", ""),
    ("space", "left", ""),
    ("bold", "right", "Đỗ Văn Khánh"),
]

#: The text column of the report: A4 with the decree's margins (30 mm left, 20 mm right).
_LEFT, _RIGHT, _TOP, _BOTTOM = 85, 538, 785, 70


def _font(name: str) -> str:
    for folder in _FONT_DIRS:
        for candidate in (name, name.replace("LiberationSerif", "DejaVuSerif")):
            path = Path(folder) / candidate
            if path.exists():
                return str(path)
    raise FileNotFoundError(f"no font for the demo report ({name}): install fonts-liberation2")


class _Measure:
    """The width of a line of text in a TrueType font (advance widths, no kerning: close enough
    to wrap a report)."""

    def __init__(self, path: str, size: float):
        from fontTools.ttLib import TTFont

        with TTFont(path) as font:
            self.cmap = font.getBestCmap()
            self.advance = {name: width for name, (width, _lsb) in font["hmtx"].metrics.items()}
            self.scale = size / font["head"].unitsPerEm

    def width(self, text: str) -> float:
        return sum(self.advance.get(self.cmap.get(ord(ch), ".notdef"), 0) for ch in text) \
            * self.scale


def _wrap(text: str, measure: _Measure, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and measure.width(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return [*lines, line]


def _report_pages() -> list[list[tuple[str, str, str]]]:
    """The report's lines, wrapped to the text column and split into pages."""
    pages: list[list[tuple[str, str, str]]] = [[]]
    measure = _Measure(_font("LiberationSerif-Regular.ttf"), _size("regular"))
    y = _TOP
    for font, align, text in REPORT_LINES:
        for line in _wrap(text, measure, _RIGHT - _LEFT) if text else [""]:
            step = 26 if font == "title" else 19
            if y - step < _BOTTOM:
                pages.append([])
                y = _TOP
            pages[-1].append((font, align, line))
            y -= step
    return pages


def _size(font: str) -> int:
    return 16 if font == "title" else 13


class _SharedFont:
    """One embedded (subset) font per face for the whole report, not one per line; its file is
    closed once the PDF is written (pyHanko's own factory leaves it open)."""

    def __init__(self, path: str, size: int):
        self.path, self.size = path, size
        self.handle, self.engine = None, None

    def create_font_engine(self, writer, obj_stream=None):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        if self.engine is None:
            self.handle = open(self.path, "rb")  # noqa: SIM115 - closed by close()
            self.engine = GlyphAccumulator(writer=writer, font_handle=self.handle,
                                           font_size=self.size, obj_stream=obj_stream)
        return self.engine

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def report_pdf() -> bytes:
    """Báo cáo tình hình kinh tế - xã hội (two A4 pages), its text in an embedded TrueType font
    (Liberation Serif, metric-compatible with Times New Roman) so that it can be searched."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import PdfResources
    from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter()
    files = {"regular": "LiberationSerif-Regular.ttf", "bold": "LiberationSerif-Bold.ttf",
             "italic": "LiberationSerif-Italic.ttf", "title": "LiberationSerif-Bold.ttf"}
    # Glyphs are shaped at the factory's size: it must be the size they are shown at.
    factories = {kind: _SharedFont(_font(name), _size(kind)) for kind, name in files.items()}
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    for lines in _report_pages():
        content, resources = [], PdfResources()
        y = _TOP
        for font, align, line in lines:
            step = 26 if font == "title" else 19
            if font != "space":
                style = TextBoxStyle(font=factories[font], font_size=_size(font), leading=step)
                box = TextBox(style, writer, resources=resources,
                              font_name=f"F{font.capitalize()}")
                box.content = line
                drawn = box.render()
                width = box.box.width
                x = {"left": _LEFT, "right": _RIGHT - width,
                     "center": _LEFT + (_RIGHT - _LEFT - width) / 2}[align]
                content.append(b"q 1 0 0 1 %.2f %.2f cm %s Q" % (x, y - box.box.height, drawn))
            y -= step
        stream = generic.StreamObject(stream_data=b"\n".join(content))
        box = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])
        writer.insert_page(PageObject(contents=writer.add_object(stream), media_box=box,
                                      resources=resources.as_pdf_object()))
    out = io.BytesIO()
    try:
        writer.write(out)
    finally:
        for factory in factories.values():
            factory.close()
    return _widths_in_thousandths(out.getvalue())


def _widths_in_thousandths(data: bytes) -> bytes:
    """pyHanko 0.38 writes a CID font's glyph widths (/W) in the font's own units (2048 an em
    for Liberation Serif) where PDF wants thousandths of an em, which spreads the letters
    apart; scale them."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, FloatObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    done = set()
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            cid_font = font.get_object()["/DescendantFonts"][0].get_object()
            if id(cid_font) in done:
                continue
            done.add(id(cid_font))
            name = str(cid_font["/BaseFont"]).split("+", 1)[-1].split("-Identity")[0]
            scale = 1000 / _units_per_em(name)
            scaled = ArrayObject()
            for entry in cid_font["/W"]:
                if isinstance(entry, ArrayObject):
                    entry = ArrayObject(FloatObject(round(w * scale, 3)) for w in entry)
                scaled.append(entry)
            cid_font[NameObject("/W")] = scaled
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _units_per_em(postscript_name: str) -> int:
    from fontTools.ttLib import TTFont

    file = postscript_name.replace("LiberationSerif", "LiberationSerif-Regular") \
        if postscript_name == "LiberationSerif" else postscript_name
    with TTFont(_font(f"{file}.ttf")) as font:
        return font["head"].unitsPerEm
