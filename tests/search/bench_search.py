"""Run by hand: ``.venv/bin/python -m tests.search.bench_search [documents]``.

Search latency on a migrated SQLite database (or ``ECABINET_BENCH_DATABASE_URL``) holding
``documents`` indexed documents of ~10 pages of Vietnamese each: for the secretariat (the SQL
rule alone) and for a member who may read none of them, so that every match goes through the
one-by-one check of the reading rules other features add (``SEARCH_MAX_CANDIDATES``, the
worst case). Prints medians and the ratio.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from ecabinet import create_app
from ecabinet.database import unit_of_work
from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.search import services
from ecabinet.search.services import Extracted

WORDS = ("quyết định nghị định thông tư đất đai ngân sách nhà nước đầu tư công quy hoạch "
         "giáo dục y tế giao thông thuế phí lệ phí bảo hiểm xã hội lao động việc làm môi trường "
         "tài nguyên khoáng sản năng lượng điện than dầu khí biển đảo quốc phòng an ninh đối "
         "ngoại tư pháp nội vụ tổ chức bộ máy cán bộ công chức viên chức").split()


def _text(rng: random.Random, pages: int = 10, words_a_page: int = 400) -> str:
    return "\f".join(" ".join(rng.choice(WORDS) for _ in range(words_a_page))
                     for _ in range(pages))


def _median(run, repeat=7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(count: int = 2000) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ecabinet-bench-search-"))
    url = os.environ.get("ECABINET_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": str(folder), "PASSWORD_HASH_CHEAP": True})
    rng = random.Random(7)  # noqa: S311 - made-up text, not a secret
    with app.app_context():
        upgrade()
        with unit_of_work():
            secretariat = identity.create_user(email="vp@bench.vn", name="Văn phòng",
                                               roles=["secretariat"])
            member = identity.create_user(email="tv@bench.vn", name="Thành viên",
                                          roles=["member"])
        start = time.perf_counter()
        for first in range(0, count, 200):
            with unit_of_work():
                for n in range(first, min(first + 200, count)):
                    document = Document(title=f"Văn bản {n} về {rng.choice(WORDS)}",
                                        created_by_id=secretariat.id)
                    version = DocumentVersion(document=document, number=1, kind="pdf",
                                              sha256="0" * 64, size=1, filename="x.pdf",
                                              state="ready", pdf_sha256="0" * 64, pages=10)
                    db.session.add_all([document, version])
                    db.session.flush()
                    services.store(version, Extracted(_text(rng)))
        print(f"{count} documents indexed in {time.perf_counter() - start:.1f} s ({url})")
        secretariat, member = db.session.merge(secretariat), db.session.merge(member)
        for query in ("dat dai", "ngân sách nhà nước", "khoang san bien dao quoc phong"):
            everyone = _median(lambda q=query: services.search(secretariat, q))
            results = services.search(secretariat, query)
            nobody = _median(lambda q=query: services.search(member, q))
            checked = services.search(member, query)
            print(f"{query!r}: {results.total} found; secretariat {everyone * 1000:.1f} ms, "
                  f"member reading none {nobody * 1000:.1f} ms "
                  f"(total {checked.total}, exact {checked.total_exact}), "
                  f"ratio {nobody / everyone:.1f}×")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
