"""DatasetSearch without a browser: on the catalog and on the sandbox registry alike."""
import threading
import time
from unittest.mock import Mock

import pytest

from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.ingest import import_source
from neurodata_widgets.search.registry import RegistryClient
from neurodata_widgets.search.widgets import DatasetSearch

from .corpus import RECORDS


@pytest.fixture(params=["catalog", "registry"])
def backend(request, sandbox, tmp_path):
    if request.param == "catalog":
        cat = Catalog(tmp_path / "w.sqlite")
        import_source(cat, sandbox.info()["registry"]["url"])  # every record, over HTTP
        return cat
    return RegistryClient(sandbox.info()["registry"]["url"])


def raw_id(widget, demo):
    widget.search(f'url:"{demo["subdatasets"][0]}"')
    results = widget.results
    return results[results["url"] == demo["subdatasets"][0]].iloc[0]["ds_id"]


def test_search_shows_results_and_stats(backend):
    w = DatasetSearch(backend, per_page=3)
    w.search("url:ndw-lab")
    assert w.total == 5 and w.activity == "5 dataset URLs match."
    assert list(w.results.columns[:6]) == ["id", "url", "ds_id", "annexed_files_in_wt_count",
                                           "annexed_files_in_wt_size", "last_update_dt"]
    assert len(w.results) == 3 and len(w.rows.children) == 1 + 3
    s = w.stats_summary
    assert s["dataset_urls"] == 5 and s["unique_datasets"] == 4
    assert '<b class="ndw-stat-urls">5</b>' in w.stats.value
    w.next_button.click()
    w.wait_background(60)
    assert w.page == 2 and len(w.results) == 2
    assert w.next_button.disabled and not w.prev_button.disabled


def test_sorting(backend):
    w = DatasetSearch(backend, per_page=100)
    w.search("url:ndw-lab")
    w.order.value = "url"
    w.direction.value = "asc"
    w.wait_background(60)
    assert list(w.results.url) == sorted(w.results.url)
    w.order.value = "annexed_files_in_wt_size"
    w.direction.value = "desc"
    w.wait_background(60)
    sizes = [x for x in w.results.annexed_files_in_wt_size if x == x]
    assert sizes == sorted(sizes, reverse=True)


def test_clicking_a_ds_id_shows_its_clones_and_reuse(backend, demo):
    w = DatasetSearch(backend)
    ds_id = raw_id(w, demo)
    button = next(c.children[1] for c in w.rows.children[1:])
    button.click()
    w.wait_background(60)
    assert w.value == f"ds_id:{ds_id}"
    assert set(w.results.url) == {demo["subdatasets"][0], "https://github.com/ndw-lab/ndw-demo-raw.git"}
    w.select(0)
    w.reuse_button.click()
    w.wait_background(60)
    assert set(w.results.url) >= {"https://github.com/ndw-lab/replication-study.git",
                                  "https://github.com/ndw-lab/visual-meta-analysis.git", demo["superdataset"]}
    assert ds_id not in set(w.results.ds_id)


def test_query_errors_are_shown_inline_and_the_widget_stays_usable(backend):
    w = DatasetSearch(backend)
    w.query_box.value = "url:"
    assert w.error.startswith("Syntax error at position 5")
    assert "<pre>url:\n    ^</pre>" in w.error_box.value
    assert w.banner.kind == "error" and w.total == 0
    w.search("colour:red")
    assert "Known are: url, ds_id" in w.banner.message
    w.search("replication")
    assert w.error == "" and w.banner.kind == "" and w.total == 1


def test_facets_refine_the_query(backend):
    w = DatasetSearch(backend, per_page=100)
    w.search("url:ndw-lab")
    names = [b.description for box in w.facet_box.children if hasattr(box, "children") for b in box.children]
    assert any(n.startswith("CC0") for n in names)
    w.refine("license", "CC-BY-4.0")
    assert w.value == '(url:ndw-lab) AND metadata[bids_dataset,metalad_core]:"\\"license\\": \\"CC-BY-4.0\\""'
    assert set(w.results.url) == {"https://github.com/ndw-lab/replication-study.git",
                                  "https://github.com/ndw-lab/visual-meta-analysis.git"}


def test_select_and_install_hand_the_dataset_on(backend, demo, tmp_path):
    w = DatasetSearch(backend, install_dir=str(tmp_path))
    selected, installed = Mock(), Mock()
    w.on_select(selected)
    w.on_install(installed)
    raw_id(w, demo)
    next(c.children[3] for c in w.rows.children[1:]).click()  # the row's Select button
    selected.assert_called_once()
    assert selected.call_args[0][0]["url"] == demo["subdatasets"][0]
    assert not w.install_button.disabled
    job = w.install()
    path = job.result(timeout=120)
    assert w.progress.job is job
    assert path == str(tmp_path / "raw") and (tmp_path / "raw" / ".datalad" / "config").exists()
    for _ in range(200):  # listeners run just after the result is set
        if installed.called:
            break
        time.sleep(0.05)
    installed.assert_called_once_with(path)
    assert w.activity == f"Installed {path}."


