"""DatasetSearch without a browser: on the catalog and on the sandbox registry alike."""
import threading
import time
from unittest.mock import Mock

from pathlib import Path

import pytest

from neurodata_widgets.errors import UserError
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


def settle(widget, status, seconds=60):
    """Wait until the widget says ``status`` (it hears of a job's end just after the job ends)."""
    for _ in range(seconds * 20):
        if widget.status == status:
            return
        time.sleep(0.05)


def label_of(widget, url):
    """The table row (its label) showing ``url`` on the current page."""
    return next(label for label, rec in widget._records.items() if rec["url"] == url and label in widget.table.data.index)


def test_search_shows_results_and_stats_in_the_table(backend):
    w = DatasetSearch(backend, per_page=3)
    w.search("url:ndw-lab")
    assert w.total == 5 and w.activity == "5 dataset URLs match."
    assert list(w.results.columns[:6]) == ["id", "url", "ds_id", "annexed_files_in_wt_count",
                                           "annexed_files_in_wt_size", "last_update_dt"]
    t = w.table
    assert t.remote and t.total == 5 and t.pages == 2 and len(t.rows) == 3 and not t.busy
    assert t.headers == ["dataset", "annexed files", "size", "last update"]  # a result leads with its name
    assert list(t.data.index) == list(w.results.id)  # the registry's ids: unique across pages
    s = w.stats_summary
    assert s["dataset_urls"] == 5 and s["unique_datasets"] == 4
    assert '<b class="ndw-stat-urls">5</b>' in w.stats.value
    t.page = 1  # the pager's Next: the registry is asked for page 2 (the table is busy meanwhile)
    w.wait_background(60)
    assert w.page == 2 and len(w.results) == 2 and len(t.rows) == 2 and not t.busy
    assert set(w.results.url).isdisjoint(set(results_of(w, 1, backend)))


def results_of(widget, page, backend):
    return [r["url"] for r in backend.search(widget._query, page=page, per_page=widget.per_page)["dataset_urls"]]


def test_a_header_click_sorts_on_the_registry_side(backend):
    w = DatasetSearch(backend, per_page=3)
    w.search("url:ndw-lab")
    assert w.table.sortable == ["last update", "dataset", "annexed files", "size"]  # "dataset": by its URL
    assert (w.table.sort_by, w.table.ascending) == ("last update", False)  # newest first
    w.table.page = 1
    w.wait_background(60)
    w.table.sort_by = "dataset"  # a click on the "dataset" header (the JavaScript sets both at once)
    w.table.ascending = True
    w.wait_background(60)
    assert w.page == 1 and w.table.page == 0  # a new order starts over
    urls = list(w.results.url)
    everything = [r["url"] for r in backend.search("url:ndw-lab", per_page=100, order_by="url",
                                                   order_dir="asc")["dataset_urls"]]
    assert urls == everything[:3] and urls == sorted(urls)
    w.sort("size", ascending=False)  # the same from Python, by column or by registry field
    sizes = [x for x in w.results.annexed_files_in_wt_size if x == x]
    assert sizes == sorted(sizes, reverse=True)
    with pytest.raises(UserError, match="cannot sort by 'ds_id'"):
        w.sort("ds_id")


def test_the_active_row_shows_its_metadata_and_leads_to_its_clones_and_reuse(backend, demo):
    w = DatasetSearch(backend)
    selected = Mock()
    w.on_select(selected)
    ds_id = raw_id(w, demo)
    w.table.active = label_of(w, demo["subdatasets"][0])  # a click on the row
    selected.assert_called_once()
    assert selected.call_args[0][0]["url"] == demo["subdatasets"][0] and w.selected["ds_id"] == ds_id
    detail = w.table.detail
    assert f'<code class="ndw-search-detail-dsid">{ds_id}</code>' in detail
    assert "<dt>BIDS datatypes</dt><dd>anat, func</dd>" in detail and "<dt>participants</dt>" in detail
    assert 'data-action="clones"' in detail and 'data-action="reuse"' in detail  # the row's own actions
    w.table._on_front_end(w.table, {"event": "action", "action": "clones", "key": w.table.active}, [])  # a click
    w.wait_background(60)
    assert w.value == f"ds_id:{ds_id}"
    assert set(w.results.url) == {demo["subdatasets"][0], "https://github.com/ndw-lab/ndw-demo-raw.git"}
    github = label_of(w, "https://github.com/ndw-lab/ndw-demo-raw.git")
    w.table.active = github
    assert ('<a class="ndw-search-url" href="https://github.com/ndw-lab/ndw-demo-raw.git" target="_blank"'
            in w.table.detail)  # a web address is a link; a local path is text
    w.table.act("reuse")
    w.wait_background(60)
    assert set(w.results.url) >= {"https://github.com/ndw-lab/replication-study.git",
                                  "https://github.com/ndw-lab/visual-meta-analysis.git", demo["superdataset"]}
    assert ds_id not in set(w.results.ds_id)
    assert w.table.active is None and w.selected == {} and w.table.detail == ""  # a new search, no row yet


