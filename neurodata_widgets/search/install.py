"""Install (clone) the datasets a search found: one ``datalad clone`` each, with progress and a Cancel that stops it.

Each clone runs as its own ``datalad clone`` process (the environment's own, see :mod:`neurodata_widgets.tools`),
so Cancel stops a clone that hangs on a slow server at once: the process and its git children end, and the
half-made folder is removed. Datasets cloned before the Cancel stay.

Examples
--------
>>> from neurodata_widgets.jobs import Job
>>> job = Job(lambda job: install_datasets([demo["subdatasets"][0]], tmp, job)).start()
>>> [p.name for p in map(Path, job.result(timeout=120))]
['raw']
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError, identity_problem
from ..jobs import Cancelled
from ..repo import remove_tree
from ..tools import command

POLL = 0.2  # seconds between looks at Cancel while a clone runs


def folder_name(url: str) -> str:
    """The folder a dataset URL is cloned into: its last path part without ``.git``.

    >>> folder_name("https://github.com/ndw-lab/ndw-demo-raw.git"), folder_name("/data/study/")
    ('ndw-demo-raw', 'study')
    """
    name = Path(str(url).rstrip("/").removesuffix("/.git").removesuffix(".git")).name
    return name if name not in ("", ".", "..") else "dataset"


def targets(urls, into) -> list[Path]:
    """Where each URL goes inside ``into``; names that repeat get ``-2``, ``-3``; a folder in the way is refused."""
    into, seen, out = Path(into).expanduser(), {}, []
    for url in urls:
        name = folder_name(url)
        seen[name] = seen.get(name, 0) + 1
        path = into / (name if seen[name] == 1 else f"{name}-{seen[name]}")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise UserError(f"Install would overwrite {path}: it already exists.",
                            "Choose another folder in Into, or move that one away.")
        out.append(path)
    return out


def _stop(proc: subprocess.Popen) -> None:
    """End a clone and its git children (their own process group)."""
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def clone(url: str, path: Path, job=None) -> str:
    """``datalad clone url path``; with ``job``, its Cancel ends the clone and removes what it made."""
    source = os.path.abspath(url) if os.path.isdir(str(url)) else str(url)
    existed = path.exists()
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: datalad must never block on its messages
        proc = subprocess.Popen([command("datalad"), "clone", source, str(path)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
        while True:
            try:
                code = proc.wait(POLL)
                break
            except subprocess.TimeoutExpired:
                if job is not None and job.cancelled:
                    _stop(proc)
                    if not existed:
                        remove_tree(path)
                    raise Cancelled(f"cloning {url}") from None
        errors.seek(0)
        said = errors.read().decode(errors="replace")
    if code != 0:
        if not existed:
            remove_tree(path)
        lines = [ln.strip() for ln in said.splitlines() if ln.strip()]
        why = next((ln for ln in lines if "error" in ln.lower()), lines[-1] if lines else f"exit code {code}")
        found = identity_problem(said)  # git-annex: "failed to read sha from git commit-tree"
        if found:
            raise UserError(f"Could not clone {url}: {found[0]}", found[1])
        raise UserError(f"Could not clone {url}: {why[:300]}",
                        "Check the URL can be reached from this machine (a path must exist here).")
    return str(path)


def install_datasets(urls, into, job=None, done: list | None = None) -> list[str]:
    """Clone every URL into the folder ``into``, reporting ``k of n datasets`` to ``job``; returns the paths.

    ``done`` (a list) receives each path as soon as its clone finished: what stays after a Cancel.
    """
    urls = list(urls)
    paths = targets(urls, into)
    Path(into).expanduser().mkdir(parents=True, exist_ok=True)
    done = [] if done is None else done
    for i, (url, path) in enumerate(zip(urls, paths)):
        if job is not None:
            job.check()
            job.report(done=i, total=len(urls), unit="datasets", message=f"cloning {url}")
        done.append(clone(url, path, job))
    if job is not None:
        job.report(done=len(urls), total=len(urls), unit="datasets", message=f"into {Path(into).expanduser()}")
    return done


__all__ = ["install_datasets", "clone", "targets", "folder_name"]
