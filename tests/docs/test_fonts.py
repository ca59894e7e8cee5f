"""Word's default fonts render in metric-compatible ones (issue 9, point 13): without Carlito and
Caladea LibreOffice falls back to DejaVu, whose other widths move every line and page break."""

from __future__ import annotations

import io
import subprocess

import pytest
from docx import Document
from docx.shared import Pt

from ecabinet.docs import converter


def _docx(font: str, text: str) -> bytes:
    document = Document()
    run = document.add_paragraph().add_run(text)
    run.font.name, run.font.size = font, Pt(13)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


VIETNAMESE = "Quyết định phê duyệt Đề án chuyển đổi số"


# Caladea (2013) has no glyphs for Vietnamese letters with two marks (ế, ệ, ổ): LibreOffice takes
# those from another font whatever is installed, so Cambria is checked on Latin text.
@pytest.mark.slow
@pytest.mark.parametrize(("font", "expected", "text"), [
    ("Calibri", "Carlito", VIETNAMESE), ("Cambria", "Caladea", "Regular meeting of December")])
def test_a_word_font_renders_in_its_metric_twin(tmp_path, font, expected, text):
    pdf = converter.for_config({}).convert(_docx(font, text), timeout=60)  # the process's
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,  # noqa: S607
                           check=True).stdout
    assert expected in fonts, fonts
    assert "DejaVu" not in fonts, fonts
    extracted = subprocess.run(["pdftotext", str(path), "-"],  # noqa: S607
                               capture_output=True, text=True, check=True).stdout
    assert " ".join(extracted.split()) == text
