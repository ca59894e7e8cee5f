"""Run by hand: ``.venv/bin/python -m tests.search.bench_extract [pages]``.

How fast the text of a Vietnamese PDF is extracted with ``pdftotext`` (what search uses) and
with pypdf (the fallback), whether they agree, and how fast the text is folded — the figures
behind ``SEARCH_INLINE_MAX_PAGES`` (index in the upload's transaction up to that many pages).
"""

from __future__ import annotations

import io
import shutil
import statistics
import sys
import time

from pypdf import PdfReader

from ecabinet.search import extract
from ecabinet.search.text import fold, normalise
from tests.search.pdfs import pdf_with

LINE = ("Điều {n}. Quyền và nghĩa vụ của người sử dụng đất đai; thẩm định, phê duyệt quy hoạch, "
        "kế hoạch sử dụng đất; bồi thường, hỗ trợ, tái định cư khi Nhà nước thu hồi đất.")


def _median(run, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(pages: int = 120) -> None:
    pdf = pdf_with(*[[LINE.format(n=page * 30 + i)[:95] for i in range(30)]
                     for page in range(pages)])
    print(f"{pages} pages, {len(pdf) / 1024:.0f} KiB")
    if shutil.which("pdftotext"):
        poppler = _median(lambda: extract.pdf_text(pdf))
        print(f"pdftotext: {poppler * 1000:8.1f} ms  ({poppler / pages * 1000:.2f} ms a page)")
    else:
        poppler = None
        print("pdftotext: not installed")

    def with_pypdf():
        return normalise("\f".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))

    fallback = _median(with_pypdf, repeat=2)
    print(f"pypdf:     {fallback * 1000:8.1f} ms  ({fallback / pages * 1000:.2f} ms a page)")
    if poppler:
        print(f"pypdf / pdftotext: {fallback / poppler:.1f}×")
        same = set(extract.pdf_text(pdf).split()) == set(with_pypdf().split())
        print(f"same words from both: {same}")
    body = extract.pdf_text(pdf)
    folding = _median(lambda: fold(body))
    print(f"folding {len(body):,} characters: {folding * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
