"""The form fields of a rendered decision: found, added before signing, filled after it.

LibreOffice renders the .docx with gaps for the number and the date (see :mod:`.layout`).
:func:`locate` finds the words around those gaps and the signature block in the rendered PDF
(``pdftotext -bbox``: poppler gives each word's box exactly); :func:`prepare` adds

- text fields over the gaps: the number (right-aligned, so "05" meets "/QĐ-TTg") and the day,
  month and year of the date line, empty and read-only;
- two empty signature fields at the signature block: the competent person's, between the
  authority line and the name, and the organisation's (the seal) over its left third.

All of it exists before the first signature, so what follows is only what a certification
signature with DocMDP "form filling" permits: :func:`fill` writes the values as an incremental
update (a new /V and appearance stream per field, nothing else touched), and the seal signs
its field. The values are digits only, drawn in a subset of Liberation Serif embedded with
them (see :func:`fill`).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from html import unescape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from ecabinet.decisions.layout import SEAL_SIZE, SIGNATURE_WIDTH
from ecabinet.signing.appearance import SEAL_TEXT_BAND

#: Field names (ASCII, stable: the API and the validation report show them).
NUMBER_FIELD = "so_van_ban"
DAY_FIELD, MONTH_FIELD, YEAR_FIELD = "ngay_ban_hanh", "thang_ban_hanh", "nam_ban_hanh"
SIGNER_FIELD = "chu_ky_nguoi_co_tham_quyen"
SEAL_FIELD = "chu_ky_co_quan"

#: The number line is 13 pt, the date line 14 pt italic (Decree 30, Appendix I).
NUMBER_PT, DATE_PT = 13, 14
#: Digits are 0.5 em wide in Times-Roman and Times-Italic alike.
DIGIT_EM = 0.5
#: The seal field: the image, then a band of text under it (see signing.appearance).
SEAL_BOX_WIDTH = 140.0


class LayoutNotFound(Exception):
    """The rendered PDF lacks a gap or the signature block (the .docx was not ours)."""


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Fields:
    """Where the fields go: page indexes from 0 and boxes in PDF points (x1, y1, x2, y2)."""

    number: Box
    day: Box
    month: Box
    year: Box
    signature_page: int
    signature: Box
    seal: Box

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Fields:
        data = json.loads(text)
        return cls(**{key: tuple(value) if isinstance(value, list) else value
                      for key, value in data.items()})


@dataclass(frozen=True)
class _Word:
    text: str
    x1: float
    y1: float  # from the top of the page, as poppler gives it
    x2: float
    y2: float


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r'(.*?)</word>', re.S)


def _pages(pdf: bytes) -> list[tuple[float, float, list[_Word]]]:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        result = subprocess.run(["pdftotext", "-bbox", source.name, "-"],  # noqa: S603,S607
                                capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise LayoutNotFound(f"pdftotext: {result.stderr.decode(errors='replace')[:200]}")
    pages = []
    for width, height, body in _PAGE.findall(result.stdout.decode("utf-8", errors="replace")):
        words = [_Word(unescape(text), float(a), float(b), float(c), float(d))
                 for a, b, c, d, text in _WORD.findall(body)]
        pages.append((float(width), float(height), words))
    return pages


def _same_line(a: _Word, b: _Word) -> bool:
    return abs(a.y1 - b.y1) < 3


def _to_pdf(height: float, x1: float, top: float, x2: float, bottom: float) -> Box:
    """From poppler's top-left origin to PDF's bottom-left."""
    return (round(x1, 2), round(height - bottom, 2), round(x2, 2), round(height - top, 2))


def locate(pdf: bytes, *, signer_name: str) -> Fields:
    """Find the gaps and the signature block. Raises :class:`LayoutNotFound`."""
    pages = _pages(pdf)
    if not pages:
        raise LayoutNotFound("no pages")
    width, height, words = pages[0]
    header = [w for w in words if w.y2 < height * 0.4]
    number_box = _number_box(header, height)
    day, month, year = _date_boxes(header, height, width)
    page_index, signature = _signature_box(pages, signer_name)
    x1, y1, x2, y2 = signature
    # The seal at its real size from the top of the box, over the left third of the signature
    # (centred in the box), its two lines of text right under it: the layout leaves room for
    # both above the signer's name (layout.SIGNATURE_GAP), so nothing covers the authority
    # line or the name. A block with less room still gets the seal at its real size.
    seal_right = x1 + (x2 - x1) / 3
    seal_left, seal_top = seal_right - SEAL_SIZE, y2 - 2
    seal_bottom = seal_top - SEAL_SIZE - SEAL_TEXT_BAND
    seal = (round(seal_left, 2), round(seal_bottom, 2), round(seal_left + SEAL_BOX_WIDTH, 2),
            round(seal_top, 2))
    return Fields(number_box, day, month, year, page_index, signature, seal)


def _number_box(header: list[_Word], height: float) -> Box:
    label = next((w for w in header if w.text == "Số:"), None)
    symbol = label and next((w for w in header if w.text.startswith("/") and _same_line(w, label)
                             and w.x1 > label.x2), None)
    if label is None or symbol is None:
        raise LayoutNotFound("the number line")
    return _to_pdf(height, label.x2 + 1, label.y1, symbol.x1 - 0.2, label.y2)


def _date_boxes(header: list[_Word], height: float, width: float) -> tuple[Box, Box, Box]:
    day_word = next((w for w in header if w.text == "ngày" and w.x1 > width * 0.4), None)
    if day_word is None:
        raise LayoutNotFound("the date line")
    line = [w for w in header if _same_line(w, day_word) and w.x1 > day_word.x1]
    month_word = next((w for w in line if w.text == "tháng"), None)
    year_word = next((w for w in line if w.text == "năm"), None)
    if month_word is None or year_word is None:
        raise LayoutNotFound("the date line")
    top, bottom = day_word.y1, day_word.y2
    year_width = 4 * DIGIT_EM * DATE_PT + 6
    return (_to_pdf(height, day_word.x2 + 1, top, month_word.x1 - 1, bottom),
            _to_pdf(height, month_word.x2 + 1, top, year_word.x1 - 1, bottom),
            _to_pdf(height, year_word.x2 + 2, top, year_word.x2 + 2 + year_width, bottom))


def _signature_box(pages, signer_name: str) -> tuple[int, Box]:
    """Between the authority line and the signer's name: the last place the name is printed in
    the right part of a page, searching from the end.

    The authority line is the lowest text above the name *within the signature's width*:
    the recipients' lines beside it, however far right they reach, are not (taking them for
    the authority line put the seal over the signer's name)."""
    name = signer_name.split()
    if not name:
        raise LayoutNotFound("the signer's name")
    for index in range(len(pages) - 1, -1, -1):
        width, height, words = pages[index]
        right = [w for w in words if w.x1 > width * 0.4]
        for start in range(len(right) - len(name), -1, -1):
            run = right[start:start + len(name)]
            if [w.text for w in run] != name or not all(_same_line(run[0], w) for w in run):
                continue
            first, last = run[0], run[-1]
            centre = (first.x1 + last.x2) / 2
            left_edge, right_edge = centre - SIGNATURE_WIDTH / 2, centre + SIGNATURE_WIDTH / 2
            above = [w for w in words if w.y2 <= first.y1 - 1
                     and w.x2 > left_edge and w.x1 < right_edge]
            ceiling = max((w.y2 for w in above), default=first.y1 - 80)
            return index, _to_pdf(height, left_edge, ceiling + 2, right_edge, first.y1 - 2)
    raise LayoutNotFound("the signature block")


