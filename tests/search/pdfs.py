"""PDFs with Vietnamese text made in code (reportlab, Liberation Serif 2: the font LibreOffice
renders Times New Roman with, whose text ``pdftotext`` gives back exactly)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_FILE = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
FONT = "LiberationSerif"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE))
    return FONT


def pdf_with(*pages: str | list[str]) -> bytes:
    """One page per argument: a line of text, or a list of lines."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for lines in pages:
        page.setFont(_font(), 13)
        y = A4[1] - 72
        for line in [lines] if isinstance(lines, str) else lines:
            page.drawString(72, y, line)
            y -= 20
        page.showPage()
    page.save()
    return buffer.getvalue()
