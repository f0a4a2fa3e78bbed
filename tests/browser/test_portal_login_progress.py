"""The portal in Voila + Chromium during a slow login: while XNAT holds the login back, the XNAT tab and the login
card say a login is in progress (not "Log in to …"); when the server answers, the tab lists the projects."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_slow_servers import HANG

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_xnat_tab_says_a_slow_login_is_in_progress_then_lists_the_projects(dashboard, faults):
    xnat = faults["xnat"]
    page = dashboard.open("portal.ipynb")
    card = page.locator(".ndw-login-card-toggle", has_text="XNAT")
    expect(card).to_contain_text("XNAT: not logged in", timeout=30_000)
    page.get_by_role("tab", name="XNAT").click()
    tab = page.locator(".ndw-xnat-browser")
    expect(tab.locator(".ndw-banner")).to_contain_text("Log in to browse XNAT.", timeout=60_000)

    card.click()  # the login card opens (the keyboard reaches it too: it is a button)
    xnat.faults.set(hang=HANG)  # XNAT holds the login back
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    expect(tab.locator(".ndw-banner")).to_contain_text("Logging in to XNAT…", timeout=30_000)
    expect(tab).not_to_contain_text("Log in to browse XNAT.")
    expect(card).to_contain_text("XNAT: logging in…")
    page.screenshot(path=str(ARTIFACTS / "portal-xnat-login-in-progress.png"))

    xnat.faults.clear()  # the server answers
    expect(tab.locator(".ndw-dt-table tbody tr", has_text="DEMO_PUBLIC").first).to_be_visible(timeout=60_000)
    expect(tab).not_to_contain_text("Logging in to XNAT…")
    expect(card).to_contain_text("XNAT: logged in as guest")
