"""Text on PDF pages with an embedded TrueType font, for the pack's cover, agenda and watermark.

Vietnamese must render and come back out of ``pdftotext`` exactly, so the text is written in a
subset of Liberation Serif 2 (Debian ``fonts-liberation2``, metric-compatible with Times New
Roman, every Vietnamese letter precomposed) as a Type0/Identity-H font with a ToUnicode map.

Why not pyHanko's ``GlyphAccumulator``: it writes the font's widths in the font's own units,
and Liberation Serif has 2,048 units to the em where PDF expects 1,000, so every letter comes
out twice as far from the next. Doing it here is short: the glyph of each character from the
font's ``cmap`` (text is NFC-normalised, so no shaping is needed), widths scaled to 1,000,
a subset made with fontTools that keeps glyph ids (the content streams use them).
"""

from __future__ import annotations

import io
import logging
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools import subset, ttLib
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

#: fontTools reports every table it drops from a subset at WARNING; nothing is wrong.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FACES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}

#: A4 in points.
A4 = (595.28, 841.89)


@dataclass(frozen=True)
class Metrics:
    """What laying out text needs from a font file, read once per process."""

    path: str
    ps_name: str
    upem: int
    cmap: dict[int, int]  # code point → glyph id
    widths: tuple[int, ...]  # glyph id → advance, in font units
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: float
    bold: bool
    advances: dict[str, int] = field(default_factory=dict)  # character → advance (font units)

    def glyph(self, char: str) -> int:
        return self.cmap.get(ord(char), self.cmap.get(ord("?"), 0))

    def advance(self, char: str) -> int:
        found = self.advances.get(char)
        return self.widths[self.glyph(char)] if found is None else found

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` at ``size`` points (laying out an agenda measures thousands
        of strings: one dictionary look-up a character)."""
        return sum(map(self.advance, text)) * size / self.upem


@lru_cache(maxsize=8)
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@lru_cache(maxsize=8)
def metrics(path: str) -> Metrics:
    with ttLib.TTFont(io.BytesIO(_font_bytes(path))) as font:
        return _metrics(path, font)


def _metrics(path: str, font: ttLib.TTFont) -> Metrics:
    order = font.getGlyphOrder()
    hmtx = font["hmtx"]
    ids = {name: gid for gid, name in enumerate(order)}
    cmap = {code: ids[name] for code, name in font.getBestCmap().items()}
    head, os2, post = font["head"], font["OS/2"], font["post"]
    ps_name = font["name"].getDebugName(6) or Path(path).stem
    return Metrics(
        path=path, ps_name=ps_name.replace(" ", ""), upem=head.unitsPerEm, cmap=cmap,
        widths=tuple(hmtx[name][0] for name in order), ascent=os2.sTypoAscender,
        descent=os2.sTypoDescender, cap_height=getattr(os2, "sCapHeight", os2.sTypoAscender),
        bbox=(head.xMin, head.yMin, head.xMax, head.yMax), italic_angle=float(post.italicAngle),
        bold=os2.usWeightClass >= 600,
        advances={chr(code): hmtx[order[gid]][0] for code, gid in cmap.items()})


#: Every character Vietnamese administrative text uses: one subset of these per face is made
#: once per process and embedded wherever it suffices, so a download does not pay for subsetting
#: (tens of milliseconds a face). Text with other characters gets a subset of its own.
REPERTOIRE = frozenset(
    [chr(c) for c in range(0x20, 0x7F)]
    + list("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư")
    + [chr(c) for c in range(0x1EA0, 0x1EFA)]
    + list("–—‘’“”…•·°§«»×"))


def repertoire_glyphs(m: Metrics) -> frozenset[int]:
    return frozenset(m.glyph(ch) for ch in REPERTOIRE)


@lru_cache(maxsize=256)
def _subset_bytes(path: str, glyphs: frozenset[int]) -> bytes:
    """The font reduced to ``glyphs`` (ids kept). Cached: a reader's watermark repeats."""
    font = ttLib.TTFont(io.BytesIO(_font_bytes(path)))
    for tag in ("GPOS", "GSUB", "GDEF", "FFTM", "kern", "DSIG"):
        if tag in font:  # removed unread: decoding the layout tables is most of the cost
            del font[tag]
    options = subset.Options()
    options.retain_gids = True
    options.layout_features = []
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "FFTM", "kern"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=sorted(glyphs | {0}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=256)
def _compressed_subset(path: str, glyphs: frozenset[int]) -> bytes:
    """The subset, deflated as it goes into the PDF: every pack and copy embeds the same one."""
    return zlib.compress(_subset_bytes(path, glyphs))


def _pdf_name_safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_") or "Font"


@dataclass
class FontUse:
    """One face used in one PDF: its resource name and the glyphs drawn with it."""

    resource: str
    metrics: Metrics
    glyphs: dict[int, str] = field(default_factory=dict)  # glyph id → the text it stands for

    def encode(self, text: str) -> bytes:
        """``text`` as a hex string of glyph ids, remembering them for the subset."""
        out = []
        for ch in text:
            gid = self.metrics.glyph(ch)
            self.glyphs.setdefault(gid, ch)
            out.append(f"{gid:04x}")
        return b"<" + "".join(out).encode("ascii") + b">"

    def embed(self, writer: PdfWriter) -> IndirectObject:
        """The Type0 font object, with the subset, widths and ToUnicode map, added to
        ``writer``."""
        m = self.metrics
        scale = 1000 / m.upem
        common = repertoire_glyphs(m)
        used = frozenset(self.glyphs)
        glyphs = common if used <= common else common | used
        file_stream = StreamObject()
        file_stream.set_data(_compressed_subset(m.path, glyphs))
        file_stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        file_stream[NameObject("/Length1")] = NumberObject(len(_subset_bytes(m.path, glyphs)))
        tag = _subset_tag(used)
        name = NameObject(f"/{tag}+{_pdf_name_safe(m.ps_name)}")
        flags = 2 | 32 | (64 if m.italic_angle else 0) | (1 << 18 if m.bold else 0)
        descriptor = DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): name,
            NameObject("/Flags"): NumberObject(flags),
            NameObject("/FontBBox"): ArrayObject(
                [NumberObject(round(v * scale)) for v in m.bbox]),
            NameObject("/ItalicAngle"): FloatObject(m.italic_angle),
            NameObject("/Ascent"): NumberObject(round(m.ascent * scale)),
            NameObject("/Descent"): NumberObject(round(m.descent * scale)),
            NameObject("/CapHeight"): NumberObject(round(m.cap_height * scale)),
            NameObject("/StemV"): NumberObject(120 if m.bold else 80),
            NameObject("/FontFile2"): writer._add_object(file_stream),
        })
        widths = ArrayObject()  # runs of consecutive glyph ids: "first [w w w …]"
        previous = None
        for gid in sorted(self.glyphs):
            if previous is None or gid != previous + 1:
                widths.append(NumberObject(gid))
                widths.append(ArrayObject())
            widths[-1].append(NumberObject(round(m.widths[gid] * scale)))
            previous = gid
        cid_font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): name,
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): _text("Adobe"),
                NameObject("/Ordering"): _text("Identity"),
                NameObject("/Supplement"): NumberObject(0)}),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
            NameObject("/W"): widths,
        })
        to_unicode = StreamObject()
        to_unicode.set_data(_to_unicode_cmap(self.glyphs))
        font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): name,
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
            NameObject("/ToUnicode"): writer._add_object(to_unicode.flate_encode()),
        })
        return writer._add_object(font)


def _text(value: str):
    from pypdf.generic import TextStringObject

    return TextStringObject(value)


def _subset_tag(glyphs: frozenset[int]) -> str:
    """Six capital letters naming the subset (PDF 32000-1, 9.6.4), from its glyphs."""
    number = hash(glyphs) & 0xFFFFFFFF
    letters = []
    for _ in range(6):
        number, rest = divmod(number, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(letters)


def _to_unicode_cmap(glyphs: dict[int, str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    pairs = sorted(glyphs.items())
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for gid, text in chunk:
            lines.append(f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def nfc(text: str) -> str:
    """Precomposed letters: "ế" as one character, so one glyph of the font draws it."""
    return unicodedata.normalize("NFC", text or "")


class Canvas:
    """Drawing commands for one page (or one form), with the fonts they use."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        self.ops: list[bytes] = []

    def text(self, x: float, y: float, value: str, *, face: str = "regular", size: float = 13,
             align: str = "left", color: tuple[float, float, float] | None = None,
             actual_text: bool = False) -> float:
        """Draw one line at baseline ``y``; ``x`` is its left edge, centre or right edge by
        ``align``. Returns the line's width.

        ``actual_text`` wraps the line in a span carrying its text: extractors (poppler) then
        give slanted text back as one string instead of letter by letter."""
        value = nfc(value)
        use = self.fonts.use(face)
        width = use.metrics.width(value, size)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        ops = b"BT /%s %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET" % (
            use.resource.encode(), size, x, y, use.encode(value))
        if color:  # the fill colour is graphics state: keep it to this line
            ops = b"q %.3f %.3f %.3f rg %s Q" % (*color, ops)
        if actual_text:
            ops = b"/Span << /ActualText <feff%s> >> BDC %s EMC" % (
                value.encode("utf-16-be").hex().encode("ascii"), ops)
        self.ops.append(ops)
        return width

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        self.ops.append(b"%.2f w %.2f %.2f m %.2f %.2f l S" % (width, x1, y1, x2, y2))

    def raw(self, ops: bytes) -> None:
        self.ops.append(ops)

    def measure(self, value: str, *, face: str = "regular", size: float = 13) -> float:
        return self.fonts.metrics(face).width(nfc(value), size)

    def wrap(self, value: str, width: float, *, face: str = "regular",
             size: float = 13) -> list[str]:
        """Greedy line breaking at spaces; a word longer than a line is cut."""
        m = self.fonts.metrics(face)
        space = m.width(" ", size)
        lines: list[str] = []
        current, current_width = "", 0.0  # widths add up: no kerning is applied
        for word in nfc(value).split():
            word_width = m.width(word, size)
            if current and current_width + space + word_width <= width:
                current, current_width = f"{current} {word}", current_width + space + word_width
                continue
            if not current and word_width <= width:
                current, current_width = word, word_width
                continue
            if current:
                lines.append(current)
            while word_width > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and m.width(word[:cut], size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                word_width = m.width(word, size)
            current, current_width = word, word_width
        if current:
            lines.append(current)
        return lines or [""]

    def content(self) -> bytes:
        return b"\n".join(self.ops)


class Fonts:
    """The faces one PDF uses; embedded once, after everything is drawn."""

    def __init__(self, font_dir: Path | str = FONT_DIR):
        self.font_dir = Path(font_dir)
        self._uses: dict[str, FontUse] = {}

    def metrics(self, face: str) -> Metrics:
        return metrics(str(self.font_dir / FACES[face]))

    def use(self, face: str) -> FontUse:
        if face not in self._uses:
            self._uses[face] = FontUse(f"EcF{len(self._uses) + 1}", self.metrics(face))
        return self._uses[face]

    def resources(self, writer: PdfWriter) -> DictionaryObject:
        """A /Font resource dictionary with every face used, embedded into ``writer``."""
        return DictionaryObject({NameObject(f"/{use.resource}"): use.embed(writer)
                                 for use in self._uses.values()})
