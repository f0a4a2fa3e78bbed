"""XnatLogin and XnatBrowser driven from Python, against the sandbox."""
import os
import threading

import pytest

from neurodata_widgets.jobs import Job
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
    login.login_button.click(); login.wait_background()


def test_wrong_password_reads_well_and_is_cleared(pair, server):
    login, browser = pair
    _log_in(login, server, "wrong")
    assert login.status == "error" and "did not accept your credentials" in login.error
    assert login.password.value == "" and login.value == ""
    assert "Log in to browse" in browser.banner.message


def _column(browser, column):
    """The tree's rows as the table holds them: node key -> the value of ``column``."""
    return browser.table.data[column].to_dict()


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
    # one request per level; a session's scans, its own resources and its assessors are asked for at once
    assert server.stats["total"] == 6
    details, kinds = _column(browser, "details"), _column(browser, "kind")
    assert details["DEMO_PRIVATE"] == "Demo Private · 3 subjects" and details["DEMO_PRIVATE/sub-002"] == "2 sessions"
    assert kinds[scan.key] == "scan" and details[scan.key].startswith("T2w · ") and details[scan.key].endswith(
        " · 2 files")  # listed: its files counted
    assert browser.table.data.loc[scan.key, "_depth"] == 3 and browser.table.data.loc[scan.key, "_expanded"]
    assert kinds[scan.key + "/DICOM"] == "resource" and details[scan.key + "/DICOM"] == "DICOM · 2 files"
    browser.show_details(scan)
    assert browser.table.active == scan.key
    assert "T2w" in browser.table.detail and "<th>files</th><td>2</td>" in browser.table.detail
    browser.select(scan)
    browser.select(browser.nodes["DEMO_PRIVATE/sub-001"])
    assert len(browser.selected) == 2 and "2 selected" in browser.selection_label.value
    assert set(browser.table.selected) == {scan.key, "DEMO_PRIVATE/sub-001"}
    frame = browser.to_dataframe()
    assert len(frame) == 2 + 2 * 3 * 2 and set(frame["subject"]) == {"sub-001", "sub-002"}
    browser.filter.value = "MR1"
    shown = _column(browser, "name").values()
    assert "sub-002_MR1" in shown and "sub-003" not in shown
    browser.filter.value = ""


def test_ticks_in_the_tree_shift_ranges_and_collapsing(pair, server):
    """Rows are ticked in the table itself; a shift-click ticks a range; a collapsed row's ticks are kept."""
    login, browser = pair
    _log_in(login, server)
    session = browser.expand_path("DEMO_PRIVATE", "sub-001", "sub-001_MR2")
    page = list(browser.table.page_rows().index)
    first, last = page.index(session.key + "/1"), page.index(session.key + "/3")
    browser.table.click_row(first)
    browser.table.click_row(last, shift=True)  # scans 1 to 3
    scans = [f"{session.key}/{n}" for n in "123"]
    assert browser.selected == scans and "3 selected" in browser.selection_label.value
    browser.toggle(browser.nodes["DEMO_PRIVATE/sub-001"])  # collapse: the scans' rows go, their ticks stay
    assert session.key not in browser.table.data.index and browser.table.selected == []
    assert browser.selected == scans and [n.scan for n in browser.selected_nodes] == ["1", "2", "3"]
    browser.table.click_row(list(browser.table.page_rows().index).index("DEMO_PRIVATE/sub-002"))
    assert browser.selected == scans + ["DEMO_PRIVATE/sub-002"]
    browser.toggle(browser.nodes["DEMO_PRIVATE/sub-001"])  # expand again: the ticks show again
    assert set(browser.table.selected) == set(scans) | {"DEMO_PRIVATE/sub-002"}
    browser.table.click_row(list(browser.table.page_rows().index).index(scans[1]))  # untick one
    assert set(browser.selected) == {"DEMO_PRIVATE/sub-002", scans[0], scans[2]}
    frame = browser.to_dataframe()
    assert len(frame) == 2 * 3 * 2 + 2 * 2 and set(frame["session"]) == {"sub-001_MR2", "sub-002_MR1", "sub-002_MR2"}


