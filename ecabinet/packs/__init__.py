"""Meeting packs: one PDF per meeting and reader, per-reader watermarks, read receipts.

- :mod:`.plan` what one reader's pack holds (plain values; its key names the cached build);
- :mod:`.build` cover, agenda, documents, outline and page labels (pypdf);
- :mod:`.typeset` Vietnamese text in an embedded Liberation Serif subset;
- :mod:`.watermark` "MẬT", the reader's name and the time over confidential pages;
- :mod:`.services` the cache, the reader's copies, read receipts and the secretariat's report;
- :mod:`.jobs` the build, in the job queue: a request never builds (202 and the progress);
- :mod:`.api` ``/api/v1/meetings/{id}/pack``, ``…/pack/status`` and ``…/reads``;
  :mod:`.routes` the pages;
- :func:`send_reader_pdf` (:mod:`.delivery`) how any feature hands a reader a document's PDF.

Configuration: ``PACK_FONT_DIR`` (default ``/usr/share/fonts/truetype/liberation2``, Debian's
``fonts-liberation2``: Liberation Serif 2 has every Vietnamese letter).
"""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    "PACK_FONT_DIR": "/usr/share/fonts/truetype/liberation2",
    # A build not heard of for this long (its worker stopped) is taken up again.
    "PACK_BUILD_STALE_SECONDS": 300,
    # A failed build is tried again after this long (not at every poll of the waiting page).
    "PACK_RETRY_SECONDS": 60,
    "PACK_BUILD_TIMEOUT_SECONDS": 1800,
}


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.packs import models  # noqa: F401 - the tables, for migrations
    from ecabinet.packs.api import blp
    from ecabinet.packs.routes import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    api.register(app, blp)
    app.register_blueprint(bp)


def send_reader_pdf(user, version, *, data: bytes | None = None, download_name: str | None = None,
                    etag: str | bool | None = None):
    """The response carrying ``user``'s copy of a document version's PDF: the one way such a
    PDF leaves the server to a reader, for every feature (the read is recorded, a confidential
    document watermarked: :func:`.delivery.send_reader_pdf`)."""
    from ecabinet.packs.delivery import send_reader_pdf as send

    return send(user, version, data=data, download_name=download_name, etag=etag)
