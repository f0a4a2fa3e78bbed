"""The explorer dashboard in Voila + Chromium: open a clone, get a file, drop it again."""
from urllib.parse import quote

import pytest


pytestmark = pytest.mark.browser


def test_explorer_get_and_drop_a_file(dashboard, demo_clone, tick_row):
    from playwright.sync_api import expect

    page = dashboard.open("explorer.ipynb", query="dataset=" + quote(str(demo_clone)))
    explorer = page.locator(".ndw-explorer")
    storage = explorer.locator(".ndw-storage")
    storage.wait_for(timeout=60_000)
    assert "ndw-demo" in explorer.locator(".ndw-crumbs").first.inner_text()
    tick_row(explorer, "figures")
    explorer.locator(".ndw-explorer-open").click()
    expect(explorer.locator(".ndw-crumbs").first).to_contain_text("figures", timeout=30_000)
    expect(storage).to_have_attribute("data-present", "0", timeout=30_000)
    expect(storage).to_have_attribute("data-total", "407")

    tick_row(explorer, "mean_intensity.png")
    expect(storage).to_contain_text("get selection adds 407 B", timeout=30_000)
    explorer.locator(".ndw-explorer-get").click()
    expect(storage).to_have_attribute("data-present", "407", timeout=60_000)
    expect(explorer.locator(".ndw-explorer-banner")).to_contain_text("Get: done", timeout=30_000)

    tick_row(explorer, "mean_intensity.png")
    explorer.locator(".ndw-explorer-whereis").click()
    expect(explorer.locator(".ndw-whereis")).to_contain_text("store-storage", timeout=30_000)
    explorer.locator(".ndw-explorer-drop").click()
    expect(storage).to_have_attribute("data-present", "0", timeout=60_000)
    expect(explorer.locator(".ndw-explorer-banner")).to_contain_text("Drop: done", timeout=30_000)
