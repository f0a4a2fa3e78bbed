"""The Globus dashboard in Voila + Chromium: log in by pasted code, browse in the table, transfer, see it complete.

Also what a slow Globus looks like: a hanging listing is cancelled from the table, and a submission that
Globus answers with a 503 says "retrying…" until it goes through.
"""
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _logged_in(dashboard):
    """The Globus dashboard, logged in; returns the page and its source pane."""
    page = dashboard.open("globus.ipynb")
    page.wait_for_selector(".ndw-globus-login, .ndw-globus-username", timeout=30_000)
    _log_in(page)
    return page, page.locator(".ndw-globus-source")


def _log_in(page):
    """Log in with a pasted code, as a user does (the session's earlier login may already be stored)."""
    if page.locator(".ndw-globus-username").count() and page.locator(".ndw-globus-username").is_visible():
        return
    page.locator(".ndw-globus-login").click()
    link = page.locator("a.ndw-globus-login-link")
    link.wait_for(timeout=30_000)
    with page.context.expect_page() as popup_info:
        link.click()
    consent = popup_info.value
    consent.wait_for_load_state()
    assert "consent" in consent.title().lower()
    consent.locator("#allow").click()
    code = consent.locator("#auth-code").inner_text(timeout=30_000)
    consent.close()
    page.locator(".ndw-globus-code input").fill(code)
    page.locator(".ndw-globus-submit-code").click()
    assert page.locator(".ndw-globus-username").inner_text(timeout=30_000) == "demo@globusid.org"
    assert page.locator(".ndw-globus-code input").input_value() == ""


def _row(pane, name):
    return pane.locator(".ndw-dt-table tbody tr", has_text=name).first


def test_a_double_click_opens_the_folder_though_its_row_is_drawn_anew_during_it(dashboard):
    """The first click makes the row active; the kernel's answer redraws the rows. Arriving while the button is
    pressed the second time, it used to swallow the double-click (the pressed row was gone at the release).

    The kernel's messages to the page are held from the first click until the second press, then let through:
    the redraw lands during the press every time, however fast or slow the kernel answers."""
    held = {"on": False, "queue": []}

    def route(ws):
        server = ws.connect_to_server()  # the page's messages go on to the kernel as they are

        def from_kernel(message):
            if held["on"]:
                held["queue"].append((ws, message))
            else:
                ws.send(message)

        server.on_message(from_kernel)

    dashboard.page.route_web_socket(re.compile(r"/api/kernels/[^/]+/channels"), route)
    page, source = _logged_in(dashboard)
    row = _row(source, "ds001")
    row.wait_for(timeout=30_000)
    box = row.bounding_box()
    page.evaluate("""() => document.addEventListener("mousedown",
                      (e) => { window.ndwPressed = e.target.closest("tr"); }, true)""")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    held["on"] = True
    page.mouse.down()
    page.mouse.up()  # the first click: its row becomes active in the kernel, which answers with the rows redrawn
    page.mouse.down(click_count=2)
    deadline = time.monotonic() + 30
    while not any(b'"active"' in (m if isinstance(m, bytes) else m.encode()) for _, m in held["queue"]):
        assert time.monotonic() < deadline, "the kernel never answered the first click"
        page.wait_for_timeout(50)
    held["on"] = False
    for ws, message in held["queue"]:  # now, while the button is pressed
        ws.send(message)
    source.locator(".ndw-dt-table tbody tr.ndw-dt-active", has_text="ds001").wait_for(timeout=30_000)
    assert page.evaluate("() => window.ndwPressed.isConnected") is False  # the row pressed is gone: drawn anew
    page.mouse.up(click_count=2)
    expect(source.locator(".ndw-globus-path input")).to_have_value("/ds001/", timeout=30_000)
    _row(source, "participants.tsv").wait_for(timeout=30_000)


