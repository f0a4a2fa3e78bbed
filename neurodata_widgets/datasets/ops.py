"""Clone, install, get and drop over a dataset hierarchy, with progress, cancel and per-path results.

Every operation goes through DataLad's Python API (``return_type="generator"``,
``result_renderer="disabled"``) and returns one record per path::

    {"path": "raw/sub-01/anat/sub-01_T1w.nii.gz", "action": "get", "status": "ok",
     "message": "", "bytes": 25048}

``status`` is DataLad's: ``ok``, ``notneeded``, ``impossible`` or ``error`` (with its message).
Pass a :class:`neurodata_widgets.jobs.Job` as ``job`` to get progress reports (bytes and
files, from the local annex as content arrives) and cancel: a cancel stops the running
git-annex transfer, keeps what was complete and leaves nothing partial in the dataset.

Drop never removes the last copy: git-annex checks ``numcopies`` against the other
repositories. ``unsafe=True`` skips that check, and only together with ``confirm=`` naming
every file whose only copy is here (:func:`last_copies`).

Examples
--------
>>> from neurodata_widgets.datasets import ops
>>> clone = ops.clone(demo["superdataset"], tmp / "clone", install_all=True)
>>> results = ops.get(clone, ["raw/sub-01"])
>>> [r["status"] for r in results]
['ok', 'ok']
>>> ops.drop(clone, ["raw/sub-01"])[0]["status"]
'ok'
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from ..errors import UserError
from .state import DatasetState, git_dir, hashdirmixed, whereis

log = logging.getLogger(__name__)

CHUNK_FILES = 500  # files handed to one DataLad call: a cancel waits at most for one chunk's start-up
CHUNK_BYTES = 2 * 1000**3
POLL_SECONDS = 0.1
LAST_COPY = ("Not dropped: this is the last available copy. git-annex could not verify enough copies "
             "elsewhere (numcopies) to drop it safely")


def _api():
    import datalad.api as dl

    return dl


def _message(res: dict) -> str:
    """DataLad's message (a string or a ``(format, *args)`` tuple) plus git-annex's error text."""
    msg = res.get("message") or ""
    if isinstance(msg, (tuple, list)) and msg:
        try:
            msg = msg[0] % tuple(msg[1:]) if len(msg) > 1 else msg[0]
        except (TypeError, ValueError):
            msg = " ".join(str(m) for m in msg)
    extra = res.get("error_message") or ""
    if isinstance(extra, (tuple, list)):
        extra = " ".join(str(m) for m in extra)
    if extra and extra not in str(msg):
        msg = f"{msg}: {extra}" if msg else extra
    from ..errors import identity_problem

    found = identity_problem(str(msg))
    return " ".join(found) if found else str(msg).strip()


def _record(root: Path, res: dict, action: str, sizes: dict) -> dict:
    path = res.get("path") or ""
    try:
        # abspath, not resolve: a locked annexed file is a symlink into .git/annex/objects
        rel = Path(os.path.abspath(path)).relative_to(root).as_posix() if path else ""
    except ValueError:
        rel = path
    rel = "" if rel == "." else rel
    status = res.get("status", "error")
    message = _message(res)
    if action == "drop" and status in ("error", "impossible") and (
            "numcopies" in message or "necessary cop" in message or "unsafe" in message.lower()):
        why = next((part.strip(" ()") for part in message.replace(";", "\n").splitlines()
                    if "necessary" in part or "numcopies" in part), "")
        message = f"{LAST_COPY}: {why.rstrip('.')}." if why else f"{LAST_COPY}."
    return {"path": rel, "action": res.get("action", action), "status": status, "message": message,
            "type": res.get("type", ""), "bytes": sizes.get(rel, 0) if status == "ok" else 0}


def _chunks(files, max_files: int = CHUNK_FILES):
    chunk, size = [], 0
    for rec in files:
        chunk.append(rec)
        size += int(rec["size"] or 0)
        if len(chunk) >= max_files or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _annex_children(dataset: Path) -> list[int]:
    """git-annex processes started from this process (directly or below) working in ``dataset``."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
        names[int(entry)] = name
    mine, pids = {os.getpid()}, []
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        if names.get(pid, "").startswith("git-annex"):
            try:
                if Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == dataset:
                    pids.append(pid)
            except OSError:
                continue
    return pids


