"""The Globus widgets driven from Python: login by code, browse, select, transfer, cancel."""
from __future__ import annotations

import json
import threading
import time

from neurodata_widgets.globus import transfer
from neurodata_widgets.globus.client import GlobusClient
from neurodata_widgets.globus.widgets import GlobusBrowser, GlobusLogin, TransferPanel


def _state_text(*ws) -> str:
    import ipywidgets as widgets

    return json.dumps([w.get_state() for w in widgets.Widget.widgets.values()], default=str)


def _wait(predicate, timeout=60):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.05)


def test_login_widget_code_flow_and_logout(globus, consent, tmp_path):
    client = GlobusClient(token_file=tmp_path / "t.json")
    login = GlobusLogin(client)
    assert not login.logged_in and login.status == "logged out"
    users = []
    login.on_login(users.append)
    login.login_button.click()
    assert login.status == "waiting" and "ndw-globus-login-link" in login.link.value
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    login.code_box.value = consent(href)
    login.submit_button.click()  # in the background
    login.wait_background()
    assert login.logged_in and login.user == "demo@globusid.org" and users
    assert login.code_box.value == ""
    token = client.storage.get_token_data("transfer.api.globus.org").access_token
    assert token not in _state_text()  # tokens never reach synced state
    login.logout_button.click()
    login.wait_background()
    assert not login.logged_in and not client.logged_in and login.status == "logged out"


def test_login_widget_shows_a_bad_code_and_stays_usable(globus, tmp_path):
    login = GlobusLogin(GlobusClient(token_file=tmp_path / "t.json"))
    login.login_button.click()
    login.code_box.value = "wrong"
    login.submit_button.click()
    login.wait_background()
    assert "did not accept" in login.error and login.banner.kind == "error"
    login.login_button.click()
    assert login.status == "waiting"


def _browser(client, globus):
    """A browser on the sandbox's source and destination collections, listed."""
    info = globus.info()
    browser = GlobusBrowser(client)
    browser.wait_background()  # the collections are found in the background
    browser.source.picker.value = info["source_collection"]
    browser.destination.picker.value = info["destination_collection"]
    browser.wait_background()
    return browser


def _ls_requests(globus):
    return [query for method, path, query in globus.requests if path.endswith("/ls")]


def test_browser_pages_a_large_folder_on_the_server(client, globus):
    info = globus.info()
    globus.make_many(info["source_collection"], "/many", 10_000)
    src = _browser(client, globus).source
    src.select("many")
    src.open_selected()
    assert src.path == "/many/" and src.total == 10_000 and src.table.total == 10_000
    assert len(src.entries) == 100 and src.table.busy is False
    globus.reset_stats()
    src.turn(+1)  # the first request brought Transfer's first 1000 entries: no new request
    assert src.page == 1 and src.entries[0]["name"] == "file-00100.dat" and _ls_requests(globus) == []
    src.turn(+20)  # beyond them: Transfer is asked for that page only
    assert src.page == 21 and src.entries[0]["name"] == "file-02100.dat"
    assert [(q["offset"], q["limit"]) for q in _ls_requests(globus)] == [("2100", "100")]
    globus.reset_stats()
    src.table.sort_by, src.table.ascending = "size", False  # a header click: Transfer sorts a large folder
    src.wait_background()
    # the two trait changes ask twice (ASC, then DESC), in two threads that may reach Transfer in either order;
    # the rows shown are the latest request's
    assert "size DESC" in [q.get("orderby") for q in _ls_requests(globus)]
    assert src.table.busy is False and src.page == 0
    sizes = [e["size"] for e in src.entries]
    assert sizes[0] == 96 and sizes == sorted(sizes, reverse=True)  # and Transfer did sort them
    src.up_button.click()
    src.wait_background(30)
    assert src.path == "/" and src.page == 0


