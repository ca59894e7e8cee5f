"""Moved to tests/docs/confidential_helpers.py; kept for the attack tests that import it."""
from tests.docs.confidential_helpers import attach, upload_pdf  # noqa: F401
