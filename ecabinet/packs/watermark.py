"""The per-reader watermark on confidential (MẬT) pages: "MẬT", the reader's name and the time
of the download, large, diagonal and light, over every page of every copy handed out.

It is drawn once per download as one Form XObject (one font subset, one transparency state) and
every page only gets a few bytes that place it: "q" before the page's own content and
"Q q <matrix> cm /Wm Do Q" after. No page content is parsed or rewritten, which is why it costs
about what ``qpdf --overlay`` does (bench/pack.py), where pypdf's ``merge_page`` parses and
rewrites every page (several times slower).

The copy is written out whole (not as an incremental update): an incremental update would leave
the unmarked pages one truncation away.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import datetime

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from ecabinet.i18n import vietnamese_datetime
from ecabinet.packs.typeset import Canvas, Fonts

#: Mật: how a confidential document is marked.
MARK = "MẬT"
RESOURCE = "/EcabinetWatermark"
#: Dark red at 18 % opacity: readable as a mark, the text under it stays readable.
COLOUR = (0.62, 0.05, 0.05)
OPACITY = 0.18


def lines_for(reader_name: str, at: datetime) -> list[tuple[str, str, float]]:
    """(text, face, size) of each line, top to bottom."""
    return [(MARK, "bold", 96), (reader_name, "bold", 26),
            (f"Tải xuống lúc {vietnamese_datetime(at)}", "regular", 17)]


def _form(writer: PdfWriter, lines: list[tuple[str, str, float]],
          font_dir: str | None) -> tuple[IndirectObject, float, float]:
    """The watermark as one Form XObject centred on (0, 0); returns it with its width and
    height."""
    fonts = Fonts(font_dir) if font_dir else Fonts()
    canvas = Canvas(fonts)
    widths = [canvas.measure(text, face=face, size=size) for text, face, size in lines]
    height = sum(size * 1.4 for _, _, size in lines)
    canvas.raw(b"/EcGs gs")
    y = height / 2
    for text, face, size in lines:
        y -= size
        canvas.text(0, y, text, face=face, size=size, align="center", color=COLOUR,
                    actual_text=True)
        y -= size * 0.4
    width = max(widths) + 4
    form = StreamObject()
    form.set_data(canvas.content())
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(-width / 2), FloatObject(-height / 2 - 30),
                                          FloatObject(width / 2), FloatObject(height / 2 + 10)]),
        NameObject("/Resources"): DictionaryObject({
            NameObject("/Font"): fonts.resources(writer),
            NameObject("/ExtGState"): DictionaryObject({NameObject("/EcGs"): DictionaryObject({
                NameObject("/Type"): NameObject("/ExtGState"),
                NameObject("/ca"): FloatObject(OPACITY),
                NameObject("/CA"): FloatObject(OPACITY)})}),
        }),
    })
    return writer._add_object(form.flate_encode()), width, height


def _placement(page, width: float) -> bytes:
    """The matrix putting the watermark along the page's diagonal, centred, scaled to fit."""
    box = page.cropbox
    left, bottom = float(box.left), float(box.bottom)
    w, h = float(box.width), float(box.height)
    angle = math.atan2(h, w)
    scale = min(math.hypot(w, h) * 0.75 / width, min(w, h) / 595.28 * 1.3)
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    return b"%.5f %.5f %.5f %.5f %.2f %.2f cm" % (cos, sin, -sin, cos, left + w / 2,
                                                   bottom + h / 2)


def _stamp_page(writer: PdfWriter, page, form: IndirectObject, width: float,
                opening: IndirectObject) -> None:
    resources = page.get(NameObject("/Resources"))
    resources = resources.get_object() if resources is not None else None
    if resources is None:
        resources = DictionaryObject()
        page[NameObject("/Resources")] = resources
    xobjects = resources.get(NameObject("/XObject"))
    if xobjects is None:
        xobjects = DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
    xobjects.get_object()[NameObject(RESOURCE)] = form

    closing = StreamObject()
    closing.set_data(b"\nQ q " + _placement(page, width) + b" " + RESOURCE.encode() + b" Do Q\n")
    contents = page.get(NameObject("/Contents"))
    parts = ArrayObject([opening])
    if contents is not None:
        resolved = contents.get_object()
        if isinstance(resolved, ArrayObject):
            parts.extend(resolved)
        else:
            parts.append(contents if isinstance(contents, IndirectObject)
                         else writer._add_object(resolved))
    parts.append(writer._add_object(closing))
    page[NameObject("/Contents")] = parts


def watermark(pdf: bytes, *, reader_name: str, at: datetime,
              pages: Iterable[int] | None = None, font_dir: str | None = None) -> bytes:
    """A copy of ``pdf`` with the watermark on ``pages`` (0-based; all when None). The outline,
    page labels and everything else of the original are kept."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    targets = range(len(writer.pages)) if pages is None else sorted(set(pages))
    if targets:
        form, width, _height = _form(writer, lines_for(reader_name, at), font_dir)
        opening = StreamObject()
        opening.set_data(b"q\n")
        opening_ref = writer._add_object(opening)
        all_pages = writer.pages
        for index in targets:
            _stamp_page(writer, all_pages[index], form, width, opening_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
