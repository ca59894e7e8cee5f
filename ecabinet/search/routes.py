"""The page /search: a search box for the tablet, and the documents found. Thin: read the
query → search what the reader may read → render."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ecabinet.errors import Invalid
from ecabinet.identity.access import login_required
from ecabinet.search import services
from ecabinet.search.schemas import pdf_url, viewer_url

bp = Blueprint("search", __name__, template_folder="templates")

PER_PAGE = 20


def _open_url(hit) -> str:
    """The tablet viewer when the documents feature has one, else the PDF itself."""
    return viewer_url(hit) or pdf_url(hit)


@bp.route("/search")
@login_required
def index():
    query = request.args.get("q", "").strip()
    page = request.args.get("page", 1, type=int)
    page = page if page and 0 < page <= 1000 else 1
    results, error, status = None, None, 200
    if query:
        try:
            results = services.search(
                current_user._get_current_object(), query, limit=PER_PAGE,
                offset=(page - 1) * PER_PAGE,
                max_candidates=current_app.config["SEARCH_MAX_CANDIDATES"])
        except Invalid as exc:
            error, status = exc.message, 422
    pages = -(-results.total // PER_PAGE) if results else 0
    return render_template("search/index.html", query=query, results=results, error=error,
                           page=page, pages=pages, open_url=_open_url,
                           max_length=services.MAX_QUERY_LENGTH), status
