"""The keyboard alone completes the portal's journey: log in to XNAT, search, install, get.

No clicks: focus moves with Tab (as a keyboard or screen-reader user moves it), buttons and rows answer Enter
and Space, text is typed. Each step waits for what a user would see.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MAX_TABS = 120


def tab_to(page, selector: str) -> None:
    """Press Tab until the focused element is (or is inside) ``selector``; fail naming where focus got stuck."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => { const a = document.activeElement; return !!(a && (a.matches(sel) || "
                         "a.closest(sel))); }", selector):
            return
    where = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector}; focus is on {where}")


def test_login_search_install_and_get_with_the_keyboard_alone(dashboard, demo, tmp_path):
    page = dashboard.open("portal.ipynb")
    page.locator(".ndw-search .ndw-dt-table tbody tr").first.wait_for(timeout=120_000)
    page.locator("body").focus()
    # log in to XNAT: open its card, then the demo login (filled in by the sandbox) with Enter
    tab_to(page, ".ndw-login-panel .ndw-login-card-toggle")
    page.keyboard.press("Enter")
    tab_to(page, ".ndw-xnat-login-button")
    page.keyboard.press("Enter")
    expect(page.locator(".ndw-login-panel")).to_contain_text("XNAT: logged in as", timeout=60_000)
    # search for the demo superdataset
    tab_to(page, ".ndw-search-query input")
    page.keyboard.type(f'url:"{demo["superdataset"]}"')
    page.keyboard.press("Enter")
    search = page.locator(".ndw-search")
    expect(search.locator(".ndw-dt-info")).to_have_text("3 rows", timeout=60_000)
    # the table: arrows move the active row (Install takes the active row when nothing is ticked)
    tab_to(page, ".ndw-search .ndw-dt-table")
    target = demo["superdataset"]
    chosen = search.locator(".ndw-search-selection .ndw-search-chosen")
    for _ in range(3):  # its subdatasets' URLs start with its own: the whole text must match
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(500)
        if chosen.count() and chosen.inner_text().strip() == target:
            break
    expect(chosen).to_have_text(target, timeout=30_000)
    tab_to(page, ".ndw-search-into input")
    into = page.locator(".ndw-search-into input")
    for _ in range(3):  # a loaded machine may drop a key typed at full speed: type again until the field holds it
        page.keyboard.press("Control+A")
        page.keyboard.type(str(tmp_path), delay=10)
        if into.input_value() == str(tmp_path):
            break
    expect(into).to_have_value(str(tmp_path))
    tab_to(page, ".ndw-search-install")
    page.keyboard.press("Enter")
    clone = tmp_path / "ndw-demo"
    for _ in range(240):  # the clone is made in the background (a result on this machine opens at once meanwhile)
        if (clone / ".datalad" / "config").exists():
            break
        page.wait_for_timeout(500)
    assert (clone / ".datalad" / "config").exists(), f"no clone in {tmp_path}: {search.inner_text()[-400:]}"
    explorer = page.locator(".ndw-explorer")
    # the explorer moves to the clone once the install finished (until then it shows the dataset found)
    # (the message shortens a long folder name in the middle of the path: the explorer's tooltip has it whole)
    expect(search).to_contain_text(re.compile(r"Installed \S*ndw-demo\."), timeout=240_000)
    page.wait_for_timeout(3000)  # the explorer lists the clone in the background: let it settle before moving
    # the explorer: open figures/ with Enter, tick the figure with Space, Get with Enter
    tab_to(page, ".ndw-explorer .ndw-dt-table")
    rows = explorer.locator(".ndw-dt-table tbody tr")
    for _ in range(30):
        page.keyboard.press("ArrowDown")
        if "figures" in (explorer.locator(".ndw-dt-table tbody tr.ndw-dt-active").inner_text() or ""):
            break
    page.keyboard.press("Enter")
    expect(explorer.locator(".ndw-crumbs").first).to_contain_text("figures", timeout=60_000)
    # the fresh clone, not the dataset the search found: none of its content is here yet
    expect(explorer.locator(".ndw-storage")).to_have_attribute("data-present", "0", timeout=60_000)
    expect(rows.filter(has_text="mean_intensity.png")).to_have_count(1, timeout=30_000)
    tab_to(page, ".ndw-explorer .ndw-dt-table")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        if "mean_intensity.png" in explorer.locator(".ndw-dt-table tbody tr.ndw-dt-active").inner_text():
            break
    page.keyboard.press(" ")
    tab_to(page, ".ndw-explorer-get")
    page.keyboard.press("Enter")
    expect(explorer.locator(".ndw-storage")).to_have_attribute("data-present", "407", timeout=120_000)
    assert (tmp_path / "ndw-demo" / "figures" / "mean_intensity.png").read_bytes()[:4] == b"\x89PNG"
