"""Safe, parallel, resumable downloads of an XNAT file manifest.

Each file streams to ``<name>.ndw-part`` next to its target and is renamed only once
it is complete and, when XNAT gave a digest, its md5 matched. A connection that breaks
mid-file is resumed with a ``Range`` request where the server allows it; a file that
still fails is reported and leaves nothing behind. Server-provided names are
sanitised so nothing lands outside the target folder.

Examples
--------
>>> from neurodata_widgets.xnat.download import safe_relpath
>>> safe_relpath("{subject}/{session}/{scan}/", {"subject": "s1", "session": "../x", "scan": "1"}, "../../etc/passwd")
's1/.._x/1/etc/passwd'
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import string
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from .. import errors
from ..jobs import Cancelled

log = logging.getLogger(__name__)

DEFAULT_PATHFMT = "{subject}/{session}/{scan}/"
PART_SUFFIX = ".ndw-part"
CHUNK = 1 << 20
RESUME_ATTEMPTS = 2
_UNSAFE = re.compile(r"[\x00-\x1f\\:]")


class DownloadError(errors.UserError):
    """Some files failed; ``report`` (a DataFrame) says which and why."""

    def __init__(self, message, hint, report):
        super().__init__(message, hint)
        self.report = report


def _safe_component(value) -> str:
    text = _UNSAFE.sub("_", str(value if value is not None else "")).replace("/", "_").strip()
    return "_" if text in ("", ".", "..") else text


def safe_relpath(pathfmt: str, fields: dict, name: str) -> str:
    """Relative path of a file: ``pathfmt`` filled with sanitised fields, then the sanitised name.

    ``//`` in ``pathfmt`` (a subdataset boundary for tracking) is kept. Name segments that are
    empty, ``.`` or ``..`` are dropped, so ``../x`` and ``/etc/x`` stay inside the target.
    """
    wanted = {f for _, f, _, _ in string.Formatter().parse(pathfmt) if f}
    prefix = pathfmt.format(**{k: _safe_component(fields.get(k)) for k in wanted})
    parts = [_UNSAFE.sub("_", p) for p in PurePosixPath(str(name).replace("\\", "/")).parts
             if p not in ("", "/", ".", "..")]
    if not parts:
        parts = ["_"]
    return prefix + "/".join(parts)


def layout_fields(row: dict) -> dict:
    """The fields a path format is filled with: an assessor (its label) or a session-level resource stands where a
    scan would, so ``{subject}/{session}/{scan}/`` puts FreeSurfer's files in ``.../<session>_freesurfer/``."""
    if not row.get("scan") and row.get("assessor"):
        return dict(row, scan=row["assessor"])
    if not row.get("scan"):
        return dict(row, scan=row.get("resource") or "resources")
    return row


def relpaths(rows: list, pathfmt: str) -> list:
    """Relative paths of manifest rows, never two the same.

    ``name`` is the file's catalog path, unique within its resource; files of two resources of one
    scan (``DICOM/x.dcm``, ``SNAPSHOTS/x.dcm``) would still meet, so those get their resource's
    label as a folder.
    """
    paths = [safe_relpath(pathfmt, layout_fields(r), r["name"]) for r in rows]
    seen: dict = {}
    for i, path in enumerate(paths):
        seen.setdefault(path, []).append(i)
    for path, which in seen.items():
        if len(which) > 1:
            for i in which:
                row = rows[i]
                paths[i] = safe_relpath(pathfmt, layout_fields(row), f"{row.get('resource') or '_'}/{row['name']}")
    if len(set(paths)) != len(paths):  # the same file listed twice: the caller's manifest is wrong
        raise errors.UserError("Two files of the selection would land on the same path.",
                               "Remove the duplicate rows or choose a path format with more fields.")
    return paths


def plan(manifest, target, pathfmt: str = DEFAULT_PATHFMT):
    """The manifest with a ``path`` column (absolute target path of every file, one file per path)."""
    root = str(Path(target).expanduser().resolve())
    out = manifest.copy()
    paths = []
    for rel in relpaths(manifest.to_dict("records"), pathfmt.replace("//", "/")):
        path = os.path.normpath(os.path.join(root, rel))
        if not path.startswith(root + os.sep):  # defence in depth: sanitising should make this impossible
            raise errors.UserError(f"Refusing to write outside {root}: {rel}")
        paths.append(path)
    out["path"] = paths
    return out


class _Progress:
    def __init__(self, total_bytes, total_files, job=None, callback=None):
        self.lock = threading.Lock()
        self.done = self.files = 0
        self.total, self.total_files = total_bytes, total_files
        self.job, self.callback = job, callback

    def add(self, nbytes=0, files=0):
        with self.lock:
            self.done += nbytes
            self.files += files
            done, count = self.done, self.files
        if self.job is not None:
            self.job.report(done=done, total=self.total, unit="bytes", files_done=count, files_total=self.total_files)
        if self.callback is not None:
            self.callback(done, self.total, count, self.total_files)


