"""Save changes and push them to a sibling: the last two steps of sharing what was done in a dataset.

Both go through DataLad's Python API and return one record per path or per sibling, as the other
operations do (:mod:`neurodata_widgets.datasets.ops`).

Examples
--------
>>> import datalad.api as dl
>>> ds = dl.create(tmp / "ds", result_renderer="disabled")
>>> (tmp / "ds" / "notes.txt").write_text("first notes\\n")
12
>>> [r["status"] for r in save(ds.path, "Add notes")]
['ok', 'ok']
>>> changes(ds.path)
0
>>> siblings(ds.path)
[]
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import errors, repo
from ..errors import UserError
from .ops import _api, _message, _report

_UNVERIFIED = re.compile(r"unverified special remote\. Run this command to verify it: git-annex verifyremote (\S+)")


def _translate(exc):
    """git-annex refuses to push while a special remote of the dataset is unverified: say why and what to do."""
    found = _UNVERIFIED.search(str(exc))
    if not found:
        return None
    name = found.group(1)
    return (f"git-annex will not push while the dataset's special remote '{name}' is unverified.",
            f"A special remote runs a program named in the dataset's own configuration. If you trust where this "
            f"dataset came from, verify it once in the dataset's folder with `git annex verifyremote {name}`, "
            "then push again.")


errors.register(_translate)


def unverified_remote(exc) -> str | None:
    """The special remote named by git-annex's "push prevented … unverified special remote" error, if it is one."""
    found = _UNVERIFIED.search(str(exc))
    return found.group(1) if found else None


def remote_configuration(root, name: str) -> tuple[str, str]:
    """What git-annex shows before a special remote is trusted: ``(its configuration, the id to confirm)``.

    The id is what ``git annex verifyremote NAME --safe ID`` needs; it changes when the configuration does, so
    a confirmation always refers to the configuration the user saw.
    """
    return repo.remote_to_verify(root, name)


def verify_remote(root, name: str, safe_id: str) -> None:
    """Trust special remote ``name`` in its configuration ``safe_id`` (``git annex verifyremote --safe``)."""
    repo.verify_remote(root, name, safe_id)


def changes(root) -> int:
    """How many paths have changes not saved yet (modified, added or untracked; subdatasets included)."""
    out = repo.run(root, "status", "--porcelain", "-z", "--untracked-files=normal", "--ignore-submodules=none")
    return len([entry for entry in out.split("\0") if entry[:2].strip()])


def siblings(root) -> list[str]:
    """Names of the dataset's siblings that can be pushed to (git remotes; git-annex special remotes excluded)."""
    names = [n for n in repo.run(root, "remote").split() if n]
    return [n for n in names if not repo.config(root, f"remote.{n}.annex-externaltype")
            and repo.config(root, f"remote.{n}.url")]


def save(root, message: str = "", paths=(), job=None) -> list[dict]:
    """``datalad save``: record the dataset's changes (and its subdatasets') with ``message``."""
    dl = _api()
    _report(job, message="saving")
    results = []
    for res in dl.save(dataset=str(root), path=[str(Path(root) / p) for p in paths] or None,
                       message=message or None, recursive=True, return_type="generator",
                       result_renderer="disabled", on_failure="ignore"):
        results.append({"path": str(Path(res.get("path", root)).relative_to(Path(root).resolve()))
                        if str(res.get("path", "")).startswith(str(Path(root).resolve())) else res.get("path", ""),
                        "action": res.get("action", "save"), "status": res.get("status", ""),
                        "message": _message(res), "bytes": 0})
    return results


def push(root, to: str, job=None) -> list[dict]:
    """``datalad push --to <to>``: send saved history (and annexed content the sibling wants) there."""
    if not to:
        raise UserError("Choose a sibling to push to.", "A dataset's siblings are its git remotes "
                        "(add one with `datalad siblings add` or `datalad create-sibling`).")
    dl = _api()
    _report(job, message=f"pushing to {to}")
    results = []
    for res in dl.push(dataset=str(root), to=to, return_type="generator", result_renderer="disabled",
                       on_failure="ignore"):
        results.append({"path": res.get("target") or to, "action": res.get("action", "push"),
                        "status": res.get("status", ""), "message": _message(res), "bytes": 0})
    return results


__all__ = ["changes", "siblings", "save", "push", "unverified_remote", "remote_configuration", "verify_remote"]
