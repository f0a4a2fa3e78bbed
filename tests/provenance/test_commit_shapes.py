"""Every commit shape read as DataLad reads it, compared with ``datalad rerun --report`` on the same history.

Histories are made with the ``datalad`` and ``git`` commands (an identity is given to those processes
only, never to the product): a run record on a root commit, on an octopus merge, a run whose command
makes commits (DataLad records it on a two-parent merge), glob inputs with hidden files and escapes, an
A→B→C chain. The viewer's plan to bring a result up to date is compared with what
``datalad rerun --since=… --onto=…`` would re-execute, and the viewer reruns where DataLad would.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import datalad.api as dl
import pytest

from neurodata_widgets import repo
from neurodata_widgets.errors import UserError
from neurodata_widgets.provenance.history import History
from neurodata_widgets.provenance.lineage import Provenance
from neurodata_widgets.provenance.rerun import rerun, update_plan
from neurodata_widgets.provenance.widgets import ProvenanceViewer

from .test_widgets import bring_up_to_date, eventually, settle

QUIET = {"result_renderer": "disabled"}
BIN = str(Path(sys.executable).parent)  # datalad and git-annex of this environment
IDENTITY = {"GIT_AUTHOR_NAME": "Fixture Maker", "GIT_AUTHOR_EMAIL": "fixture@neurodata-widgets.invalid",
            "GIT_COMMITTER_NAME": "Fixture Maker", "GIT_COMMITTER_EMAIL": "fixture@neurodata-widgets.invalid"}


def maker_env() -> dict:
    """The environment of the commands that BUILD a history (never the product's)."""
    return {**os.environ, **IDENTITY, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


def cmd(where, *args) -> str:
    return subprocess.run(list(args), cwd=str(where), env=maker_env(), check=True, capture_output=True,
                          text=True).stdout


def git(where, *args) -> str:
    return cmd(where, "git", *args).strip()


def datalad(where, *args) -> str:
    return cmd(where, "datalad", *args)


def create(path: Path) -> Path:
    cmd(path.parent, "datalad", "create", "-c", "text2git", str(path))
    return path


def put(ds: Path, name: str, text: str, message: str) -> str:
    (ds / name).parent.mkdir(parents=True, exist_ok=True)
    (ds / name).write_text(text)
    datalad(ds, "save", "-m", message, name)
    return git(ds, "rev-parse", "HEAD")


def report(ds: Path, since: str = "", onto: str | None = None) -> list[dict]:
    """DataLad's own plan: ``datalad rerun --report --since=<since> [--onto=<onto>]`` (and its warnings)."""
    found, caught = [], []

    class Catch(logging.Handler):
        def emit(self, record):
            caught.append(record.getMessage())

    logger = logging.getLogger("datalad.local.rerun")
    handler = Catch(logging.WARNING)
    logger.addHandler(handler)
    try:
        kwargs = {} if onto is None else {"onto": onto}
        for r in dl.rerun(dataset=str(ds), since=since, report=True, return_type="generator",
                          on_failure="ignore", **kwargs, **QUIET):
            found.append(r)
    finally:
        logger.removeHandler(handler)
    return found, caught


def to_rerun(results) -> list[str]:
    """The commits DataLad would re-execute, in its order."""
    return [r["commit"] for r in results if r.get("rerun_action") == "run"]


def record_message(message: str, record: dict) -> str:
    return (f"[DATALAD RUNCMD] {message}\n\n=== Do not change lines below ===\n"
            f"{json.dumps(record, indent=1, sort_keys=True)}\n^^^ Do not change lines above ^^^\n")


def dataset_id(ds: Path) -> str:
    return git(ds, "config", "-f", ".datalad/config", "datalad.dataset.id")


# -- root commits and octopus merges: listed with DataLad's reason, never offered for rerun -------------------
def test_root_commit_run_is_listed_with_datalads_reason_and_never_rerun(tmp_path):
    ds = create(tmp_path / "ds")
    put(ds, "a.txt", "alpha\n", "input")
    datalad(ds, "run", "-i", "a.txt", "-o", "b.txt", "-m", "copy", "cp a.txt b.txt")
    run_commit = git(ds, "rev-parse", "HEAD")
    # the history rewritten to one commit (an orphan branch keeping the run's message): a root run commit
    git(ds, "checkout", "-q", "--orphan", "squashed")
    git(ds, "commit", "-q", "-C", run_commit)
    root = git(ds, "rev-parse", "HEAD")
    results, warned = report(ds)
    assert to_rerun(results) == [] and any(r["status"] == "impossible" for r in results)
    assert warned == [f"{root} has run information but is a root commit; it will not be re-executed"]
    (run,) = History(ds).runs
    assert run.commit == root and run.shape_reason == warned[0].replace(root, root[:8])
    assert not run.rerunnable and run.rerun_command == ""
    assert run.files == [("A", "b.txt")]  # of the root commit's whole tree, what its record declares
    p = Provenance(ds)
    assert p.producer("b.txt").commit == run.commit
    (ds / "a.txt").write_text("changed\n")
    datalad(ds, "save", "-m", "edit a", "a.txt")
    p.history.refresh()
    assert p.staleness("b.txt") and update_plan(p, "b.txt") == []  # stale, and DataLad would not rerun it
    with pytest.raises(UserError, match="root commit; it will not be re-executed"):
        rerun(p.history, run)
    v = ProvenanceViewer(p)
    v.select_run(root)
    assert v.rerun_button.disabled and "root commit; it will not be re-executed" in v.detail.value
    assert "ndw-rerun-line" not in v.detail.value


def test_octopus_merge_run_is_listed_with_datalads_reason_and_keeps_its_outputs(tmp_path):
    ds = create(tmp_path / "ds")
    put(ds, "a.txt", "alpha\n", "input")
    main = git(ds, "rev-parse", "--abbrev-ref", "HEAD")
    for name in ("x", "y"):
        git(ds, "checkout", "-q", "-b", name, main)
        put(ds, f"{name}.txt", f"{name}\n", f"branch {name}")
    git(ds, "checkout", "-q", main)
    git(ds, "merge", "-q", "--no-ff", "--no-commit", "x", "y")
    (ds / "o.txt").write_text("merged\n")
    git(ds, "add", "o.txt")
    record = {"cmd": "cat x.txt y.txt > o.txt", "dsid": dataset_id(ds), "exit": 0, "inputs": ["x.txt", "y.txt"],
              "outputs": ["o.txt"], "pwd": ".", "extra_inputs": [], "chain": []}
    git(ds, "commit", "-q", "-m", record_message("gather on a merge", record))
    octopus = git(ds, "rev-parse", "HEAD")
    assert len(git(ds, "log", "-1", "--format=%P").split()) == 3
    results, warned = report(ds)
    assert to_rerun(results) == []
    assert warned == [f"{octopus} has run information but is a merge commit; it will not be re-executed"]
    (run,) = History(ds).runs
    assert run.shape_reason == warned[0].replace(octopus, octopus[:8]) and not run.rerunnable
    assert run.files == [("A", "o.txt")]  # its declared output; the merged branches are not its work
    p = Provenance(ds)
    assert p.producer("o.txt").commit == run.commit and p.producer("x.txt") is None
    edit = put(ds, "x.txt", "x changed\n", "edit x")
    p.history.refresh()
    assert p.staleness("o.txt") == [f"x.txt changed after run {run.short}"]
    assert update_plan(p, "o.txt") == [] == to_rerun(report(ds, f"{edit}~2", "HEAD")[0])  # nothing DataLad runs
    v = ProvenanceViewer(p)
    v.select_run(octopus)
    assert v.rerun_button.disabled and "merge commit; it will not be re-executed" in v.detail.value


# -- a run whose command commits: a two-parent merge, a run with outputs, rerun as DataLad does ---------------
COMMITTING = ("tr a-z A-Z < a.txt > inner.txt && git -c user.name=Cmd -c user.email=cmd@x.invalid add inner.txt "
              "&& git -c user.name=Cmd -c user.email=cmd@x.invalid commit -q -m inner && cp inner.txt after.txt")


def test_run_whose_command_commits_is_a_run_with_its_outputs_and_reruns(tmp_path):
    ds = create(tmp_path / "ds")
    put(ds, "a.txt", "alpha\n", "input")
    datalad(ds, "run", "-i", "a.txt", "-o", "inner.txt", "-o", "after.txt", "-m", "commits itself", COMMITTING)
    merge = git(ds, "rev-parse", "HEAD")
    first_parent = git(ds, "rev-parse", "HEAD^1")
    assert len(git(ds, "log", "-1", "--format=%P").split()) == 2
    results, warned = report(ds)
    assert to_rerun(results) == [merge] and warned == []
    (datalads,) = [r for r in results if r.get("rerun_action") == "run"]
    (run,) = History(ds).runs
    assert run.commit == merge and run.rerunnable and run.rerun_command == f"datalad rerun --since={merge}^ {merge}"
    # its files: the diff with its first parent, as DataLad's own diff of the run
    theirs = sorted(os.path.relpath(d["path"], ds) for d in datalads["diff"] if d.get("state") != "clean")
    assert sorted(path for _, path in run.files) == theirs == ["after.txt", "inner.txt"]
    assert git(ds, "diff", "--name-only", first_parent, merge).split() == theirs
    p = Provenance(ds)
    assert p.producer("inner.txt").commit == run.commit == p.producer("after.txt").commit
    edit = put(ds, "a.txt", "beta\n", "new input")
    p.history.refresh()
    assert p.staleness("inner.txt") == [f"a.txt changed after run {run.short}"]
    assert edit and [r.commit for r in update_plan(p, "after.txt")] == to_rerun(report(ds, first_parent, "HEAD")[0])
    # the viewer reruns it where DataLad would
    v = ProvenanceViewer(p)
    bring_up_to_date(v, "after.txt")
    assert (ds / "inner.txt").read_text() == "BETA\n" == (ds / "after.txt").read_text()
    assert git(ds, "merge-base", "--is-ancestor", edit, "HEAD") == ""  # on top of the newer commits, none lost
    newest = p.history.runs[0]
    assert newest.chain == [merge] and len(newest.parents) == 2  # DataLad made a new run merge
    assert eventually(lambda: 'ok">up to date<' in v.legend.value)
    assert p.producer("inner.txt") is newest and p.stale_files() == []


# -- A→B→C: the plan equals what `datalad rerun --since … --onto …` re-executes ------------------------------
def test_chain_plan_equals_datalad_rerun_since_onto(tmp_path):
    ds = create(tmp_path / "ds")
    put(ds, "a.txt", "alpha\n", "input")
    put(ds, "note.txt", "unrelated\n", "a note")
    datalad(ds, "run", "-i", "a.txt", "-o", "b.txt", "-m", "make b", "cp a.txt b.txt")
    first = git(ds, "rev-parse", "HEAD")
    put(ds, "note.txt", "still unrelated\n", "edit the note")
    datalad(ds, "run", "-i", "b.txt", "-o", "c.txt", "-m", "make c", "tr a-z A-Z < b.txt > c.txt")
    datalad(ds, "run", "-i", "c.txt", "-o", "d.txt", "-m", "make d", "rev < c.txt > d.txt")
    put(ds, "a.txt", "changed\n", "edit a")
    p = Provenance(ds)
    found = {s["path"]: s for s in p.stale_files()}
    assert [(k, v["state"]) for k, v in sorted(found.items())] == [
        ("b.txt", "stale"), ("c.txt", "upstream"), ("d.txt", "upstream")]
    assert found["d.txt"]["reasons"] == ["computed from c.txt, which rests on an out-of-date result"]
    plan = [r.commit for r in update_plan(p, "d.txt")]
    theirs, _ = report(ds, f"{first}^", "HEAD")
    assert plan == to_rerun(theirs) and len(plan) == 3
    assert {r["commit"]: r["rerun_action"] for r in theirs if "run_info" not in r}  # the note edit: skip or pick
    v = ProvenanceViewer(p)
    v.show_file("d.txt")
    v.ask_update()
    assert [r.commit for r in v.pending] == plan
    v.confirm_button.click()
    v.progress.job.result(timeout=300)
    settle(v)
    assert (ds / "d.txt").read_text() == "DEGNAHC\n" and p.stale_files() == []


# -- globs: DataLad's expansion (hidden files, escapes), no warnings -----------------------------------------
def test_glob_inputs_follow_datalads_expansion(tmp_path):
    from datalad.support.globbedpaths import GlobbedPaths

    ds = create(tmp_path / "ds")
    for name in ("raw/one.txt", "raw/.hidden.txt", "raw/sub/two.txt", "data[1].txt", "x*y.txt"):
        (ds / name).parent.mkdir(parents=True, exist_ok=True)
        (ds / name).write_text(name + "\n")
    datalad(ds, "save", "-m", "inputs")
    patterns = ["raw/*.txt", "data[[]1].txt", "x[*]y.txt", "raw/**/*.txt"]
    datalad(ds, "run", *[a for pat in patterns for a in ("-i", pat)], "-o", "all.txt", "-m", "gather",
            "cat {inputs} > all.txt")
    theirs = set(GlobbedPaths(patterns, pwd=str(ds)).expand())
    assert "raw/.hidden.txt" not in theirs and "data[1].txt" in theirs
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a FutureWarning ("possible nested set") fails here
        p = Provenance(ds)
        (run,) = p.history.runs
        assert set(p.inputs(run)) == theirs
        (ds / "raw/.hidden.txt").write_text("only the hidden file changes\n")
        datalad(ds, "save", "-m", "edit a hidden file")
        p.history.refresh()
        assert p.staleness("all.txt") == []  # DataLad never read it
        (ds / "data[1].txt").write_text("escaped name changes\n")
        datalad(ds, "save", "-m", "edit data[1].txt")
        p.history.refresh()
        assert p.staleness("all.txt") == [f"data[1].txt changed after run {run.short}"]
        assert [r.commit for r in update_plan(p, "all.txt")] == to_rerun(report(ds, f"{run.commit}^", "HEAD")[0])


# -- the user's git configuration changes nothing ------------------------------------------------------------
HOSTILE = """\
[user]
\tname = Hostile Config User
\temail = hostile@neurodata-widgets.invalid
[log]
\tshowRoot = false
\tshowSignature = true
\tdecorate = full
\tabbrevCommit = true
\tfollow = true
\tmailmap = true
[diff]
\trenames = copies
\tnoprefix = true
\tmnemonicPrefix = true
\trelative = true
\tignoreSubmodules = all
\tsubmodule = log
[color]
\tui = always
\tdiff = always
\tbranch = always
[core]
\tquotepath = on
\tpager = sed s/a/b/
[pager]
\tlog = true
\tshow = true
[grep]
\tpatternType = perl
[i18n]
\tlogOutputEncoding = ISO-8859-1
"""


def _answers(ds: Path) -> dict:
    p = Provenance(ds)
    runs = p.history.runs
    return {"runs": [(r.commit, sorted(r.files), sorted(r.blobs.items()), r.shape_reason) for r in runs],
            "stale": p.stale_files(), "lineage": sorted(p.lineage("ünïcode out.txt").nodes)}


def test_git_calls_are_immune_to_the_users_git_configuration(tmp_path, monkeypatch):
    ds = create(tmp_path / "ds")
    put(ds, "raw/ïn put.txt", "alpha\n", "input")
    datalad(ds, "run", "-i", "raw/*.txt", "-o", "ünïcode out.txt", "-m", "copy", "cat raw/*.txt > 'ünïcode out.txt'")
    git(ds, "mv", "raw/ïn put.txt", "raw/renamed.txt")  # a rename, read as deletion + addition
    git(ds, "commit", "-q", "-m", "rename the input")
    run_commit = git(ds, "rev-parse", "HEAD~1")
    git(ds, "checkout", "-q", "--orphan", "root-run")  # and a run on a root commit
    git(ds, "commit", "-q", "-C", run_commit)
    calm = _answers(ds)
    assert calm["runs"][0][1] and calm["stale"] == []
    hostile = tmp_path / "hostile.gitconfig"
    hostile.write_text(HOSTILE)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile))
    assert git(ds, "config", "log.showRoot") == "false"  # the file is read
    assert _answers(ds) == calm
    # the user's own settings that are not about output stay theirs: identity, for one
    for name in IDENTITY:
        monkeypatch.delenv(name, raising=False)
    assert "Hostile Config User" in repo.run(ds, "var", "GIT_AUTHOR_IDENT")
