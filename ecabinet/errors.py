"""Domain exceptions: services raise :class:`DomainError` subclasses, which
:mod:`ecabinet.error_handlers` turns into answers (nothing else in the app builds error
responses). A module of its own, imported by everything down to :mod:`ecabinet.database`.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can understand; ``code`` is stable for programs."""

    status = 400
    code = "bad_request"
    #: A refused attempt worth keeping (``audit.record``'s arguments):
    #: :func:`ecabinet.database.unit_of_work` rolls the attempt back and then records this alone
    #: (the error handler does, when the refusal came before any unit of work). A refusal
    #: without it that answers 403 is recorded as ``access.denied``.
    audit: dict | None = None
    #: Set once its audit line is written, so that one refusal leaves one line.
    audited: bool = False

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    status, code = 422, "validation_error"


class UnsupportedMedia(DomainError):
    status, code = 415, "unsupported_media_type"


class Unavailable(DomainError):
    """A service we depend on (time-stamping, OCSP, the converter) is down: retry later."""
    status, code = 503, "service_unavailable"
