"""DataLad's own rules on real histories: what is a run, reruns that change nothing, sidecars fetched
later, a superdataset run seen from its subdataset, containers-run names, and the exports.

Every history here is made by DataLad (run, rerun, save, clone, containers-add/-run) and git
(revert, merge --squash); where DataLad has an answer (``rerun --report``) the test asks it too.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import datalad.api as dl
import pytest

from neurodata_widgets.git_identity import identity
from neurodata_widgets.errors import UserError
from neurodata_widgets.provenance.history import History, runs_csv
from neurodata_widgets.provenance.lineage import Provenance
from neurodata_widgets.provenance.rerun import rerun, update_plan
from neurodata_widgets.provenance.widgets import ProvenanceViewer

from .conftest import sh, write
from .test_widgets import bring_up_to_date, eventually

QUIET = {"result_renderer": "disabled"}


def datalad_run_commits(path) -> set:
    """The commits DataLad's ``rerun --report`` reads as runs (its own parser, get_run_info)."""
    results = dl.rerun(dataset=str(path), since="", report=True, return_type="list", on_failure="ignore", **QUIET)
    return {r["commit"] for r in results if "run_info" in r}


def shell_container(ds, name: str, tmp_path, image=None):
    """A real ``containers-add``: the "image" is a shell script run as ``sh {img} {cmd}`` (no runtime needed)."""
    script = tmp_path / f"{name}.sh"
    script.write_text('#!/bin/sh\n# a stand-in container image: runs the command it is given\nexec "$@"\n')
    ds.containers_add(name, url=str(script), call_fmt="sh {img} {cmd}", image=image, **QUIET)


