"""DatasetSearch on a slow, hanging or broken registry: nothing blocks, Cancel works, errors say what to do.

Everything runs against the sandbox registry over HTTP, with its fault injection (latency, hang, status),
and against a loopback server answering web pages instead of JSON.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from neurodata_widgets.http import session
from neurodata_widgets.jobs import Job
from neurodata_widgets.search.install import install_datasets
from neurodata_widgets.search.registry import RegistryClient
from neurodata_widgets.search.widgets import DatasetSearch


@pytest.fixture
def registry(sandbox):
    return sandbox.info()["registry"]["url"]


def arrived(service, **params) -> bool:
    """Wait until ``service`` got a request with these query parameters (it hangs there, when told to)."""
    for _ in range(600):
        if any(all(q.get(k) == v for k, v in params.items()) for _, _, q in list(service.requests)):
            return True
        threading.Event().wait(0.05)
    return False


def test_cancel_abandons_a_hanging_search_at_once_and_ignores_its_late_answer(registry, faults):
    w = DatasetSearch(RegistryClient(registry))
    before = w.total
    faults["registry"].faults.set(hang=30, pattern="dataset-urls")  # until the faults are cleared
    faults["registry"].reset_stats()  # earlier tests searched "replication" too
    hanging = w.search("replication", wait=False)
    assert arrived(faults["registry"], search="replication")
    assert w.table.busy and w.table.cancellable and w.status == "loading"
    assert w.table.busy_text == "Searching the registry…"
    w.table.cancel()  # the Cancel button on the table's loading bar
    assert not w.table.busy and w.status == "ready" and w.activity == "Stopped waiting for the registry."
    assert w.banner.kind == "info" and "search again" in w.banner.hint
    assert w.value == "" and w.total == before  # still showing what it showed
    w.wait_background(60)  # returns at once: nothing waits for the abandoned request
    assert hanging.is_alive()
    faults["registry"].faults.clear()  # the registry recovers and answers what it held back ...
    hanging.join(60)
    assert not hanging.is_alive()
    assert w.value == "" and w.total == before and w.status == "ready"  # ... and that late answer is ignored
    w.search("url:ndw-lab")
    assert w.total == 5 and w.value == "url:ndw-lab"


def test_cancel_on_a_page_turn_keeps_the_page_shown(registry, faults):
    w = DatasetSearch(RegistryClient(registry), per_page=2)
    w.search("url:ndw-lab")
    shown = list(w.results.url)
    faults["registry"].faults.set(hang=4, pattern="dataset-urls")
    w.table.page = 2  # the pager: page 3
    assert w.table.busy and w.table.busy_text == "Loading page 3…"
    w.cancel()
    assert (w.table.page, w.page) == (0, 1) and list(w.results.url) == shown and not w.table.busy
    faults["registry"].faults.clear()
    w.table.page = 2
    w.wait_background(60)
    assert w.page == 3 and len(w.results) == 1


def test_a_slow_registry_shows_the_busy_table_then_the_page(registry, faults):
    w = DatasetSearch(RegistryClient(registry), per_page=2)
    w.search("url:ndw-lab")
    faults["registry"].faults.set(latency=1.5)
    w.sort("url", ascending=True, wait=False)
    assert w.table.busy and w.status == "loading" and w.table.sort_by == "dataset"  # the header over the URLs
    w.wait_background(60)
    assert not w.table.busy and w.status == "ready" and list(w.results.url) == sorted(w.results.url)


@pytest.mark.parametrize("status, words", [
    (500, "The server had an internal error"),
    (503, "The server is unavailable"),
])
def test_registry_errors_say_what_happened_and_what_to_do(registry, faults, status, words):
    w = DatasetSearch(RegistryClient(registry), per_page=2)
    w.search("url:ndw-lab")
    faults["registry"].faults.set(status=status, pattern="dataset-urls")
    w.table.page = 1
    w.wait_background(60)
    assert w.status == "error" and w.banner.kind == "error"
    assert w.banner.message.startswith(f"Loading page 2: {words}") and f"HTTP {status}" in w.banner.message
    assert w.banner.hint and "Traceback" not in w.banner.value
    assert w.table.page == 0 and not w.table.busy and len(w.results) == 2  # the page shown stays
    faults["registry"].faults.clear()
    w.table.page = 1
    w.wait_background(60)
    assert w.status == "ready" and w.banner.kind == "" and w.page == 2  # cleared by the next success


def test_a_registry_that_times_out_says_so(registry, faults):
    w = DatasetSearch(RegistryClient(registry, http=session(timeout=(5, 1))))
    shown = w.total  # the newest datasets, listed on opening
    faults["registry"].faults.set(hang=3, pattern="dataset-urls")
    w.search("replication")
    assert w.banner.message == "Searching: The server did not answer in time."
    # the results shown before stay under the error, and the table is usable
    assert "try again" in w.banner.hint and w.total == shown > 0 and not w.table.busy


class _WebPage(BaseHTTPRequestHandler):
    """What a login page, a proxy or a web site answers: HTML, status 200."""

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<!doctype html><html><body><h1>Please sign in</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_page():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_web_page_instead_of_the_registry_is_named(web_page):
    w = DatasetSearch(RegistryClient(web_page))
    assert w.status == "error" and w.activity == "The search failed."
    assert w.banner.message == f"Searching: {web_page} answered with a web page (text/html), not a registry's data."
    assert "NDW_REGISTRY_URL" in w.banner.hint and "JSONDecodeError" not in w.banner.value


def test_cancel_stops_a_clone_that_hangs_and_removes_what_it_made(sandbox, faults, demo, tmp_path):
    xnat = sandbox.services["xnat"]  # any HTTP server that never answers will do
    xnat.faults.set(hang=30)
    xnat.reset_stats()
    kept: list = []
    job = Job(lambda job: install_datasets([demo["subdatasets"][0], f"{xnat.url}/hanging-dataset"],
                                           tmp_path, job, kept), label="Install 2 datasets").start()
    for _ in range(1200):  # until git's request is sitting on the hanging server
        if xnat.stats.get("total") or job.done:
            break
        threading.Event().wait(0.1)
    assert xnat.stats.get("total") and not job.done
    job.cancel()
    assert job.wait(30)
    assert job.state == "cancelled" and kept == [str(tmp_path / "raw")]
    assert (tmp_path / "raw" / ".datalad" / "config").exists()  # the finished one stays
    assert not (tmp_path / "hanging-dataset").exists()  # the half-made one is gone


def test_the_install_progress_has_a_cancel_that_the_widget_reports(sandbox, faults, demo, tmp_path):
    xnat = sandbox.services["xnat"]
    xnat.faults.set(hang=30)
    xnat.reset_stats()
    w = DatasetSearch(install_dir=str(tmp_path), backend=RegistryClient(sandbox.info()["registry"]["url"]))
    w.select({"url": f"{xnat.url}/hanging-dataset", "ds_id": ""})
    job = w.install()
    assert w.status == "running" and not w.progress.cancel_button.disabled
    for _ in range(1200):
        if xnat.stats.get("total") or job.done:
            break
        threading.Event().wait(0.1)
    w.progress.cancel_button.click()
    assert job.wait(30) and job.state == "cancelled"
    for _ in range(100):  # the widget hears of it just after the job ends
        if w.status == "cancelled":
            break
        threading.Event().wait(0.05)
    assert w.status == "cancelled" and w.progress.banner.message == "Install hanging-dataset: cancelled"
    assert not Path(tmp_path / "hanging-dataset").exists()


def test_a_dashboards_first_search_waits_for_the_page_and_a_query_asked_meanwhile_replaces_it(registry, faults):
    """Built for a dashboard (``wait=False``), the search lists every dataset once the browser has drawn its
    table: the page is built first. A query the user asks before that is the only one sent."""
    service = faults["registry"]
    service.reset_stats()
    w = DatasetSearch(RegistryClient(registry), wait=False)
    threading.Event().wait(0.5)
    assert w.status == "loading" and w.table.busy and list(service.requests) == []  # nothing asked yet
    w.search("url:ndw-lab", wait=False)  # the user is quicker than the page
    w.table._on_front_end(w.table, {"event": "drawn"}, [])  # what table.js sends once it has drawn the table
    w.wait_background()
    assert w.value == "url:ndw-lab" and w.total == 5 and w.status == "ready"
    threading.Event().wait(0.5)
    asked = {q.get("search") for _, path, q in list(service.requests) if path.endswith("dataset-urls")}
    assert asked == {"url:ndw-lab"}  # never the first search's empty query


def test_a_dashboards_first_search_starts_when_the_page_is_drawn(registry, faults):
    w = DatasetSearch(RegistryClient(registry), wait=False)
    assert w.status == "loading"
    w.table._on_front_end(w.table, {"event": "drawn"}, [])
    w.wait_background()
    assert w.status == "ready" and w.value == "" and w.total > 5  # every dataset, newest first
