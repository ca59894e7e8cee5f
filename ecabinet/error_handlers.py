"""The one place that turns any error into an answer.

Services raise :class:`ecabinet.errors.DomainError` subclasses; nothing else in the app builds
error responses. API clients get ``{"error": {"code", "message"}}`` with the status; browsers get
a readable page.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError, Forbidden
from ecabinet.extensions import db

log = logging.getLogger(__name__)


#: Stable codes for the HTTP statuses werkzeug raises on its own.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body: dict = {"code": code, "message": message}
        if details:
            body["details"] = details
        return make_response(jsonify(error=body), status)
    page = render_template("errors/error.html", status=status, code=code, message=message)
    return make_response(page, status)


def _handle_domain_error(exc: DomainError):
    db.session.rollback()
    if not exc.audited and (exc.audit is not None or isinstance(exc, Forbidden)):
        audit_refusal(exc)
    return error_response(exc.status, exc.code, exc.message, exc.details)


def audit_refusal(exc: DomainError) -> None:
    """Leave one audit line for a refused attempt, in a transaction of its own since the
    request's was rolled back: the refusal's own entry when it carries one, otherwise (a 403)
    ``access.denied`` with who, the code and where — never the body, which may hold secrets.
    An audit failure must not turn the refusal into a 500."""
    from flask_login import current_user

    from ecabinet.audit import services as audit

    actor = current_user if getattr(current_user, "is_authenticated", False) else None
    entry = exc.audit or {"action": "access.denied", "actor": actor, "details": {
        "code": exc.code, "method": request.method, "path": request.path}}
    try:
        # A unit of work: on SQLite its transaction takes the write lock before the chain's
        # head is read, so no other writer appends in between.
        with unit_of_work():
            audit.record(**entry)
        exc.audited = True
    except Exception:  # noqa: BLE001 - the refusal stands whatever happens to its audit line
        db.session.rollback()
        log.exception("could not audit a refused request")


def _handle_csrf(exc: CSRFError):
    db.session.rollback()
    return error_response(400, "csrf_failed", _("The form expired or was not sent by this site. "
                                                 "Reload the page and try again."))


def _handle_http(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    code = HTTP_CODES.get(status, "error")
    details = None
    data = getattr(exc, "data", None)  # webargs puts validation messages here
    if isinstance(data, dict) and data.get("messages"):
        details = data["messages"]
    message = _http_message(status, exc)
    response = error_response(status, code, message, details)
    for header in ("Retry-After", "Allow", "WWW-Authenticate"):
        value = dict(exc.get_headers()).get(header)
        if value:
            response.headers[header] = value
    return response


def _http_message(status: int, exc: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Sign in first."),
        403: _("You do not have permission to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("This type of content is not accepted."),
        422: _("Some fields are missing or invalid."),
        429: _("Too many attempts. Wait a moment and try again."),
    }
    if status == 400 and exc.description and "JSON" in exc.description:
        return _("The request body is not valid JSON.")
    return messages.get(status, exc.description or _("Something went wrong."))


def _handle_integrity(exc: IntegrityError):
    db.session.rollback()
    log.info("integrity error: %s", exc.orig)
    return error_response(409, "conflict", _("This conflicts with existing data."))


def _handle_data(exc: DataError):
    """The last guard behind :mod:`ecabinet.inputs`: a value the database refuses to hold (too
    long, out of range) is the caller's input, not our failure; nothing was saved."""
    db.session.rollback()
    log.warning("data error: %s", exc.orig)
    return error_response(422, "validation_error", _("Some fields are missing or invalid."))


def _handle_unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unhandled error")
    return error_response(500, "internal_error",
                          _("Something went wrong on our side. Nothing was saved."))


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(IntegrityError, _handle_integrity)
    app.register_error_handler(DataError, _handle_data)
    app.register_error_handler(Exception, _handle_unexpected)