def test_ticking_rows_opening_folders_and_transferring_them(client, globus):
    info = globus.info()
    browser = _browser(client, globus)
    src, dst = browser.source, browser.destination
    src.table.open_row("ds001")  # a double-click (or Enter) on a folder opens it
    src.wait_background()
    assert src.path == "/ds001/" and "participants.tsv" in src.table.html.value
    src.table.open_row("README")  # on a file: its detail
    assert src.table.active == "README" and "/ds001/README" in src.table.detail and "bytes" in src.table.detail
    src.hidden_box.value = True
    src.wait_background()
    assert ".bidsignore" in [e["name"] for e in src.entries]
    globus.reset_stats()
    src.table.sort_by, src.table.ascending = "size", False  # a small folder is sorted here, without asking
    src.wait_background()
    sizes = [e["size"] for e in src.entries if e["type"] == "file"]
    assert sizes == sorted(sizes, reverse=True) and _ls_requests(globus) == []
    src.table.sort_by, src.table.ascending = "name", True
    src.wait_background()
    names = [e["name"] for e in src.entries]
    src.table.click_row(names.index("README"))
    src.table.click_row(names.index("sub-01"), shift=True)  # a shift-click ticks the range
    ticked = names[names.index("README"):names.index("sub-01") + 1]
    assert src.selected == ticked and browser.selected == ["/ds001/" + n for n in ticked]
    assert "participants.tsv" in ticked and len(src.table.selected_rows()) == len(ticked)
    globus.faults.set(hang=2, pattern="/ls$")
    src.go("/ds001/code/", wait=False)  # while another folder is being listed, the ticked rows keep their paths
    assert browser.selected == ["/ds001/" + n for n in ticked]
    src.cancel_listing()
    globus.faults.clear()
    dst.go("/")
    panel = TransferPanel(client, browser=browser)
    src.table.click_row(names.index("README"))  # unticked, and ticked again: the button counts what it moves
    assert panel.submit_button.description == f"Transfer {len(ticked) - 1} items"
    src.table.click_row(names.index("README"))
    assert panel.submit_button.description == f"Transfer {len(ticked)} items"
    submitted = []
    panel.on_submit(submitted.append)
    panel.label.value = "from widgets"
    panel.submit_button.click()  # submits in the background
    panel.wait_background()
    assert submitted and panel.tasks[-1]["label"] == "from widgets" and panel.status == "running"
    job = panel.jobs[submitted[0]]
    job.result(timeout=60)
    _wait(lambda: panel.tasks[-1]["status"] == "SUCCEEDED")
    _wait(lambda: "sub-01" in [e["name"] for e in dst.entries])  # destination pane refreshed when done
    assert (globus.collection_dir(info["destination_collection"]) / "sub-01/anat/sub-01_T1w.nii.gz").exists()


def test_panel_cancel_and_errors_keep_widgets_usable(client, globus):
    browser = _browser(client, globus)
    panel = TransferPanel(client, browser=browser)
    panel.submit_button.click()  # nothing selected
    panel.wait_background()
    assert "Nothing is selected" in panel.error and not panel.submit_button.disabled
    browser.source.select("ds001")
    task_id = panel.submit_selection()
    progress = panel.table.children[0].children[1]
    assert "ndw-globus-task-cancel" in progress.cancel_button._dom_classes
    progress.cancel_button.click()  # the row's Cancel cancels the task on Globus
    panel.jobs[task_id].wait(30)
    _wait(lambda: progress.state == "cancelled")
    assert any(r["task_id"] == task_id and r["status"] == "FAILED" for r in transfer.task_records(client))
    browser.source.go("/does/not/exist/")
    assert browser.source.error.startswith("Listing /does/not/exist/: Not found on Globus")
    browser.source.go("/")
    assert browser.source.error == "" and browser.source.total >= 1


def test_browser_offers_consent_link(new_app_client, globus):
    browser = GlobusBrowser(new_app_client)
    browser.wait_background()
    browser.source.open_collection(globus.info()["consent_collection"])
    assert "ndw-globus-consent-link" in browser.source.banner.value
    assert "needs your consent" in browser.source.error


def test_browser_fills_itself_after_a_login_elsewhere(globus, consent, tmp_path):
    client = GlobusClient(token_file=tmp_path / "t.json")
    browser, login = GlobusBrowser(client), GlobusLogin(client)  # built before login, as the portal does
    assert browser.collections == [] and browser.source.entries == []
    login.login_button.click()
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    login.submit(consent(href))
    browser.wait_background()
    # the first view: the user's bookmarked collections first, then recently used, shared with them, their own
    assert [c["why"] for c in browser.collections[:2]] == ["bookmarked", "bookmarked"]
    whys = {c["why"] for c in browser.collections}
    # each collection once: one the user owns and used earlier in this session is listed as "recently used"
    assert "shared with you" in whys and whys & {"yours", "recently used"}
    assert len({c["id"] for c in browser.collections}) == len(browser.collections)
    assert browser.source.collection == globus.info()["source_collection"] and browser.source.total >= 2
    assert browser.destination.collection == globus.info()["destination_collection"]


