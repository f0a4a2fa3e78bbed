"""XnatLogin and XnatBrowser driven from Python, against the sandbox."""
import os

import pytest

from neurodata_widgets.xnat.client import XnatClient
from neurodata_widgets.xnat.widgets import XnatBrowser, XnatLogin


@pytest.fixture
def pair(server):
    login = XnatLogin(XnatClient(server.url, timeout=(2.0, 2.0)))
    browser = XnatBrowser()
    login.on_login(browser.set_client)
    yield login, browser
    login.client.logout()


def _log_in(login, server, password=None):
    login.user.value = "demo"
    login.password.value = password or server.info()["password"]
    login.login_button.click()


def test_wrong_password_reads_well_and_is_cleared(pair, server):
    login, browser = pair
    _log_in(login, server, "wrong")
    assert login.status == "error" and "did not accept your credentials" in login.error
    assert login.password.value == "" and login.value == ""
    assert "Log in to browse" in browser.banner.message


def test_login_browse_select_and_details(pair, server):
    login, browser = pair
    seen = []
    login.on_login(seen.append)
    _log_in(login, server)
    assert login.value == "demo" and login.status == "logged in" and login.password.value == ""
    assert seen == [login.client] and "demo" in login.who.value
    assert server.info()["password"] not in str(login.get_state()) + str(login.password.get_state())
    assert [n.project for n in browser.roots] == ["DEMO_PUBLIC", "DEMO_PROTECTED", "DEMO_PRIVATE"]
    server.reset_stats()
    scan = browser.expand_path("DEMO_PRIVATE", "sub-002", "sub-002_MR1", "2")
    assert server.stats["total"] == 4  # one request per expanded level
    labels = [row.label.description for row in browser.tree.children]
    assert "DEMO_PRIVATE  (3 subjects)" in labels and "sub-002  (2 sessions)" in labels
    browser.show_details(scan)
    assert "T2w" in browser.details.value and "<th>files</th><td>2</td>" in browser.details.value
    browser.select(scan)
    browser.select(browser.nodes["DEMO_PRIVATE/sub-001"])
    assert len(browser.selected) == 2 and "2 selected" in browser.selection_label.value
    frame = browser.to_dataframe()
    assert len(frame) == 2 + 2 * 3 * 2 and set(frame["subject"]) == {"sub-001", "sub-002"}
    browser.filter.value = "MR1"
    shown = [row.label.description for row in browser.tree.children]
    assert any("sub-002_MR1" in s for s in shown) and not any("sub-003" in s for s in shown)


def test_download_from_the_browser(pair, server, tmp_path):
    login, browser = pair
    _log_in(login, server)
    scan = browser.expand_path("DEMO_PUBLIC", "sub-001", "sub-001_MR2", "3")
    browser.select(scan)
    browser.folder.value = str(tmp_path)
    job = browser.download()
    job.wait(30)
    assert job.state == "done"
    files = sorted(f for _, _, fs in os.walk(tmp_path) for f in fs)
    assert files == ["sub-001_MR2_3_0001.dcm", "sub-001_MR2_3_0002.dcm"]
    assert browser.progress.state == "done" and browser.activity == "Download: done"


def test_track_needs_a_selection_and_refuses_a_busy_widget(pair, server):
    login, browser = pair
    _log_in(login, server)
    assert browser.track() is None and "Select something first" in browser.banner.message


def test_errors_are_readable_and_the_browser_recovers(pair, server):
    login, browser = pair
    _log_in(login, server)
    project = browser.roots[0]
    server.faults.set(status=500, pattern="/subjects")
    browser.toggle(project)
    assert "internal error" in browser.error and project.key not in browser.expanded
    server.faults.set(status=None, hang=4, pattern="/subjects")
    browser.toggle(project)
    assert "did not answer in time" in browser.error
    server.faults.clear()
    server.stop()
    browser.toggle(project)
    assert "Could not reach the server" in browser.error
    server.start()
    browser.toggle(project)
    assert browser.error == "" and project.key in browser.expanded
    visitor = XnatBrowser(XnatClient(server.url))
    visitor.client.login("visitor", server.users["visitor"]["password"])
    visitor.refresh()
    visitor.toggle(visitor.nodes["DEMO_PROTECTED"])
    # XNAT filters listings by permission: an empty project, said plainly (not an error)
    assert visitor.error == "" and "you may read" in visitor.banner.message and "visitor" in visitor.banner.message


