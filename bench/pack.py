"""Meeting packs against qpdf: building a 300-page pack, then a reader's watermarked copy.

Run by hand (prints figures; not part of the test suite):

    .venv/bin/python bench/pack.py                 # 12 documents × 25 pages, 7 repetitions
    .venv/bin/python bench/pack.py --documents 20 --pages 30 --repeat 9

Same inputs, same run, alternating the two sides:

- **merge**: ``ecabinet.packs.build.build`` (cover and agenda drawn with an embedded font, the
  documents' pages appended, outline, page labels, written out) against
  ``qpdf --empty --pages src1.pdf … -- out.pdf`` (the merge alone: no cover, no outline, no
  labels). The plain pypdf merge (pages appended and written, nothing else) is shown too.
- **watermark**: ``ecabinet.packs.watermark.watermark`` over every page of the built pack (one
  Form XObject per copy, a few bytes per page) against
  ``qpdf pack.pdf --overlay wm.pdf --repeat=1 -- out.pdf`` where ``wm.pdf`` is the same watermark
  on a blank A4 page.

The source documents are, by default, what ecabinet stores for an uploaded .docx: Vietnamese
.docx (``bench/convert.py``'s generator) rendered through the managed LibreOffice converter;
``--sources synthetic`` draws them here instead (A4 pages of Vietnamese text in Liberation Serif
with embedded subsets, ~45 lines a page, no LibreOffice needed).

qpdf is timed twice: as it runs by default, and with ``--remove-unreferenced-resources=no``. By
default qpdf prunes the resources each page does not use when pages share one resource
dictionary, as LibreOffice writes them; that tokenises every content stream and dominates its
time on such files. ecabinet does not prune, so the second figure is the like-for-like one.

qpdf runs as a process (its start-up is part of what a server calling it would pay).
Medians of ``--repeat`` runs; ratio = ours / qpdf; the target is at most 2×. The font subsets
(one per face, for the whole Vietnamese repertoire) are made once per process: the repetitions
run warm, and the first ("cold") build and watermark of the process are shown apart.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader, PdfWriter  # noqa: E402
from pypdf.generic import DictionaryObject, NameObject, StreamObject  # noqa: E402

from ecabinet.packs import build as builder  # noqa: E402
from ecabinet.packs import typeset, watermark  # noqa: E402
from ecabinet.packs.plan import PackDocument, PackItem, PackPlan  # noqa: E402
from ecabinet.packs.typeset import A4, Canvas, Fonts  # noqa: E402

SENTENCE = ("Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội tháng 11 tiếp tục chuyển "
            "biến tích cực; các bộ, ngành, địa phương khẩn trương hoàn thiện hồ sơ trình. ")


def source_document(pages: int, number: int) -> bytes:
    """``pages`` A4 pages of justified-looking Vietnamese text with an embedded font subset."""
    fonts = Fonts()
    canvases = []
    for page in range(1, pages + 1):
        canvas = Canvas(fonts)
        canvas.text(A4[0] / 2, A4[1] - 60, f"TỜ TRÌNH SỐ {number:02d} — TRANG {page}",
                    face="bold", size=13, align="center")
        lines = canvas.wrap(SENTENCE * 14, A4[0] - 150, size=13)[:45]
        y = A4[1] - 90
        for line in lines:
            canvas.text(85, y, line, size=13)
            y -= 16
        canvases.append(canvas)
    writer = PdfWriter()
    font_resources = writer._add_object(fonts.resources(writer))
    for canvas in canvases:
        page = writer.add_blank_page(*A4)
        stream = StreamObject()
        stream.set_data(canvas.content())
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): font_resources})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plan_for(digests: list[str]) -> PackPlan:
    items = []
    for index, digest in enumerate(digests):
        document = PackDocument(document_id=index + 1, title=f"Tờ trình số {index + 1:02d}",
                                confidential=index % 3 == 2, version_id=index + 1,
                                version_number=1, pdf_sha256=digest, latest_number=1,
                                latest_state="ready")
        items.append(PackItem(item_id=index + 1, position=index + 1,
                              title=f"Nội dung {index + 1}: dự án luật, nghị định trình Chính phủ",
                              presenting_agency="Bộ Tư pháp", confidential=False,
                              documents=(document,)))
    return PackPlan(meeting_id=1, title="Phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
                    kind="regular", starts_at=datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
                    location="Trụ sở Chính phủ", items=tuple(items))


def libreoffice_document(converter, pages: int, number: int) -> bytes:
    from convert import make_docx  # bench/convert.py: the same .docx generator

    return converter.convert(make_docx(number, pages), timeout=120)


def make_sources(kind: str, documents: int, pages: int) -> list[bytes]:
    if kind == "synthetic":
        return [source_document(pages, number) for number in range(1, documents + 1)]
    from ecabinet.docs.converter import Converter

    converter = Converter()
    try:
        return [libreoffice_document(converter, pages, number)
                for number in range(1, documents + 1)]
    finally:
        converter.close()


def pypdf_merge(paths: list[Path]) -> bytes:
    writer = PdfWriter()
    for path in paths:
        for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def timed(function, *, cold: bool = False) -> float:
    """Seconds ``function`` takes; ``cold``: with the process's font subsets made afresh (what
    the first pack or watermark after a server starts pays)."""
    if cold:
        typeset._subset_bytes.cache_clear()
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run_qpdf(*args: str) -> None:
    subprocess.run(["qpdf", *args], check=True, capture_output=True)  # noqa: S603, S607


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--pages", type=int, default=25, help="pages per document")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sources", choices=("libreoffice", "synthetic"), default="libreoffice",
                        help="documents rendered by LibreOffice (as stored) or drawn here")
    options = parser.parse_args()
    if not shutil.which("qpdf"):
        print("qpdf is not installed (apt-get install qpdf)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="ecabinet-bench-pack-"))
    try:
        started = time.perf_counter()
        sources = {}
        paths = []
        made = make_sources(options.sources, options.documents, options.pages)
        for number, data in enumerate(made, start=1):
            digest = f"{number:064x}"
            sources[digest] = data
            path = work / f"src{number:02d}.pdf"
            path.write_bytes(data)
            paths.append(path)
        plan = plan_for(list(sources))
        print(f"inputs: {options.documents} {options.sources} documents × ~{options.pages} pages "
              f"({sum(map(len, sources.values())) / 1e6:.1f} MB), made in "
              f"{time.perf_counter() - started:.1f} s; {options.repeat} repetitions; "
              f"{os.cpu_count()} CPUs", flush=True)

        cold_build = timed(lambda: builder.build(plan, sources.__getitem__), cold=True)
        built = builder.build(plan, sources.__getitem__)
        pack_path = work / "pack.pdf"
        pack_path.write_bytes(built.data)
        at = datetime.now(UTC)
        blank = PdfWriter()
        blank.add_blank_page(*A4)
        blank_bytes = io.BytesIO()
        blank.write(blank_bytes)
        wm_path = work / "wm.pdf"
        wm_path.write_bytes(watermark.watermark(blank_bytes.getvalue(),
                                                reader_name="Nguyễn Thu Hà", at=at))
        cold_mark = timed(lambda: watermark.watermark(built.data, reader_name="Nguyễn Thu Hà",
                                                      at=at), cold=True)
        qpdf_pack = work / "qpdf-pack.pdf"
        qpdf_marked = work / "qpdf-marked.pdf"
        print(f"pack: {built.pages} pages ({built.front} cover and agenda), "
              f"{len(built.data) / 1e6:.1f} MB", flush=True)

        times: dict[str, list[float]] = {key: [] for key in (
            "build", "pypdf merge", "qpdf merge", "qpdf lean", "watermark", "qpdf overlay")}
        for _ in range(options.repeat):
            times["build"].append(timed(lambda: builder.build(plan, sources.__getitem__)))
            times["pypdf merge"].append(timed(lambda: pypdf_merge(paths)))
            times["qpdf merge"].append(timed(lambda: run_qpdf(
                "--empty", "--pages", *map(str, paths), "--", str(qpdf_pack))))
            times["qpdf lean"].append(timed(lambda: run_qpdf(
                "--remove-unreferenced-resources=no", "--empty", "--pages", *map(str, paths),
                "--", str(qpdf_pack))))
            times["watermark"].append(timed(lambda: watermark.watermark(
                built.data, reader_name="Nguyễn Thu Hà", at=at)))
            times["qpdf overlay"].append(timed(lambda: run_qpdf(
                str(pack_path), "--overlay", str(wm_path), "--repeat=1", "--",
                str(qpdf_marked))))

        medians = {key: statistics.median(values) for key, values in times.items()}
        print()
        print(f"{'step':<16}{'median':>10}{'min':>10}{'max':>10}")
        for key, values in times.items():
            print(f"{key:<16}{medians[key] * 1000:>8.0f}ms{min(values) * 1000:>8.0f}ms"
                  f"{max(values) * 1000:>8.0f}ms")
        print()
        merge_ratio = medians["build"] / medians["qpdf merge"]
        lean_ratio = medians["build"] / medians["qpdf lean"]
        plain_ratio = medians["pypdf merge"] / medians["qpdf lean"]
        mark_ratio = medians["watermark"] / medians["qpdf overlay"]
        print(f"pack build / qpdf merge:     {merge_ratio:.2f}×  (target ≤ 2×; the build also "
              f"draws cover and agenda, outline, labels)")
        print(f"pack build / qpdf lean:      {lean_ratio:.2f}×  (qpdf without resource pruning: "
              f"like for like)")
        print(f"pypdf merge / qpdf lean:     {plain_ratio:.2f}×  (pages appended and written, "
              f"nothing else: pypdf's own floor)")
        print(f"watermark / qpdf overlay:    {mark_ratio:.2f}×  (target ≤ 2×; "
              f"{built.pages} pages)")
        print(f"cold (first of a process):   build {cold_build * 1000:.0f} ms, watermark "
              f"{cold_mark * 1000:.0f} ms (font subsets made)")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
