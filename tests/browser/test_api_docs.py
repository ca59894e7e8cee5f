"""The API page: Swagger UI from /static/vendor, under the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).resolve().parents[2] / "ecabinet" / "static" / "vendor" / "swagger-ui"


@pytest.mark.skipif(not (VENDOR / "swagger-ui-bundle.js").exists(),
                    reason="Swagger UI is not in static/vendor (run make install)")
def test_swagger_ui_renders_the_openapi_document(page, live_server, screenshot):
    page.goto(live_server("/api/v1/docs"))

    page.wait_for_selector("#swagger-ui .information-container .title")
    assert "ecabinet" in page.locator("#swagger-ui .title").first.inner_text()
    assert page.locator("#swagger-ui .opblock").count() >= 1
    screenshot(page, "api-docs")
