"""Lineage and staleness on a known graph, on the demo, and on a changed clone of the demo."""
from __future__ import annotations

import gzip
import json

import pytest

from neurodata_widgets.provenance.lineage import Provenance, lineage, pattern_regex

from .conftest import sh, write


@pytest.mark.parametrize("pattern,path,expected", [
    ("raw/sub-*/anat/*_T1w.nii.gz", "raw/sub-01/anat/sub-01_T1w.nii.gz", True),
    ("raw/sub-*/anat/*_T1w.nii.gz", "raw/sub-01/func/sub-01_bold.nii.gz", False),
    ("*.txt", "a/b.txt", False),
    ("**/*.txt", "a/b/c.txt", True),
    ("**/*.txt", "c.txt", True),
    ("derivatives/smoothed", "derivatives/smoothed/x.nii.gz", True),
    ("derivatives/smoothed", "derivatives/smoothed2/x", False),
    ("sub-0[12].txt", "sub-02.txt", True),
    ("sub-0[!12].txt", "sub-02.txt", False),
    ("file?.txt", "file1.txt", True),
])
def test_pattern_regex(pattern, path, expected):
    assert bool(pattern_regex(pattern).match(path)) is expected


def test_known_graph_is_exact(chain):
    g = lineage(chain, "c.txt")
    assert set(g.nodes) == {"file:a.txt", "file:b.txt", "file:c.txt"} | {f"run:{c}" for c in g.runs}
    labels = {n["label"] for n in g.nodes.values() if n["kind"] == "run"}
    assert labels == {"make b", "make c"}
    make_b, make_c = (next(k for k, n in g.nodes.items() if n.get("label") == m) for m in ("make b", "make c"))
    assert set(g.edges) == {("file:a.txt", make_b, "used"), (make_b, "file:b.txt", "generated"),
                            ("file:b.txt", make_c, "used"), (make_c, "file:c.txt", "generated")}
    assert g.stale == [] and g.focus == "file:c.txt"
    down = lineage(chain, "a.txt", upstream=False)
    assert {n["path"] for n in down.nodes.values() if n["kind"] == "file"} == {"a.txt", "b.txt", "c.txt"}
    assert "file:note.txt" not in lineage(chain, "b.txt").nodes


def test_staleness_direct_upstream_and_hand_edit(chain_rw):
    import datalad.api as dl

    write(chain_rw / "a.txt", "changed\n")
    dl.Dataset(str(chain_rw)).save(message="edit a", result_renderer="disabled")
    p = Provenance(chain_rw)
    assert p.staleness("b.txt") == [f"a.txt changed after run {p.producer('b.txt').short}"]
    assert p.staleness("c.txt") == []  # c's own input b.txt did not change...
    g = p.lineage("c.txt")
    assert g.stale == ["b.txt"]
    assert g.nodes["file:c.txt"]["stale_upstream"] and not g.nodes["file:c.txt"]["stale"]  # ...but b is stale
    assert not g.nodes["file:a.txt"]["stale_upstream"]
    # a hand edit: c is no longer what the run made
    write(chain_rw / "c.txt", "by hand\n")
    dl.Dataset(str(chain_rw)).save(message="edit c", result_renderer="disabled")
    p = Provenance(chain_rw)
    assert p.producer("c.txt") is None
    assert not p.lineage("c.txt").nodes["file:c.txt"]["computed"]


def test_removed_and_new_inputs(chain_rw):
    import datalad.api as dl

    ds = dl.Dataset(str(chain_rw))
    write(chain_rw / "x.in", "x\n")
    write(chain_rw / "y.in", "y\n")
    ds.save(message="inputs", result_renderer="disabled")
    ds.run("cat *.in > all.txt", inputs=["*.in"], outputs=["all.txt"], message="concat", result_renderer="disabled")
    p = Provenance(chain_rw)
    assert p.staleness("all.txt") == []
    write(chain_rw / "z.in", "z\n")
    (chain_rw / "x.in").unlink()
    ds.save(message="more and fewer inputs", result_renderer="disabled")
    p = Provenance(chain_rw)
    short = p.producer("all.txt").short
    assert p.staleness("all.txt") == [f"x.in was removed after run {short}", f"z.in is a new input since run {short}"]


def test_demo_lineage(demo):
    p = Provenance(demo["superdataset"])
    g = p.lineage("figures/mean_intensity.png")
    runs = {n["label"] for n in g.nodes.values() if n["kind"] == "run"}
    assert runs == {"Plot mean intensity per subject", "Smooth the T1w images"}
    files = {n["path"] for n in g.nodes.values() if n["kind"] == "file"}
    assert {"code/plot.py", "code/smooth.py", "raw/sub-02/anat/sub-02_T1w.nii.gz",
            "derivatives/smoothed/sub-02_desc-smooth_T1w.nii.gz"} <= files
    assert not any(f.startswith("raw/sub-01/func") for f in files)  # only the T1w images were inputs
    assert g.stale == []
    summary = p.producer("results/summary.tsv")
    assert summary.kind == "rerun"
    first = p.history.find(summary.chain[0])
    assert not p.is_current(first) and p.is_current(summary)
    downstream = p.lineage("raw/sub-01/anat/sub-01_T1w.nii.gz", upstream=False)
    reached = {n["path"] for n in downstream.nodes.values() if n["kind"] == "file"}
    assert {"figures/mean_intensity.png", "results/summary.tsv", "derivatives/checksums.txt"} <= reached
    assert p.consumers("raw/sub-01/func/sub-01_task-rest_bold.nii.gz") == []