def test_the_tree_pages(server):
    """A long expanded tree is cut into pages; expanding keeps the page the user is on."""
    client = XnatClient(server.url, timeout=(2.0, 2.0))
    client.login("demo", server.info()["password"])
    browser = XnatBrowser(client, page_size=5)
    browser.expand_path("DEMO_PUBLIC", "sub-001")
    assert browser.table.total == 3 + 3 + 2 and browser.table.pages == 2
    browser.table.page = 1
    assert list(browser.table.page_rows()["name"]) == ["sub-003", "DEMO_PROTECTED", "DEMO_PRIVATE"]
    browser.table.toggle_row("DEMO_PRIVATE")
    browser.wait_loading(30)
    assert browser.table.page == 1 and browser.table.total == 11
    assert list(browser.table.page_rows()["name"]) == ["sub-003", "DEMO_PROTECTED", "DEMO_PRIVATE", "sub-001",
                                                       "sub-002"]
    client.logout()


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


def test_track_needs_a_selection_and_refuses_a_busy_widget(pair, server, tmp_path):
    login, browser = pair
    _log_in(login, server)
    assert browser.track() is None and "Select something first" in browser.banner.message
    browser.select(browser.expand_path("DEMO_PUBLIC", "sub-001", "sub-001_MR2", "3"))
    browser.dataset.value = str(tmp_path / "tracked")
    gate = threading.Event()
    busy = browser.progress.run(Job(lambda job: gate.wait(30), label="busy"))  # the widget is busy until released
    try:
        assert browser.track() is None and browser.download() is None
        assert "Wait for the running job to finish" in browser.banner.message
        assert browser.progress.job is busy and not (tmp_path / "tracked").exists()  # nothing was started
    finally:
        gate.set()
    assert busy.wait(30)
    job = browser.track()  # free again: the same request is accepted
    assert job is not None and job.wait(120) and job.state == "done"
    assert (tmp_path / "tracked" / ".datalad").is_dir()


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
    login.login_button.click(); login.wait_background()
    assert login.status == "error" and "Could not reach" in login.error
    login.url.value = server.url
    login.login_button.click(); login.wait_background()
    assert login.status == "logged in" and login.value == "guest"
    login.logout_button.click(); login.wait_background()
    assert login.value == "" and login.status == "logged out"


def test_track_from_the_browser(pair, server, tmp_path):
    import datalad.api as dl

    login, browser = pair
    login.anonymous.value = True
    login.login_button.click(); login.wait_background()
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
        assert "saved" not in login.user.placeholder  # looked up a moment later: a dashboard's page comes first
        login.wait_for_saved_login()  # now, and waits for it
        assert login.user.placeholder == "saved: demo"
        for typed in ("", "demo"):  # empty fields, or the saved user without a password
            login.user.value = typed
            login.login_button.click(); login.wait_background()
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
    login.login_button.click(); login.wait_background()
    assert [n.project for n in browser.roots] == ["DEMO_PUBLIC", "DEMO_PROTECTED"]
    login.logout_button.click(); login.wait_background()
    assert browser.roots == [] and "Log in to browse" in browser.banner.message


def test_the_chosen_sandbox_demo_login_is_filled_in(sandbox):
    """A dashboard on the chosen sandbox says the demo login is filled in; the password never enters a widget."""
    info = sandbox.info()["xnat"]
    login = XnatLogin(XnatClient(info["url"]))
    assert login.user.value == info["user"] and login.password.value == ""
    assert "demo credentials" in login.banner.message and login.badge.shown
    login.login_button.click(); login.wait_background()
    assert login.value == info["user"] and login.password.value == ""
    assert info["password"] not in str(login.get_state()) + str(login.banner.get_state())
    login.logout()


def test_no_demo_password_for_a_server_that_is_not_the_sandbox(sandbox):
    """The client never falls back to the sandbox's demo login: saved_login is the credential store only."""
    client = XnatClient(sandbox.info()["xnat"]["url"])
    assert client.saved_login() is None
    login = XnatLogin(XnatClient("https://xnat.example.org"))
    assert not login.badge.shown and "demo credentials" not in login.banner.message


