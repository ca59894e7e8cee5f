"""API shapes of search (the OpenAPI description is generated from these)."""

from flask import current_app, url_for
from marshmallow import fields, validate

from ecabinet.inputs import Schema
from ecabinet.search.services import MAX_LIMIT, MAX_QUERY_LENGTH


class SearchArgsSchema(Schema):
    q = fields.String(load_default="", metadata={
        "description": f"the words to find, with or without diacritics (at most "
                       f"{MAX_QUERY_LENGTH} characters); every word must occur. Quotes, `*`, "
                       f"`-` and the like only separate words"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))


def pdf_url(hit) -> str:
    """The version's PDF, opened at the page of the snippet."""
    url = url_for("documents_api.version_pdf", document_id=hit.document.id,
                  number=hit.entry.version_number)
    page = hit.snippet.page if hit.snippet else None
    return f"{url}#page={page}" if page else url


def viewer_url(hit) -> str | None:
    """The tablet viewer at the snippet's page, when the documents feature has one."""
    if "documents.view" not in current_app.view_functions:
        return None
    page = hit.snippet.page if hit.snippet else None
    return url_for("documents.view", document_id=hit.document.id,
                   number=hit.entry.version_number, **({"page": page} if page else {}))


class HitSchema(Schema):
    document_id = fields.Function(lambda hit: hit.document.id)
    title = fields.Function(lambda hit: hit.document.title)
    title_html = fields.Function(lambda hit: str(hit.title_html), metadata={
        "description": "the title, HTML-escaped, with the matched words in <mark>"})
    classification = fields.Function(lambda hit: hit.document.classification)
    version = fields.Function(lambda hit: hit.entry.version_number,
                              metadata={"description": "the version whose text was searched"})
    page = fields.Function(lambda hit: hit.snippet.page if hit.snippet else None,
                           allow_none=True, metadata={"description": "the snippet's page"})
    snippet = fields.Function(lambda hit: hit.snippet.plain if hit.snippet else None,
                              allow_none=True,
                              metadata={"description": "the text around the match (plain)"})
    snippet_html = fields.Function(
        lambda hit: str(hit.snippet.html) if hit.snippet else None, allow_none=True,
        metadata={"description": "the same, HTML-escaped, with the matched words in <mark>"})
    pdf_url = fields.Function(pdf_url, metadata={
        "description": "the version's PDF, at the snippet's page (#page=n)"})
    viewer_url = fields.Function(viewer_url, allow_none=True,
                                 metadata={"description": "the tablet viewer at that page"})


class SearchResultsSchema(Schema):
    query = fields.String()
    terms = fields.List(fields.String(), metadata={
        "description": "the words searched for, as folded (lower case, no diacritics)"})
    total = fields.Integer(metadata={"description": "documents found that the caller may read"})
    total_exact = fields.Boolean(metadata={
        "description": "false when the total is a lower bound (very many matches)"})
    limit = fields.Integer()
    offset = fields.Integer()
    results = fields.List(fields.Nested(HitSchema), attribute="hits")
