"""Fixtures of the people, the cabinet meeting and the signing stand-in, for the tests that
feed every way in with edge input (the attacker review's, which held)."""
from tests.decisions.conftest import (  # noqa: F401
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
    fake_signing,
    people,
)
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401