class _Watch:
    """While a DataLad call runs: report bytes arriving in the annex, and stop git-annex on cancel."""

    def __init__(self, job, dataset: Path, chunk: list, base: dict):
        self.job, self.dataset, self.chunk, self.base = job, dataset, chunk, base
        self.annex = git_dir(dataset) / "annex"
        self.objects = [(self.annex / "objects" / _object(r["key"]), self.annex / "tmp" / r["key"], int(r["size"] or 0))
                        for r in chunk]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.killed = False
        self._signalled: set = set()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="ndw-get-watch")

    def __enter__(self):
        if self.job is not None:
            # a cancel reaches us at once through the job's listeners (the poll only measures bytes)
            self.job.on_change(self._on_change)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _on_change(self, job) -> None:
        if job.cancelled and not self._stop.is_set():
            self.stop_annex()

    def stop_annex(self) -> None:
        # called again on every poll after a cancel: a git-annex that DataLad starts after the first
        # call (the cancel came during the call's start-up) must be stopped too
        with self._lock:
            for pid in _annex_children(self.dataset):
                if pid in self._signalled:
                    continue
                try:
                    os.kill(pid, signal.SIGTERM)
                    self._signalled.add(pid)
                except OSError:
                    pass
            self.killed = bool(self._signalled)

    def _loop(self):
        while not self._stop.wait(POLL_SECONDS):
            if self.job.cancelled:
                self.stop_annex()  # a git-annex started after the cancel arrived
            done, files = 0, 0
            for obj, tmp, size in self.objects:
                if obj.exists():
                    done += size
                    files += 1
                else:
                    try:
                        done += tmp.stat().st_size
                    except OSError:
                        pass
            if not self._stop.is_set():
                self.job.report(done=self.base["done"] + done, files_done=self.base["files"] + files)


def _report(job, **kw):
    if job is not None:
        job.report(**kw)


def _unknown(state: DatasetState, paths, action: str) -> list[dict]:
    """Records for asked-for paths that name nothing in the (installed) hierarchy."""
    missing = []
    for p in paths:
        if p and state.dataset_info(p) is None and state.files_under(p, subdatasets=True).empty:
            missing.append({"path": p, "action": action, "status": "impossible", "type": "",
                            "message": "No such file or folder in the dataset (or in an installed subdataset).",
                            "bytes": 0})
    return missing


def _targets(state: DatasetState, paths, want_present: bool):
    """Annexed files under ``paths`` whose presence is ``want_present``, grouped by dataset."""
    frame = state.files_in(paths)
    frame = frame[(frame["kind"] == "annexed") & (frame["present"] == want_present)].drop_duplicates("path")
    groups: dict = {}
    for rec in frame.to_dict("records"):
        groups.setdefault(rec["dataset"], []).append(rec)
    return groups


def install(root, paths, job=None, state: DatasetState | None = None) -> list[dict]:
    """Install the (not installed) subdatasets at or above ``paths`` without getting content."""
    root = Path(root).resolve()
    dl = _api()
    results = []
    _report(job, message="installing", unit="files", done=0, total=len(paths))
    for i, path in enumerate(paths):
        if job is not None:
            job.check()
        for res in dl.get(path=str(root / path), dataset=str(root), get_data=False, recursive=False,
                          on_failure="ignore", return_type="generator", result_renderer="disabled"):
            if res.get("type") == "dataset" or res.get("status") != "ok":
                results.append(_record(root, res, "install", {}))
        _report(job, done=i + 1)
    if state is not None:
        state.refresh()
    return results


