"""Recompute results with ``datalad rerun`` as a background job (no ipywidgets).

Examples
--------
>>> from neurodata_widgets.jobs import Job
>>> from neurodata_widgets.provenance.history import History
>>> import datalad.api as dl
>>> clone = dl.clone(demo["superdataset"], tmp / "clone", result_renderer="disabled")
>>> h = History(clone.path)
>>> job = Job(lambda job: rerun(h, h.runs[0], job), "rerun").start()
>>> sorted({r["status"] for r in job.result()})   # notneeded: nothing to do for that step
['notneeded', 'ok']
"""
from __future__ import annotations

import json
import os
import posixpath


def _reproduced_file():
    from ..config import cache_dir

    return cache_dir() / "provenance" / "reproduced.json"


def load_reproduced() -> dict:
    """``{run commit: commit}``: where a rerun gave identical outputs (kept in the user's cache)."""
    try:
        found = json.loads(_reproduced_file().read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(found, dict) else {}


def remember_reproduced(history, run, at: str) -> None:
    """Note that rerunning ``run`` at commit ``at`` reproduced its outputs (DataLad recorded no commit).

    The dataset is not touched: the note goes to the user's cache, written whole then moved in place.
    """
    history.reproduced[run.commit] = at
    target = _reproduced_file()
    merged = {**load_reproduced(), run.commit: at}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    temporary.write_text(json.dumps(merged, indent=1, sort_keys=True))
    os.replace(temporary, target)


def plan(history, run) -> dict:
    """What rerunning ``run`` recomputes: its declared outputs and the files it last wrote."""
    return {"commit": run.commit, "dataset": run.dataset or ".", "command": run.cmd,
            "outputs": run.output_paths, "files": sorted(run.blobs), "line": run.rerun_command}


def rerun(history, run, job=None) -> list[dict]:
    """Run ``datalad rerun <commit>`` in the run's dataset; return one row per DataLad result.

    Rows have ``action``, ``path`` (relative to the top dataset), ``status`` and ``message``.
    Progress and cancel go through ``job`` (:class:`neurodata_widgets.jobs.Job`).
    """
    import datalad.api as dl

    from ..errors import UserError, all_text, identity_problem
    from .gitlog import git

    if run.foreign:
        raise UserError(f"Run {run.short} was ran from a different dataset ({run.dsid}): DataLad would skip or "
                        "cherry-pick it here, not run it.",
                        "Open the dataset that ran it (usually the superdataset) and rerun it there.")
    if run.shape_reason:
        raise UserError(f"DataLad will not rerun this commit: {run.shape_reason}.",
                        "Rerun the runs before or after it, or run its command again with 'datalad run'.")
    dataset = history.path / run.dataset if run.dataset else history.path
    head = git(dataset, "rev-parse", "HEAD").strip()
    expected = max(1, len(run.blobs))
    if job is not None:
        job.report(done=0, total=expected, unit="files", message=f"datalad rerun {run.short}")
    clean = not git(dataset, "status", "--porcelain", "--untracked-files=normal").strip()
    try:
        rows = _rerun_rows(dl, history, run, dataset, job, expected)
    except BaseException as exc:
        if clean:
            _restore(dataset, head)
        found = identity_problem(all_text(exc))
        if found:  # DataLad's raw CommandError about the author: say it as a sentence, with the way out
            raise UserError(*found) from exc
        raise
    failed = [r for r in rows if r["status"] in ("error", "impossible")]
    if failed:
        if clean:
            _restore(dataset, head)  # a failed rerun leaves the dataset as it was: nothing staged, changed or new
        first = failed[0]
        error = UserError(f"datalad rerun {run.short} failed: {first['action']} {first['path']}: {first['message']}",
                          "Check the command's inputs are available (datalad get) and the dataset is saved; "
                          "the dataset was left as it was.")
        error.rows = rows
        raise error
    if git(dataset, "rev-parse", "HEAD").strip() == head:
        # the command ran and wrote the same files: DataLad saved nothing, the run is done all the same
        remember_reproduced(history, run, head)
    return rows  # the caller refreshes the history (and sees whether a new record was made)


def _rerun_rows(dl, history, run, dataset, job, expected) -> list[dict]:
    from ..errors import identity_problem

    rows = []
    # --since=<first parent>: the range of the commit alone. For a run whose command made commits (a
    # two-parent merge) this keeps the command's own commits in the range, so DataLad replays the run on
    # top of HEAD; without it DataLad drops them and rebuilds the branch from the merge's first parent,
    # leaving every later commit off the branch.
    for res in dl.rerun(revision=run.commit, since=f"{run.commit}^", dataset=str(dataset),
                        return_type="generator", result_renderer="disabled", on_failure="ignore"):
        path = res.get("path") or ""
        try:
            rel = posixpath.relpath(path, str(history.path)) if path else ""
        except ValueError:
            rel = path
        message = res.get("message") or ""
        if isinstance(message, tuple):
            message = message[0] % message[1:] if len(message) > 1 else message[0]
        found = identity_problem(str(message))
        message = " ".join(found) if found else message
        rows.append({"action": res.get("action", ""), "path": rel, "status": res.get("status", ""),
                     "message": str(message)})
        if job is not None:
            job.check()
            files = sum(1 for r in rows if r["action"] in ("save", "add") and r["status"] in ("ok", "notneeded"))
            job.report(done=min(files, expected), files_done=len(rows), message=f"{res.get('action', '')} {rel}")
    return rows


def _restore(dataset, head: str) -> None:
    """Put a dataset that was clean at ``head`` back as it was: its commit, index, files; what the run made goes."""
    from .gitlog import git

    git(dataset, "reset", "--quiet", "--hard", head)
    git(dataset, "clean", "--quiet", "-d", "--force")  # new files the failed command wrote (ignored files stay)


def update_plan(provenance, path: str) -> list:
    """Runs to redo, upstream first, so that ``path`` and what it is computed from are current again."""
    graph = provenance.lineage(path, downstream=False)
    runs = {}
    for node in graph.nodes.values():
        if node["kind"] == "file" and (node["stale"] or node["stale_upstream"]):
            run = provenance.producer(node["path"])
            if run is not None and run.rerunnable:  # as DataLad: not a run ran elsewhere, on a root or octopus
                runs["run:" + run.commit] = run
    # a run's upstream holds the upstream of every run it depends on: fewer ancestors go first
    return [runs[n] for n in sorted(runs, key=lambda n: len(graph.upstream_of(n)))]


def rerun_many(history, runs, job=None) -> list[dict]:
    """Rerun ``runs`` one after the other (each sees the results of those before it)."""
    rows = []
    for i, run in enumerate(runs):
        if job is not None:
            job.check()
            job.report(message=f"run {i + 1} of {len(runs)}: {run.message or run.short}")
        rows += rerun(history, run, job)
    return rows
