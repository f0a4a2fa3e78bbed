"""The Globus dashboard's web-app features, through globus-sdk over HTTP to the sandbox: transfer direction and
swap, a folder breadcrumb, New folder / Rename / Delete (a delete task), a history from Globus' task list, and a
collection search with a Cancel from its first moment."""
from __future__ import annotations

import time

from neurodata_widgets.globus import transfer as transfer_ops
from neurodata_widgets.globus.widgets import GlobusBrowser, TransferPanel


def _wait(predicate, timeout=60):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _browser(client, globus):
    info = globus.info()
    browser = GlobusBrowser(client)
    browser.wait_background()
    browser.left.picker.value = info["source_collection"]
    browser.right.picker.value = info["destination_collection"]
    browser.wait_background()
    return browser


def _names(pane):
    return [e["name"] for e in pane.entries]


def test_swap_sends_from_the_right_pane_into_the_left_panes_folder(client, globus):
    info = globus.info()
    browser = _browser(client, globus)
    panel = TransferPanel(client, browser=browser)
    left, right = browser.left, browser.right
    assert browser.source is left and "→" in browser.arrow.value and "ndw-globus-source" in left._dom_classes
    client.mkdir(info["destination_collection"], "/swap-from/")
    (globus.collection_dir(info["destination_collection"]) / "swap-from" / "note.txt").write_text("back\n")
    right.go("/swap-from/")
    left.go("/ds001/")
    browser.swap_button.click()
    assert browser.direction == "←" and browser.source is right and browser.destination is left
    assert "←" in browser.arrow.value and right.picker.description == "Source"
    assert "ndw-globus-source" in right._dom_classes and "ndw-globus-source" not in left._dom_classes
    right.select("note.txt")
    assert browser.selected == ["/swap-from/note.txt"]
    assert panel.submit_button.description == "Transfer 1 item"
    task_id = panel.submit_selection()
    assert panel.jobs[task_id].result(timeout=60)["status"] == "SUCCEEDED"
    landed = globus.collection_dir(info["source_collection"]) / "ds001" / "note.txt"
    assert landed.read_text() == "back\n"  # into the left pane's folder, on the left pane's collection
    landed.unlink()
    browser.swap()
    assert browser.source is left and browser.direction == "→"


def test_breadcrumb_opens_each_folder_of_the_path(client, globus):
    pane = _browser(client, globus).left
    pane.go("/ds001/sub-01/anat/")
    assert [label for label, _ in pane.crumb_paths()] == ["/", "ds001", "sub-01", "anat"]
    assert pane.crumbs.labels == ["/", "ds001", "sub-01", "anat"]
    pane.crumbs._message(pane.crumbs, {"group": 0, "index": 1, "label": "ds001"}, [])  # as the browser sends a click on "ds001"
    pane.wait_background()
    assert pane.path == "/ds001/" and "participants.tsv" in _names(pane)
    assert pane.crumbs.labels == ["/", "ds001"]
    pane.crumbs._message(pane.crumbs, {"group": 0, "index": 1, "label": "sub-01"}, [])  # a click on a row redrawn since
    pane.crumbs.click(0, 0)
    pane.wait_background()
    assert pane.path == "/" and "ds001" in _names(pane)


def test_new_folder_rename_and_delete_with_confirmation(client, globus):
    info = globus.info()
    browser = _browser(client, globus)
    panel = TransferPanel(client, browser=browser)
    pane = browser.right
    pane.go("/")
    root = globus.collection_dir(info["destination_collection"])
    pane.name_box.value = "made-here"
    pane.mkdir_button.click()
    pane.wait_background()
    assert (root / "made-here").is_dir() and "made-here" in _names(pane) and "Made folder" in pane.banner.message
    assert any(path.endswith("/mkdir") for _, path, _ in globus.requests)
    pane.name_box.value = "a/b"
    pane.mkdir_button.click()  # a path is not a name: said, nothing sent
    assert "Type a name" in pane.banner.message
    pane.select("made-here")
    pane.name_box.value = "renamed-<i>x"
    pane.rename_button.click()
    pane.wait_background()
    assert (root / "renamed-<i>x").is_dir() and not (root / "made-here").exists()
    assert "renamed-<i>x" in _names(pane)
    assert "<i>x" not in pane.table.html.value  # a name from the server is escaped
    pane.name_box.value = "renamed-<i>x"
    pane.select("renamed-<i>x")
    pane.delete_button.click()  # asks first, naming what goes
    assert pane.confirm_row.layout.display is None and "renamed-&lt;i&gt;x" in pane.confirm_text.value
    assert (root / "renamed-<i>x").exists()
    pane.keep_button.click()  # keeping them: nothing deleted
    assert pane.confirm_row.layout.display == "none" and (root / "renamed-<i>x").exists()
    pane.delete_button.click()
    pane.confirm_button.click()  # a Globus delete task, followed in the panel like a transfer
    pane.wait_background()
    task = panel.tasks[-1]
    assert task["label"].startswith("delete renamed-")
    assert panel.jobs[task["task_id"]].result(timeout=60)["status"] == "SUCCEEDED"
    assert not (root / "renamed-<i>x").exists()
    _wait(lambda: "renamed-<i>x" not in _names(pane))  # the pane lists the folder again when it is done
    assert transfer_ops.task(client, task["task_id"])["type"] == "DELETE"