def attachment_box(pdf: bytes) -> Box:
    """Top right of an attachment's first page (Decree 30, Appendix I): 15 mm from the right
    edge, 10 mm from the top, room for the organisation, the number and the time at 10 pt."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    box = page.mediabox
    right, top = float(box.right) - 42.5, float(box.top) - 28.3
    return (round(right - 200, 2), round(top - 45, 2), round(right, 2), round(top, 2))


# --- adding the fields (before any signature: a plain rewrite) -----------------------------------

def _font(base: str) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject(base),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})


def _rect(box: Box) -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in box)


def prepare(pdf: bytes, fields: Fields) -> bytes:
    """The rendered PDF with its empty text fields and signature fields."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({
        NameObject("/TiRo"): writer._add_object(_font("/Times-Roman")),
        NameObject("/TiIt"): writer._add_object(_font("/Times-Italic")),
    })})
    form = DictionaryObject({
        NameObject("/Fields"): ArrayObject(),
        NameObject("/DR"): writer._add_object(resources),
        NameObject("/DA"): TextStringObject(f"/TiRo {NUMBER_PT} Tf 0 g"),
    })
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(form)
    first = writer.pages[0]
    texts = [(NUMBER_FIELD, fields.number, "TiRo", NUMBER_PT, 2),
             (DAY_FIELD, fields.day, "TiIt", DATE_PT, 1),
             (MONTH_FIELD, fields.month, "TiIt", DATE_PT, 1),
             (YEAR_FIELD, fields.year, "TiIt", DATE_PT, 0)]
    for name, box, font, size, quadding in texts:
        _add_widget(writer, form, first, {
            "/FT": NameObject("/Tx"), "/T": TextStringObject(name), "/Rect": _rect(box),
            "/F": NumberObject(4), "/Ff": NumberObject(1),  # printed; read-only for readers
            "/DA": TextStringObject(f"/{font} {size} Tf 0 g"), "/Q": NumberObject(quadding),
            "/V": TextStringObject("")})
    page = writer.pages[fields.signature_page]
    for name, box in ((SIGNER_FIELD, fields.signature), (SEAL_FIELD, fields.seal)):
        _add_widget(writer, form, page, {
            "/FT": NameObject("/Sig"), "/T": TextStringObject(name), "/Rect": _rect(box),
            "/F": NumberObject(4)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_widget(writer: PdfWriter, form: DictionaryObject, page, entries: dict) -> None:
    widget = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                               NameObject("/Subtype"): NameObject("/Widget"),
                               NameObject("/P"): page.indirect_reference})
    widget.update({NameObject(key): value for key, value in entries.items()})
    reference = writer._add_object(widget)
    form["/Fields"].append(reference)
    if "/Annots" not in page:
        page[NameObject("/Annots")] = ArrayObject()
    page["/Annots"].append(reference)


