"""Consultation rounds on draft documents (lấy ý kiến dự thảo).

A version of a document goes to reviewers with a deadline; they comment on its paragraphs
(.docx) or pages (PDF); the drafting side answers each comment (tiếp thu / giải trình) and
downloads the consolidated table. A new version of the document closes no round by itself: the
drafting side is asked whether to keep each round on the earlier version or move it to the new
one (:func:`.services.move_round`; the documents page asks through
:func:`ecabinet.docs.services.register_version_followup`).

- :mod:`.text` numbers paragraphs and pages, and compares versions;
- :mod:`.services` who sees what, rounds, comments, replies, answers;
- :mod:`.table` the consolidated table (.docx);
- :mod:`.signals` ``round_opened`` and ``round_closed``, for notifications;
- :mod:`.api` ``/api/v1/consultation-rounds…``, ``/api/v1/documents/{id}/comments`` and
  ``/api/v1/documents/{id}/compare``; :mod:`.routes` the pages.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.consultation import models  # noqa: F401 - the tables, for migrations
    from ecabinet.consultation.api import blp
    from ecabinet.consultation.dashboard import drafts_to_review
    from ecabinet.consultation.routes import bp
    from ecabinet.consultation.services import superseded_followup
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.docs.services import register_version_followup

    app.register_blueprint(bp)
    api.register(app, blp)
    register_provider("drafts", drafts_to_review)
    register_version_followup(superseded_followup)
