"""A click on a slow XNAT never freezes the page: the node lists in the background, says so, can be given up."""

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
    browser._row(project, 0).expand.click()  # what the browser's ▸ button does
    # the click handler has returned while the request is still under way (its thread is alive)
    assert project.key in browser._loading and browser._loading[project.key].is_alive()
    assert browser.status == Status.LOADING and "Listing" in browser.loading.value
    assert browser.cancel_button.layout.display is None and browser._row(project, 0).expand.disabled
    browser.wait_loading(30)
    assert project.key in browser.expanded and browser.status == Status.READY
    assert browser.loading.value == "" and browser.cancel_button.layout.display == "none"


def test_cancel_gives_up_on_a_hanging_server(server):
    browser = _browser(server)
    project = browser.roots[0]
    server.faults.set(hang=6, pattern="/subjects")
    browser.toggle(project, wait=False)
    thread = browser._loading[project.key]
    browser.cancel_button.click()
    assert browser.status == Status.READY and browser.banner.kind == "info"
    assert "Stopped waiting" in browser.banner.message and project.key not in browser.expanded
    thread.join(30)
    assert not thread.is_alive() and project.key not in browser.expanded  # the late answer was ignored
