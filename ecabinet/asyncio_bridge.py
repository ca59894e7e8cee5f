"""Running a coroutine to completion from synchronous code.

pyHanko 0.38 is asynchronous (its synchronous wrappers call ``asyncio.run`` and fail inside a
running loop). Flask views run in threads (or gevent greenlets), with no loop of their own, so
:func:`run_async` calls ``asyncio.run`` directly there, and — when a loop *is* already running
in the calling thread (Playwright's sync API keeps one in the tests' main thread) — runs the
coroutine on a fresh loop in a helper thread instead of failing.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

_helper_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="signing-loop")


def run_async(make_coroutine):
    """Run ``make_coroutine()`` to completion from synchronous code.

    No loop running in this thread (Flask under threads or gevent, the CLI): ``asyncio.run``.
    A loop already running here (``asyncio.run`` cannot nest): a helper thread runs it on a
    loop of its own while this thread waits.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    return _helper_threads.submit(lambda: asyncio.run(make_coroutine())).result()
