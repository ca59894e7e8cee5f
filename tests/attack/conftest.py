"""Reuse the suite's fixtures for the attack tests."""
from tests.decisions.conftest import (  # noqa: F401
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
    fake_signing,
    people,
)
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401
