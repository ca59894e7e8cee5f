#!/usr/bin/env python
"""Document conversion bench: the managed LibreOffice against a cold soffice per file.

Run by hand (never in the test suite), from the repository root:

    .venv/bin/python bench/convert.py            # 20 documents
    .venv/bin/python bench/convert.py --files 40 --pages 8

What it does, in a temporary folder it removes at the end:

1. Generates ``--files`` .docx with python-docx (Times New Roman, Vietnamese text, a heading, a
   table, ``--pages`` A4 pages or so each), all different.
2. **Managed**: one :class:`ecabinet.docs.converter.Converter` (the bridge and one listening
   LibreOffice on a new profile), converting the files one after the other. Its start (creating
   the profile included) is counted in its total.
3. **Cold**: for each file, ``soffice --headless --convert-to pdf`` with a fresh profile of its
   own (``-env:UserInstallation``), as a naive server would do it.
4. Prints each side's total, median and worst per file, the ratio cold / managed, and checks
   that the Vietnamese text comes back from one PDF of each side with ``pdftotext``.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from ecabinet.docs.converter import Converter

SENTENCE = ("Quyết định về việc ban hành Quy chế làm việc của Chính phủ nhiệm kỳ 2026 - 2031; "
            "các Bộ trưởng, Thủ trưởng cơ quan ngang bộ chịu trách nhiệm thi hành. ")


def make_docx(number: int, pages: int) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), "Times New Roman")
    document.add_heading(f"QUYẾT ĐỊNH số {number:02d}/QĐ-TTg", level=1)
    for paragraph in range(pages * 4):  # four such paragraphs fill about an A4 page
        document.add_paragraph(f"Điều {paragraph + 1}. " + SENTENCE * 4)
    table = document.add_table(rows=4, cols=3)
    for row, cells in enumerate(table.rows):
        for column, cell in enumerate(cells.cells):
            cell.text = f"Ô {row}.{column} – Bộ Nội vụ"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def cold(source: Path, workdir: Path, timeout: float) -> bytes:
    profile = workdir / f"profile-{source.stem}"
    outdir = workdir / f"out-{source.stem}"
    subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("soffice") or "soffice", f"-env:UserInstallation={profile.as_uri()}",
         "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(outdir),
         str(source)], check=True, timeout=timeout, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pdf = (outdir / f"{source.stem}.pdf").read_bytes()
    shutil.rmtree(profile, ignore_errors=True)
    return pdf


def extracts(pdf: bytes, workdir: Path) -> bool:
    path = workdir / "check.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603, S607
                          capture_output=True, text=True, check=True).stdout
    return "Quyết định" in text


def summary(label: str, times: list[float], total: float) -> str:
    return (f"{label:<8} total {total:7.2f} s   per file: median {statistics.median(times):5.2f} s,"
            f" worst {max(times):5.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Managed LibreOffice vs cold soffice per file.")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-bench-convert-"))
    try:
        sources = []
        for number in range(1, args.files + 1):
            path = workdir / f"quyet-dinh-{number:02d}.docx"
            path.write_bytes(make_docx(number, args.pages))
            sources.append(path)
        print(f"{args.files} .docx, {sum(p.stat().st_size for p in sources) // 1024} KB in all")

        converter = Converter()
        managed_times, managed_pdfs = [], []
        started = time.perf_counter()
        try:
            for path in sources:
                one = time.perf_counter()
                managed_pdfs.append(converter.convert(path.read_bytes(), timeout=args.timeout))
                managed_times.append(time.perf_counter() - one)
        finally:
            managed_total = time.perf_counter() - started
            mode = converter.mode
            converter.close()
        first_start = managed_times[0]

        cold_times, cold_pdfs = [], []
        started = time.perf_counter()
        for path in sources:
            one = time.perf_counter()
            cold_pdfs.append(cold(path, workdir, args.timeout))
            cold_times.append(time.perf_counter() - one)
        cold_total = time.perf_counter() - started

        pages = [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in managed_pdfs]
        print(f"rendered: {statistics.mean(pages):.1f} A4 pages a document on average")
        print(summary("managed", managed_times, managed_total)
              + f"   (mode {mode}; the first file, LibreOffice's start included: "
                f"{first_start:.2f} s)")
        print(f"{'':8} without the start: median {statistics.median(managed_times[1:]):5.2f} s"
              if len(managed_times) > 1 else "")
        print(summary("cold", cold_times, cold_total))
        print(f"ratio cold / managed: {cold_total / managed_total:.1f}x (totals), "
              f"{statistics.median(cold_times) / statistics.median(managed_times):.1f}x "
              "(medians)")
        print(f"Vietnamese extracts: managed {extracts(managed_pdfs[0], workdir)}, "
              f"cold {extracts(cold_pdfs[0], workdir)}")
        return 0 if cold_total / managed_total >= 5 else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
