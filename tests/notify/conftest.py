"""The meetings fixtures (a published cabinet meeting and its API helper) for the invitation
tests, and the browser's."""

from tests.browser.conftest import (  # noqa: F401 - fixtures of the browser tests here
    browser,
    context,
    live_server,
    page,
    screenshot,
)
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures used in this folder
