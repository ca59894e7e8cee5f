"""The units a comment is anchored to, and the comparison of two versions.

A .docx is cut into its non-empty body paragraphs, in document order, the paragraphs of table
cells included where the table stands (python-docx, from the uploaded bytes). The numbering
depends only on the bytes, and versions never change, so "p:12" means the same paragraph
forever. A PDF is cut into pages (pypdf's text of each page).
"""

from __future__ import annotations

import difflib
import io
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

_PARAGRAPH, _TABLE, _ROW, _CELL = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
#: Containers whose children are body content in document order (content controls, inserted
#: revisions, custom XML).
_TRANSPARENT = {qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:ins")}

PARAGRAPH_PREFIX, PAGE_PREFIX = "p", "page"
#: C0 controls but tab and newlines: a PDF's text may carry them, XML may not.
_CONTROL = dict.fromkeys(i for i in range(32) if i not in (9, 10, 13))
_ANCHOR = re.compile(r"^(p|page):([1-9][0-9]{0,5})$")


@dataclass(frozen=True)
class Unit:
    """A numbered paragraph or page: what a comment can be anchored to."""

    anchor: str
    number: int
    text: str
    #: How a lawyer cites it ("Điều 2, khoản 2, điểm a") when the text has that structure.
    citation: str | None = None

    @property
    def label(self) -> str:
        """The citation, else "Đoạn n" / "Trang n": documents are Vietnamese, so is this."""
        if self.citation:
            return self.citation
        return f"Đoạn {self.number}" if self.anchor.startswith("p:") else f"Trang {self.number}"


_ARTICLE = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[.:]")
_CLAUSE = re.compile(r"^(\d{1,3})\.\s")
_POINT = re.compile(r"^([a-zđ])\)\s")
_PART = re.compile(r"^(Chương|Mục|Phần|Phụ lục)\b", re.IGNORECASE)


def citations(paragraphs) -> list[str | None]:
    """Each paragraph's citation in the structure of a Vietnamese legal text (Decree 30 /
    Law 80/2015: Chương › Mục › Điều › khoản "1." › điểm "a)"). The head of an article, a clause
    or a point is cited as such; another paragraph inside an article by the article's part and
    its paragraph number; a paragraph outside any article has none (its number is its label)."""
    article = clause = point = None
    cited: list[str | None] = []
    for number, text in enumerate(paragraphs, 1):
        if match := _ARTICLE.match(text):
            article, clause, point = match.group(1), None, None
            cited.append(f"Điều {article}")
            continue
        if _PART.match(text):
            article = clause = point = None
        if article is None:
            cited.append(None)
            continue
        if match := _CLAUSE.match(text):
            clause, point = match.group(1), None
        elif (match := _POINT.match(text)) is not None:
            point = match.group(1)
        else:
            cited.append(f"{_where(article, clause, point)} (đoạn {number})")
            continue
        cited.append(_where(article, clause, point))
    return cited


def _where(article: str, clause: str | None, point: str | None) -> str:
    parts = [f"Điều {article}"]
    if clause:
        parts.append(f"khoản {clause}")
    if point:
        parts.append(f"điểm {point}")
    return ", ".join(parts)


def anchor_parts(anchor: str) -> tuple[str, int] | None:
    """("p", 12) for "p:12", ("page", 3) for "page:3"; None for anything else."""
    match = _ANCHOR.match((anchor or "").strip())
    return (match.group(1), int(match.group(2))) if match else None


def _body_paragraphs(container, parent):
    for child in container.iterchildren():
        if child.tag == _PARAGRAPH:
            yield Paragraph(child, parent).text
        elif child.tag == _TABLE:
            for row in child.iterchildren(_ROW):
                for cell in row.iterchildren(_CELL):
                    # A cell holds paragraphs and nested tables, like the body.
                    yield from _body_paragraphs(cell, parent)
        elif child.tag in _TRANSPARENT:
            yield from _body_paragraphs(child, parent)


def _docx_paragraphs(data: bytes) -> tuple[str, ...]:
    document = open_docx(io.BytesIO(data))
    texts = (" ".join(text.split()) for text in _body_paragraphs(document.element.body,
                                                                  document))
    return tuple(text for text in texts if text)


def _pdf_pages(data: bytes) -> tuple[str, ...]:
    reader = PdfReader(io.BytesIO(data))
    pages = []
    for page in reader.pages:
        try:
            text = page.extract_text() or ""
        except Exception:  # a page pypdf cannot read still counts as a page
            text = ""
        text = text.translate(_CONTROL)
        pages.append("\n".join(" ".join(line.split()) for line in text.splitlines()
                               if line.strip()))
    return tuple(pages)


#: The texts of recently read versions, by the SHA-256 of their bytes (texts only: small).
_cache: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
_cache_lock = Lock()
_CACHE_SIZE = 64


def units_of(kind: str, sha256: str, load: Callable[[], bytes]) -> list[Unit]:
    """The numbered paragraphs of a .docx ("p:n") or the pages of a PDF ("page:n").

    ``load`` gives the bytes when they are not cached: versions never change, so their texts
    are kept by digest.
    """
    key = (kind, sha256)
    with _cache_lock:
        texts = _cache.get(key)
        if texts is not None:
            _cache.move_to_end(key)
    if texts is None:
        texts = _docx_paragraphs(load()) if kind == "docx" else _pdf_pages(load())
        with _cache_lock:
            _cache[key] = texts
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if kind == "docx":
        return [Unit(f"{PARAGRAPH_PREFIX}:{n}", n, text, cited)
                for n, (text, cited) in enumerate(zip(texts, citations(texts), strict=True), 1)]
    return [Unit(f"{PAGE_PREFIX}:{n}", n, text) for n, text in enumerate(texts, 1)]


# --- comparison ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
#: Below this similarity two paragraphs facing each other are a deletion and an insertion, not
#: one changed paragraph.
_SAME_PARAGRAPH = 0.4


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _solid_words(text: str) -> list[str]:
    """Words and punctuation without the spaces, which every paragraph shares."""
    return [token for token in _TOKEN.findall(text) if not token.isspace()]


def word_diff(old: str, new: str) -> list[dict]:
    """Segments {op: equal|insert|delete, text} turning ``old`` into ``new`` word by word.

    Changed words separated only by spaces read as one change ("văn bản" → "nghị định"), not as
    alternating fragments.
    """
    a, b = _words(old), _words(new)
    runs: list[list] = []  # [changed?, old text, new text]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        runs.append([tag != "equal", old_text, new_text])
    merged: list[list] = []
    for index, run in enumerate(runs):
        between_changes = (not run[0] and run[1].isspace() and 0 < index < len(runs) - 1
                           and runs[index - 1][0] and runs[index + 1][0])
        if (run[0] or between_changes) and merged and merged[-1][0]:
            merged[-1][1] += run[1]
            merged[-1][2] += run[2]
        else:
            merged.append([run[0] or between_changes, run[1], run[2]])
    segments: list[dict] = []
    for changed, old_text, new_text in merged:
        if not changed:
            segments.append({"op": "equal", "text": old_text})
            continue
        if old_text:
            segments.append({"op": "delete", "text": old_text})
        if new_text:
            segments.append({"op": "insert", "text": new_text})
    return segments


def compare(old: list[Unit], new: list[Unit]) -> list[dict]:
    """Blocks in the new document's order: equal, insert, delete, or change (with word-level
    segments). Each carries the unit numbers on either side."""
    a, b = [unit.text for unit in old], [unit.text for unit in new]
    blocks: list[dict] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                blocks.append({"op": "equal", "old": old[i].number, "new": new[j].number,
                               "text": b[j]})
            continue
        if tag == "replace":
            _pair_changed(blocks, old, new, range(i1, i2), range(j1, j2))
            continue
        for i in range(i1, i2):
            blocks.append({"op": "delete", "old": old[i].number, "new": None, "text": a[i]})
        for j in range(j1, j2):
            blocks.append({"op": "insert", "old": None, "new": new[j].number, "text": b[j]})
    return blocks


def _pair_changed(blocks: list[dict], old: list[Unit], new: list[Unit], olds: range,
                  news: range) -> None:
    """Facing paragraphs of a replaced run: similar ones are one changed paragraph, the rest
    are deleted or inserted."""
    for offset in range(max(len(olds), len(news))):
        i = olds[offset] if offset < len(olds) else None
        j = news[offset] if offset < len(news) else None
        if i is not None and j is not None:
            ratio = difflib.SequenceMatcher(None, _solid_words(old[i].text),
                                            _solid_words(new[j].text), autojunk=False).ratio()
            if ratio >= _SAME_PARAGRAPH:
                blocks.append({"op": "change", "old": old[i].number, "new": new[j].number,
                               "text": new[j].text,
                               "segments": word_diff(old[i].text, new[j].text)})
                continue
        if i is not None:
            blocks.append({"op": "delete", "old": old[i].number, "new": None,
                           "text": old[i].text})
        if j is not None:
            blocks.append({"op": "insert", "old": None, "new": new[j].number,
                           "text": new[j].text})
