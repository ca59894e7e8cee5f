"""/api/v1: the JSON API. Its OpenAPI 3 description is generated from the schemas by flask-smorest
and served at /api/v1/openapi.json, with a browsable page at /api/v1/docs."""

from __future__ import annotations

import http
import json

import flask_smorest
from flask import Blueprint, Flask, render_template
from flask_smorest import Api
from marshmallow import fields
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict

from ecabinet import inputs


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