def test_unreachable_server_at_login(server):
    login = XnatLogin(XnatClient("http://127.0.0.1:9", timeout=(1.0, 1.0)))
    login.anonymous.value = True
    login.login_button.click()
    assert login.status == "error" and "Could not reach" in login.error
    login.url.value = server.url
    login.login_button.click()
    assert login.status == "logged in" and login.value == "guest"
    login.logout_button.click()
    assert login.value == "" and login.status == "logged out"


def test_track_from_the_browser(pair, server, tmp_path):
    import datalad.api as dl

    login, browser = pair
    login.anonymous.value = True
    login.login_button.click()
    assert login.value == "guest"
    browser.select(browser.expand_path("DEMO_PUBLIC", "sub-003"))
    browser.dataset.value = str(tmp_path / "tracked")
    job = browser.track()
    job.wait(120)
    assert job.state == "done", browser.progress.banner.message
    ds = dl.Dataset(str(tmp_path / "tracked"))
    assert ds.config.get("datalad.xnat.default.credential-name") == "anonymous"
    assert len(ds.repo.get_annexed_files()) == 2 * 3 * 2


def test_expired_session_is_renewed_or_says_so(pair, server):
    login, browser = pair
    _log_in(login, server)
    server.expire()  # XNAT would now answer as to a guest: the private project's subjects would vanish
    browser.toggle(browser.nodes["DEMO_PRIVATE"])
    assert browser.error == "" and len(browser.children_of["DEMO_PRIVATE"]) == 3
    assert browser.client.user == "demo"
    # a renewal that fails (the password was changed meanwhile) says so instead of showing guest data
    server.expire()
    real = server.users["demo"]["password"]
    server.users["demo"]["password"] = "changed"
    try:
        browser.toggle(browser.nodes["DEMO_PRIVATE/sub-001"])
        assert "session has expired" in browser.error and "log in again" in browser.error
    finally:
        server.users["demo"]["password"] = real


def test_saved_login_is_offered(server):
    from neurodata_widgets.auth.credentials import CredentialStore, credential_name

    store = CredentialStore()
    store.save(credential_name(server.url), "demo", server.info()["password"])
    try:
        login = XnatLogin(XnatClient(server.url))
        login.wait_for_saved_login()
        assert login.user.placeholder == "saved: demo"
        for typed in ("", "demo"):  # empty fields, or the saved user without a password
            login.user.value = typed
            login.login_button.click()
            assert login.value == "demo", login.error
            login.logout()
    finally:
        store.remove(credential_name(server.url))


def test_an_empty_folder_is_refused(pair, server):
    login, browser = pair
    _log_in(login, server)
    browser.select(browser.roots[0])
    browser.folder.value = "  "
    assert browser.download() is None and "enter a folder" in browser.banner.message


def test_a_browser_follows_its_clients_logins(server):
    client = XnatClient(server.url)
    browser = XnatBrowser(client)  # built before anyone logged in, as the portal's XNAT tab may be
    login = XnatLogin(client)
    assert browser.roots == []
    login.anonymous.value = True
    login.login_button.click()
    assert [n.project for n in browser.roots] == ["DEMO_PUBLIC", "DEMO_PROTECTED"]
    login.logout_button.click()
    assert browser.roots == [] and "Log in to browse" in browser.banner.message


def test_the_chosen_sandbox_demo_login_is_filled_in(sandbox):
    """A dashboard on the chosen sandbox says the demo login is filled in; the password never enters a widget."""
    info = sandbox.info()["xnat"]
    login = XnatLogin(XnatClient(info["url"]))
    assert login.user.value == info["user"] and login.password.value == ""
    assert "demo credentials" in login.banner.message and login.badge.shown
    login.login_button.click()
    assert login.value == info["user"] and login.password.value == ""
    assert info["password"] not in str(login.get_state()) + str(login.banner.get_state())
    login.logout()


def test_no_demo_password_for_a_server_that_is_not_the_sandbox(sandbox):
    """The client never falls back to the sandbox's demo login: saved_login is the credential store only."""
    client = XnatClient(sandbox.info()["xnat"]["url"])
    assert client.saved_login() is None
    login = XnatLogin(XnatClient("https://xnat.example.org"))
    assert not login.badge.shown and "demo credentials" not in login.banner.message
