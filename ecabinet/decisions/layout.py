"""The .docx of an outgoing document in the Decree 30/2020/NĐ-CP layout (Appendix I).

Pure layout: a :class:`Draft` in, .docx bytes out; no database, no app. The page set-up,
fonts, borderless tables, rules, header, title and recipients are the house style
(:mod:`ecabinet.house_style`), so the Government's documents all come out of one layout code.

Two things are left blank on purpose, as on paper: the number ("Số:        /QĐ-TTg") and the
day, month and year of the date line. They are given when the clerk registers the document
(:mod:`ecabinet.decisions.register`), after the competent person has signed, and are written
into PDF form fields placed over these gaps (:mod:`ecabinet.decisions.pdf`). The document's
text is Vietnamese whatever the interface language: it is the Government's record.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ecabinet.house_style.blocks import header, recipients, title
from ecabinet.house_style.writer import CENTER, HEADER_MM, TEXT_MM, Writer
from ecabinet.signing.appearance import SEAL_TEXT_BAND


@dataclass(frozen=True)
class Kind:
    code: str
    #: The type's name in capitals (none for a letter: its summary goes under the number).
    type_name: str | None
    #: The abbreviation in the symbol: "QĐ" in "05/QĐ-TTg"; a letter has none ("05/TTg").
    abbreviation: str | None
    #: How the interface names it (translated when shown).
    label: str


KINDS = {
    "quyet_dinh": Kind("quyet_dinh", "QUYẾT ĐỊNH", "QĐ", _l("Decision")),
    "nghi_quyet": Kind("nghi_quyet", "NGHỊ QUYẾT", "NQ", _l("Resolution")),
    "thong_bao_ket_luan": Kind("thong_bao_ket_luan", "THÔNG BÁO", "TB", _l("Conclusions notice")),
    "cong_van": Kind("cong_van", None, None, _l("Official letter")),
}

#: The gap left for the number: wide enough for four digits at 13 pt.
NUMBER_GAP = " " * 9
#: The gaps left for the day and the month (two digits at 14 pt) and the year (four).
DAY_GAP = " " * 6
YEAR_GAP = "\u00a0" * 9
#: The signature image's box and the seal at about its real size (a 35 mm seal ≈ 100 pt), in
#: points; the seal covers the left third of the signature (Decree 30, Appendix I).
SIGNATURE_WIDTH = 150.0
SEAL_SIZE = 100.0
#: Points between the authority line and the signer's name: the seal at its real size with its
#: two lines of text under it, and a little air, so that neither touches the lines around it.
SIGNATURE_GAP = SEAL_SIZE + SEAL_TEXT_BAND + 14
#: The signature block's right column, where the authority line and the name are centred: wide
#: enough for the seal and the signature side by side around its centre line (the seal reaches
#: SEAL_SIZE + SIGNATURE_WIDTH / 6 left of it), so they never reach into the recipients'
#: column, however long its lines are. The recipients take the rest of the text width.
SIGNATURE_COLUMN_MM = math.ceil(2 * (SEAL_SIZE + SIGNATURE_WIDTH / 6) * 25.4 / 72) + 4
RECIPIENTS_COLUMN_MM = TEXT_MM - SIGNATURE_COLUMN_MM

#: "Điều 1." at the start of a paragraph: bold (Decree 30, Appendix I).
_ARTICLE = re.compile(r"^(Điều\s+\d+[a-zđ]?\.)(\s*)(.*)$", re.DOTALL)


def symbol(kind: str, issuer_code: str, number: int | None = None) -> str:
    """ "05/QĐ-TTg"; without a number the part after the slash ("/QĐ-TTg")."""
    abbreviation = KINDS[kind].abbreviation
    suffix = f"{abbreviation}-{issuer_code}" if abbreviation else issuer_code
    return f"{number:02d}/{suffix}" if number is not None else f"/{suffix}"


@dataclass(frozen=True)
class Draft:
    kind: str
    #: The issuing body as the header shows it ("THỦ TƯỚNG CHÍNH PHỦ"); its code in the symbol.
    issuer_name: str
    issuer_code: str
    summary: str
    body: str
    #: The authority line(s): "TM. CHÍNH PHỦ" / "THỦ TƯỚNG" …
    authority: tuple[str, ...]
    signer_name: str
    recipients: tuple[str, ...] = field(default_factory=tuple)
    place: str = "Hà Nội"


def render(draft: Draft) -> bytes:
    """The draft as a .docx."""
    kind = KINDS[draft.kind]
    w = Writer(title=f"{kind.type_name or 'Công văn'} {draft.summary}"[:250],
               author=draft.issuer_name)
    _header(w, draft, kind)
    if kind.type_name:
        title(w, kind.type_name, draft.summary)
    else:
        w.para(size=6, first_line=False, before=6)
    _body(w, draft.body)
    _signature_block(w, draft)
    return w.to_bytes()


def _issuer_rule_mm(name: str) -> float:
    """A third to a half of the issuer's name, as printed (13 pt bold capitals ≈ 3 mm each)."""
    return max(12.0, min(len(name) * 2.9 * 0.4, HEADER_MM[0] * 0.6))


