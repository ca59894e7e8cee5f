"""The poll's result document rendered by LibreOffice: the Decree 30 header of DOMAIN.md, the
national title on one line, the motto under it with its rule."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from html import unescape

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from ecabinet.docs import converter
from ecabinet.house_style.writer import MOTTO, NATIONAL_TITLE
from tests.conftest import bearer
from tests.polls.test_polls import send

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r'(.*?)</word>', re.S)


def _words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """The first page's words: text, x1, top, x2, bottom (poppler's, from the top)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", source.name, "-"],  # noqa: S607
                             capture_output=True, check=True).stdout.decode()
    return [(unescape(t), float(a), float(b), float(c), float(d))
            for a, b, c, d, t in _WORD.findall(out)]


def _strokes(pdf: bytes) -> list[tuple[float, float, float]]:
    reader = PdfReader(io.BytesIO(pdf))
    height = float(reader.pages[0].mediabox.top)
    strokes, start = [], None
    for operands, operator in ContentStream(reader.pages[0].get_contents(), reader).operations:
        if operator == b"m":
            start = tuple(float(v) for v in operands)
        elif operator == b"l" and start is not None:
            x, y = (float(v) for v in operands)
            if abs(y - start[1]) < 0.1:
                strokes.append((min(x, start[0]), max(x, start[0]), height - y))
            start = None
    return strokes


@pytest.mark.slow
def test_the_national_title_is_on_one_line_with_the_motto_and_its_rule_under_it(client,
                                                                                  people):
    _, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()
    docx = client.get(f"/api/v1/polls/{poll['id']}/result.docx",
                      headers=bearer(tokens["secretariat"])).data
    pdf = converter.for_config({}).convert(docx, timeout=120)  # the process's LibreOffice
    words = _words(pdf)
    title_words = NATIONAL_TITLE.split()
    start = next(i for i in range(len(words))
                 if [w[0] for w in words[i:i + len(title_words)]] == title_words)
    title = words[start:start + len(title_words)]
    assert len({round(w[2]) for w in title}) == 1, title  # one line
    motto_words = MOTTO.split()
    motto = next(words[i:i + len(motto_words)] for i in range(len(words))
                 if [w[0] for w in words[i:i + len(motto_words)]] == motto_words)
    assert len({round(w[2]) for w in motto}) == 1
    assert motto[0][2] > title[0][2]  # under the title
    title_centre = (title[0][1] + title[-1][3]) / 2
    motto_x1, motto_x2 = motto[0][1], motto[-1][3]
    assert abs((motto_x1 + motto_x2) / 2 - title_centre) < 3  # both centred in one column
    # The rule under the motto: as long as it, right under it.
    rule = min((s for s in _strokes(pdf) if s[2] > motto[0][4] - 1),
               key=lambda s: s[2] - motto[0][4])
    assert rule[2] - motto[0][4] < 6
    assert abs((rule[1] - rule[0]) - (motto_x2 - motto_x1)) < 0.1 * (motto_x2 - motto_x1)