def test_login_tick_rows_and_transfer_them(dashboard, sandbox, tick_row):
    page, source = _logged_in(dashboard)
    _row(source, "ds001").dblclick(timeout=30_000)  # a double-click opens a folder
    _row(source, "participants.tsv").wait_for(timeout=30_000)
    expect(source.locator(".ndw-globus-path input")).to_have_value("/ds001/")
    source.locator(".ndw-dt-table th", has_text="name").click()  # sorted by name: README, participants, sub-*
    expect(source.locator(".ndw-dt-table th", has_text="name")).to_have_attribute("aria-sort", "ascending")
    _row(source, "participants.tsv").locator("input[type=checkbox]").click()
    _row(source, "sub-02").locator("input[type=checkbox]").click(modifiers=["Shift"])  # a range
    expect(source.locator(".ndw-dt-info")).to_contain_text("3 selected", timeout=30_000)
    expect(page.locator(".ndw-globus-transfer")).to_contain_text("Transfer 3 items", timeout=30_000)  # kernel knows
    page.locator(".ndw-globus-label input").fill("browser test")
    page.locator(".ndw-globus-transfer").click()
    status = page.locator(".ndw-globus-task-status").first
    status.filter(has_text="SUCCEEDED").wait_for(timeout=60_000)
    assert page.locator(".ndw-globus-task a.ndw-globus-task-link").first.get_attribute("href").startswith(
        "http://127.0.0.1:")
    destination = page.locator(".ndw-globus-destination")
    _row(destination, "sub-02").wait_for(timeout=30_000)  # the destination pane lists what arrived
    copied = sandbox["globus"].collection_dir(sandbox.info()["globus"]["destination_collection"])
    assert (copied / "sub-02" / "anat" / "sub-02_T1w.nii.gz").stat().st_size > 1_000_000
    assert (copied / "sub-01" / "anat" / "sub-01_T1w.nii.gz").exists() and (copied / "participants.tsv").exists()


def test_cancel_a_hanging_listing(dashboard, sandbox):
    page, source = _logged_in(dashboard)
    _row(source, "ds001").wait_for(timeout=30_000)
    sandbox["globus"].faults.set(hang=20, pattern="/ls$")  # Globus holds every listing back
    try:
        _row(source, "ds001").dblclick()
        busy = source.locator(".ndw-dt-busy")
        expect(busy).to_contain_text("listing /ds001/", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "globus-listing-hangs.png"))  # the busy table with its Cancel
        busy.locator(".ndw-dt-cancel").click()
        expect(busy).to_be_hidden(timeout=30_000)  # usable at once: the folder shown before stays
        expect(source.locator(".ndw-banner")).to_contain_text("Stopped waiting", timeout=30_000)
        expect(source.locator(".ndw-globus-path input")).to_have_value("/")
    finally:
        sandbox["globus"].faults.clear()
    _row(source, "ds001").dblclick()  # asking again works while the late answer is still on its way
    _row(source, "participants.tsv").wait_for(timeout=30_000)


def test_a_retried_submission_says_retrying(dashboard, sandbox):
    page, source = _logged_in(dashboard)
    _row(source, "ds001").dblclick(timeout=30_000)
    _row(source, "participants.tsv").wait_for(timeout=30_000)  # in ds001 now (the top folder has a README too)
    _row(source, "participants.tsv").locator("input[type=checkbox]").click()
    expect(page.locator(".ndw-globus-transfer")).to_contain_text("Transfer 1 item", timeout=30_000)
    page.locator(".ndw-globus-label input").fill("retried in the browser")
    globus = sandbox["globus"]
    globus.faults.set(status=503, pattern="/transfer$")
    try:
        page.locator(".ndw-globus-transfer").click()
        expect(page.locator(".ndw-globus-submitting")).to_contain_text("Globus answered 503, retrying…",
                                                                       timeout=30_000)
        expect(page.locator(".ndw-globus-cancel-submit")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "globus-submission-retrying.png"))
    finally:
        globus.faults.clear()  # Globus recovers: the next try goes through
    task = page.locator(".ndw-globus-task", has_text="retried in the browser")
    task.locator(".ndw-globus-task-status", has_text="SUCCEEDED").wait_for(timeout=60_000)
    expect(page.locator(".ndw-globus-submitting")).to_be_hidden()


def test_login_by_automatic_callback_then_logout(dashboard):
    page = dashboard.open("globus.ipynb")
    logout = page.locator(".ndw-globus-logout")
    if logout.is_visible():  # the session's earlier login is stored: start from logged out
        logout.click()
        page.get_by_text("Not logged in").wait_for(timeout=30_000)
    page.get_by_role("button", name="Automatic").click()
    page.locator(".ndw-globus-login").click()
    link = page.locator("a.ndw-globus-login-link")
    link.wait_for(timeout=30_000)
    assert not page.locator(".ndw-globus-code input").is_visible()
    with page.context.expect_page() as popup_info:
        link.click()
    consent = popup_info.value
    consent.locator("#allow").click()
    consent.get_by_text("Logged in to Globus").wait_for(timeout=30_000)  # the kernel's loopback receiver
    consent.close()
    assert page.locator(".ndw-globus-username").inner_text(timeout=30_000) == "demo@globusid.org"
    page.locator(".ndw-globus-logout").click()
    page.get_by_text("Not logged in").wait_for(timeout=30_000)
