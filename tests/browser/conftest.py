"""Browser fixtures: the test app served on a real port, and Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (``make install-dev`` installs it).
Without it the browser tests are skipped, not failed.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TABLET = {"width": 768, "height": 1024}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


class _InFlight:
    """Counts the HTTP requests being answered, so that stopping waits for them: a page left
    open (pdf.js still fetching ranges) must not reach the app once the next test has reset
    its database. Socket.IO's long polls are left out: they end with their connection."""

    def __init__(self, app):
        self.app, self.count, self.idle = app, 0, threading.Condition()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/socket.io/"):
            return self.app(environ, start_response)
        with self.idle:
            self.count += 1
        return self._counted(environ, start_response)

    def _counted(self, environ, start_response):
        body = None
        try:
            # The body is sent from inside: a streamed response counts until it is sent.
            body = self.app(environ, start_response)
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()  # as a WSGI server must (a file's handle)
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._in_flight = _InFlight(app)
        self._server = make_server("127.0.0.1", 0, self._in_flight, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="live-server")

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        assert self._in_flight.wait(timeout=30), "a request was still being answered"

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app):
    """The test app on http://127.0.0.1:<free port>, stopped (and its socket closed) after."""
    server = LiveServer(app).start()
    yield server
    server.stop()


#: The one Chromium of the run. Other folders' conftests import this fixture, which makes each
#: of them a session fixture of its own; Playwright's sync API cannot start twice in a thread,
#: so they all share what the first one started, and that one stops it at the end.
_SHARED: dict = {}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    if "browser" in _SHARED:
        yield _SHARED["browser"]
        return
    with sync_api.sync_playwright() as playwright:
        _SHARED["browser"] = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield _SHARED["browser"]
        _SHARED.pop("browser").close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=TABLET, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    yield context
    context.close()


def watch(page, *, live: bool = False) -> list[str]:
    """Collect what should fail a test: script errors, CSP violations, missing assets.

    ``live``: the page holds a Socket.IO connection, whose pending long-poll request is aborted,
    as it should be, when the page is left or reloaded; that abort is not a problem.
    """
    errors: list[str] = []

    def failed(request):
        if live and "/socket.io/" in request.url and "ERR_ABORTED" in (request.failure or ""):
            return
        errors.append(f"failed: {request.url} {request.failure}")

    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            and not (live and "WebSocket" in msg.text)
            else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None)
    page.on("requestfailed", failed)
    page.set_default_timeout(10_000)
    return errors


@pytest.fixture
def page(context):
    """A tab that fails the test on a script error, a CSP violation or a missing asset.

    A page answered with 401 or 422 (a refused sign-in) is expected; only sub-resources count.
    """
    page = context.new_page()
    errors = watch(page)
    yield page
    assert not errors, f"the browser reported problems: {errors}"


@pytest.fixture
def tablet(browser):
    """``tablet()``: a new tab in a browser context of its own, as another person's tablet
    (its own cookies), watched like ``page``; for pages that hold a live connection."""
    opened: list[tuple] = []

    def factory():
        context = browser.new_context(viewport=TABLET, locale="vi-VN",
                                      timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        opened.append((context, watch(page, live=True)))
        return page

    yield factory
    problems = [problem for _context, errors in opened for problem in errors]
    for context, _errors in opened:
        context.close()
    assert not problems, f"the browser reported problems: {problems}"


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to tests/screenshots/<name>.png (gitignored) for a human eye."""
    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


class BrowserAuth:
    """Sign-in through the real pages."""

    def __init__(self, page, server):
        self.page, self.server = page, server

    def submit_password(self, user, password: str = PASSWORD):
        page = self.page
        page.goto(self.server("/login"))
        page.locator("input[name=email]").fill(user.email)
        page.locator("input[name=password]").fill(password)
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_load_state()

    def expect_path(self, path: str):
        self.page.wait_for_url(re.compile(re.escape(self.server.url + path) + r"(\?.*)?$"))


@pytest.fixture
def browser_auth(page, live_server):
    return BrowserAuth(page, live_server)