def _not_installed(state: DatasetState, paths) -> list[str]:
    """Not-installed subdatasets that ``paths`` lead into or contain."""
    missing = []
    for d in state.datasets():
        if d["installed"]:
            continue
        if any(p.strip("/") == "" or d["path"].startswith(p.strip("/") + "/") or p.strip("/") == d["path"] or
               p.strip("/").startswith(d["path"] + "/") for p in paths):
            missing.append(d["path"])
    return missing


def get(root, paths, jobs: int | None = None, install_subdatasets: bool = True, job=None,
        state: DatasetState | None = None, chunk_files: int = CHUNK_FILES) -> list[dict]:
    """Get the content of files and folders (recursively, across subdatasets).

    Parameters
    ----------
    root : path
        The top dataset; ``paths`` are relative to it.
    paths : list of str
        Files, folders or subdatasets.
    jobs : int, optional
        Parallel transfers (git-annex ``-J``).
    install_subdatasets : bool
        Install not-installed subdatasets on the way (only the ones the paths need).
    job : Job, optional
        Receives progress (``unit="bytes"``) and is checked for cancel.
    chunk_files : int
        Files per DataLad call; a cancel between calls is immediate, within one it stops git-annex.

    Returns
    -------
    list of dict
        One record per file (and per installed subdataset).
    """
    root = Path(root).resolve()
    state = state or DatasetState(root)
    paths = [p.strip("/") for p in paths]
    results = []
    if install_subdatasets:
        missing = _not_installed(state, paths)
        while missing:
            results += install(root, missing)
            state.refresh()
            # a subdataset path is installed now; deeper ones may appear under it
            again = [m for m in _not_installed(state, paths) if m not in missing]
            missing = again
    results += _unknown(state, paths, "get")
    targets = _targets(state, paths, want_present=False)
    # files already here get a record too, so every asked-for path is answered
    already = [{"path": r["path"], "action": "get", "status": "notneeded", "message": "already present",
                "type": "file", "bytes": 0} for recs in _targets(state, paths, want_present=True).values() for r in recs]
    files = [rec for recs in targets.values() for rec in recs]
    total = sum(int(r["size"] or 0) for r in files)
    sizes = {r["path"]: int(r["size"] or 0) for r in files}
    base = {"done": 0, "files": 0}
    _report(job, unit="bytes", done=0, total=total, files_done=0, files_total=len(files), message="")
    dl = _api()
    chunks = [(dataset, chunk) for dataset, recs in targets.items() for chunk in _chunks(recs, chunk_files)]
    for dataset, chunk in chunks:
        ds_path = root / dataset
        if job is not None and job.cancelled:
            break  # what arrived stays; the job ends as cancelled with these results
        start = len(results)
        with _Watch(job, ds_path, chunk, base) as watch:
            try:
                for res in dl.get(path=[str(root / r["path"]) for r in chunk], dataset=str(ds_path),
                                  jobs=jobs, on_failure="ignore", return_type="generator",
                                  result_renderer="disabled"):
                    if res.get("type") == "file" or res.get("status") != "ok":
                        results.append(_record(root, res, "get", sizes))
            except Exception as exc:  # a killed git-annex surfaces as a DataLad error
                if not watch.killed:
                    raise
                log.info("get cancelled: %s", exc)
        _hint_globus(ds_path, results[start:])
        base["done"] += sum(sizes[r["path"]] for r in chunk if _present(ds_path, r))
        base["files"] += sum(1 for r in chunk if _present(ds_path, r))
        _report(job, done=base["done"], files_done=base["files"])
    for dataset in targets:
        state.refresh(dataset)  # only what changed is read again
    return results + already


def _hint_globus(ds_path: Path, results: list) -> None:
    """A failed get in a CONP clone whose ``globus`` remote is not enabled says how to enable it."""
    failed = [r for r in results if r["status"] in ("error", "impossible") and r.get("type") == "file"]
    if failed:
        from ..globus.conp import enable_hint

        hint = enable_hint(ds_path)
        for r in failed:
            if hint and hint not in r["message"]:
                r["message"] = f"{r['message']} {hint}".strip()


