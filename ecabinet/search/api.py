"""/api/v1/search. Thin: check the query → search what the caller may read → answer."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.identity.access import login_required
from ecabinet.search import services
from ecabinet.search.schemas import SearchArgsSchema, SearchResultsSchema

blp = Blueprint("search_api", __name__, url_prefix="/api/v1",
                description="Full-text search over the documents the caller may read")


@blp.route("/search")
@login_required
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultsSchema)
@blp.alt_response(422, description="an empty or too long query")
def search(args):
    """Documents containing every word of `q` (title or text; "quyet dinh" finds "Quyết
    định"), best first, each with a highlighted snippet. Only documents the caller may read
    are found or counted."""
    results = services.search(
        current_user._get_current_object(), args["q"], limit=args["limit"],
        offset=args["offset"], max_candidates=current_app.config["SEARCH_MAX_CANDIDATES"])
    results.limit, results.offset = args["limit"], args["offset"]
    return results