def test_demo_clone_code_change_and_new_subject(demo_clone):
    import datalad.api as dl

    ds = dl.Dataset(str(demo_clone))
    plot = demo_clone / "code/plot.py"
    plot.write_text(plot.read_text() + "# tweak\n")
    ds.save(message="Tweak the plot", result_renderer="disabled")
    p = Provenance(demo_clone)
    assert p.staleness("figures/mean_intensity.png") == [
        f"code/plot.py changed after run {p.producer('figures/mean_intensity.png').short}"]
    assert p.staleness("results/summary.tsv") == []
    # a new subject in the raw subdataset: the smoothing is stale, everything after it stale upstream
    new = demo_clone / "raw/sub-04/anat/sub-04_T1w.nii.gz"
    new.parent.mkdir(parents=True)
    new.write_bytes(gzip.compress(b"\0" * 400, mtime=0))
    ds.save(recursive=True, message="Add subject 04", result_renderer="disabled")
    p = Provenance(demo_clone)
    smoothed = "derivatives/smoothed/sub-01_desc-smooth_T1w.nii.gz"
    assert any("raw/sub-04/anat/sub-04_T1w.nii.gz is a new input" in r for r in p.staleness(smoothed))
    g = p.lineage("results/summary.tsv")
    assert smoothed in g.stale and g.nodes["file:results/summary.tsv"]["stale_upstream"]


def test_prov_json_is_valid_and_closed(demo):
    g = lineage(demo["superdataset"], "results/summary.tsv")
    doc = json.loads(json.dumps(g.to_prov()))
    declared = set(doc["entity"]) | set(doc["activity"]) | set(doc["agent"])
    assert len(doc["entity"]) == sum(1 for n in g.nodes.values() if n["kind"] == "file")
    assert len(doc["activity"]) == len(g.runs)
    refs = [v for rel in ("used", "wasGeneratedBy", "wasAssociatedWith") for edge in doc.get(rel, {}).values()
            for v in edge.values()]
    assert refs and set(refs) <= declared
    assert len(doc["used"]) + len(doc["wasGeneratedBy"]) == len(g.edges)
    for ident in declared:
        assert ident.split(":", 1)[0] in doc["prefix"]


def test_graph_colours_come_from_the_page_theme():
    """Every colour of the lineage graph is a JupyterLab theme variable (its light fallback aside), so a dark
    theme draws dark nodes instead of light boxes."""
    import re

    from neurodata_widgets.provenance.graph import STYLE, to_svg  # noqa: F401

    without_fallbacks = re.sub(r"var\(--jp-[\w-]+, [^()]*\)", "var()", STYLE)
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|\bwhite\b|rgb\(", without_fallbacks), without_fallbacks
    fills = re.findall(r"fill: ([^;]+);", STYLE)
    assert fills and all("var(--jp-" in f or f == "none" for f in fills)


def test_hand_edit_is_changed_since_its_run_and_chains_are_listed(chain_rw):
    import datalad.api as dl

    ds = dl.Dataset(str(chain_rw))
    write(chain_rw / "a.txt", "changed\n")
    ds.save(message="edit a", result_renderer="disabled")
    p = Provenance(chain_rw)
    found = {s["path"]: s for s in p.stale_files()}
    assert sorted(found) == ["b.txt", "c.txt"]  # c is downstream of b: listed too, with why
    assert found["b.txt"]["state"] == "stale" and found["c.txt"]["state"] == "upstream"
    assert found["c.txt"]["reasons"] == ["computed from b.txt, which is stale"]
    write(chain_rw / "b.txt", "by hand\n")
    ds.save(message="edit b", result_renderer="disabled")
    edit = sh(chain_rw, "rev-parse", "HEAD").strip()
    p = Provenance(chain_rw)
    made_b = [r for r in p.history.runs if r.message == "make b"][0]
    assert p.changed_since_run("b.txt") == {"run": made_b, "commit": edit}
    assert p.changed_since_run("c.txt") is None and p.staleness("b.txt") == []
    node = p.lineage("b.txt").nodes["file:b.txt"]
    assert node["changed"] and not node["stale"] and node["changed_by"] == edit
    found = {s["path"]: s for s in p.stale_files()}
    assert found["b.txt"]["state"] == "changed" and found["b.txt"]["edited_by"] == edit
    assert found["b.txt"]["reasons"] == [f"b.txt was changed by commit {edit[:8]} since its run {made_b.short}"]
    assert found["c.txt"]["state"] == "stale"  # its input b changed after it ran
