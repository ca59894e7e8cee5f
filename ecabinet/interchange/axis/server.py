"""``ecabinet axis serve``: a local exchange service speaking the Government Office's protocol.

A small Flask app of its own (not the ecabinet app: no session, no CSRF, no migrations) over
:class:`.server_store.Store`, for development, the demo and the tests: two installations pointed
at it exchange packages exactly as through the real service (see :mod:`.transport` for the
protocol). It is not meant to face the Internet: no TLS of its own, run it behind a proxy if
it must leave the machine.
"""

from __future__ import annotations

import base64
import json
import logging
import threading

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, make_server

from ecabinet.interchange.axis.server_store import Store, StoreError, open_store
from ecabinet.interchange.axis.transport import (
    MESSAGE_TYPES,
    SERVICE_TYPE,
    sdk_hash_hex,
    sha256_hex,
)

log = logging.getLogger(__name__)

#: The largest package the service takes (the real service's limit is not published; 30 MB is
#: above what a signed decision with its attachments weighs, and below what hurts a poller).
DEFAULT_MAX_BYTES = 30 * 1024 * 1024

AUTHENTICATED = ("sendEdoc", "getReceivedEdocList", "getEdoc", "updateStatus",
                 "getSentEdocList", "getAgenciesList")


def _ok(**fields):
    return jsonify({"status": "OK", "ErrorCode": "0", "ErrorDesc": "Success", **fields})


def _fail(status: int, error_code: str, message: str):
    response = jsonify({"status": "FAIL", "ErrorCode": error_code, "ErrorDesc": message})
    response.status_code = status
    return response


def create_server_app(store: Store | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Flask:
    """The service's WSGI app over ``store`` (or a database URL)."""
    if isinstance(store, str):
        store = open_store(store)
    app = Flask(__name__)
    # Werkzeug refuses a larger body with 413 before it is read (Content-Length, or while a
    # chunked body streams in).
    app.config["MAX_CONTENT_LENGTH"] = max_bytes
    app.extensions["axis_store"] = store

    @app.before_request
    def authenticate():
        operation = (request.path or "/").strip("/")
        if operation not in AUTHENTICATED:
            return _fail(404, "not_found", f"no operation {operation!r}")
        if request.method != "POST":
            return _fail(405, "method", f"{operation} is called with POST")
        try:
            g.system = store.authenticate(request.headers.get("systemid", ""),
                                          request.headers.get("secret", ""))
        except StoreError as refusal:
            log.info("axis serve: %s refused for system %r: %s", operation,
                     request.headers.get("systemid", ""), refusal.message)
            return _fail(refusal.status, refusal.error_code, refusal.message)
        return None

    @app.errorhandler(StoreError)
    def refused(refusal: StoreError):
        return _fail(refusal.status, refusal.error_code, refusal.message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        return _fail(413, "too_large", f"the package exceeds the service's limit of "
                                       f"{max_bytes} bytes")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _fail(error.code or 500, str(error.code), error.description or error.name)

    @app.post("/sendEdoc")
    def send_edoc():
        length = request.content_length
        if length is not None and length > max_bytes:
            raise RequestEntityTooLarge()
        body = request.get_data(cache=False)
        if not body:
            return _fail(400, "empty", "no package in the request body")
        service_type = request.headers.get("servicetype", SERVICE_TYPE)
        message_type = request.headers.get("messagetype", "")
        if service_type != SERVICE_TYPE or message_type not in MESSAGE_TYPES:
            return _fail(400, "type", f"servicetype must be {SERVICE_TYPE} and messagetype "
                                      f"one of {', '.join(MESSAGE_TYPES)}")
        try:
            to = json.loads(request.headers.get("to", ""))
        except ValueError:
            to = None
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(c, str) for c in to):
            return _fail(400, "to", "to must be a JSON list of OrganIds")
        declared = request.headers.get("hash-file")
        if declared and declared.lower() not in (sha256_hex(body), sdk_hash_hex(body)):
            return _fail(400, "hash", "the package does not match its hash-file header: "
                                      "damaged on the way")
        doc_id = store.send(g.system, request.headers.get("from"), to, service_type,
                            message_type, body)
        return _ok(DocId=doc_id)

    @app.post("/getReceivedEdocList")
    def received_list():
        return _ok(data=store.received(g.system))

    @app.post("/getEdoc")
    def get_edoc():
        body = store.fetch(g.system, request.headers.get("docId", ""))
        return _ok(data=base64.b64encode(body).decode("ascii"))

    @app.post("/updateStatus")
    def update_status():
        store.update_status(g.system, request.headers.get("docId", ""),
                            request.headers.get("status", ""))
        return _ok()

    @app.post("/getSentEdocList")
    def sent_list():
        return _ok(data=store.sent_list(g.system))

    @app.post("/getAgenciesList")
    def agencies_list():
        return _ok(data=store.agencies())

    return app


class LiveServer:
    """The service on a port of this process, in a thread (``axis serve``, tests, the bench)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0):
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="ecabinet-axis-serve")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
