"""/api/v1: the JSON API. Its OpenAPI 3 description is generated from the schemas by flask-smorest
and served at /api/v1/openapi.json, with a browsable page at /api/v1/docs."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict


class EcabinetApi(Api):
    """flask-smorest without its own error handler: errors keep the contract's shape
    (``{"error": {"code", "message"}}``), produced by :mod:`ecabinet.errors` for the whole app."""

    def _register_error_handlers(self):
        pass


class _MultipartParser(FlaskParser):
    """The "multipart" location: the form fields and the files of one body, validated by one
    schema (two flask-smorest argument decorators would describe an invalid request body)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(ApiBlueprint):
    """An API blueprint whose endpoints may take ``location="multipart"`` (uploads)."""

    ARGUMENTS_PARSER = _MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **ApiBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


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
    app.extensions["ecabinet_api"] = api
    app.register_blueprint(docs_bp)


def register(app: Flask, blueprint) -> None:
    """Register a feature's API blueprint and its part of the OpenAPI description."""
    app.extensions["ecabinet_api"].register_blueprint(blueprint)
