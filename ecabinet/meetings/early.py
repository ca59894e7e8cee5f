"""A tablet's ``GET /api/v1/meetings/{id}`` answered before the rest of the request's work.

A hall of tablets reads its meeting again and again; most of the time nothing changed. The
answer is decided by one statement (:mod:`.conditional`), here in the app's first
``before_request`` hook: 304 when the ETag sent still holds, else 200 with the body kept under
the same ETag, or made for this reader from the part every reader shares (:mod:`.read_body`).
Anything else — no bearer token, a refusal, a first look to record — goes on to the whole read
(``api.get_meeting``), which answers it as before.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_limiter.util import get_qualified_name

from ecabinet.docs.schemas import ItemDocumentSchema
from ecabinet.extensions import limiter
from ecabinet.meetings import conditional, read_body
from ecabinet.meetings.schemas import AgendaItemSchema, MeetingDetailSchema
from ecabinet.security import bearer_secret

#: The shape of the meeting's read, part of its ETag (:func:`.versions.etag`).
SHAPE = repr([sorted(schema().fields) for schema in (MeetingDetailSchema, AgendaItemSchema,
                                                     ItemDocumentSchema)])
ENDPOINT = "meetings_api.get_meeting"


def etag_headers(etag: str) -> dict:
    return {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache",
            "Vary": "Authorization, Cookie"}


def answered_early() -> Response | None:
    """The meeting's read with a bearer token, answered from one statement before the user
    and the meeting are loaded: 304 when nothing the reader sees has changed, else 200 with
    the reader's body at this ETag; None: the whole read answers.

    The first of the app's ``before_request`` hooks (:func:`install`). What the hooks after it
    would have done first is nothing for this request: CSRF checks no GET, a read without a
    query string has no field to refuse, and the rate limiter is passed only while no limit
    applies to the read (:func:`_unlimited`)."""
    if request.endpoint != ENDPOINT or request.method not in ("GET", "HEAD") \
            or request.query_string or not _unlimited():
        return None
    secret = bearer_secret()
    if secret is None:  # a browser's session: its sign-in is checked by the whole read
        return None
    found = conditional.reading(secret, request.view_args["meeting_id"], SHAPE)
    if found is None:
        return None
    headers = etag_headers(found.etag)
    if request.if_none_match.contains(found.etag):
        return Response(status=304, headers=headers)
    body = conditional.bodies().get(found.key)
    if body is None:  # the reader's first look at this version: made from the shared part
        body = current_app.json.response(read_body.body_for(found)).get_data()
        conditional.bodies().put(found.key, body)
    return Response(body, 200, headers, mimetype="application/json")


def _unlimited() -> bool:
    """Whether the rate limiter has no limit for the meeting's read: none for the whole app,
    none by default, none on the read or its blueprint (looked up once per app), none met on
    an earlier call within the read (its "hints", noted as they come)."""
    app = current_app._get_current_object()
    known = app.extensions.get("ecabinet_meeting_read_unlimited")
    if known is None:
        manager = limiter.limit_manager
        view = get_qualified_name(app.view_functions[ENDPOINT])
        blueprint = ENDPOINT.partition(".")[0]
        known = app.extensions["ecabinet_meeting_read_unlimited"] = not limiter.enabled or not (
            manager.application_limits or manager.default_limits
            or manager.decorated_limits(view) or manager.blueprint_limits(app, blueprint))
    return known and not limiter.limit_manager.has_hints(ENDPOINT)


def install(app: Flask) -> None:
    """Put :func:`answered_early` first among the app's ``before_request`` hooks: a
    blueprint's own hooks run after all the app's, and the rate limiter's check alone, for a
    read it does not limit, was an eighth of a 304's CPU."""
    hooks = app.before_request_funcs.setdefault(None, [])
    if answered_early not in hooks:
        hooks.insert(0, answered_early)
