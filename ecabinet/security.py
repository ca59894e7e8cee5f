"""Security headers, and CSRF for every cookie-authenticated state change.

CSRF is enforced here rather than by Flask-WTF's default hook so that API calls made with a
bearer token (which a browser never attaches by itself) are exempt, while the same API called
with the session cookie is protected.
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup

from ecabinet.extensions import csrf

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def import_map(static_url_path: str) -> str:
    """The page's import map: the bare "@noble/…" specifiers of the vendored crypto modules
    (static/js/lib/ballot.js and noble's own imports) resolve to /static/vendor/noble/.

    A browser reads an import map only inline (``<script type="importmap" src>`` is not
    supported), and the CSP runs no inline script: this one text is allowed by its hash
    (``'sha256-…'`` in script-src), so no other inline script runs and no nonce is needed."""
    vendor = f"{static_url_path}/vendor/noble"
    return json.dumps({"imports": {"@noble/curves/": f"{vendor}/curves/",
                                   "@noble/hashes/": f"{vendor}/hashes/"}}, sort_keys=True)


def script_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy_with(import_map_text: str) -> str:
    return CONTENT_SECURITY_POLICY.replace("script-src 'self'",
                                           f"script-src 'self' {script_hash(import_map_text)}")


def has_bearer_token() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def bearer_secret() -> str | None:
    """The secret of the request's bearer token (None: there is none)."""
    if not has_bearer_token():
        return None
    return request.headers.get("Authorization", "").partition(" ")[2].strip() or None


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site, else None: the one rule for every redirect
    a request may choose (``next`` after sign-in, the language switch).

    Browsers drop tabs and line breaks from a URL, trim spaces and control characters, and read
    a backslash as a slash: ``/\t/evil.example`` is ``//evil.example`` to them, another site.
    So nothing of the kind is allowed at all (which also keeps a CR/LF out of the Location
    header), and what is left must parse as a path with neither scheme nor host.
    """
    if not target or not isinstance(target, str) or len(target) > 2048:
        return None
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or parts.path.startswith("//"):
        return None
    return target


def _authenticated_by_bearer() -> bool:
    """Whether the caller is the user of a valid bearer token -- not merely sends the header.

    Flask-Login tries the session cookie first and looks at the header only without one, so a
    junk ``Bearer`` next to the cookie leaves the call cookie-authenticated: it needs the CSRF
    token like any other. The request loader marks a request it authenticated (``g.api_token``).
    """
    if not has_bearer_token():
        return False
    from flask_login import current_user

    return bool(current_user.is_authenticated) and g.get("api_token") is not None


def _cookie_authenticated() -> bool:
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def _protect_against_csrf() -> None:
    """Pages always; the API only when the browser's session cookie could authenticate the call.

    A program calling the API sends a bearer token (or, for POST /auth/token, no credentials at
    all): a forged cross-site request can carry neither, so there is nothing to protect.
    """
    if request.method in SAFE_METHODS or _authenticated_by_bearer():
        return
    if request.path.startswith("/api/") and not _cookie_authenticated():
        return
    csrf.protect()


def _add_security_headers(response):
    """Each header the response does not set already. The names it has are read once: a
    ``setdefault`` per header scanned them all each time (16 µs a response, now 4: a tablet's
    cached read of its meeting is ~400 µs in all)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    for lowered, name, value in current_app.extensions["security_headers_lowered"]:
        if lowered not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    if "cache-control" not in present and (
            response.mimetype == "text/html" or request.path.startswith("/api/")):
        headers.add("Cache-Control", "no-store")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, which builds its signer for every request, cookie or not: a
    request that sends no session cookie (a tablet's API call with its bearer token) gets the
    new empty session Flask would give it, without the signer (~15 µs a request)."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    text = import_map(app.static_url_path or "")
    app.extensions["security_headers"] = {**SECURITY_HEADERS,
                                          "Content-Security-Policy": policy_with(text)}
    app.extensions["security_headers_lowered"] = tuple(
        (name.lower(), name, value) for name, value in app.extensions["security_headers"].items())
    app.jinja_env.globals["import_map"] = Markup(text)  # noqa: S704 (our own JSON, no input)
    app.session_interface = SessionInterface()
    app.before_request(_protect_against_csrf)
    app.after_request(_add_security_headers)
