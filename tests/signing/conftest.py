"""Fixtures of the signing tests: the demo PKI comes from tests/pki.py (registered for the
whole suite in tests/conftest.py); the browser ones for the validation page."""

from tests.browser.conftest import (  # noqa: F401 - for the validation page's browser test
    browser,
    browser_auth,
    context,
    live_server,
    page,
    screenshot,
)