def test_query_errors_are_shown_inline_and_the_widget_stays_usable(backend):
    w = DatasetSearch(backend)
    w.query_box.value = "url:"
    assert w.error.startswith("Syntax error at position 5")
    assert "<pre>url:\n    ^</pre>" in w.error_box.value
    assert w.banner.kind == "error" and w.total == 0 and w.table.total == 0 and not w.table.busy
    w.search("colour:red")
    assert "Known are: url, ds_id" in w.banner.message
    w.search("replication")
    assert w.error == "" and w.banner.kind == "" and w.total == 1


def test_facets_refine_the_query(backend):
    w = DatasetSearch(backend, per_page=100)
    w.search("url:ndw-lab")
    assert any(n.startswith("CC0") for n in w.facets.labels)
    group = next(i for i, g in enumerate(w.facets.groups) if g["name"] == "license")
    labels = w.facets.groups[group]["labels"]
    index = next(i for i, label in enumerate(labels) if label.startswith("CC-BY-4.0 "))
    w.facets._message(w.facets, {"group": group, "index": index, "label": labels[index]}, [])  # a click, as sent
    w.wait_background()
    assert w.value == '(url:ndw-lab) AND metadata[bids_dataset,metalad_core]:"\\"license\\": \\"CC-BY-4.0\\""'
    assert set(w.results.url) == {"https://github.com/ndw-lab/replication-study.git",
                                  "https://github.com/ndw-lab/visual-meta-analysis.git"}


def test_ticked_rows_on_two_pages_are_installed_together(backend, demo, tmp_path):
    w = DatasetSearch(backend, per_page=1, install_dir=str(tmp_path))
    installed = Mock()
    w.on_install(installed)
    w.search(f'url:"{demo["root"]}"')  # the demo's datasets on this machine: superdataset, raw, derivatives
    assert w.total == 3 and w.install_button.disabled
    w.table.click_row(0)  # tick the first page's row ...
    first = w.checked[0]["url"]
    w.table.page = 1  # ... turn the page and tick that one too
    w.wait_background(60)
    w.table.click_row(0)
    chosen = [r["url"] for r in w.checked]
    assert chosen[0] == first and len(chosen) == 2 and w.install_button.description == "Install 2"
    job = w.install()
    paths = job.result(timeout=240)
    assert w.progress.job is job
    assert paths == [str(tmp_path / Path(u).name) for u in chosen]
    assert all((Path(p) / ".datalad" / "config").exists() for p in paths)
    for _ in range(1200):  # listeners run just after the job ended
        if installed.call_count == 2:
            break
        time.sleep(0.05)
    assert [c.args[0] for c in installed.call_args_list] == paths
    assert w.activity == f"Installed 2 datasets in {tmp_path}."


def test_install_without_ticks_takes_the_active_row_and_refuses_to_overwrite(backend, demo, tmp_path):
    w = DatasetSearch(backend, install_dir=str(tmp_path))
    raw_id(w, demo)
    with pytest.raises(UserError, match="Choose a dataset"):
        w.install()
    w.select(0)  # the raw dataset's row, as a click
    assert not w.install_button.disabled and w.install_button.description == "Install"
    assert w.install().result(timeout=120) == [str(tmp_path / "raw")]
    w.install_button.click()  # again: the folder is there now
    settle(w, "failed")
    assert w.status == "failed" and "Install would overwrite" in w.progress.banner.message
    assert "Choose another folder" in w.progress.banner.hint


def test_html_from_records_is_escaped(tmp_path):
    cat = Catalog(tmp_path / "x.sqlite")
    cat.add([dict(RECORDS[0], url="https://evil.example/<img src=x onerror=alert(1)>", head_describe="<b>v1</b>"),
             dict(RECORDS[1], url="javascript:alert(1)")])
    w = DatasetSearch(cat)
    w.search("evil OR javascript")
    cells = " ".join(c for row in w.table.rows for c in row["cells"])
    assert "<img" not in cells and "&lt;img" in cells
    assert 'href="javascript' not in cells  # only web addresses become links
    details = []
    for label in w.table.data.index:
        w.table.active = label  # each row's detail
        details.append(w.table.detail)
    assert len(details) == 2 and not any("<img" in d or "<b>v1" in d or 'href="javascript' in d for d in details)
    assert any("<dt>version</dt><dd>&lt;b&gt;v1&lt;/b&gt;</dd>" in d for d in details)