def test_panel_follows_tasks_already_running(client, globus):
    info = globus.info()
    globus.tasks.paused.set()  # keep it running while the panel starts
    try:
        task_id = transfer.submit(client, info["source_collection"], info["destination_collection"],
                                  [("/ds001/", "/followed/", True)], label="started elsewhere")
        panel = TransferPanel(client)  # looks for running tasks in the background
        panel.wait_background()
        assert task_id in panel.jobs and panel.tasks[-1]["label"] == "started elsewhere"
        assert panel.follow_active() == []  # not twice
    finally:
        globus.tasks.paused.clear()
    assert panel.jobs[task_id].result(timeout=60)["status"] == "SUCCEEDED"


def test_denied_callback_login_is_shown_in_the_widget(globus, tmp_path):
    import html

    from neurodata_widgets.sandbox.globus_auth import press_consent

    login = GlobusLogin(GlobusClient(token_file=tmp_path / "t.json"))
    login.mode_toggle.value = "callback"
    login.login_button.click()
    href = html.unescape(login.link.value.split('href="')[1].split('"')[0])
    answer = press_consent(href, decision="deny")
    assert answer.status_code == 400 and "not completed" in answer.text
    assert "access_denied" in login.error and not login.logged_in


def _pane_on_source(client, globus):
    browser = GlobusBrowser(client)
    browser.wait_background()
    pane = browser.source
    pane.picker.value = globus.info()["source_collection"]
    browser.wait_background()
    seen = []
    pane.observe(lambda ch: seen.append(ch["new"]), names="activity")
    return pane, seen


def test_a_globus_500_being_retried_shows_in_the_busy_line(client, globus):
    pane, seen = _pane_on_source(client, globus)
    globus.faults.set(status=500, pattern="/ls$")

    def recover(change):  # Globus comes back once the widget said it is retrying
        if change["new"].startswith("Globus answered 500"):
            globus.faults.clear()

    pane.observe(recover, names="activity")
    pane.refresh_button.click()
    pane.wait_background(60)
    assert "Globus answered 500, retrying…" in seen
    assert pane.status == "ready" and pane.error == "" and "ds001" in [e["name"] for e in pane.entries]


def test_a_globus_500_that_stays_ends_in_the_error(client, globus):
    pane, seen = _pane_on_source(client, globus)
    globus.faults.set(status=500, pattern="/ls$")
    # fewer, quicker retries than the SDK's default half minute: the same policy, tuned with its own knob
    with client.transfer.retry_config.tune(max_retries=2, backoff=lambda ctx: 0.01):
        pane.refresh_button.click()
        pane.wait_background(60)
    assert seen[-1] == "Globus answered 500, retrying…"  # the last word before giving up
    assert pane.status == "error" and pane.banner.kind == "error" and "500" in pane.error
    assert not pane.table.busy


def test_cancel_a_hanging_listing_the_pane_is_usable_at_once(client, globus):
    pane = _browser(client, globus).source
    globus.faults.set(hang=3, pattern="/ls$")  # Globus holds the answer back
    pane.go("/ds001/", wait=False)
    assert pane.table.busy and pane.table.cancellable and "listing /ds001/" in pane.table.busy_text
    assert pane.status == "loading"
    heard = []
    pane.table.on_cancel(lambda *_: heard.append("cancel"))
    pane.table.cancel()  # the Cancel in the table
    abandoned = [t for t in threading.enumerate() if t.name == "ndw-CollectionPane"]
    assert heard and abandoned and not pane.table.busy and pane.status == "ready" and pane.path == "/"
    assert "Stopped waiting" in pane.banner.value
    globus.faults.clear()
    pane.go("/ds001/derivatives-none/", wait=True)  # usable at once: the next listing answers
    assert pane.error.startswith("Listing /ds001/derivatives-none/")
    pane.go("/ds001/sub-01/")
    assert [e["name"] for e in pane.entries] == ["anat"]
    for thread in abandoned:
        thread.join(30)  # the late answer for /ds001/ arrives ... and is ignored
    assert pane.path == "/ds001/sub-01/" and [e["name"] for e in pane.entries] == ["anat"]


def _panel_with_selection(client, globus):
    browser = _browser(client, globus)
    browser.source.go("/ds001/")
    browser.source.select("participants.tsv")
    return TransferPanel(client, browser=browser)


def test_a_retried_submission_says_retrying_and_then_goes_through(client, globus):
    panel = _panel_with_selection(client, globus)
    seen = []

    def recover(change):  # Globus comes back once the panel said it is retrying
        seen.append(panel.waiting.value)
        if "retrying" in change["new"]:
            globus.faults.clear()

    panel.observe(recover, names="activity")
    globus.faults.set(status=503, pattern="/transfer$")
    panel.label.value = "retried"
    panel.submit_button.click()
    panel.wait_background()
    assert any("Globus answered 503, retrying…" in text for text in seen)
    assert panel.tasks[-1]["label"] == "retried" and panel.error == ""
    assert panel.waiting_row.layout.display == "none" and not panel.submit_button.disabled


