"""The Globus dashboard in Voila + Chromium: search the transfer history by label and filter it by status (a
cancelled task reads "cancelled", never a red FAILED), then reload the page and find the panes as they were
left: the same folder, the same direction."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from neurodata_widgets.globus import transfer as transfer_ops
from neurodata_widgets.globus.client import GlobusClient
from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent

from .axe import axe_problems
from .test_globus import _logged_in, _row
from .test_globus_actions import _reopen

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ROWS = "tbody tr:not(.ndw-dt-detail)"


def _tasks(sandbox, tmp_path):
    """A finished transfer and a cancelled one of the demo user (submitted with globus-sdk, as any client would)."""
    info = sandbox.info()["globus"]
    client = GlobusClient(token_file=tmp_path / "tokens.json")
    client.finish_login(code_shown(press_consent(client.start_login("code"))))
    src, dst = info["source_collection"], info["destination_collection"]
    done = transfer_ops.submit(client, src, dst, [("/ds001/README", "/browser-history/README", False)],
                               label="browser alpha copy")
    stopped = transfer_ops.submit(client, src, dst, [("/ds001/", "/browser-history-stopped/", True)],
                                  label="browser stopped copy")
    transfer_ops.cancel(client, stopped)
    transfer_ops.watch(client, done).start().result(timeout=60)


def test_search_the_history_filter_by_status_and_find_the_panes_after_a_reload(dashboard, sandbox, tmp_path):
    _tasks(sandbox, tmp_path)
    page, _ = _logged_in(dashboard)
    history = page.locator(".ndw-globus-history")
    expect(history).to_contain_text("browser stopped copy", timeout=30_000)
    search = page.locator(".ndw-globus-history-search input")
    search.fill("ALPHA copy")  # any case, part of the label
    search.press("Enter")
    expect(history.locator(ROWS)).to_have_count(1, timeout=30_000)
    expect(history.locator(ROWS).first).to_contain_text("browser alpha copy")
    expect(history.locator(ROWS).first).to_contain_text("succeeded")

    search.fill("browser")
    search.press("Enter")
    expect(history.locator(ROWS, has_text="browser alpha copy")).to_have_count(1, timeout=30_000)
    page.locator(".ndw-globus-history-status select").select_option(label="cancelled")
    expect(history.locator(ROWS, has_text="browser alpha copy")).to_have_count(0, timeout=30_000)
    stopped = history.locator(ROWS, has_text="browser stopped copy").first
    expect(stopped.locator(".ndw-badge-neutral")).to_have_text("cancelled", timeout=30_000)
    expect(history.locator(".ndw-badge-error")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "globus-history-search.png"))
    assert axe_problems(page) == []  # the search box and the status filter are labelled and readable

    search.fill("no task is called this")
    search.press("Enter")
    expect(history).to_contain_text("No task matches this search.", timeout=30_000)

    # the panes as the user leaves them: a folder opened in the left pane, the direction swapped
    left = page.locator(".ndw-globus-left")
    _row(left, "ds001").dblclick(timeout=30_000)
    _row(left, "sub-01").dblclick(timeout=30_000)
    expect(left.locator(".ndw-globus-path input")).to_have_value("/ds001/sub-01/", timeout=30_000)
    page.locator(".ndw-globus-swap").click()
    expect(page.locator(".ndw-globus-direction")).to_contain_text("←", timeout=30_000)

    _reopen(dashboard, page)  # a reload: a new kernel; the panes come back as they were
    page.wait_for_selector(".ndw-globus-username", timeout=30_000)
    left = page.locator(".ndw-globus-left")
    expect(left.locator(".ndw-globus-path input")).to_have_value("/ds001/sub-01/", timeout=30_000)
    _row(left, "anat").wait_for(timeout=30_000)
    expect(page.locator(".ndw-globus-direction")).to_contain_text("←")
    expect(page.locator(".ndw-globus-right.ndw-globus-source")).to_have_count(1)
    expect(page.locator(".ndw-globus-browser .ndw-banner-error")).to_have_count(0)