# -- 1. a rerun that reproduces identical outputs is done ------------------------------------------------
def test_rerun_with_identical_outputs_counts_as_done(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    write(tmp_path / "ds" / "a.txt", "Alpha\n")
    ds.save(message="input", **QUIET)
    ds.run("tr a-z A-Z < a.txt > b.txt", inputs=["a.txt"], outputs=["b.txt"], message="shout", **QUIET)
    write(tmp_path / "ds" / "a.txt", "ALPHA\n")  # a new input that gives the same output
    ds.save(message="upper-case input", **QUIET)
    p = Provenance(ds.path)
    assert p.staleness("b.txt") == [f"a.txt changed after run {p.history.runs[0].short}"]
    head = sh(ds.path, "rev-parse", "HEAD")
    rerun(p.history, update_plan(p, "b.txt")[0])
    assert sh(ds.path, "rev-parse", "HEAD") == head  # DataLad made no commit: nothing changed
    p.history.refresh()
    assert p.staleness("b.txt") == [] and update_plan(p, "b.txt") == []
    assert Provenance(ds.path).staleness("b.txt") == []  # remembered for the next session too
    write(tmp_path / "ds" / "a.txt", "beta\n")  # a later change makes it stale again
    ds.save(message="another input", **QUIET)
    assert Provenance(ds.path).staleness("b.txt")[0].startswith("a.txt changed after run")


def test_bring_up_to_date_ends_when_the_rerun_changes_nothing(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    write(tmp_path / "ds" / "a.txt", "Alpha\n")
    ds.save(message="input", **QUIET)
    ds.run("tr a-z A-Z < a.txt > b.txt", inputs=["a.txt"], outputs=["b.txt"], message="shout", **QUIET)
    write(tmp_path / "ds" / "a.txt", "alpha\n")
    ds.save(message="lower-case input", **QUIET)
    v = ProvenanceViewer(Provenance(ds.path))
    bring_up_to_date(v, "b.txt")
    assert "outputs unchanged" in v.progress.banner.message
    assert eventually(lambda: v.update_button.disabled and 'ok">up to date<' in v.legend.value)


def test_rerun_that_rewrites_one_output_identically_produces_both(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    write(tmp_path / "ds" / "a.txt", "Alpha\n")
    ds.save(message="input", **QUIET)
    ds.run("tr a-z A-Z < a.txt > up.txt && wc -c < a.txt > size.txt", inputs=["a.txt"],
           outputs=["up.txt", "size.txt"], message="two outputs", **QUIET)
    write(tmp_path / "ds" / "a.txt", "Alphb\n")  # same size, other letters
    ds.save(message="edit input", **QUIET)
    p = Provenance(ds.path)
    original = p.producer("size.txt")
    rerun(p.history, original)
    p.history.refresh()
    newest = p.history.runs[0]
    assert newest.chain == [original.commit] and "size.txt" not in newest.blobs  # git saw no change to it
    assert p.producer("up.txt") is newest and p.producer("size.txt") is newest
    assert p.staleness("up.txt") == p.staleness("size.txt") == []
    # then a change that leaves both outputs as they are: that rerun (of the rerun) makes no commit
    write(tmp_path / "ds" / "a.txt", "alphb\n")
    ds.save(message="lower-case input", **QUIET)
    p.history.refresh()
    assert p.staleness("size.txt") and update_plan(p, "size.txt") == [newest]
    rerun(p.history, newest)
    assert p.history.refresh() == 0
    assert p.staleness("up.txt") == p.staleness("size.txt") == [] and update_plan(p, "size.txt") == []


# -- 2. refresh sees sidecar records fetched later -------------------------------------------------------
def test_refresh_sees_sidecar_records_fetched_later(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    ds.run("echo one > one.txt", outputs=["one.txt"], message="inline", **QUIET)
    ds.run("echo side > s.txt", outputs=["s.txt"], message="with sidecar", sidecar=True, **QUIET)
    clone = dl.clone(source=ds.path, path=str(tmp_path / "clone"), **QUIET)
    v = ProvenanceViewer(Provenance(clone.path))
    h = v.provenance.history
    assert [r.message for r in h.runs] == ["inline"] and "datalad get" in h.problems[0]["problem"]
    assert h.refresh() == 0
    clone.get(".datalad/runinfo", **QUIET)  # what the problem message advises
    v.refresh_button.click()  # git is asked off the main thread
    v.wait_background()
    assert [r.message for r in h.runs] == ["with sidecar", "inline"] and h.problems == []
    assert v.table.data["message"].tolist() == ["with sidecar", "inline"]
    assert h.runs[0].cmd == "echo side > s.txt" and v.banner.message == ""


# -- 3. a run is a commit whose message STARTS with the marker -------------------------------------------
def test_only_messages_starting_with_the_marker_are_runs(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    ds.run("echo x > x.txt", outputs=["x.txt"], message="make x", **QUIET)
    reverted = ds.run("echo c > c.txt", outputs=["c.txt"], message="make c", **QUIET)
    assert reverted
    sh(ds.path, "revert", "--no-edit", "HEAD")
    main = sh(ds.path, "rev-parse", "--abbrev-ref", "HEAD").strip()
    sh(ds.path, "checkout", "-q", "-b", "side")
    ds.run("echo d > d.txt", outputs=["d.txt"], message="make d", **QUIET)
    ds.run("echo e > e.txt", outputs=["e.txt"], message="make e", **QUIET)
    sh(ds.path, "checkout", "-q", main)
    sh(ds.path, "merge", "--squash", "side")
    sh(ds.path, "commit", "-q", "--no-edit")  # "Squashed commit of the following:" quoting both records
    write(tmp_path / "ds" / "notes.txt", "n\n")
    ds.save(message="Notes on [DATALAD RUNCMD] records\n\n=== Do not change lines below ===\n{\"cmd\": \n"
                    "^^^ Do not change lines above ^^^", **QUIET)
    ds.save(message="[DATALAD RUNCMD] without a record", **QUIET)  # marker first, no block: not a run either
    h = History(ds.path)
    assert h.problems == []
    assert [r.message for r in h.runs] == ["make c", "make x"]
    assert {r.commit for r in h.runs} == datalad_run_commits(ds.path)


# -- 4. a subdataset opened alone: the subdataset half of a superdataset run -----------------------------
def test_subdataset_alone_shows_a_superdataset_run_as_datalad_does(tmp_path):
    top = dl.create(str(tmp_path / "top"), cfg_proc="text2git", **QUIET)
    top.create("sub", cfg_proc="text2git", **QUIET)
    write(tmp_path / "top" / "src.txt", "source\n")
    top.save(message="source", **QUIET)
    top.run("cp src.txt sub/copy.txt", inputs=["src.txt"], outputs=["sub/copy.txt"], message="copy down", **QUIET)
    for where in (tmp_path / "top" / "sub",  # inside its superdataset
                  dl.clone(source=str(tmp_path / "top" / "sub"), path=str(tmp_path / "alone"), **QUIET).path):
        h = History(where)
        (half,) = h.runs
        assert half.foreign and half.message == "copy down" and half.rerun_command == ""
        assert half.output_paths == ["copy.txt"] and half.input_paths == ["../src.txt"]
        # DataLad's own rerun in that dataset: skip or cherry-pick, not run
        (report,) = [r for r in dl.rerun(revision=half.commit, dataset=str(where), report=True,
                                         return_type="list", on_failure="ignore", **QUIET) if "run_info" in r]
        assert report["rerun_action"] == "skip-or-pick" and "was ran from a different dataset" in report["message"]
        p = Provenance(h)
        assert p.producer("copy.txt") is half and p.staleness("copy.txt") == [] and update_plan(p, "copy.txt") == []
        with pytest.raises(UserError, match="different dataset"):
            rerun(h, half)
        v = ProvenanceViewer(p)
        v.select_run(half.commit)
        assert v.rerun_button.disabled and "different dataset" in v.detail.value
        assert "ndw-rerun-line" not in v.detail.value
        v.show_file("copy.txt")
        assert "other dataset" in v.graph.svg and "stale" not in v.legend.value.split(":")[1]
    # seen from the superdataset, the half is part of the run, with the superdataset's paths
    (run,) = History(tmp_path / "top").runs
    assert not run.foreign and run.output_paths == ["sub/copy.txt"] and run.rerun_command.startswith("datalad rerun")


# -- 5. containers-run shows the container's name --------------------------------------------------------
def test_containers_run_shows_the_container_name(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    shell_container(ds, "shouter", tmp_path, image="images/box")
    write(tmp_path / "ds" / "a.txt", "hello\n")
    ds.save(message="input", **QUIET)
    ds.containers_run("tr a-z A-Z < a.txt > b.txt", container_name="shouter", inputs=["a.txt"],
                      outputs=["b.txt"], message="shout in a box", **QUIET)
    assert (tmp_path / "ds" / "b.txt").read_text() == "HELLO\n"
    ds.run("cp a.txt plain.txt", inputs=["a.txt"], outputs=["plain.txt"], message="no box", **QUIET)
    h = History(ds.path)
    plain, boxed = h.runs
    assert "shouter" not in json.dumps(boxed.record)  # the name is not in the record: it is in .datalad/config
    assert boxed.kind == "containers-run" and boxed.container == "shouter"
    assert boxed.container_image == "images/box"
    assert plain.kind == "run" and plain.container == ""
    v = ProvenanceViewer(Provenance(h))
    v.select_run(boxed.commit)
    assert "Container: <code>shouter</code>" in v.detail.value
    assert v.table.data.loc[boxed.commit, "kind"] == "containers-run"
    # a container removed later keeps its name: it is read from the config at the run's commit
    ds.containers_remove("shouter", **QUIET)
    assert History(ds.path).runs[1].container == "shouter"


def test_container_from_a_subdataset_is_named_as_containers_list_does(tmp_path):
    top = dl.create(str(tmp_path / "top"), cfg_proc="text2git", **QUIET)
    tools = top.create("tools", cfg_proc="text2git", **QUIET)
    shell_container(tools, "shell", tmp_path)
    top.save(message="tools with a container", **QUIET)
    listed = {c["name"] for c in top.containers_list(recursive=True, return_type="list", **QUIET)}
    assert "tools/shell" in listed
    top.containers_run("echo boxed > out.txt", container_name="tools/shell", outputs=["out.txt"],
                       message="from a subdataset's container", **QUIET)
    run = History(top.path).runs[0]
    assert run.container == "tools/shell" and run.container_image == "tools/.datalad/environments/shell/image"


# -- 6. sidecar files are DataLad's bookkeeping, not outputs ---------------------------------------------
def test_sidecar_files_are_not_outputs_nor_in_lineage(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    write(tmp_path / "ds" / "a.txt", "a\n")
    ds.save(message="input", **QUIET)
    ds.run("cp a.txt b.txt", inputs=["a.txt"], outputs=["b.txt"], message="copy", sidecar=True, **QUIET)
    assert any(p.startswith(".datalad/runinfo/") for p in sh(ds.path, "show", "--name-only", "--format=").split())
    p = Provenance(ds.path)
    (run,) = p.history.runs
    assert run.sidecar and run.files == [("A", "b.txt")] and list(run.blobs) == ["b.txt"]
    assert list(p.computed_files()) == ["b.txt"]
    g = p.lineage("b.txt")
    assert sorted(n["path"] for n in g.nodes.values() if n["kind"] == "file") == ["a.txt", "b.txt"]
    v = ProvenanceViewer(p)
    assert v.file_box.options == ("b.txt",)
    v.select_run(run.commit)
    assert "runinfo" not in v.detail.value.split("Changed:")[1]


# -- 7. CSV export -------------------------------------------------------------------------------------------
def test_csv_export_has_full_dates_and_paths(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    write(tmp_path / "ds" / "in, one.txt", "a\n")
    write(tmp_path / "ds" / "two.txt", "b\n")
    ds.save(message="inputs", **QUIET)
    ds.run("cat 'in, one.txt' two.txt > 'out \"q\".txt'", inputs=["in, one.txt", "two.txt"],
           outputs=['out "q".txt'], message="gather", **QUIET)
    v = ProvenanceViewer(Provenance(ds.path))
    text = v.export_runs()
    assert text == runs_csv(v.runs)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    run = v.runs[0]
    when = datetime.fromisoformat(row["date"])
    assert when == run.date and when.tzinfo is not None and when.second == run.date.second
    assert sh(ds.path, "log", "-1", "--format=%aI").strip().startswith(row["date"][:19])
    assert json.loads(row["inputs"]) == ["in, one.txt", "two.txt"] and json.loads(row["outputs"]) == ['out "q".txt']


# -- 8. PROV-JSON read by the prov package ---------------------------------------------------------------
def test_prov_json_export_reads_back_with_typed_names(tmp_path):
    from prov.constants import PROV, PROV_TYPE
    from prov.identifier import QualifiedName
    from prov.model import ProvActivity, ProvAgent, ProvDocument, ProvEntity

    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", **QUIET)
    shell_container(ds, "copier", tmp_path)
    write(tmp_path / "ds" / "a.txt", "a\n")
    ds.save(message="input", **QUIET)
    ds.containers_run("cp a.txt b.txt", container_name="copier", inputs=["a.txt"], outputs=["b.txt"],
                      message="copy", **QUIET)
    v = ProvenanceViewer(Provenance(ds.path))
    v.show_file("b.txt")
    doc = ProvDocument.deserialize(content=json.dumps(v.to_prov()), format="json")
    records = doc.get_records()
    (agent,) = [r for r in records if isinstance(r, ProvAgent)]
    assert PROV["Person"] in agent.get_asserted_types() and agent.label == identity().name
    entities = [r for r in records if isinstance(r, ProvEntity)]
    assert len(entities) == 3  # a.txt, b.txt and the image the container ran
    for entity in entities:
        (kind,) = entity.get_attribute(PROV_TYPE)
        assert isinstance(kind, QualifiedName) and kind.localpart == "File"
        assert kind.namespace.uri == "https://neurodata-widgets.invalid/ns#"
    (activity,) = [r for r in records if isinstance(r, ProvActivity)]
    assert activity.get_startTime().tzinfo is not None
    assert activity.get_attribute("ndw:container") == {"copier"}
    provn = doc.get_provn()  # PROV-N, written by the prov package from what it read
    assert "prov:type='prov:Person'" in provn and "prov:type='ndw:File'" in provn
