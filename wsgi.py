"""The WSGI entry point: `gunicorn -k gevent -w 1 wsgi:app` (production) or `flask --app wsgi`.

With ECABINET_ASYNC_MODE=gevent the standard library is monkey-patched first, before anything
else imports it: sockets, threads and time must all be gevent's for one worker to hold
hundreds of tablets' websockets.
"""

import os

if os.environ.get("ECABINET_ASYNC_MODE") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from ecabinet import create_app  # noqa: E402 - after monkey-patching
from ecabinet.serving import settle_startup_heap  # noqa: E402

app = create_app()
settle_startup_heap()
