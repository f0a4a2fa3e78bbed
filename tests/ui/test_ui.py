"""Shared view parts, driven from Python: banner, job progress + cancel, paged table, escaping."""
import threading
import time

import pandas as pd
import pytest
import requests

from neurodata_widgets import jobs
from neurodata_widgets.errors import UserError, describe, describe_status
from neurodata_widgets.jobs import Cancelled, Job
from neurodata_widgets.ui.banner import StatusBanner
from neurodata_widgets.ui.html import Markup, escape, format_bytes, table
from neurodata_widgets.ui.progress import JobProgress
from neurodata_widgets.ui.table import PagedTable


def test_escape_neutralises_html():
    hostile = '<script>alert("x")</script>'
    out = table([{"name": hostile, "ok": Markup("<b>fine</b>")}], ["name", "ok"])
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>fine</b>" in out
    assert escape(None) == ""


def test_format_bytes():
    assert [format_bytes(n) for n in (0, 999, 1000, 2_500_000, 3 * 10**12)] == ["0 B", "999 B", "1.0 KB", "2.5 MB",
                                                                               "3.0 TB"]


def test_banner_shows_readable_error_and_hint():
    b = StatusBanner()
    seen = []
    b.on_change(lambda banner: seen.append((banner.kind, banner.message, banner.hint)))
    b.show_error(UserError("Wrong <password>", "Try again"), "Logging in")
    assert b.kind == "error" and b.message == "Logging in: Wrong <password>" and b.hint == "Try again"
    assert "&lt;password&gt;" in b.value and "<password>" not in b.value
    assert b.dismissible  # an error can be dismissed
    b._handle_custom_msg({"event": "dismiss"}, [])  # what pressing Dismiss in the page sends
    assert not b.dismissible
    assert b.value == "" and b.kind == ""
    assert seen == [("error", "Logging in: Wrong <password>", "Try again"), ("", "", "")]


def test_banner_folds_details_and_shows_links_as_buttons():
    b = StatusBanner()
    url = "https://auth.example.org/v2/oauth2/authorize?client_id=abc&state=xyz&code_challenge=" + "q" * 200
    exc = RuntimeError(f"consent required; visit {url}")
    b.show_error(exc, "Listing", links=[("Give consent", url)])
    message_part = b.value.split('<details')[0]
    assert "client_id" not in message_part.replace(f'href="{escape(url)}"', "")  # the address is in the link only
    assert 'class="ndw-link-button' in b.value and ">Give consent</a>" in b.value
    assert "<details" in b.value and "authorize?…" in b.details and "client_id" not in b.details


def test_widget_base_callbacks_can_be_removed_and_errors_clear_on_success():
    from neurodata_widgets.ui.base import Status, WidgetBase

    w, heard = WidgetBase(), []
    w.on_error(lambda widget, message, hint: heard.append(message))
    w.fail(TimeoutError("slow"), "Listing")
    assert w.status == Status.ERROR and w.error.startswith("Listing: The server did not answer")
    assert heard == [w.error] and w.banner.kind == "error"
    w.succeed()
    assert (w.status, w.error, w.banner.kind) == (Status.READY, "", "")
    with pytest.raises(Exception):
        w.status = "5 dataset URLs match."  # free text is not a status
    w.register("select", heard.append)
    w.register("select", heard.append, remove=True)
    w.emit("select", "nobody hears this")
    assert heard[-1] != "nobody hears this"


def test_a_failing_callback_is_reported_not_raised():
    from neurodata_widgets.ui.base import WidgetBase

    w = WidgetBase()
    w.register("select", lambda *_: 1 / 0)
    w.emit("select", "x")
    assert w.banner.kind == "error" and w.error.startswith("After select")


def test_precise_messages_for_503_and_datalad_failures():
    assert describe_status(503)[0].startswith("The server is unavailable")
    from datalad.support.exceptions import IncompleteResultsError

    exc = IncompleteResultsError(failed=[{"action": "get", "path": "/data/a.nii", "status": "error",
                                          "message": "not available"}])
    message, hint = describe(exc)
    assert message == "DataLad get failed for /data/a.nii: not available." and "{" not in message


@pytest.mark.parametrize("status,word", [(401, "credentials"), (403, "not allowed"), (404, "no such"),
                                         (500, "internal error"), (503, "unavailable"),
                                         (502, "gateway")])
def test_http_statuses_have_messages(status, word):
    message, hint = describe_status(status, "http://x")
    assert word in message and hint


def test_connection_refused_is_described():
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        requests.get("http://127.0.0.1:9/", timeout=2)
    assert describe(info.value)[0] == "Could not reach the server."