def _fetch(http, url, dest: Path, size, md5, progress: _Progress, cancelled, timeout) -> str:
    part = dest.with_name(dest.name + PART_SUFFIX)
    if not dest.parent.is_dir():
        dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5()
    have = 0
    try:
        for attempt in range(RESUME_ATTEMPTS + 1):
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                with http.get(url, stream=True, headers=headers, timeout=timeout) as response:
                    if response.status_code == 200 and have:  # server ignored Range: start over
                        progress.add(-have)
                        have, digest = 0, hashlib.md5()
                    elif response.status_code not in (200, 206):
                        response.raise_for_status()
                    _check_not_a_page(response, dest.name)
                    expected = response.headers.get("Content-Length")
                    expected = have + int(expected) if expected is not None else size
                    with open(part, "ab" if have else "wb") as fh:
                        for chunk in response.iter_content(CHUNK):
                            if cancelled():
                                raise Cancelled(str(dest))
                            fh.write(chunk)
                            if md5:  # hashing is most of our cost over a plain loop: only when it is checked
                                digest.update(chunk)
                            have += len(chunk)
                            progress.add(len(chunk))
                if expected is not None and have < expected:
                    raise _Broken(f"got {have} of {expected} bytes")
                break
            except (_Broken, *_broken_types()) as exc:
                if "timed out" in str(exc):  # a silent server: resuming would only wait again
                    raise
                if attempt == RESUME_ATTEMPTS:
                    short = str(exc) if isinstance(exc, _Broken) else "connection closed early"
                    raise errors.UserError(f"The connection broke while downloading {dest.name} ({short}).",
                                           "Nothing partial was kept; try again.") from exc
                log.info("resuming %s at byte %d after: %s", url, have, exc)
        if size is not None and have != size:
            raise errors.UserError(f"Size mismatch for {dest.name}: XNAT lists {size} bytes, received {have}.",
                                   "The file was not kept; refresh the listing and try again.")
        if md5 and digest.hexdigest() != md5:
            raise errors.UserError(f"Checksum mismatch for {dest.name}: XNAT says md5 {md5}, "
                                   f"received {digest.hexdigest()}.", "The file was not kept; try again or tell "
                                   "the XNAT administrators if it persists.")
        os.replace(part, dest)
        return "downloaded"
    except BaseException:
        progress.add(-have)
        part.unlink(missing_ok=True)
        raise


class _Broken(Exception):
    pass


def _check_not_a_page(response, name: str) -> None:
    """A web page (XNAT's login page, a proxy's error page) is never saved as a data file."""
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml") and not name.lower().endswith((".html", ".htm")):
        raise errors.UserError(f"XNAT sent a web page instead of {name} (a login or error page); nothing was saved.",
                               "Log in again, then retry; if it persists, check the file on the XNAT web site.")


def _broken_types():
    import requests

    return (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)


def download(client, manifest, target, *, pathfmt: str = DEFAULT_PATHFMT, workers: int = 4,
             overwrite: bool = False, job=None, progress=None, raise_on_error: bool = True):
    """Download the files of ``manifest`` (from :meth:`XnatClient.manifest`) into ``target``.

    Parameters
    ----------
    pathfmt : str
        Folder layout, filled with the manifest's columns (``{subject}/{session}/{scan}/``).
    workers : int
        Parallel downloads.
    overwrite : bool
        Replace existing files (default: skip files already there with the right size).
    job : neurodata_widgets.jobs.Job, optional
        Receives progress (bytes and files) and is checked for cancel.
    progress : callable, optional
        ``progress(bytes_done, bytes_total, files_done, files_total)``.

    Returns
    -------
    DataFrame
        The manifest with ``path``, ``status`` (downloaded, skipped, failed) and ``error``.

    Examples
    --------
    >>> from neurodata_widgets.xnat.client import Node, XnatClient
    >>> xnat = sandbox.info()["xnat"]
    >>> client = XnatClient(xnat["url"])
    >>> client.login("demo", xnat["password"])
    'demo'
    >>> files = client.manifest([Node("experiment", "DEMO_PUBLIC", "sub-001", "XNAT_E00001")])
    >>> download(client, files, tmp)["status"].value_counts().to_dict()  # 3 scans: 2 DICOM files and 2 snapshots each; the QC report; assessors
    {'downloaded': 17}
    """
    planned = plan(manifest, target, pathfmt)
    rows = planned.to_dict("records")
    sizes = [int(r["size"]) if r.get("size") is not None and str(r["size"]) != "<NA>" else 0 for r in rows]
    state = _Progress(sum(sizes), len(rows), job, progress)
    cancelled = (lambda: job.cancelled) if job is not None else (lambda: False)
    http = client.http
    results = [None] * len(rows)

    def one(i):
        row = rows[i]
        dest = Path(row["path"])
        if cancelled():
            return "cancelled", ""
        if dest.exists() and not overwrite and (not sizes[i] or dest.stat().st_size == sizes[i]):
            state.add(sizes[i], 1)
            return "skipped", ""
        try:
            status = _fetch(http, row["url"], dest, sizes[i] or None, row.get("md5") or None, state, cancelled,
                            client.timeout)
        except Cancelled:
            return "cancelled", ""
        except Exception as exc:
            log.warning("download of %s failed", row["url"], exc_info=True)
            state.add(0, 1)
            return "failed", " ".join(errors.describe(exc))
        state.add(0, 1)
        return status, ""

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ndw-xnat-dl") as pool:
        for i, outcome in zip(range(len(rows)), pool.map(one, range(len(rows)))):
            results[i] = outcome
    planned["status"] = [r[0] for r in results]
    planned["error"] = [r[1] for r in results]
    if cancelled():
        raise Cancelled("download")
    failed = planned[planned["status"] == "failed"]
    if raise_on_error and len(failed):
        first = failed.iloc[0]
        raise DownloadError(f"{len(failed)} of {len(planned)} files failed; first: {first['name']}: {first['error']}",
                            "The failed files were not kept; try again.", planned)
    return planned