# --- filling them (after the first signature: an incremental update) ------------------------------

def fill(pdf: bytes, values: dict[str, str]) -> bytes:
    """Write digits into the text fields, as an incremental update that only sets each field's
    value and appearance (what DocMDP level 2, form filling, permits).

    The digits are drawn in Liberation Serif (Times New Roman's metric twin, the document's
    own typeface), a subset embedded with the update: a reader shows them as printed, whatever
    fonts it has (the standard Times of the form's defaults is not embedded)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import BoxConstraints

    from ecabinet.signing.appearance import font_engine

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    form = writer.root["/AcroForm"]
    engines: dict[tuple[bool, float], object] = {}
    for reference in form["/Fields"]:
        field = reference.get_object()
        name = str(field.get("/T", ""))
        if name not in values:
            continue
        value = values[name]
        if not re.fullmatch(r"[0-9]{1,6}", value):
            raise ValueError(f"only digits go into {name}")
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        width, height = x2 - x1, y2 - y1
        font_name, size = _font_of(str(field["/DA"]))
        italic = font_name == "TiIt"
        engine = engines.get((italic, size))
        if engine is None:
            engine = engines[(italic, size)] = font_engine(writer, size, italic=italic)
        shaped = engine.shape(value)
        text_width = shaped.x_advance * size
        quadding = int(field.get("/Q", 0))
        x = {0: 1.0, 1: (width - text_width) / 2, 2: width - text_width - 0.5}[quadding]
        baseline = (height - size * 0.7) / 2
        stream = (f"/Tx BMC q BT /F1 {size} Tf 0 g {x:.2f} {baseline:.2f} Td ".encode()
                  + shaped.graphics_ops + b" ET Q EMC")
        resources = generic.DictionaryObject({
            generic.NameObject("/Font"): generic.DictionaryObject({
                generic.NameObject("/F1"): engine.as_resource()})})
        appearance = RawContent(stream, box=BoxConstraints(width=width, height=height),
                                resources=None)
        xobject = appearance.as_form_xobject()
        xobject["/Resources"] = resources
        field["/V"] = generic.TextStringObject(value)
        field["/AP"] = generic.DictionaryObject({
            generic.NameObject("/N"): writer.add_object(xobject)})
        writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _font_of(da: str) -> tuple[str, float]:
    match = re.search(r"/(\w+)\s+([\d.]+)\s+Tf", da)
    if not match:
        return "TiRo", float(NUMBER_PT)
    return match.group(1), float(match.group(2))


def field_values(pdf: bytes) -> dict[str, str]:
    """The text fields' values (for tests and the validation page)."""
    reader = PdfReader(io.BytesIO(pdf))
    return {name: str(field.get("/V", "")) for name, field in (reader.get_fields() or {}).items()
            if field.get("/FT") == "/Tx"}