def test_cancel_a_retried_submission_before_globus_accepts_it(client, globus):
    panel = _panel_with_selection(client, globus)
    abandoned = []
    panel.observe(lambda ch: "retrying" in ch["new"] and abandoned.append(panel.cancel_submission()),
                  names="activity")
    globus.faults.set(status=503, pattern="/transfer$")
    globus.reset_stats()
    panel.label.value = "never"
    panel.submit_button.click()
    _wait(lambda: abandoned)
    assert panel.status == "ready" and "Stopped submitting" in panel.banner.value
    assert panel.waiting_row.layout.display == "none" and not panel.submit_button.disabled
    abandoned[0].join(30)  # the pause before the next try ended at once: Globus was asked once only
    assert globus.stats["POST /v0.10/transfer"] == 1 and panel.tasks == []
    globus.faults.clear()
    assert "never" not in [t["label"] for t in transfer.task_records(client, limit=100)]


def test_a_submission_accepted_after_cancel_is_cancelled_on_globus(client, globus):
    panel = _panel_with_selection(client, globus)
    globus.faults.set(hang=2, pattern="/transfer$")  # Globus accepts it, late
    globus.tasks.paused.set()  # and would keep it running
    globus.reset_stats()
    try:
        panel.label.value = "too late"
        panel.submit(*_items(panel), wait=False)
        _wait(lambda: globus.stats["POST /v0.10/transfer"] >= 1)
        abandoned = panel.cancel_submission()
        assert abandoned is not None and panel.status == "ready" and panel.tasks == []
        abandoned.join(30)
    finally:
        globus.faults.clear()
        globus.tasks.paused.clear()
    late = [t for t in transfer.task_records(client, limit=100) if t["label"] == "too late"]
    assert late and panel.tasks == []
    doc = transfer.task(client, late[0]["task_id"])  # cancelled on Globus
    assert doc["status"] == "FAILED" and doc["fatal_error"]["code"] == "CANCELED"
    assert "cancelled on Globus" in panel.banner.value


def _items(panel):
    src, dst = panel.browser.source, panel.browser.destination
    return src.collection, dst.collection, [("/ds001/participants.tsv", "/late/participants.tsv", False)]


def test_cancel_while_globus_hangs_on_the_code_then_its_late_tokens_are_revoked(globus, consent, tmp_path):
    import time

    login = GlobusLogin(GlobusClient(token_file=tmp_path / "t.json"))
    login.login_button.click()
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    login.code_box.value = consent(href)
    globus.faults.set(hang=60, pattern="/token$")  # Globus holds the code exchange back
    try:
        login.submit_button.click()  # returns at once: the exchange waits in the background
        assert "Logging in…" in login.who.value and login.cancel_button.layout.display is None
        login.cancel_button.click()
        assert login.status == "logged out" and "Stopped waiting for Globus" in login.banner.message
        assert login.cancel_button.layout.display == "none" and not login.submit_button.disabled
        revoked = globus.stats["POST /v2/oauth2/token/revoke"]
    finally:
        globus.faults.clear()  # Globus recovers: the cancelled exchange's tokens arrive now, unwanted
    deadline = time.monotonic() + 60
    while globus.stats["POST /v2/oauth2/token/revoke"] == revoked:
        assert time.monotonic() < deadline, "the late tokens were never revoked"
        time.sleep(0.1)
    assert not login.logged_in and not login.client.logged_in and login.status == "logged out"


def test_on_a_hub_the_login_pastes_a_code_and_offers_no_loopback(globus, consent, tmp_path, monkeypatch):
    """JupyterHub sets JUPYTERHUB_* in a user's server: the browser is elsewhere, a loopback callback cannot reach it."""
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api")
    client = GlobusClient(token_file=tmp_path / "t.json")
    login = GlobusLogin(client)
    assert [value for _, value in login.mode_toggle.options] == ["code"]
    assert login.mode_toggle.layout.display == "none"
    login.mode = "callback"  # even if a notebook asks for it
    login.login_button.click()
    assert login.status == "waiting" and login.code_row.layout.display is None
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    # Globus's own page shows the code (no loopback receiver of this kernel)
    assert href.split("redirect_uri=")[1].split("&")[0].endswith("%2Fv2%2Fweb%2Fauth-code")
    login.code_box.value = consent(href)
    login.submit_button.click()
    login.wait_background()
    assert login.logged_in and login.user == "demo@globusid.org"
    login.logout_button.click()
    login.wait_background()