def run_to_end(p: JobProgress, job: Job) -> Job:
    """Run ``job`` in ``p`` and wait until ``p`` has shown how it ended (``on_done`` fires after that)."""
    shown = threading.Event()
    p.on_done(lambda job: shown.set())
    p.run(job)
    assert shown.wait(10), "the progress never showed the end of the job"
    return job


def test_job_progress_runs_and_reports_done():
    p = JobProgress()

    def work(job):
        for i in range(5):
            job.report(done=(i + 1) * 1000, total=5000, unit="bytes", files_done=i + 1, files_total=5)
        return "ok"

    job = run_to_end(p, Job(work, label="copy"))
    assert job.result() == "ok"
    assert p.state == "done" and p.bar.value == 1 and p.cancel_button.disabled
    assert "5 of 5 files" in p.text.value and p.banner.kind == "ok"


def test_cancel_button_stops_the_job_and_says_so():
    p = JobProgress()
    started = threading.Event()

    def work(job):
        started.set()
        while True:
            job.check()
            time.sleep(0.01)

    shown = threading.Event()
    p.on_done(lambda job: shown.set())
    job = p.run(Job(work, label="long"))
    assert started.wait(5)
    p.cancel_button.click()
    assert shown.wait(10)
    assert job.state == "cancelled" and isinstance(job.error, Cancelled)
    assert p.state == "cancelled" and p.banner.kind == "warn"


def test_failed_job_shows_error_banner():
    p = JobProgress()
    job = run_to_end(p, Job(lambda job: 1 / 0, label="divide"))
    assert p.state == "failed" and p.banner.kind == "error" and "ZeroDivisionError" in p.banner.message
    with pytest.raises(ZeroDivisionError):
        job.result()


def test_second_job_while_running_is_refused():
    p = JobProgress()
    gate = threading.Event()
    p.run(Job(lambda job: gate.wait(5), label="one"))
    with pytest.raises(RuntimeError, match="already running"):
        p.run(Job(lambda job: None, label="two"))
    gate.set()


def test_global_job_listener_sees_every_job():
    seen = []
    jobs.on_any_job_started(seen.append)
    try:
        job = Job(lambda job: None, label="x").start()
        job.wait(5)
    finally:
        jobs.remove_job_listener(seen.append)
    assert seen == [job]


def test_paged_table_pages_sorts_and_selects():
    frame = pd.DataFrame({"name": [f"f{i:02d}" for i in range(23)], "size": list(range(23, 0, -1))})
    t = PagedTable(frame, page_size=10)
    assert t.pages == 3 and t.total == 23 and len(t.rows) == 10 and t.headers == ["name", "size"]
    t.page = 1
    assert t.page_rows()["name"].iloc[0] == "f10" and t.rows[0]["cells"][0] == "f10"
    t.sort_by = "size"
    assert t.page_rows()["size"].iloc[0] == 11  # ascending, second page
    t.ascending = False
    assert t.page_rows()["size"].iloc[0] == 13
    t.click_row(0)
    t.page = 0
    t.click_row(1)
    t.click_row(3, shift=True)  # a range from the last row clicked
    assert len(t.selected) == 4 and t.selected[0] == 10
    t.click_row(2, shift=False)  # unticks one
    assert len(t.selected) == 3
    t.data = frame.head(3)
    assert t.selected == [] and t.pages == 1 and t.active is None


def test_paged_table_front_end_messages_and_row_detail():
    frame = pd.DataFrame({"name": ["a", "b"]}, index=["ka", "kb"])
    opened = []
    t = PagedTable(frame, detail=lambda label, row: f"<b>{escape(row['name'])}</b>")
    t.on_open(opened.append)
    t._on_front_end(t, {"event": "active", "key": "kb"}, [])
    assert t.active == "kb" and t.detail == "<b>b</b>"
    t._on_front_end(t, {"event": "open", "key": "ka"}, [])
    t.on_open(opened.append, remove=True)
    t._on_front_end(t, {"event": "open", "key": "kb"}, [])
    assert opened == ["ka"]


def test_paged_table_escapes_cells():
    t = PagedTable(pd.DataFrame({"name": ["<img src=x onerror=alert(1)>"]}))
    assert "<img" not in t.html.value and "&lt;img" in t.html.value


