"""ProvenanceViewer and LineageGraph without a browser: build, filter, select, click, rerun, export."""
from __future__ import annotations

import base64
import json
import re
from unittest import mock

from neurodata_widgets.provenance.lineage import Lineage, Provenance
from neurodata_widgets.provenance.widgets import LineageGraph, ProvenanceViewer

from .conftest import write


def eventually(condition, timeout=30) -> bool:
    """Poll ``condition`` (job callbacks run in the job's thread, just after it ends)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def settle(viewer, timeout=60):
    """Wait until the viewer handled the end of its rerun job (the callback runs in the job's thread)."""
    import time

    deadline = time.monotonic() + timeout
    while viewer.status == "running" and time.monotonic() < deadline:
        time.sleep(0.05)


def bring_up_to_date(viewer, path: str, timeout=180) -> None:
    """Show ``path``, press "Bring up to date…", confirm, and wait until the reruns are handled."""
    viewer.show_file(path)
    assert not viewer.update_button.disabled
    viewer.ask_update()
    viewer.confirm_button.click()
    viewer.progress.job.result(timeout=timeout)
    settle(viewer)


def test_viewer_on_demo_table_filters_and_detail(demo):
    v = ProvenanceViewer(demo["superdataset"])
    assert v.status == "ready" and v.error == ""
    assert len(v.table.data) == len(v.runs) == 5
    assert len(v.to_dataframe()) == 5
    v.text_filter.value = "checksum"
    assert v.table.data["message"].tolist() == ["Checksum the smoothed images"]
    v.text_filter.value = ""
    v.path_filter.value = "figures/*"
    assert v.table.data["message"].tolist() == ["Plot mean intensity per subject"]
    v.path_filter.value = ""
    v.since.value = v.runs[0].date.date().replace(year=2030)
    assert len(v.table.data) == 0
    v.since.value = None
    rerun = v.runs[0]
    v.table.active = rerun.commit  # a click on its row: git counts the changed lines off the main thread
    v.wait_background()
    assert v.selected == rerun.commit
    assert "python3 code/summarize.py" in v.detail.value and f"datalad rerun {rerun.commit}" in v.detail.value
    assert "Rerun of" in v.detail.value and "1 modified" in v.detail.value
    checksum = next(r for r in v.runs if r.dataset == "derivatives")
    v.select_run(checksum.commit[:10])
    assert f"datalad rerun -d derivatives {checksum.commit}" in v.detail.value
    assert "Recorded in the superdataset by" in v.detail.value


def test_viewer_lineage_graph_and_clicks(demo):
    v = ProvenanceViewer(demo["superdataset"])
    v.show_file(demo["superdataset"] + "/figures/mean_intensity.png")  # absolute paths inside work too
    assert v.file == "figures/mean_intensity.png"
    assert v.graph.focus == "file:figures/mean_intensity.png"
    nodes = set(re.findall(r'data-node="([^"]+)"', v.graph.svg))
    assert nodes == set(v.graph.lineage.nodes)
    assert "up to date" in v.legend.value
    smooth = next(n for n, d in v.graph.lineage.nodes.items() if d.get("label") == "Smooth the T1w images")
    # a click arrives from the front end as a custom message
    v.graph._on_front_end(v.graph, {"event": "click", "node": smooth}, [])
    v.wait_background()
    assert v.selected == smooth.split(":", 1)[1] and v.graph.focus == smooth
    assert v.table.active == v.selected  # the run clicked in the graph is the active row of the runs table
    assert v.table.page == list(v.table.sorted_data().index).index(v.selected) // v.table.page_size
    assert "ndw-focus" in re.search(rf'<g class="([^"]+)" data-node="{smooth}"', v.graph.svg).group(1)
    v.graph.click("file:code/smooth.py")
    v.wait_background()
    assert v.file == "code/smooth.py" and "source" in v.legend.value
    href = re.search(r'href="data:application/json;base64,([^"]+)"', v.export.value).group(1)
    assert json.loads(base64.b64decode(href)) == v.to_prov()
    v.graph.click("file:does-not-exist")  # ignored: not in the graph
    assert v.file == "code/smooth.py"


def test_graph_click_callbacks_and_escaping():
    g = LineageGraph()
    calls = mock.Mock()
    g.on_click(calls)
    evil = '<img src=x onerror="alert(1)">.txt'
    g.show(Lineage(f"file:{evil}", {f"file:{evil}": {"kind": "file", "label": evil, "path": evil, "stale": True}}, []))
    assert "<img" not in g.svg and "&lt;img" in g.svg and "ndw-stale" in g.svg
    g.click(f"file:{evil}")
    calls.assert_called_once_with(f"file:{evil}")


def test_viewer_reports_bad_dataset(tmp_path, chain):
    v = ProvenanceViewer(str(tmp_path))
    assert v.status == "error" and "not a DataLad dataset" in v.error
    assert v.banner.kind == "error" and v.runs == [] and v.refresh() == 0
    v.value = str(chain)  # the widget stays usable
    assert v.status == "ready" and v.banner.kind == "" and len(v.table.data) == 2
    v.show_file("c.txt")
    v.value = str(tmp_path / "missing")
    assert v.status == "error" and len(v.table.data) == 0 and v.graph.svg == "" and v.file == ""


def test_viewer_stale_legend_and_rerun(chain_rw):
    import datalad.api as dl

    write(chain_rw / "a.txt", "changed\n")
    dl.Dataset(str(chain_rw)).save(message="edit a", result_renderer="disabled")
    v = ProvenanceViewer(Provenance(chain_rw))
    v.show_file("b.txt")
    assert "stale" in v.legend.value and "a.txt changed" in v.legend.value
    assert 'class="ndw-node ndw-node-file ndw-stale' in v.graph.svg
    make_b = next(r for r in v.runs if r.message == "make b")
    v.select_run(make_b.commit)
    v.ask_rerun()
    assert v.confirm_box.layout.display is None and "b.txt" in v.confirm.value
    job = v.start_rerun()
    rows = job.result(timeout=120)
    settle(v)
    assert any(r["path"] == "b.txt" and r["status"] in ("ok", "notneeded") for r in rows)
    assert (chain_rw / "b.txt").read_text() == "changed\n"
    # the viewer re-read the history: a new run, b is current again, c is now the stale one
    assert v.runs[0].message == "make b" and v.runs[0].kind == "rerun"
    assert "b.txt" in v.results.value
    assert v.progress.banner.kind == "ok" and v.progress.banner.message.endswith(": done")
    assert Provenance(chain_rw).lineage("c.txt").stale == ["c.txt"]
    assert v.status == "ready"


def test_viewer_rerun_failure_is_reported(chain_rw):
    (chain_rw / "a.txt").unlink()
    import datalad.api as dl

    dl.Dataset(str(chain_rw)).save(message="remove a", result_renderer="disabled")
    v = ProvenanceViewer(Provenance(chain_rw))
    v.select_run(next(r for r in v.runs if r.message == "make b").commit)
    job = v.start_rerun()
    job.wait(120)
    settle(v)
    assert job.state == "failed"
    assert v.progress.banner.kind == "error" and "datalad rerun" in v.progress.banner.message
    assert v.error == v.progress.banner.message


def test_bring_up_to_date_reruns_upstream_first(chain_rw):
    import datalad.api as dl

    write(chain_rw / "a.txt", "changed\n")
    dl.Dataset(str(chain_rw)).save(message="edit a", result_renderer="disabled")
    v = ProvenanceViewer(Provenance(chain_rw))
    v.show_file("c.txt")
    assert not v.update_button.disabled
    v.ask_update()
    assert [r.message for r in v.pending] == ["make b", "make c"]
    assert v.confirm.value.index("make b") < v.confirm.value.index("make c")
    v.confirm_button.click()
    assert v.start_rerun() is v.progress.job  # a second start while it runs changes nothing
    v.progress.job.result(timeout=180)
    settle(v)
    assert (chain_rw / "c.txt").read_text() == "CHANGED\n"
    g = Provenance(chain_rw).lineage("c.txt")
    assert g.stale == [] and not any(n["stale_upstream"] for n in g.nodes.values())
    assert eventually(lambda: v.update_button.disabled and 'ok">up to date<' in v.legend.value)


def test_rerun_with_identical_outputs_says_so(chain_rw):
    v = ProvenanceViewer(Provenance(chain_rw))
    v.select_run(next(r for r in v.runs if r.message == "make b").commit)
    v.rerun_button.click()
    v.confirm_button.click()
    v.progress.job.result(timeout=120)
    settle(v)
    assert v.progress.banner.kind == "info" and "outputs unchanged" in v.progress.banner.message


def test_refresh_button_picks_up_a_plain_commit(chain_rw):
    import datalad.api as dl

    v = ProvenanceViewer(Provenance(chain_rw))
    v.show_file("b.txt")
    assert "up to date" in v.legend.value
    v.refresh_button.click()  # git is asked off the main thread
    v.wait_background()
    assert "up to date" in v.legend.value and len(v.table.data) == 2
    write(chain_rw / "a.txt", "edited outside the viewer\n")
    dl.Dataset(str(chain_rw)).save(message="edit a", result_renderer="disabled")
    v.refresh_button.click()  # no new run, but b is stale now
    v.wait_background()
    assert "stale" in v.legend.value and len(v.table.data) == 2


def test_runs_export_as_csv_follows_the_filters(demo):
    import io

    import pandas as pd

    v = ProvenanceViewer(demo["superdataset"])
    v.path_filter.value = "results/*"
    v.csv_button.click()
    href = re.search(r'href="data:text/csv;base64,([^"]+)"', v.csv_link.value).group(1)
    frame = pd.read_csv(io.StringIO(base64.b64decode(href).decode()))
    assert frame["message"].tolist() == ["Summarize the smoothed images"] * 2
    assert set(frame["commit"]) == {r.commit for r in v.runs if r.message == "Summarize the smoothed images"}
    v.path_filter.value = ""
    assert v.csv_link.value == ""


def test_find_stale_results_in_the_background(chain_rw):
    import datalad.api as dl

    def listed():
        return [value for _, value in v.stale_list.options]

    def bring_up_to_date(path):
        v.stale_list.value = path
        assert eventually(lambda: v.file == path and not v.update_button.disabled)
        v.ask_update()
        v.confirm_button.click()
        v.progress.job.result(timeout=180)
        settle(v)

    v = ProvenanceViewer(Provenance(chain_rw))
    v.scan_button.click()
    assert v.scan_progress.job.result(timeout=60) == []
    assert eventually(lambda: v.scan_progress.banner.message == "Every computed result is up to date.")
    write(chain_rw / "a.txt", "new input\n")  # a -> b -> c: b is stale, c is computed from a stale result
    dl.Dataset(str(chain_rw)).save(message="edit a", result_renderer="disabled")
    v.refresh()
    found = v.find_stale().result(timeout=60)
    assert [(s["path"], s["state"]) for s in found] == [("b.txt", "stale"), ("c.txt", "upstream")]
    assert found[1]["reasons"] == ["computed from b.txt, which is stale"]
    assert eventually(lambda: listed() == ["b.txt", "c.txt"])
    assert v.scan_progress.banner.kind == "warn" and v.scan_progress.banner.message.startswith("2 stale results:")
    # recompute b: the list answers again at once (issue 23: "1 stale result" stayed next to "up to date")
    bring_up_to_date("b.txt")
    assert eventually(lambda: 'ok">up to date<' in v.legend.value) and listed() == ["c.txt"]
    assert v.scan_progress.banner.message.startswith("1 stale result:")  # c's input b changed after c's run
    bring_up_to_date("c.txt")
    assert eventually(lambda: 'ok">up to date<' in v.legend.value) and listed() == []
    assert v.scan_progress.banner.message == "Every computed result is up to date."
    # a hand edit: b is no longer what its run made ("changed since its run"); c's input changed after c was made
    write(chain_rw / "b.txt", "hand edit\n")
    dl.Dataset(str(chain_rw)).save(message="edit b", result_renderer="disabled")
    v.refresh()
    assert [(s["path"], s["state"]) for s in v.stale_found] == [("b.txt", "changed"), ("c.txt", "stale")]
    assert listed() == ["b.txt", "c.txt"] and "b.txt changed" in v.stale_found[1]["reasons"][0]
    v.stale_list.value = "b.txt"
    assert eventually(lambda: v.file == "b.txt" and "warn\">changed since its run<" in v.legend.value)
    assert v.update_button.disabled  # nothing to recompute: the edit is the user's


def test_failed_command_record_shows_its_exit_code(chain_rw):
    from .conftest import sh

    write(chain_rw / "f.txt", "partial\n")
    sh(chain_rw, "add", "f.txt")
    sh(chain_rw, "commit", "-q", "-m", '[DATALAD RUNCMD] failed step\n\n=== Do not change lines below ===\n'
       '{"cmd": "false", "exit": 3, "inputs": [], "outputs": ["f.txt"], "pwd": "."}\n'
       '^^^ Do not change lines above ^^^\n')
    v = ProvenanceViewer(Provenance(chain_rw))
    assert 'ndw-badge-error">3<' in v.table.html.value
    v.select_run(v.runs[0].commit)
    assert 'ndw-badge-error">exit 3<' in v.detail.value


def test_opening_waits_off_the_main_thread_shows_busy_then_the_runs(demo, monkeypatch):
    """A slow history read (a huge dataset, a slow disk): the constructor returns at once and the runs table
    says what it waits for; the runs and a file asked for meanwhile follow."""
    import threading

    from neurodata_widgets.provenance import widgets as module

    release, reading = threading.Event(), threading.Event()

    class SlowProvenance(Provenance):
        def __init__(self, path):
            reading.set()
            assert release.wait(60)
            super().__init__(path)

    monkeypatch.setattr(module, "Provenance", SlowProvenance)
    v = ProvenanceViewer(demo["superdataset"], wait=False)
    assert reading.wait(30)
    assert v.status == "loading" and v.table.busy and v.table.cancellable
    assert "Reading the history of ndw-demo" in v.table.busy_text and v.runs == []
    v.show_a_result(wait=False)  # asked while the history is read: done after it
    release.set()
    v.wait_background()
    assert v.status == "ready" and not v.table.busy and len(v.table.data) == 5
    assert v.file == "figures/mean_intensity.png" and v.graph.focus == "file:figures/mean_intensity.png"


def test_cancel_stops_reading_the_history_and_refresh_reads_it_again(demo, monkeypatch):
    import threading

    from neurodata_widgets.provenance import widgets as module

    release, reading, finished = threading.Event(), threading.Event(), []

    class HangingProvenance(Provenance):
        def __init__(self, path):
            reading.set()
            release.wait(60)
            super().__init__(path)
            finished.append(path)

    monkeypatch.setattr(module, "Provenance", HangingProvenance)
    v = ProvenanceViewer(demo["superdataset"], wait=False)
    assert reading.wait(30)
    v.show_file("figures/mean_intensity.png", wait=False)  # waits its turn behind the read
    worker = v.__dict__["_background"]
    v.table.cancel()  # the Cancel of the loading bar
    assert v.status == "ready" and not v.table.busy and v.banner.kind == "info"
    assert "Press Refresh" in v.banner.hint
    release.set()
    worker.join(60)
    assert finished  # the read ended (git is not killed mid-way) ...
    # the late answer is dropped: no runs shown, the queued lineage never drawn
    assert v.provenance is None and v.runs == [] and v.graph.svg == ""
    monkeypatch.setattr(module, "Provenance", Provenance)
    v.refresh_button.click()  # reads it again
    v.wait_background()
    assert v.status == "ready" and len(v.table.data) == 5 and v.banner.kind == ""


def test_a_failed_refresh_says_what_to_do_and_the_next_success_clears_it(chain_rw, monkeypatch):
    from neurodata_widgets.provenance.history import History
    from neurodata_widgets.repo import GitError

    v = ProvenanceViewer(Provenance(chain_rw))
    real = History.refresh

    def broken(self):
        raise GitError(["log", "--format=%H"], chain_rw, 128,
                       "error: object file .git/objects/12/34abcd is empty\nfatal: unable to read tree 1234abcd")

    monkeypatch.setattr(History, "refresh", broken)
    v.refresh_button.click()
    v.wait_background()
    assert v.status == "error" and v.banner.kind == "error" and not v.table.busy
    assert v.error.startswith("Refreshing the history: ") and v.banner.hint  # a sentence and what to do
    assert v.error.endswith("fatal: unable to read tree 1234abcd") and "object file" not in v.error
    assert "object file .git/objects/12/34abcd is empty" in v.banner.details  # git's other words, folded
    monkeypatch.setattr(History, "refresh", real)
    v.refresh_button.click()
    v.wait_background()
    assert v.status == "ready" and v.error == "" and v.banner.kind == ""
