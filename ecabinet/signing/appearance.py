"""Visible signatures per Decree 30/2020, Appendix I.

- a person: their handwritten signature (transparent PNG) centred in the box;
- the seal: the red seal image at the top left of its box (placed by the caller over the left
  third of the person's signature), with the organisation's name and the signing time
  (ISO 8601, ``+07:00``) under it in blue, 10 pt, a Times-metric font;
- an attachment: no image, the number and symbol and the time, black, 10 pt.

The text uses Liberation Serif (metric-compatible with Times New Roman) embedded as a subset
through pyHanko's OpenType support: the standard Times font has no Vietnamese glyphs.
pyHanko's ``%(ts)s`` shows ``+0700`` in the server's zone, so the time is formatted here.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ecabinet.errors import Invalid

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
BLUE = (0.0, 0.2, 0.75)
BLACK = (0.0, 0.0, 0.0)
FONT_SIZE = 10
#: Under the seal image: two lines of 10 pt text (the organisation, the time).
SEAL_TEXT_BAND = 26.0
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)


@dataclass(frozen=True)
class Appearance:
    """The visible part of a signature (Decree 30, Appendix I)."""

    kind: str  # "person" | "seal" | "attachment"
    image: bytes | None = None  # person: the handwritten signature PNG; seal: the red seal PNG
    organisation: str | None = None  # seal / attachment: the organisation's name shown
    reference: str | None = None  # attachment: "Số: 05/QĐ-TTg" shown with the time
    # the signing time (ISO 8601 with +07:00) is added when signing


def signing_time_text(moment: datetime) -> str:
    """``2026-11-23T14:30:05+07:00``: the Vietnamese offset, with its colon."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise Invalid(_("The Liberation Serif font is not installed (fonts-liberation2)."),
                  code="font_missing")


_font_lock = threading.Lock()
_font_bytes: dict[str, bytes] = {}


def _font_scaled_to_1000_units(source: str | None = None) -> bytes:
    """Liberation Serif redrawn on a 1000-unit em, once per process (about a second).

    pyHanko 0.38 writes glyph widths (/W) and kerning in the font's own units, which PDF reads
    as thousandths of an em: a 2048-unit font like Liberation Serif shows its letters twice
    as far apart. Scaled to 1000 units, the numbers mean what PDF expects.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    source = source or font_path()
    with _font_lock:
        data = _font_bytes.get(source)
        if data is None:
            font = TTFont(source)
            if font["head"].unitsPerEm != 1000:
                scale_upem(font, 1000)
            out = io.BytesIO()
            font.save(out)
            font.close()
            data = _font_bytes[source] = out.getvalue()
        return data


def _font():
    """pyHanko's OpenType font factory, fed from memory (its own opens a file per signature
    and never closes it)."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    data = _font_scaled_to_1000_units()

    class InMemoryFontFactory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(data),
                                    font_size=self.font_size, obj_stream=obj_stream)

    return InMemoryFontFactory(font_path(), font_size=FONT_SIZE)


def font_engine(writer, size: float, *, italic: bool = False):
    """A subset of Liberation Serif (Times New Roman's metric twin, with the Vietnamese letters)
    to embed in ``writer`` (a pyHanko writer): the glyphs shaped with it are embedded when the
    writer writes. The italic for the date line, the regular for the rest."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

    source = font_path()
    if italic:
        candidate = source.replace("-Regular.ttf", "-Italic.ttf")
        source = candidate if Path(candidate).exists() else source
    return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(
        _font_scaled_to_1000_units(source)), font_size=size)


def _image(png: bytes):
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage

    picture = Image.open(io.BytesIO(png))
    picture.load()
    return PdfImage(picture, writer=None)


def stamp_style(appearance, moment: datetime):
    """The pyHanko stamp style and its text parameters for an :class:`Appearance` (or None:
    an invisible signature)."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import StaticStampStyle, TextStampStyle

    if appearance is None:
        return None, {}
    when = signing_time_text(moment)
    no_margins = layout.Margins.uniform(0)
    if appearance.kind == "person":
        if not appearance.image:
            raise Invalid(_("A person's signature needs their signature image."),
                          code="image_missing")
        return StaticStampStyle(
            background=_image(appearance.image), border_width=0, background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                margins=no_margins, inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        ), {}
    if appearance.kind == "seal":
        if not appearance.image:
            raise Invalid(_("The seal needs the organisation's seal image."),
                          code="image_missing")
        return TextStampStyle(
            stamp_text="%(organisation)s\n%(when)s",
            text_box_style=TextBoxStyle(font=_font(), font_size=FONT_SIZE, text_color=BLUE),
            background=_image(appearance.image), border_width=0, background_opacity=1.0,
            # The seal fills the box above a band kept for the text, from the top left ...
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins(left=0, right=0, top=0, bottom=SEAL_TEXT_BAND),
                inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT),
            # ... and the text sits in that band under it at its real size (10 pt), so that
            # it stays legible and clear of the signer's name printed beside it.
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=no_margins, inner_content_scaling=layout.InnerScaling.NO_SCALING),
        ), {"organisation": appearance.organisation or "", "when": when}
    if appearance.kind == "attachment":
        lines = [line for line in (appearance.organisation, appearance.reference) if line]
        return TextStampStyle(
            stamp_text="%(lines)s\n%(when)s",
            text_box_style=TextBoxStyle(font=_font(), font_size=FONT_SIZE, text_color=BLACK),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins.uniform(2),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        ), {"lines": "\n".join(lines), "when": when}
    raise Invalid(_("Unknown appearance kind %(kind)s.", kind=appearance.kind),
                  code="bad_appearance")


def attachment_box(page_width: float, page_height: float) -> tuple[float, float, float, float]:
    """Top right of a page, inside a 2 cm margin: where an attachment's stamp goes."""
    margin = 40.0
    return (page_width - margin - 200.0, page_height - margin - 40.0,
            page_width - margin, page_height - margin)