def test_paged_table_remote_pages_come_from_the_owner_and_selection_outlives_them():
    server = pd.DataFrame({"url": [f"u{i:03d}" for i in range(42)], "n": list(range(42))},
                          index=[f"k{i:03d}" for i in range(42)])
    asked = []

    def answer(page, size, sort_by, ascending):
        asked.append((page, size, sort_by, ascending))
        assert t.busy  # the table shows it waits while the owner fetches
        ordered = server.sort_values(sort_by or "n", ascending=ascending)
        t.show_page(ordered.iloc[page * size:(page + 1) * size], len(server))

    t = PagedTable(remote=True, page_size=10, sortable=["n"])
    assert not t.busy  # building it asks for nothing
    t.on_request(answer)
    t.show_page(server.iloc[:10], len(server))
    assert (t.total, t.pages, len(t.rows)) == (42, 5, 10) and t.sortable == ["n"]
    t.click_row(2)
    t.page = 4
    assert asked[-1] == (4, 10, "", True) and t.page_rows()["url"].tolist() == ["u040", "u041"]
    t.click_row(1)
    assert t.selected == ["k002", "k041"] and t.selected_rows()["url"].tolist() == ["u002", "u041"]
    t.sort_by = "n"  # a new order starts at the first page
    assert asked[-1] == (0, 10, "n", True) and t.page == 0
    t.ascending = False
    assert t.page_rows()["url"].iloc[0] == "u041" and not t.busy
    assert t.selected == ["k002", "k041"]
    t.on_request(answer, remove=True)
    t.page = 3  # the owner is still fetching when Cancel is pressed: the counter goes back to the rows shown
    assert t.busy
    t.cancel()
    assert (t.page, t.sort_by, t.ascending, t.busy) == (0, "n", False, False)


def test_paged_table_busy_bar_cancel_reaches_the_owner():
    t = PagedTable(pd.DataFrame({"name": ["a"]}), cancellable=True)
    stopped = []
    t.on_cancel(lambda: stopped.append(True))
    t.busy, t.busy_text = True, "Listing /data…"
    t._on_front_end(t, {"event": "cancel"}, [])
    assert stopped == [True] and not t.busy


def test_paged_table_tree_rows_toggle_and_keep_selection_on_update():
    def tree(expanded):
        rows = [("p", "project", 0, expanded)]
        if expanded:
            rows += [("p/s1", "subject 1", 1, False), ("p/s2", "subject 2", 1, None)]
        return pd.DataFrame({"name": [r[1] for r in rows], "_depth": [r[2] for r in rows],
                             "_expanded": [r[3] for r in rows]}, index=[r[0] for r in rows])

    toggled = []
    t = PagedTable(tree(False), tree=True)
    t.on_toggle(toggled.append)
    assert t.headers == ["name"] and t.rows[0]["depth"] == 0 and t.rows[0]["kids"] is False
    assert t.sortable == []  # sorting would tear children from their parents
    t._on_front_end(t, {"event": "toggle", "key": "p"}, [])
    assert toggled == ["p"]
    t.click_row(0)
    t.active = "p"
    t.update(tree(True))
    assert t.selected == ["p"] and t.active == "p"
    assert [(r["depth"], r["kids"]) for r in t.rows] == [(0, True), (1, False), (1, None)]
    t.click_row(2)
    t.update(tree(False))  # collapsing drops the hidden rows from the selection
    assert t.selected == ["p"]


def test_portal_status_bar_repeats_errors_of_hidden_tabs_until_they_recover(tmp_path):
    import ipywidgets as widgets

    from neurodata_widgets.portal.widgets import Portal
    from neurodata_widgets.ui.base import WidgetBase

    made = {title: WidgetBase() for title in Portal.TABS}
    for tab in made.values():
        tab.children = [tab.banner]  # a widget shows its banner somewhere among its parts
    portal = Portal(dataset=str(tmp_path), logins=widgets.HBox(),
                    factories={title: (lambda title=title: made[title]) for title in Portal.TABS})
    bar, search = portal.status_bar, made["Search"]
    search.fail(TimeoutError("slow"), "Searching")
    assert bar.message == ""  # the Search tab is on screen and says it itself
    portal.open_tab("Explorer")
    search.fail(TimeoutError("slow"), "Searching")
    assert bar.message == search.error and bar.dismiss.layout.display is None
    search.succeed()
    assert bar.message == "" and bar.error_html.value == ""
    search.fail(TimeoutError("slow"), "Searching")
    portal.open_tab("Search")
    assert bar.message == ""
    _close_tree(portal)  # its job listener goes, and no closed part stays inside a live box


def _close_tree(widget):
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def test_work_in_the_background_keeps_the_widget_usable():
    from neurodata_widgets.ui.base import Status, WidgetBase

    w, release, got = WidgetBase(), threading.Event(), []
    thread = w.in_background(lambda: release.wait(10) and 42, got.append, "listing")
    assert w.status == Status.LOADING and w.activity == "listing" and thread.is_alive()
    assert w.in_background(lambda: 0) is None  # one at a time
    release.set()
    w.wait_background(10)
    assert got == [42]
    w.in_background(lambda: 1 / 0, context="Listing")
    w.wait_background(10)
    assert w.status == Status.ERROR and w.error.startswith("Listing: ZeroDivisionError")


