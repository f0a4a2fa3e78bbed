"""The XNAT dashboard in Voila + Chromium: log in, expand the tree table to a scan, tick a range, download it."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _row(page, text):
    """The first row of the XNAT tree table showing ``text``."""
    row = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr", has_text=text).first
    row.wait_for(timeout=30_000)
    return row


def _expand(page, text, expanded=True):
    """Click the ▸/▾ of the row showing ``text`` and wait until it is expanded (or collapsed)."""
    row = _row(page, text)
    row.locator(".ndw-dt-twist").click()
    expect(row.locator(".ndw-dt-twist")).to_have_attribute("aria-expanded", str(expanded).lower(), timeout=30_000)
    return row


def test_xnat_login_expand_tick_a_range_download(dashboard, sandbox, tmp_path):
    info = sandbox.info()["xnat"]
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-user input").fill(info["user"])
    page.locator(".ndw-xnat-password input").fill(info["password"])
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name").wait_for(timeout=30_000)
    assert page.locator(".ndw-xnat-user-name").inner_text() == info["user"]
    assert page.locator(".ndw-xnat-password input").input_value() == ""

    _expand(page, "DEMO_PRIVATE")
    _expand(page, "sub-002")
    session = _expand(page, "sub-002_MR1")
    expect(_row(page, "sub-002")).to_contain_text("2 sessions")
    expect(session).to_contain_text("3 scans · 1 session resource")
    # the session's own resource is a row under it, after its scans
    kind = page.locator("td", has_text=re.compile(r"^session resource$"))
    qc = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr").filter(has=kind).first
    expect(qc).to_contain_text("QC")
    qc.locator("td", has_text="1 file").click()  # the active row shows its details
    expect(page.locator(".ndw-xnat-tree .ndw-dt-detail")).to_contain_text("TXT", timeout=30_000)
    # tick scan 3, then shift-click the QC row: the range is scan 3 and the session resource
    _row(page, "bold").locator("input[type=checkbox]").click()
    qc.locator("input[type=checkbox]").click(modifiers=["Shift"])
    page.locator(".ndw-xnat-selection", has_text="2 selected").wait_for(timeout=10_000)
    expect(page.locator(".ndw-xnat-tree .ndw-dt-info")).to_contain_text("2 selected")
    _expand(page, "sub-002", expanded=False)  # collapse: the ticks stay
    page.locator(".ndw-xnat-selection", has_text="2 selected").wait_for(timeout=10_000)
    target = tmp_path / "downloads"
    page.locator(".ndw-xnat-folder input").fill(str(target))
    page.locator(".ndw-xnat-folder input").press("Enter")
    page.locator(".ndw-xnat-download").click()
    page.get_by_text("Download: done").wait_for(timeout=60_000)
    every = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    files = [f for f in every if not f.endswith(".gif")]
    assert files == ["sub-002/sub-002_MR1/3/sub-002_MR1_3_0001.dcm", "sub-002/sub-002_MR1/3/sub-002_MR1_3_0002.dcm",
                     "sub-002/sub-002_MR1/QC/qc/report.txt"]
    # the scan's SNAPSHOTS resource comes along, as from XNAT
    assert [f.rsplit("_", 2)[-2:] for f in every if f.endswith(".gif")] == [["3", "qc.gif"], ["qc", "t.gif"]]
    assert (target / files[0]).read_bytes()[128:132] == b"DICM"
    assert b"reviewed" in (target / files[2]).read_bytes()


def test_xnat_slow_listing_cancel_server_gone_then_back(dashboard, faults):
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    # a hanging server: the table's busy bar says what it lists, and its Cancel gives up
    faults["xnat"].faults.set(hang=8, pattern="/subjects")
    _row(page, "DEMO_PUBLIC").locator(".ndw-dt-twist").click()
    busy = page.locator(".ndw-xnat-tree .ndw-dt-busy")
    expect(busy).to_contain_text("Listing DEMO_PUBLIC", timeout=30_000)
    busy.locator(".ndw-dt-cancel").click()
    expect(page.locator(".ndw-xnat-browser .ndw-banner")).to_contain_text("Stopped waiting", timeout=30_000)
    expect(busy).to_be_hidden()
    faults["xnat"].faults.clear()
    faults["xnat"].stop()
    _row(page, "DEMO_PUBLIC").locator(".ndw-dt-twist").click()
    banner = page.locator(".ndw-xnat-browser .ndw-banner-error")
    banner.wait_for(timeout=30_000)
    assert "Could not reach the server" in banner.inner_text()
    faults["xnat"].start()
    _row(page, "DEMO_PUBLIC").locator(".ndw-dt-twist").click()
    _expand(page, "sub-001")
    assert page.locator(".ndw-xnat-browser .ndw-banner-error").count() == 0
    # on a laptop's half screen the expanded tree still fits: no sideways scrolling of the page
    page.set_viewport_size({"width": 480, "height": 900})
    _row(page, "sub-001_MR1").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 2


def test_xnat_search_sessions_opens_them_in_the_tree_with_their_assessors(dashboard):
    page = dashboard.open("xnat.ipynb")
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    page.locator(".ndw-xnat-search-subject input").fill("sub-002")
    page.locator(".ndw-xnat-search-modality input").fill("MR")
    page.locator(".ndw-xnat-search").click()
    expect(page.locator(".ndw-xnat-browser .ndw-banner")).to_contain_text("sessions found", timeout=30_000)
    # a guest finds the public project's sessions only, already under their project and subject
    rows = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr")
    expect(rows.filter(has_text="DEMO_PUBLIC")).to_have_count(1)
    expect(rows.filter(has_text="DEMO_PROTECTED")).to_have_count(0)  # listed to guests, not readable
    session = _expand(page, "sub-002_MR1")
    expect(session).to_contain_text("assessor")
    qc = _row(page, "sub-002_MR1_QC")
    expect(qc).to_contain_text("QC")
    page.locator(".ndw-xnat-search-clear").click()
    expect(rows.filter(has_text="DEMO_PROTECTED")).to_have_count(1, timeout=30_000)


# the page's own scrolling (Voila's lab template scrolls an inner box): back to the top
_SCROLL_TOP = """() => { for (const e of document.querySelectorAll('*')) if (e.scrollTop) e.scrollTop = 0;
                         window.scrollTo(0, 0); }"""
_IN_VIEW = """(e) => { const r = e.getBoundingClientRect();
                      return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def test_a_failed_download_brings_its_message_into_view(dashboard, faults, tmp_path):
    page = dashboard.open("xnat.ipynb")
    page.set_viewport_size({"width": 1280, "height": 600})
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    _expand(page, "DEMO_PUBLIC")
    _expand(page, "sub-001")
    _row(page, "sub-001_MR1").locator("input[type=checkbox]").click()
    page.locator(".ndw-xnat-folder input").fill(str(tmp_path / "downloads"))
    page.locator(".ndw-xnat-folder input").press("Enter")
    faults["xnat"].faults.set(status=500, hang=2, pattern="/files")  # the files' listing fails, after a while
    button = page.locator(".ndw-xnat-download")
    button.click()
    page.evaluate(_SCROLL_TOP)  # the user scrolls back up to the tree while the download runs
    assert not button.evaluate(_IN_VIEW), "the download's row should lie below the window here"
    message = page.locator(".ndw-xnat-browser .ndw-banner-error")
    message.wait_for(timeout=60_000)
    assert message.get_attribute("role") == "alert"  # announced by screen readers as it appears
    assert "Download" in message.inner_text()
    # the page scrolled to it: the whole message is on screen
    page.wait_for_function(_IN_VIEW, arg=message.element_handle(), timeout=10_000)
