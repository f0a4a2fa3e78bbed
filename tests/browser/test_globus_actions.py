"""The Globus dashboard's web-app features in Voila + Chromium: swap the transfer direction, open a folder from the
breadcrumb (mouse and keyboard), make, rename and delete a folder (asked first; a delete task), and find the history
again after reloading the page (it is Globus' own task list)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .axe import axe_problems
from .test_globus import _logged_in, _row

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _reopen(dashboard, page):
    """Open the Globus dashboard again in the same tab (a reload: a new kernel).

    Leaving the first page, Voila's front end asks its server to shut the old kernel down: it is done, so a
    reload leaves no kernel running behind it (it used to be refused, 403, and ran on until culled).
    """
    config = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    old = page.evaluate(config)
    bad = []
    page.on("response", lambda r: r.status >= 400 and bad.append((r.status, r.request.method, r.url)))
    dashboard.open("globus.ipynb")
    assert page.evaluate(config) != old and bad == []
    gone = page.request.get(f"{dashboard.base_url}/api/kernels/{old}")
    for _ in range(60):
        if gone.status == 404:
            break
        page.wait_for_timeout(500)
        gone = page.request.get(f"{dashboard.base_url}/api/kernels/{old}")
    assert gone.status == 404, (gone.status, gone.text())


def test_swap_breadcrumb_new_folder_rename_delete_and_history_after_reload(dashboard, sandbox):
    page, _ = _logged_in(dashboard)
    left, right = page.locator(".ndw-globus-left"), page.locator(".ndw-globus-right")
    _row(left, "ds001").wait_for(timeout=30_000)
    expect(right.locator(".ndw-dt-info")).to_contain_text("rows", timeout=30_000)
    arrow = page.locator(".ndw-globus-direction")
    expect(arrow).to_contain_text("→")
    page.locator(".ndw-globus-swap").click()  # the right pane becomes the source
    expect(arrow).to_contain_text("←", timeout=30_000)
    expect(page.locator(".ndw-globus-right.ndw-globus-source")).to_have_count(1, timeout=30_000)
    expect(page.locator(".ndw-globus-left.ndw-globus-destination")).to_have_count(1)

    # the breadcrumb: open ds001/sub-01, then go back up by its segments
    _row(left, "ds001").dblclick()
    _row(left, "sub-01").dblclick(timeout=30_000)
    expect(left.locator(".ndw-globus-path input")).to_have_value("/ds001/sub-01/", timeout=30_000)
    crumbs = left.locator(".ndw-globus-crumbs .ndw-globus-crumb")
    expect(crumbs).to_have_count(3, timeout=30_000)
    crumbs.filter(has_text="ds001").click()
    expect(left.locator(".ndw-globus-path input")).to_have_value("/ds001/", timeout=30_000)
    _row(left, "participants.tsv").wait_for(timeout=30_000)
    top = left.locator(".ndw-globus-crumbs .ndw-globus-crumb").first
    top.focus()  # keyboard: a segment is a button
    page.keyboard.press("Enter")
    expect(left.locator(".ndw-globus-path input")).to_have_value("/", timeout=30_000)
    _row(left, "ds001").wait_for(timeout=30_000)

    # New folder, Rename, Delete in the right pane
    right.locator(".ndw-globus-name input").fill("made-in-browser")
    right.locator(".ndw-globus-mkdir").click()
    _row(right, "made-in-browser").wait_for(timeout=30_000)
    expect(right.locator(".ndw-banner")).to_contain_text("Made folder", timeout=30_000)
    _row(right, "made-in-browser").locator("input[type=checkbox]").click()
    expect(right.locator(".ndw-dt-info")).to_contain_text("1 selected", timeout=30_000)
    right.locator(".ndw-globus-name input").fill("renamed-in-browser")
    right.locator(".ndw-globus-rename").click()
    _row(right, "renamed-in-browser").wait_for(timeout=30_000)
    expect(_row(right, "made-in-browser")).to_have_count(0)
    _row(right, "renamed-in-browser").locator("input[type=checkbox]").click()
    expect(right.locator(".ndw-dt-info")).to_contain_text("1 selected", timeout=30_000)
    right.locator(".ndw-globus-delete").click()
    confirm = right.locator(".ndw-globus-confirm")
    expect(confirm).to_contain_text("renamed-in-browser", timeout=30_000)  # the question names what goes
    page.screenshot(path=str(ARTIFACTS / "globus-delete-asks.png"))
    assert axe_problems(page) == []  # the arrow, the breadcrumb, the actions and the question pass WCAG 2.1 AA
    confirm.locator(".ndw-globus-confirm-delete").click()
    task = page.locator(".ndw-globus-task", has_text="delete renamed-in-browser")
    task.locator(".ndw-globus-task-status", has_text="SUCCEEDED").wait_for(timeout=60_000)
    expect(_row(right, "renamed-in-browser")).to_have_count(0, timeout=30_000)
    dest = sandbox["globus"].collection_dir(sandbox.info()["globus"]["destination_collection"])
    assert not (dest / "renamed-in-browser").exists() and not (dest / "made-in-browser").exists()
    history = page.locator(".ndw-globus-history")
    expect(history).to_contain_text("delete renamed-in-browser", timeout=30_000)

    _reopen(dashboard, page)  # a reload: a new kernel, and the history is still there, read from Globus
    page.wait_for_selector(".ndw-globus-username", timeout=30_000)
    history = page.locator(".ndw-globus-history")
    expect(history.locator("tbody tr").first).to_contain_text("delete renamed-in-browser", timeout=30_000)
    expect(history.locator("tbody tr").first).to_contain_text("succeeded")
    page.screenshot(path=str(ARTIFACTS / "globus-history-after-reload.png"))
    assert axe_problems(page) == []


def test_the_first_collection_search_shows_its_cancel_at_once(dashboard, sandbox):
    page, _ = _logged_in(dashboard)  # logged in: the next page's first view searches as it opens
    globus = sandbox["globus"]
    globus.faults.set(hang=30, pattern="/endpoint_search$")  # Globus holds every collection search back
    try:
        _reopen(dashboard, page)
        cancel = page.locator(".ndw-globus-cancel-search")
        expect(cancel).to_be_visible(timeout=1_000)  # with the first drawing of the page, not seconds later
        expect(page.locator(".ndw-globus-searching")).to_contain_text("Searching collections")
        cancel.click()
        expect(page.locator(".ndw-globus-browser > .ndw-banner-box, .ndw-globus-browser .ndw-banner").first
               ).to_contain_text("Stopped searching", timeout=30_000)
        expect(cancel).to_be_hidden()
    finally:
        globus.faults.clear()
    page.locator(".ndw-globus-search input").fill("Demo")
    page.keyboard.press("Enter")  # searching again works
    _row(page.locator(".ndw-globus-left"), "ds001").wait_for(timeout=30_000)
