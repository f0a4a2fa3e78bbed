"""Nested subdatasets, subdataset commits recorded later, odd file names, wide fan-out."""
from __future__ import annotations

import datalad.api as dl

from neurodata_widgets.provenance.lineage import MAX_INPUTS_SHOWN, Provenance
from neurodata_widgets.provenance.history import History

from .conftest import sh, write


def test_nested_run_folds_up_to_the_top(tmp_path):
    top = dl.create(str(tmp_path / "top"), result_renderer="disabled")
    mid = top.create("mid", result_renderer="disabled")
    mid.create("deep", result_renderer="disabled")
    top.save(recursive=True, message="nest", result_renderer="disabled")
    write(tmp_path / "top" / "src.txt", "source\n")
    top.save(message="source", result_renderer="disabled")
    top.run("cp src.txt mid/deep/copy.txt", inputs=["src.txt"], outputs=["mid/deep/copy.txt"],
            message="copy deep", result_renderer="disabled")
    h = History(tmp_path / "top")
    assert [r.message for r in h.runs] == ["copy deep"]  # one run: the two subdataset halves are folded in
    run = h.runs[0]
    assert ("A", "mid/deep/copy.txt") in run.files
    assert {d for d, _ in run.subcommits} == {"mid", "mid/deep"}
    p = Provenance(h)
    assert p.producer("mid/deep/copy.txt") is run
    g = p.lineage("mid/deep/copy.txt")
    assert ("file:src.txt", f"run:{run.commit}", "used") in g.edges
    assert g.nodes["file:mid/deep/copy.txt"]["dataset"] == "mid/deep"


def test_subdataset_commits_recorded_later_link_to_that_commit(tmp_path):
    top = dl.create(str(tmp_path / "top"), result_renderer="disabled")
    sub = top.create("sub", result_renderer="disabled")
    sub.run("echo one > one.txt", outputs=["one.txt"], message="first in sub", result_renderer="disabled")
    sub.run("echo two > two.txt", outputs=["two.txt"], message="second in sub", result_renderer="disabled")
    top.save(path="sub", message="Record both", result_renderer="disabled")
    h = History(tmp_path / "top")
    recorded = sh(tmp_path / "top", "rev-parse", "HEAD").strip()
    assert {r.message: r.super_commit for r in h.runs} == {"first in sub": recorded, "second in sub": recorded}
    assert all(r.dataset == "sub" for r in h.runs)
    assert h.runs[0].output_paths == ["sub/two.txt"]


def test_odd_file_names(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", result_renderer="disabled")
    name = "résumé data\tv1.txt"
    ds.run(["python3", "-c", f"open({name!r}, 'w').write('x\\n')"], outputs=[name], message="odd name",
           result_renderer="disabled")
    p = Provenance(tmp_path / "ds")
    assert ("A", name) in p.history.runs[0].files
    assert p.producer(name).message == "odd name"


def test_wide_fan_out_is_summarised(tmp_path):
    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", result_renderer="disabled")
    n = MAX_INPUTS_SHOWN + 3
    for i in range(n):
        write(tmp_path / "ds" / "in" / f"{i:02d}.txt", f"{i}\n")
    ds.save(message="inputs", result_renderer="disabled")
    ds.run("cat in/*.txt > all.txt", inputs=["in/*.txt"], outputs=["all.txt"], message="gather",
           result_renderer="disabled")
    g = Provenance(tmp_path / "ds").lineage("all.txt")
    files = [n_ for n_ in g.nodes.values() if n_["kind"] == "file"]
    assert len(files) == MAX_INPUTS_SHOWN + 1
    more = [n_ for n_ in g.nodes.values() if n_["kind"] == "more"]
    assert [m["label"] for m in more] == ["+ 3 more inputs"]
    prov = g.to_prov()
    assert len(prov["entity"]) == MAX_INPUTS_SHOWN + 1 and len(prov["used"]) == MAX_INPUTS_SHOWN


def test_prov_ids_of_odd_names_are_quoted(tmp_path):
    import json

    ds = dl.create(str(tmp_path / "ds"), cfg_proc="text2git", result_renderer="disabled")
    write(tmp_path / "ds" / "in put.txt", "x\n")
    ds.save(message="input", result_renderer="disabled")
    ds.run("cp 'in put.txt' 'out put.txt'", inputs=["in put.txt"], outputs=["out put.txt"], message="copy",
           result_renderer="disabled")
    doc = json.loads(json.dumps(Provenance(tmp_path / "ds").lineage("out put.txt").to_prov()))
    assert set(doc["entity"]) == {"ds:in%20put.txt", "ds:out%20put.txt"}
    assert doc["entity"]["ds:out%20put.txt"]["prov:label"] == "out put.txt"