def test_a_failing_registry_is_reported_and_the_widget_recovers(sandbox, faults):
    w = DatasetSearch(RegistryClient(sandbox.info()["registry"]["url"]))
    shown, rows = w.total, list(w.table.data.index)
    assert shown > 1 and rows
    faults["registry"].faults.set(status=503, pattern="dataset-urls")
    w.search("replication")
    assert w.banner.kind == "error" and "HTTP 503" in w.banner.message
    assert w.activity == "The search failed." and w.status == "error"
    # the last results stay on screen under the error (not "No dataset matches."), the query typed stays
    assert w.total == shown and list(w.table.data.index) == rows and not w.table.busy
    assert w.value == "replication"
    faults["registry"].faults.clear()
    w.search_button.click()
    w.wait_background(60)
    assert w.banner.kind == "" and w.total == 1


def test_facets_count_every_match_of_a_registry_and_hold_when_sorted(sandbox):
    from neurodata_widgets.search.records import facets

    client = RegistryClient(sandbox.info()["registry"]["url"])
    w = DatasetSearch(client, per_page=2)
    w.search("")
    every = [r for p in client.pages(None, per_page=100, return_metadata="content") for r in p["dataset_urls"]]
    assert len(every) > 2 and w._facets() == facets(every)  # all matches, not the 2 rows shown
    before = w._facets()
    w.sort("size", ascending=True)
    assert w._facets() == before  # a sort changes no count


def test_results_lead_with_the_dataset_name(backend, demo):
    w = DatasetSearch(backend, per_page=50)
    w.search("url:ndw-lab")
    cells = [str(c) for c in w.table.data["dataset"]]
    assert all('class="ndw-search-name"' in c and 'class="ndw-search-url"' in c for c in cells)
    names = [c.split('class="ndw-search-name">')[1].split("<")[0] for c in cells]
    assert all(names) and not any(n.startswith(("http", "/")) for n in names)


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


@pytest.mark.parametrize("query, reason", [("\nhaxby", "first line is blank"),
                                           (" ".join(["bold"] * 101), "more than 100 words")])
def test_queries_the_registry_would_refuse_or_choke_on_are_never_sent(sandbox, query, reason):
    service = sandbox["registry"]
    w = DatasetSearch(RegistryClient(sandbox.info()["registry"]["url"]))
    w.wait_background(None)
    service.reset_stats()
    w.search(query)
    assert reason in w.error and w.status == "error" and not w.table.busy
    assert service.stats["total"] == 0  # refused here, before sending: nothing left running on the registry
    assert "pydantic" not in w.error.lower() and "regex" not in w.error


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


def test_stats_are_grouped_by_thousands_and_a_broken_stats_block_is_no_crash():
    from neurodata_widgets.search.records import summary

    real = {"summary": {"unique_ds_count": 53, "ds_count": 66},
            "datalad_ds_stats": {"unique_ds_stats": {"annexed_file_count": 430423, "annexed_files_size": 10**13}},
            "pure_annex_ds_stats": {"annexed_file_count": 7, "annexed_files_size": 5}}
    assert summary(real) == {"unique_datasets": 53, "dataset_urls": 66, "annexed_files": 430430,
                             "annexed_size": 10**13 + 5}
    hostile = {"summary": {"ds_count": "<img src=x onerror=alert(1)>"}, "datalad_ds_stats": ["not", "a", "dict"],
               "pure_annex_ds_stats": {"annexed_file_count": "12", "annexed_files_size": None}}
    assert summary(hostile) == {"unique_datasets": 0, "dataset_urls": 0, "annexed_files": 0, "annexed_size": 0}


def test_a_search_in_the_background_opens_no_widget(backend, opened_off_the_main_thread):
    w = DatasetSearch(backend, query="url:ndw-lab", wait=False)  # as a dashboard opens: results come later
    w.wait_background()
    w.search("url:ndw-lab", wait=False)
    w.wait_background()
    assert w.total > 2 and w.facets.labels  # results, stats and facets were all drawn, from a background thread
    assert opened_off_the_main_thread == []