def test_html_from_records_is_escaped(tmp_path):
    cat = Catalog(tmp_path / "x.sqlite")
    cat.add([dict(RECORDS[0], url="https://evil.example/<img src=x onerror=alert(1)>")])
    w = DatasetSearch(cat)
    w.search("evil")
    html = w.rows.children[1].children[0].value
    assert "<img" not in html and "&lt;img" in html


def test_a_failing_registry_is_reported_and_the_widget_recovers(sandbox, faults):
    w = DatasetSearch(RegistryClient(sandbox.info()["registry"]["url"]))
    faults["registry"].faults.set(status=503, pattern="dataset-urls")
    w.search("replication")
    assert w.banner.kind == "error" and "HTTP 503" in w.banner.message
    assert w.activity == "The search failed." and w.status == "error" and w.total == 0
    faults["registry"].faults.clear()
    w.search_button.click()
    w.wait_background(60)
    assert w.banner.kind == "" and w.total == 1


def test_the_search_opens_with_the_newest_datasets(backend):
    w = DatasetSearch(backend, per_page=5)
    assert w.total > 5 and len(w.results) == 5 and w.status == "ready" and w.error == ""
    dates = list(w.results.last_update_dt.dropna())
    assert dates == sorted(dates, reverse=True) and "in the catalog" in w.activity


def test_remote_mode_refuses_catalog_extensions_with_a_message(sandbox):
    w = DatasetSearch(RegistryClient(sandbox.info()["registry"]["url"]))
    w.search('url:~"^https"')
    assert w.activity == "The query has an error." and w.status == "error" and w.total == 0
    assert "does not support the operator ':~'" in w.error and sandbox.info()["registry"]["url"] in w.error
    w.search("hippocampus OR ndw")  # and the widget goes on working
    assert w.error == "" and w.total >= 1


class GatedBackend:
    """A stand-in in front of a real backend: requests for a query in ``gates`` wait until the test opens it."""

    def __init__(self, real):
        self.real, self.gates, self.label = real, {}, "gated"

    def search(self, query, **kwargs):
        gate = self.gates.get(str(query or ""))
        if gate is not None:
            assert gate.wait(60), "the test never opened the gate"
        return self.real.search(query, **kwargs)


def test_a_search_returns_before_the_registry_answers_and_shows_it_is_busy(sandbox):
    gated = GatedBackend(RegistryClient(sandbox.info()["registry"]["url"]))
    w = DatasetSearch(gated)
    gate = gated.gates["replication"] = threading.Event()
    w.query_box.value = "replication"  # Enter in the box
    assert w.status == "loading" and w.activity == "searching" and w.total != 1
    gate.set()
    w.wait_background(60)
    assert w.status == "ready" and w.total == 1


def test_a_late_answer_to_an_older_search_is_dropped(sandbox):
    gated = GatedBackend(RegistryClient(sandbox.info()["registry"]["url"]))
    w = DatasetSearch(gated)
    gate = gated.gates["replication"] = threading.Event()
    w.search("replication", wait=False)
    slow = w.__dict__["_background"]
    w.search("url:ndw-lab", wait=False)  # the user asked something else meanwhile
    w.wait_background(60)
    assert w.value == "url:ndw-lab" and w.total == 5
    gate.set()
    slow.join(60)
    assert not slow.is_alive() and w.value == "url:ndw-lab" and w.total == 5 and w.status == "ready"



def test_the_widget_shows_at_once_and_its_first_results_follow(sandbox):
    gated = GatedBackend(RegistryClient(sandbox.info()["registry"]["url"]))
    gate = gated.gates[""] = threading.Event()  # the first request lists everything: an empty query
    w = DatasetSearch(gated, wait=False)  # what the dashboards do: the constructor does not wait
    assert w.status == "loading" and w.total == 0
    gate.set()
    w.wait_background(60)
    assert w.status == "ready" and w.total > 1


def test_an_empty_catalog_says_what_to_configure(tmp_path):
    w = DatasetSearch(Catalog(tmp_path / "empty.sqlite"), wait=False)
    w.wait_background(60)
    assert "catalog is empty" in w.banner.message and "NDW_REGISTRY_URL" in w.banner.hint
    w.search("haxby")
    assert w.banner.message == "" and w.activity == "No dataset matches."
