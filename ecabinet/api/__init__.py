"""/api/v1: the JSON API. Its OpenAPI 3 description is generated from the schemas by flask-smorest
and served at /api/v1/openapi.json, with a browsable page at /api/v1/docs."""

from __future__ import annotations

import http
import json
from functools import wraps

import flask_smorest
from flask import Blueprint, Flask, render_template, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import unpack_tuple_response
from marshmallow import EXCLUDE, fields, post_load, validate
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict

from ecabinet import inputs
from ecabinet.paging import MAX_PAGE_SIZE, PAGE_SIZE, page_of, slice_of


class ErrorBodySchema(inputs.Schema):
    code = fields.String(required=True, metadata={
        "description": "stable, for programs: not_found, validation_error, conflict, …"})
    message = fields.String(required=True, metadata={"description": "for people"})
    details = fields.Dict(metadata={"description": "per field, what is wrong (422)"})


class ErrorSchema(inputs.Schema):
    """Every error answer of the API: ``{"error": {"code", "message", "details"?}}``."""

    error = fields.Nested(ErrorBodySchema, required=True)


class EcabinetApi(Api):
    """flask-smorest without its own error handler: errors keep the contract's shape
    (``{"error": {"code", "message"}}``), produced by :mod:`ecabinet.errors` for the whole app,
    and documented in that shape (every operation's ``default`` response and its listed
    error statuses)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


class _Parser(FlaskParser):
    """Request arguments: JSON decoded by the app's one decoder (a body nested too deeply is a
    400), and the "multipart" location: the form fields and the files of one body, validated by
    one schema (two flask-smorest argument decorators would describe an invalid request body)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"Bytes decoding error : {exc.reason}",
                                            doc=str(exc.object), pos=exc.start) from exc
        return inputs.decode_json(text)

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(flask_smorest.Blueprint):
    """Every /api/v1 blueprint: the app's argument parser, and error answers documented in the
    contract's shape even where a handler names only the status."""

    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data"}

    def alt_response(self, status_code, *, response=None, schema=None, **kwargs):
        if response is None and schema is None and int(status_code) >= 400 \
                and not kwargs.get("content_type"):
            schema = ErrorSchema
            kwargs.setdefault("description", http.HTTPStatus(int(status_code)).phrase)
        return super().alt_response(status_code, response=response, schema=schema, **kwargs)

    def paginate(self, pager=None):
        """flask-smorest's pagination in the resource (``pagination_parameters`` is passed to
        the view, which sets its ``item_count``: see :func:`paged`), with the app's bounded
        :class:`PageArgsSchema` (an integer the database cannot hold is a 422, in the error
        shape of the contract)."""
        if pager is not None:
            raise TypeError("lists are cut in SQL: use paged(), not a pager")

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                parameters = self.ARGUMENTS_PARSER.parse(
                    PageArgsSchema, request, location="query")
                result, status, headers = unpack_tuple_response(
                    func(*args, pagination_parameters=parameters, **kwargs))
                if parameters.item_count is not None:
                    result, headers = self._set_pagination_metadata(parameters, result, headers)
                return result, status, headers

            wrapper._apidoc = {**getattr(wrapper, "_apidoc", {}), "pagination": {
                "parameters": {"in": "query", "schema": PageArgsSchema},
                "response": {422: http.HTTPStatus(422).name}}}
            return wrapper

        return decorator

    def page_response(self, schema):
        """The 200 answer of a list in pages: ``schema``, ``?page=&page_size=`` and the
        ``X-Pagination`` header (:meth:`paginate`)."""
        response, paginate = self.response(200, schema), self.paginate()
        return lambda func: response(paginate(func))


class PageArgsSchema(inputs.Schema):
    """``?page=&page_size=`` of every list of the API. The answer's ``X-Pagination`` header
    says where the page stands: ``{"total", "total_pages", "first_page", "last_page", "page",
    "previous_page", "next_page"}``. The body is the list's page, as the list was before."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=inputs.MAX_ID),
                          metadata={"description": "which page, from 1"})
    page_size = fields.Integer(
        load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"items a page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE})"})

    @post_load
    def _parameters(self, data, **_kwargs) -> PaginationParameters:
        return PaginationParameters(**data)


def paged(query, parameters: PaginationParameters) -> list:
    """The page of an ordered query that ``parameters`` asks for, cut in SQL."""
    items, parameters.item_count = page_of(query, parameters.page, parameters.page_size)
    return items


def paged_list(items, parameters: PaginationParameters) -> list:
    """The same for a list filtered in Python (a seam: until the feature's SQL rule exists)."""
    page, parameters.item_count = slice_of(items, parameters.page, parameters.page_size)
    return page


#: Kept for the uploads' blueprints: every API blueprint now takes ``location="multipart"``.
MultipartBlueprint = ApiBlueprint


docs_bp = Blueprint("api_docs", __name__, template_folder="templates")


@docs_bp.route("/api/v1/docs")
def docs():
    return render_template("api/docs.html")


def init_app(app: Flask) -> None:
    api = EcabinetApi(app, spec_kwargs={
        "info": {"description": "ecabinet: meetings, documents and signed decisions. Send "
                                "`Authorization: Bearer <token>` from POST /api/v1/auth/token."},
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    api.register_converter(inputs.IdConverter, inputs.id_param_schema)
    app.extensions["ecabinet_api"] = api
    app.register_blueprint(docs_bp)


def register(app: Flask, blueprint) -> None:
    """Register a feature's API blueprint and its part of the OpenAPI description."""
    app.extensions["ecabinet_api"].register_blueprint(blueprint)