def _object(key: str) -> str:
    return f"{hashdirmixed(key)}{key}/{key}"


def _present(ds_path: Path, rec: dict) -> bool:
    return (git_dir(ds_path) / "annex" / "objects" / _object(rec["key"])).exists()


def last_copies(root, paths, state: DatasetState | None = None) -> list[str]:
    """Present files under ``paths`` whose content exists nowhere but here (a drop would lose it)."""
    root = Path(root).resolve()
    state = state or DatasetState(root)
    lost = []
    for dataset, recs in _targets(state, [p.strip("/") for p in paths], want_present=True).items():
        inner = {r["path"][len(dataset):].strip("/"): r["path"] for r in recs}
        where = whereis(root / dataset, inner)
        for rel, full in inner.items():
            if not [w for w in where.get(rel, []) if not w["here"]]:
                lost.append(full)
    return sorted(lost)


def drop(root, paths, unsafe: bool = False, confirm=None, job=None, state: DatasetState | None = None) -> list[dict]:
    """Drop the content of files and folders, never the last copy unless confirmed.

    Parameters
    ----------
    unsafe : bool
        Drop even when git-annex cannot verify enough other copies.
    confirm : list of str
        Required with ``unsafe=True``: must name every file that would be lost
        (as returned by :func:`last_copies`), so nothing is lost by accident.
    """
    root = Path(root).resolve()
    state = state or DatasetState(root)
    paths = [p.strip("/") for p in paths]
    if unsafe:
        lost = last_copies(root, paths, state)
        unconfirmed = sorted(set(lost) - set(confirm or []))
        if unconfirmed:
            raise UserError(f"Dropping would lose the only copy of {len(unconfirmed)} file(s): "
                            + ", ".join(unconfirmed[:10]) + (" …" if len(unconfirmed) > 10 else ""),
                            "Confirm by naming these files, or copy them elsewhere first (datalad push).")
    targets = _targets(state, paths, want_present=True)
    files = [rec for recs in targets.values() for rec in recs]
    sizes = {r["path"]: int(r["size"] or 0) for r in files}
    _report(job, unit="files", done=0, total=len(files), message="")
    dl = _api()
    results, done = _unknown(state, paths, "drop"), 0
    for dataset, chunk in [(d, c) for d, recs in targets.items() for c in _chunks(recs)]:
        if job is not None and job.cancelled:
            break  # drops are quick: stop between calls, keep the records of what was done
        for res in dl.drop(path=[str(root / r["path"]) for r in chunk], dataset=str(root / dataset),
                           what="filecontent", reckless="availability" if unsafe else None,
                           on_failure="ignore", return_type="generator", result_renderer="disabled"):
            if res.get("type") == "file" or res.get("status") != "ok":
                results.append(_record(root, res, "drop", sizes))
        done += len(chunk)
        _report(job, done=done)
    for dataset in targets:
        state.refresh(dataset)
    return results


def clone(source, path, install_all: bool = False, job=None) -> str:
    """Clone a dataset (cheap: no content); ``install_all`` also installs every subdataset."""
    dl = _api()
    _report(job, message=f"cloning {source}")
    if os.path.isdir(str(source)):
        source = os.path.abspath(source)  # relative subdataset URLs resolve against the clone's origin
    ds = dl.clone(source=str(source), path=os.path.abspath(path), result_renderer="disabled")
    if install_all:
        ds.get(".", recursive=True, get_data=False, result_renderer="disabled")
    return str(ds.path)


def summarize(results) -> dict:
    """Counts per status, bytes moved and the first problems, for a banner."""
    counts: dict = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    problems = [r for r in results if r["status"] in ("impossible", "error")]
    return {"counts": counts, "bytes": sum(r.get("bytes", 0) for r in results), "problems": problems}
