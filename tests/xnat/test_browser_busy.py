"""A click on a slow XNAT never freezes the page: the node lists in the background, the table says so, Cancel gives up."""

from neurodata_widgets.ui.base import Status
from neurodata_widgets.xnat.client import XnatClient
from neurodata_widgets.xnat.widgets import XnatBrowser


def _browser(server):
    client = XnatClient(server.url, timeout=(2.0, 10.0))
    client.login("demo", server.info()["password"])
    return XnatBrowser(client)


def test_a_click_on_a_slow_node_returns_at_once_and_shows_it_is_busy(server):
    browser = _browser(server)
    project = browser.roots[0]
    server.faults.set(latency=4, pattern="/subjects")
    browser.table.toggle_row(project.key)  # what a click on the row's ▸ does
    # the click handler has returned while the request is still under way (its thread is alive)
    assert project.key in browser._loading and browser._loading[project.key].is_alive()
    assert browser.status == Status.LOADING
    # the table's own busy bar, as in every other listing, with Cancel; the row says it is being listed
    assert browser.table.busy and browser.table.cancellable and f"Listing {project.key}" in browser.table.busy_text
    assert browser.table.data.loc[project.key, "details"].endswith("listing…")
    browser.table.toggle_row(project.key)  # a second click while it lists starts nothing more
    assert len(browser._loading) == 1
    browser.wait_loading(30)
    assert project.key in browser.expanded and browser.status == Status.READY
    assert not browser.table.busy and "listing…" not in browser.table.data.loc[project.key, "details"]
    assert browser.table.data.loc[project.key, "_expanded"] is True and len(browser.table.data) == 3 + 3


def test_cancel_gives_up_on_a_hanging_server(server):
    browser = _browser(server)
    project = browser.roots[0]
    server.faults.set(hang=6, pattern="/subjects")
    browser.toggle(project, wait=False)
    thread = browser._loading[project.key]
    browser.table.cancel()  # the Cancel on the table's busy bar
    assert browser.status == Status.READY and browser.banner.kind == "info" and not browser.table.busy
    assert "Stopped waiting" in browser.banner.message and project.key not in browser.expanded
    assert "listing…" not in browser.table.data.loc[project.key, "details"]
    thread.join(30)
    assert not thread.is_alive() and project.key not in browser.expanded  # the late answer was ignored
    assert project.key not in browser.children_of and len(browser.table.data) == 3


def test_refresh_lists_the_projects_in_the_background(server):
    """The Refresh button waits like a ▸: the table's busy bar; a new login meanwhile drops the stale answer."""
    browser = _browser(server)
    browser.toggle(browser.roots[0])
    server.faults.set(latency=4)
    browser.refresh_button.click()
    assert browser.table.busy and browser.table.busy_text == "Listing projects…" and browser.roots == []
    assert len(browser.table.data) == 0 and browser.table.empty_text == "No projects you may read."
    stale = browser._loading[""]
    browser.client.login(anonymous=True)  # another login while the old listing is under way: listed afresh
    browser.wait_loading(30)
    stale.join(30)
    assert [n.project for n in browser.roots] == ["DEMO_PUBLIC", "DEMO_PROTECTED"]  # a guest's, not demo's
    assert not browser.table.busy and list(browser.table.data.index) == ["DEMO_PUBLIC", "DEMO_PROTECTED"]


def test_a_slow_session_lists_its_scans_and_resources_together(server):
    """Both listings of a session go out at once: the session row is listed once, with a busy bar meanwhile."""
    browser = _browser(server)
    session = browser.expand_path("DEMO_PUBLIC", "sub-001", "sub-001_MR1")
    browser.toggle(session)  # collapse, and forget its listing to ask again under latency
    browser.children_of.pop(session.key)
    server.faults.set(latency=4, pattern="/experiments/")
    server.reset_stats()
    browser.table.toggle_row(session.key)
    assert browser.table.busy and browser.status == Status.LOADING
    browser.wait_loading(30)
    # scans, the session's own resources and its assessors: three listings at once, one latency
    assert server.stats["total"] == 3 and session.key in browser.expanded and not browser.table.busy
