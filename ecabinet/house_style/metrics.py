"""How wide a line of Times New Roman is, from Liberation Serif's metrics (its metric twin, what
LibreOffice renders with here): the rules the decree sizes by a line of text (the summary's,
1/3 to 1/2 of it) are computed, not guessed per character. Liberation Serif 2 is a dependency
of the rendering anyway (``fonts-liberation2``); without it an average width stands in.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

FONT_DIRECTORIES = ("/usr/share/fonts/truetype/liberation2",
                    "/usr/share/fonts/truetype/liberation")
_FILES = {(False, False): "LiberationSerif-Regular.ttf",
          (True, False): "LiberationSerif-Bold.ttf",
          (False, True): "LiberationSerif-Italic.ttf",
          (True, True): "LiberationSerif-BoldItalic.ttf"}
#: Without the font: an average Times character (bold capitals and lower case mixed), in em.
_AVERAGE_EM = 0.5
PT_PER_MM = 72 / 25.4


@functools.lru_cache(maxsize=4)
def _advances(bold: bool, italic: bool) -> tuple[dict[int, float], float] | None:
    """Advance widths in em by code point, and the font's average; None without the font."""
    from fontTools.ttLib import TTFont

    for directory in FONT_DIRECTORIES:
        path = Path(directory) / _FILES[(bold, italic)]
        if path.exists():
            with TTFont(str(path), lazy=True) as font:
                units = font["head"].unitsPerEm
                metrics, cmap = font["hmtx"].metrics, font.getBestCmap()
                widths = {code: metrics[glyph][0] / units for code, glyph in cmap.items()}
            return widths, sum(widths.values()) / len(widths)
    return None


def text_width_pt(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """The width of ``text`` set in one line at ``size`` points. Vietnamese letters are measured
    composed (NFC), as the font draws them; kerning is left out (LibreOffice's default for
    Times-like fonts in Writer documents turns it on, a fraction of a point per pair)."""
    found = _advances(bold, italic)
    text = unicodedata.normalize("NFC", text)
    if found is None:
        return len(text) * _AVERAGE_EM * size
    widths, average = found
    return sum(widths.get(ord(ch), average) for ch in text) * size


def widest_line_pt(text: str, size: float, width_pt: float, *, bold: bool = False) -> float:
    """The widest line of ``text`` wrapped at word boundaries into ``width_pt``."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width_pt(candidate, size, bold=bold) > width_pt:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return min(max(text_width_pt(line, size, bold=bold) for line in lines), width_pt)
