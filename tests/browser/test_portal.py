"""The portal dashboard in Voila + Chromium."""
import pytest

pytestmark = pytest.mark.browser


def test_portal_shows_demo_superdataset(dashboard, demo):
    page = dashboard.open("portal.ipynb")
    name = page.locator(".ndw-dataset-name")
    name.wait_for(timeout=60_000)
    assert name.inner_text() == "ndw-demo"
    assert page.locator(".ndw-subdataset-count").inner_text() == "2"
    assert int(page.locator(".ndw-run-count").inner_text()) >= 3
    assert page.get_by_text("derivatives").count() >= 1
