"""A serving process keeps its start-up heap out of the garbage collector's walks."""

import gc
import os
import subprocess
import sys
from pathlib import Path

from ecabinet.serving import settle_startup_heap

ROOT = Path(__file__).resolve().parents[1]


def test_the_wsgi_entry_point_freezes_the_built_app(tmp_path):
    # What gunicorn imports: the app built, then its objects frozen (a bench finding: the
    # collector's walks of them were a quarter of a live burst's CPU, bench/README.md).
    env = {**os.environ, "ECABINET_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
           "ECABINET_INSTANCE_DIR": str(tmp_path / "instance")}
    env.pop("ECABINET_ASYNC_MODE", None)
    out = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.split()[-1]) > 50_000


def test_settling_freezes_what_exists_and_collects_what_is_garbage():
    class Cycle:
        pass

    garbage = Cycle()
    garbage.me = garbage
    del garbage
    try:
        settle_startup_heap()
        # The cycle was collected before the freeze, not frozen with the rest.
        assert not any(type(o) is Cycle for o in gc.get_objects())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