def test_session_resources_are_rows_to_select_download_and_track(pair, server, tmp_path, request):
    """A session's own resources sit beside its scans: listed, ticked, downloaded and tracked like a scan's."""
    import datalad.api as dl

    exp = server.projects["DEMO_PUBLIC"].subjects[1].experiments[0]
    server.add_file(exp.id, None, "qc/report.txt", b"all scans usable\n", resource="QC")
    login, browser = pair
    login.remember.value = True  # `datalad get` of the tracked file finds this login in DataLad's store
    _log_in(login, server)
    request.addfinalizer(lambda: login.client.store.remove(login.client.credential_name))
    session = browser.expand_path("DEMO_PUBLIC", exp.subject.label, exp.label)
    kinds, details = _column(browser, "kind"), _column(browser, "details")
    qc = next(n for n in browser.children_of[session.key] if kinds[n.key] == "session resource")
    assert qc.resource == "QC" and qc.scan == "" and details[qc.key] == "1 file"
    assert details[session.key].endswith("3 scans · 1 session resource")
    rows = list(browser.table.data.index)
    assert rows.index(qc.key) == rows.index(session.key + "/3") + 1  # under its session, after the scans
    assert browser.table.data.loc[qc.key, "_depth"] == browser.table.data.loc[session.key + "/1", "_depth"]
    browser.table.toggle_row(qc.key)  # its files, as under a scan's resource
    browser.wait_loading(30)
    assert _column(browser, "name")[qc.key + "/qc/report.txt"] == "qc/report.txt"
    assert browser.table.data.loc[qc.key, "size"] == len(b"all scans usable\n")
    browser.table.active = qc.key
    assert "<th>kind</th><td>session resource</td>" in browser.table.detail
    browser.table.click_row(list(browser.table.page_rows().index).index(qc.key))  # tick it in the table
    assert browser.selected == [qc.key]
    assert browser.to_dataframe()[["scan", "resource", "name"]].values.tolist() == [["", "QC", "qc/report.txt"]]
    browser.folder.value = str(tmp_path / "dl")
    job = browser.download()
    assert job.wait(60) and job.state == "done", browser.progress.banner.message
    report = tmp_path / "dl" / exp.subject.label / exp.label / "QC" / "qc" / "report.txt"
    assert report.read_bytes() == b"all scans usable\n"
    browser.dataset.value = str(tmp_path / "tracked")
    job = browser.track()
    assert job.wait(120) and job.state == "done", browser.progress.banner.message
    ds = dl.Dataset(str(tmp_path / "tracked"))
    tracked = f"{exp.subject.label}/{exp.label}/QC/qc/report.txt"
    assert ds.repo.get_annexed_files() == [tracked] and not ds.repo.file_has_content(tracked)
    ds.get(tracked)  # fetched from the XNAT through the URL it was registered with
    assert (ds.pathobj / tracked).read_bytes() == b"all scans usable\n"


def test_a_hanging_login_is_cancelled_and_its_late_answer_ends_unused(server):
    import time

    login = XnatLogin(XnatClient(server.url))
    login.anonymous.value = True
    server.faults.set(hang=60)
    try:
        login.login_button.click()  # returns at once: the login waits in the background
        assert login.status == "loading" and login.login_button.disabled
        assert login.cancel_button.layout.display is None and "Logging in to" in login.who.value
        login.cancel_button.click()
        assert login.status == "logged out" and "Stopped waiting" in login.banner.message
        assert not login.login_button.disabled and login.cancel_button.layout.display == "none"
        ended = server.stats["DELETE /data/JSESSION"]
    finally:
        server.faults.clear()  # the server recovers: the cancelled login's answer arrives now
    deadline = time.monotonic() + 60
    while server.stats["DELETE /data/JSESSION"] == ended:  # the late session is ended on the server
        assert time.monotonic() < deadline, "the late session was never ended"
        time.sleep(0.1)
    assert login.value == "" and login.status == "logged out" and not login.client.connected
    login.login_button.click(); login.wait_background()  # and the next login works
    assert login.value == "guest" and login.client.connected
    login.logout()