def test_a_failed_rename_is_one_sentence_and_the_pane_stays_usable(client, globus):
    info = globus.info()
    pane = _browser(client, globus).left
    pane.go("/")
    pane.select("ds001")
    pane.name_box.value = "README.txt"  # a name that is taken: Globus refuses, nothing is replaced
    pane.rename_button.click()
    pane.wait_background()
    assert pane.status == "error" and "That name is taken" in pane.banner.message
    assert "already exists: '/README.txt'" in pane.banner.message and "another name" in pane.banner.hint
    assert pane.banner.message.count(". ") == 0 and "Traceback" not in pane.banner.message
    assert (globus.collection_dir(info["source_collection"]) / "ds001").is_dir()
    assert pane.table.busy is False
    pane.crumbs.click(0, 0)
    pane.wait_background()
    assert pane.status != "error" and "ds001" in _names(pane)


def test_history_is_globus_task_list_paged_and_a_cancel_is_neutral(client, globus, consent, tmp_path):
    info = globus.info()
    from neurodata_widgets.globus.client import GlobusClient

    tid = transfer_ops.submit(client, info["source_collection"], info["destination_collection"],  # megabytes:
                              [("/ds001/", "/history-cancel/", True)], label="to be <i>cancelled</i>")  # seconds
    transfer_ops.cancel(client, tid)
    done = transfer_ops.submit(client, info["source_collection"], info["destination_collection"],
                               [("/ds001/README", "/history-readme", False)], label="kept")
    transfer_ops.watch(client, done).start().result(timeout=60)
    # a new kernel (a reload): a fresh client, a fresh panel: the history comes from Globus
    fresh = GlobusClient(token_file=tmp_path / "again.json")
    fresh.finish_login(consent(fresh.start_login("code")))
    panel = TransferPanel(fresh)
    panel.wait_background()
    rows = panel.history.data
    assert list(rows.index[:2]) == [done, tid]  # newest first
    assert rows.loc[done, "label"] == "kept" and rows.loc[done, "files"] == 1
    html = panel.history.html.value
    assert "to be &lt;i&gt;cancelled&lt;/i&gt;" in html and "<i>cancelled</i>" not in html
    assert 'ndw-badge-neutral">cancelled<' in html and 'ndw-badge-ok">succeeded<' in html
    total = panel.history.total
    assert total == len(transfer_ops.history(fresh, 1000)[0]) and total >= 2
    for _ in range(max(0, 11 - total)):  # more than a page of tasks: the history pages through Globus
        transfer_ops.submit(client, info["source_collection"], info["destination_collection"],
                            [("/ds001/README", "/history-more", False)], label="more")
    panel.load_history(0)
    assert len(panel.history.data) == 10 and panel.history.total >= 11
    globus.reset_stats()
    panel.history.page = 1  # the table asks for the next page: one task_list request with offset 10
    panel.wait_background()
    asked = [q for _, path, q in globus.requests if path.endswith("/task_list")]
    assert [q.get("offset") for q in asked] == ["10"] and len(panel.history.data) >= 1
    second = list(panel.history.data.index)
    panel.load_history()  # a task ended: the page shown is read again, not the first
    assert list(panel.history.data.index) == second and panel.history.page == 1
    panel.load_history(0)
    assert panel.history.page == 0 and list(panel.history.data.index)[0] not in second
    fresh.logout()


def test_a_live_cancelled_task_reads_cancelled_not_failed(client, globus):
    info = globus.info()
    browser = _browser(client, globus)
    panel = TransferPanel(client, browser=browser)
    tid = panel.submit(info["source_collection"], info["destination_collection"],
                       [("/ds001/", "/live-cancel/", True)])
    panel.jobs[tid].cancel()  # the row's Cancel: the task is cancelled on Globus
    _wait(lambda: panel.tasks[-1]["status"] == "FAILED")
    row = panel.table.children[0]
    _wait(lambda: "cancelled" in row.children[0].children[1].value)
    badge = row.children[0].children[1].value
    assert "ndw-badge-neutral" in badge and "FAILED" not in badge and "ndw-badge-error" not in badge
    _wait(lambda: tid in list(panel.history.data.index))  # a finished task heads the history


def test_the_first_search_shows_its_cancel_at_once(client, globus):
    globus.faults.set(hang=20, pattern="/endpoint_search$")
    try:
        browser = GlobusBrowser(client)  # logged in: the first view's search starts as the widget is built
        assert browser.searching_row.layout.display is None  # the Cancel shows before Globus answers
        assert "Searching collections" in browser.searching.value
        assert browser.cancel_search() is True
        assert browser.searching_row.layout.display == "none" and "Stopped searching" in browser.banner.message
    finally:
        globus.faults.clear()
    browser.search()
    assert browser.collections and browser.searching_row.layout.display == "none"


def test_a_delete_without_a_panel_is_followed_by_the_pane(client, globus):
    info = globus.info()
    pane = _browser(client, globus).right  # no TransferPanel: the pane follows its delete task itself
    client.mkdir(info["destination_collection"], "/lonely/")
    pane.go("/")
    pane.select("lonely")
    pane.ask_delete()
    assert "lonely" in pane.confirm_text.value
    pane.confirm_button.click()
    pane.wait_background()
    _wait(lambda: "lonely" not in _names(pane))
    assert not (globus.collection_dir(info["destination_collection"]) / "lonely").exists()


def test_a_folder_listed_in_the_background_opens_no_widget(client, globus, opened_off_the_main_thread):
    pane = _browser(client, globus).left
    pane.go("/ds001/sub-01/anat/", wait=False)  # its breadcrumb is redrawn from the listing's thread
    pane.wait_background()
    assert pane.crumbs.labels == ["/", "ds001", "sub-01", "anat"]
    assert opened_off_the_main_thread == []
