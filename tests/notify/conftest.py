"""The meetings fixtures (a published cabinet meeting and its API helper) for the invitation
tests."""

from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures used in this folder
