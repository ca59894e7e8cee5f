"""What a serving process does once its app is built, before it takes requests."""

from __future__ import annotations

import gc


def settle_startup_heap() -> None:
    """Leave the objects made at start-up out of every later garbage collection.

    A built app holds hundreds of thousands of container objects that live as long as the
    process (modules, classes, SQLAlchemy's mappers and metadata, the URL map, translations).
    CPython's cyclic collector walked all of them at every full collection, and a live burst
    (500 tablets joining or voting at once) allocates enough to run those collections again and
    again: ~25 % of the servers' CPU went to ``gc_collect_main`` in `perf` during
    bench/live_fanout.py, and freezing the start-up heap took a join from 2.6 to 1.6 ms of CPU
    (bench/README.md). Frozen objects are still freed by reference counting; only a cycle among
    them would now stay, and start-up objects are the process's for its life anyway.
    """
    gc.collect()
    gc.freeze()
