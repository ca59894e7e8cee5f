"""The house style of the Government's documents: Decree 30/2020/NĐ-CP, Appendix I.

:class:`Writer` is a python-docx document set up the way the decree wants an administrative
text (A4, its margins, Times New Roman 14 pt, page numbers from the second page), with helpers
for paragraphs, rules and borderless tables; :mod:`ecabinet.house_style.blocks` lays out the
parts every issued document has (header, title, recipients). The minutes and the decisions come
out of this one layout code, so they look alike and a correction to the layout reaches them
all; the polls' result and the demo's dossier, which keep a simpler look of their own, take the
page (:func:`a4`) and the fonts (:func:`fonts`) from here. No database, no app.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from lxml import etree

FONT = "Times New Roman"
BODY_PT = 14
#: Text width: A4 (210 mm) less the left (30 mm) and right (15 mm) margins.
TEXT_MM = 165
#: The header's two columns: the issuing body on the left, the national title on the right.
HEADER_MM = (60, 105)
#: The motto's length at 13 pt bold (Times New Roman / Liberation Serif): its rule is as long.
MOTTO_RULE_MM = 56
#: The national title and the motto, at the head of every document.
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

JUSTIFY, CENTER, LEFT = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.CENTER, \
    WD_ALIGN_PARAGRAPH.LEFT
#: Where w:pBdr goes among a paragraph's properties (the schema's order).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def a4(section) -> None:
    """An A4 page with the decree's margins: 20 mm top and bottom, 30 mm left, 15 mm right."""
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)


def docx_bytes(document) -> bytes:
    """A python-docx document as the bytes of its .docx file."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fonts(rpr) -> None:
    """Times New Roman for every script slot, and no theme font that would override it: without
    the east-Asian and complex-script slots LibreOffice may substitute another font."""
    rfonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), FONT)


class Writer:
    """A python-docx document set up for a Vietnamese administrative text, with helpers."""

    def __init__(self, *, title: str, author: str):
        self.doc = Document()
        self._page()
        self._defaults()
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by = title, author, author
        props.language, props.comments, props.keywords = "vi-VN", "", ""
        props.created = props.modified = datetime.now(UTC).replace(microsecond=0)
        props.revision = 1

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        a4(section)
        section.header_distance = section.footer_distance = Mm(10)
        # Page numbers from the second page, centred at the top (Decree 30, Appendix I).
        section.different_first_page_header_footer = True
        number = section.header.paragraphs[0]
        number.alignment = CENTER
        self._field(number, "PAGE", size=BODY_PT)

    def _defaults(self) -> None:
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        fonts(rpr)
        rpr.find(qn("w:sz")).set(qn("w:val"), str(BODY_PT * 2))
        rpr.find(qn("w:szCs")).set(qn("w:val"), str(BODY_PT * 2))
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        for name in ("Normal", "Header", "Footer"):
            if name in [s.name for s in styles]:
                style = styles[name]
                style.font.name, style.font.size = FONT, Pt(BODY_PT)
                fonts(style.element.get_or_add_rPr())
        settings = self.doc.settings.element
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:val"), "vi-VN")

    # paragraphs

    def para(self, container=None, text: str = "", *, bold=False, italic=False,
             size: float = BODY_PT, align=JUSTIFY, first_line: bool = True,
             before: float = 6, after: float = 0, keep_next: bool = False):
        container = container if container is not None else self.doc
        paragraph = container.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Cm(1.27) if first_line else None
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.widow_control = True
        if keep_next:
            fmt.keep_with_next = True
        if text:
            self.run(paragraph, text, bold=bold, italic=italic, size=size)
        self._mark_size(paragraph, size)
        return paragraph

    def run(self, paragraph, text: str, *, bold=False, italic=False, size: float = BODY_PT):
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        run.font.size = Pt(size)
        run.font.name = FONT
        fonts(run._r.get_or_add_rPr())
        if "  " in text or text != text.strip():
            for t in run._r.findall(qn("w:t")):
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return run

    def _mark_size(self, paragraph, size: float) -> None:
        """The paragraph mark's size sets an empty line's height: keep it the text's."""
        ppr = paragraph._p.get_or_add_pPr()
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            ppr.append(rpr)
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(round(size * 2)))

    def national_title(self, cell, cell_mm: float) -> None:
        """The right half of every Decree 30 header: the national title, the motto and the
        rule under it."""
        self.para(cell, NATIONAL_TITLE, bold=True, size=12, align=CENTER, first_line=False,
                  before=0)
        self.para(cell, MOTTO, bold=True, size=13, align=CENTER, first_line=False, before=0)
        self.rule(cell, MOTTO_RULE_MM, cell_mm, before=1)

    def rule(self, container, width_mm: float, container_mm: float, *, before: float = 0):
        """A centred horizontal rule ``width_mm`` long: the bottom border of an empty, tiny
        paragraph, narrowed by equal indents."""
        paragraph = self.para(container, size=1, align=CENTER, first_line=False,
                              before=before)
        fmt = paragraph.paragraph_format
        side = Mm(max((container_mm - width_mm) / 2, 0))
        fmt.left_indent = fmt.right_indent = side
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(1)
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                           ("w:color", "000000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)
        return paragraph

    def _field(self, paragraph, instruction: str, *, size: float) -> None:
        run = self.run(paragraph, "", size=size)
        for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None),
                           (None, "2"), ("end", None)):
            if kind:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
            elif text.strip() == instruction:
                instr = OxmlElement("w:instrText")
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = text
                run._r.append(instr)
            else:
                t = OxmlElement("w:t")
                t.text = text
                run._r.append(t)

    # tables

    def table(self, widths_mm: tuple[float, ...], container=None):
        """A borderless table of fixed column widths, flush with the text margins."""
        container = container if container is not None else self.doc
        table = container.add_table(rows=1, cols=len(widths_mm))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed: the widths below are kept as they are
        tbl_pr = table._tbl.tblPr
        width = OxmlElement("w:tblW")
        width.set(qn("w:w"), str(round(sum(widths_mm) / 25.4 * 1440)))
        width.set(qn("w:type"), "dxa")
        existing = tbl_pr.find(qn("w:tblW"))
        if existing is not None:
            tbl_pr.remove(existing)
        tbl_pr.insert(1 if tbl_pr.find(qn("w:tblStyle")) is not None else 0, width)
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), "nil")
            borders.append(element)
        tbl_pr.append(borders)
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:w"), "0")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        tbl_pr.append(margins)
        self._order_tbl_pr(tbl_pr)
        for column, width_mm in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width_mm)
            for cell in column.cells:
                cell.width = Mm(width_mm)
        row_pr = table.rows[0]._tr.get_or_add_trPr()
        row_pr.append(OxmlElement("w:cantSplit"))
        return table

    @staticmethod
    def _order_tbl_pr(tbl_pr) -> None:
        order = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                 "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                 "shd", "tblLayout", "tblCellMar", "tblLook"]
        children = list(tbl_pr)
        children.sort(key=lambda e: order.index(etree.QName(e).localname)
                      if etree.QName(e).localname in order else len(order))
        for child in children:
            tbl_pr.remove(child)
            tbl_pr.append(child)

    @staticmethod
    def cell(table, column: int, row: int = 0):
        """A new cell without the empty paragraph python-docx puts in it, so that helpers add
        paragraphs from the top (a cell must end up with at least one)."""
        cell = table.cell(row, column)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        for paragraph in cell.paragraphs:
            if not paragraph.text:
                cell._tc.remove(paragraph._p)
        return cell

    def add_row(self, table):
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        return row

    def to_bytes(self) -> bytes:
        return docx_bytes(self.doc)
