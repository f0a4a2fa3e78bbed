"""The Globus widgets driven from Python: login by code, browse, select, transfer, cancel."""
from __future__ import annotations

import json
import time

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
    login.submit_button.click()
    assert login.logged_in and login.user == "demo@globusid.org" and users
    assert login.code_box.value == ""
    token = client.storage.get_token_data("transfer.api.globus.org").access_token
    assert token not in _state_text()  # tokens never reach synced state
    login.logout_button.click()
    assert not login.logged_in and not client.logged_in


def test_login_widget_shows_a_bad_code_and_stays_usable(globus, tmp_path):
    login = GlobusLogin(GlobusClient(token_file=tmp_path / "t.json"))
    login.login_button.click()
    login.code_box.value = "wrong"
    login.submit_button.click()
    assert "did not accept" in login.error and login.banner.kind == "error"
    login.login_button.click()
    assert login.status == "waiting"


def test_browser_navigates_pages_and_transfers_with_live_rows(client, globus):
    info = globus.info()
    globus.make_many(info["source_collection"], "/many", 10_000)
    browser = GlobusBrowser(client)
    assert len(browser.collections) >= 2
    src, dst = browser.source, browser.destination
    src.picker.value = info["source_collection"]
    dst.picker.value = info["destination_collection"]
    src.select("many")
    src.open_selected()
    assert src.path == "/many/" and src.total == 10_000 and len(src.list.options) == 100
    src.next_button.click()  # a click lists in the background
    src.wait_background(30)
    assert src.page == 1 and src.entries[0]["name"] == "file-00100.dat"
    src.up_button.click()
    src.wait_background(30)
    assert src.path == "/"
    src.select("ds001")
    src.open_selected()
    src.hidden_box.value = True
    assert ".bidsignore" in [e["name"] for e in src.entries]
    src.select("README", "participants.tsv", "sub-01")
    assert browser.selected == ["/ds001/README", "/ds001/participants.tsv", "/ds001/sub-01"]
    dst.go("/")
    panel = TransferPanel(client, browser=browser)
    submitted = []
    panel.on_submit(submitted.append)
    panel.label.value = "from widgets"
    panel.submit_button.click()
    assert submitted and panel.tasks[-1]["label"] == "from widgets"
    job = panel.jobs[submitted[0]]
    job.result(timeout=60)
    _wait(lambda: panel.tasks[-1]["status"] == "SUCCEEDED")
    _wait(lambda: "sub-01" in [e["name"] for e in dst.entries])  # destination pane refreshed when done
    assert (globus.collection_dir(info["destination_collection"]) / "sub-01/anat/sub-01_T1w.nii.gz").exists()


def test_panel_cancel_and_errors_keep_widgets_usable(client, globus):
    info = globus.info()
    browser = GlobusBrowser(client)
    browser.source.picker.value = info["source_collection"]
    browser.destination.picker.value = info["destination_collection"]
    panel = TransferPanel(client, browser=browser)
    panel.submit_button.click()  # nothing selected
    assert "Nothing is selected" in panel.error
    browser.source.select("ds001")
    task_id = panel.submit_selection()
    progress = panel.table.children[0].children[1]
    progress.cancel_button.click()
    panel.jobs[task_id].wait(30)
    _wait(lambda: progress.state == "cancelled")
    browser.source.go("/does/not/exist/")
    assert browser.source.error.startswith("Listing /does/not/exist/: Not found on Globus")
    browser.source.go("/")
    assert browser.source.error == "" and browser.source.total >= 1


def test_browser_offers_consent_link(new_app_client, globus):
    browser = GlobusBrowser(new_app_client)
    browser.source.picker.value = globus.info()["consent_collection"]
    assert "ndw-globus-consent-link" in browser.source.banner.value
    assert "needs your consent" in browser.source.error


def test_browser_fills_itself_after_a_login_elsewhere(globus, consent, tmp_path):
    client = GlobusClient(token_file=tmp_path / "t.json")
    browser, login = GlobusBrowser(client), GlobusLogin(client)  # built before login, as the portal does
    assert browser.collections == [] and browser.source.entries == []
    login.login_button.click()
    href = login.link.value.split('href="')[1].split('"')[0].replace("&amp;", "&")
    login.submit(consent(href))
    assert len(browser.collections) == 4
    assert browser.source.collection == globus.info()["source_collection"] and browser.source.total >= 2
    assert browser.destination.collection == globus.info()["destination_collection"]


def test_panel_follows_tasks_already_running(client, globus):
    from neurodata_widgets.globus import transfer

    info = globus.info()
    globus.tasks.paused.set()  # keep it running while the panel starts
    try:
        task_id = transfer.submit(client, info["source_collection"], info["destination_collection"],
                                  [("/ds001/", "/followed/", True)], label="started elsewhere")
        panel = TransferPanel(client)
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
    pane = browser.source
    pane.picker.value = globus.info()["source_collection"]
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
    assert "retrying" not in pane.page_label.value