def _header(w: Writer, draft: Draft, kind: Kind) -> None:
    number = header(w, draft.issuer_name.upper(), _issuer_rule_mm(draft.issuer_name),
                    f"Số:{NUMBER_GAP}{symbol(draft.kind, draft.issuer_code)}",
                    f"{draft.place}, ngày{DAY_GAP}tháng{DAY_GAP}năm{YEAR_GAP}")
    if kind.type_name is None:  # a letter: "V/v …" under the number
        w.para(number, f"V/v {draft.summary}", size=12, align=CENTER, first_line=False,
               before=3)


def _body(w: Writer, body: str) -> None:
    """Paragraphs by line; "Điều 1." bold; a line in capitals a centred bold heading."""
    for line in (part.strip() for part in body.replace("\r\n", "\n").split("\n")):
        if not line:
            continue
        article = _ARTICLE.match(line)
        if article:
            paragraph = w.para()
            w.run(paragraph, article.group(1), bold=True)
            w.run(paragraph, " " + article.group(3) if article.group(3) else "")
        elif line == line.upper() and any(ch.isalpha() for ch in line):
            # "QUYẾT ĐỊNH:", "THỦ TƯỚNG CHÍNH PHỦ": the enacting words, centred and bold
            w.para(text=line, bold=True, align=CENTER, first_line=False, before=12,
                   keep_next=True)
        else:
            # The legal bases and the proposal (căn cứ …, theo đề nghị …) are italic.
            w.para(text=line, italic=line.startswith(("Căn cứ", "Theo đề nghị")))


def _signature_block(w: Writer, draft: Draft) -> None:
    """Recipients on the left; authority, room for the signature and the name on the right.

    One row that cannot split, so the signature never lands on a page of its own. The right
    cell's content is top-aligned: the gap for the seal and the signature stays under the
    authority line whatever the height of the recipients beside it."""
    block = w.table((RECIPIENTS_COLUMN_MM, SIGNATURE_COLUMN_MM))
    left, right = w.cell(block, 0), w.cell(block, 1)
    lines = list(draft.recipients) or ["Như trên"]
    if not any(line.startswith("Lưu") for line in lines):
        lines.append("Lưu: VT")
    recipients(w, left, [line.strip().rstrip(";.") for line in lines], before=12)
    for number, line in enumerate(draft.authority or ("",)):
        w.para(right, line.upper(), bold=True, align=CENTER, first_line=False,
               before=12 if number == 0 else 0)
    # Room for the signature image and the seal over its left third.
    w.para(right, draft.signer_name, bold=True, align=CENTER, first_line=False,
           before=SIGNATURE_GAP)
