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
    StatusBanner.error_listeners.append(lambda banner, *a: seen.append(a))
    try:
        b.show_error(UserError("Wrong <password>", "Try again"), "Logging in")
    finally:
        StatusBanner.error_listeners.clear()
    assert b.kind == "error" and b.message == "Logging in: Wrong <password>" and b.hint == "Try again"
    assert "&lt;password&gt;" in b.value
    assert seen == [("error", "Logging in: Wrong <password>", "Try again")]
    b.clear()
    assert b.value == "" and b.kind == ""


@pytest.mark.parametrize("status,word", [(401, "credentials"), (403, "not allowed"), (404, "no such"),
                                         (500, "internal error"), (503, "internal error")])
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
    assert t.pages == 3 and "page 1 of 3" in t.page_label.value
    t.next_button.click()
    assert t.page == 1 and t.page_rows()["name"].iloc[0] == "f10"
    t.sort_by = "size"
    assert t.page_rows()["size"].iloc[0] == 11  # ascending, second page
    t.direction.value = True  # descending
    assert t.page_rows()["size"].iloc[0] == 13
    t.selector.value = (t.selector.options[0][1],)
    t.page = 0
    t.selector.value = (t.selector.options[0][1],)
    assert len(t.selected) == 2
    t.data = frame.head(3)
    assert t.selected == [] and t.pages == 1 and t.next_button.disabled


def test_paged_table_escapes_cells():
    t = PagedTable(pd.DataFrame({"name": ["<img src=x onerror=alert(1)>"]}))
    assert "<img" not in t.html.value and "&lt;img" in t.html.value