def test_an_older_answer_being_drawn_is_never_drawn_over_a_newer_one():
    """A search's first listing was being drawn when the user's query answered: the table kept the listing's rows
    under the query's figures (seen in CI). Answers are drawn one at a time, the newest last."""
    from neurodata_widgets.ui.base import WidgetBase

    w, drawn, drawing, go_on, asked = WidgetBase(), [], threading.Event(), threading.Event(), threading.Event()

    def draw_older(rows):  # checked as current, then slow to draw (a big table)
        drawn.append(("table", rows))
        drawing.set()
        go_on.wait(10)
        drawn.append(("figures", rows))

    w.in_background(lambda: "older", draw_older, latest=True)
    assert drawing.wait(10)
    w.in_background(lambda: asked.set() or "newer", lambda rows: drawn.extend([("table", rows), ("figures", rows)]),
                    latest=True)
    assert asked.wait(10)
    time.sleep(0.2)  # the newer answer is in: drawn at once, it would land between the older one's two parts
    go_on.set()
    w.wait_background(10)
    assert drawn == [("table", "older"), ("figures", "older"), ("table", "newer"), ("figures", "newer")]


def test_explorer_refresh_click_rereads_the_disk_in_the_background(demo_clone):
    from neurodata_widgets.datasets.widgets import DatasetExplorer

    ex = DatasetExplorer(str(demo_clone))
    import datalad.api as dl

    (demo_clone / "new-notes.txt").write_text("hello\n")
    dl.Dataset(str(demo_clone)).save(path="new-notes.txt", to_git=True, result_renderer="disabled")  # elsewhere
    ex.refresh_button.click()
    assert ex.__dict__.get("_background") is not None  # the click handed the disk work to a thread
    ex.wait_background(120)
    assert "new-notes.txt" in list(ex.listing["name"]) and ex.status == "ready" and ex.error == ""


def test_paged_table_row_actions_reach_the_owner_with_their_row():
    t = PagedTable(pd.DataFrame({"name": ["a", "b"]}, index=["ka", "kb"]),
                   detail=lambda label, row: f'<button data-action="more">more of {escape(row["name"])}</button>')
    pressed = []
    t.on_action(lambda action, label: pressed.append((action, label)))
    t.active = "kb"
    assert 'data-action="more"' in t.detail
    t._on_front_end(t, {"event": "action", "action": "more", "key": "kb"}, [])  # the click in the detail
    t._on_front_end(t, {"event": "action", "action": ["not", "a", "name"], "key": "kb"}, [])  # ignored
    t.act("again")  # from Python: the active row
    assert pressed == [("more", "kb"), ("again", "kb")]


def test_dashboards_opened_in_a_plain_folder_ask_for_a_dataset_calmly(tmp_path, monkeypatch):
    """Nothing names a dataset and the current folder is none (a notebook opened in a home folder): no red error."""
    from neurodata_widgets.datasets.widgets import DatasetExplorer
    from neurodata_widgets.provenance.widgets import ProvenanceViewer

    for name in ("NDW_DATASET", "NDW_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    ex, viewer = DatasetExplorer(), ProvenanceViewer()
    for widget in (ex, viewer):
        assert widget.status == "ready" and widget.error == "" and widget.banner.kind == "info"
        assert "No dataset is open" in widget.banner.message and str(tmp_path) in widget.banner.message
    assert "Search" in ex.banner.hint
    (tmp_path / "other").mkdir()
    ex.value = str(tmp_path / "other")  # chosen by name: then it is an error
    assert ex.status == "failed" and "not a DataLad dataset" in ex.error


def test_an_error_asks_to_be_brought_into_view_other_kinds_only_when_told():
    banner = StatusBanner()
    banner.show("Listing…", "info")
    banner.show("Done", "ok")
    assert banner.count == 0  # a calm message never moves the page
    banner.show_error(TimeoutError("slow"), "Download")
    assert banner.count == 1 and 'role="alert"' in banner.value
    banner.show_error(TimeoutError("slow"), "Download")  # the same error again (a poll): the page stays put
    assert banner.count == 1
    banner.show("Select something first.", "warn", reveal=True)  # a refused click far from its message
    banner.show("Quiet error", "error", reveal=False)
    assert banner.count == 2


def test_paged_table_stacks_columns_only_in_the_browser_state():
    t = PagedTable(pd.DataFrame({"name": ["a"], "details": ["x y z"]}), stack=["details"])
    assert t.stack == ["details"] and t.get_state()["stack"] == ["details"]
    assert t.headers == ["name", "details"]  # both columns still drawn: the front end moves one when narrow
