"""Transfer tasks: submit, status, cancel, and watching a task with backoff (no widgets).

:func:`watch` turns a task into a :class:`neurodata_widgets.jobs.Job` that polls
``GET /task/<id>`` once a second while bytes move, doubles the interval (up to
:data:`MAX_INTERVAL`) while progress stalls, and stops when the task ends; cancelling
the job cancels the task on Globus.

Examples
--------
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.globus.transfer import submit, watch
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> client = GlobusClient()
>>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see the client)
>>> src, dst = sandbox.info()["globus"]["source_collection"], sandbox.info()["globus"]["destination_collection"]
>>> task_id = submit(client, src, dst, [("/ds001/", "/copy/ds001/", True)], label="raw")
>>> watch(client, task_id).start().result()["status"]
'SUCCEEDED'
>>> client.logout()
"""
from __future__ import annotations

import threading
import time

from ..config import read_user_json, write_user_json
from ..errors import UserError
from ..jobs import Cancelled, Job

SYNC_LEVELS = {"": None, "exists": "exists", "size": "size", "mtime": "mtime", "checksum": "checksum"}
MIN_INTERVAL = 1.0  # seconds between polls while a task moves: <= 60 requests per minute
MAX_INTERVAL = 8.0
TASK_FIELDS = ("task_id", "label", "status", "type", "bytes_transferred", "files", "files_transferred",
               "files_skipped", "effective_bytes_per_second", "source_endpoint_display_name",
               "destination_endpoint_display_name", "request_time", "completion_time", "nice_status", "fatal_error",
               "source_endpoint_id", "destination_endpoint_id")
PATHS_FILE = "globus-task-paths.json"
KEPT_PATHS = 2000  # tasks whose paths are remembered (the newest)
_paths_lock = threading.Lock()


def submit(client, source: str, destination: str, items, label: str = "", sync_level: str | None = None,
           verify_checksum: bool = True, deadline=None) -> str:
    """Submit a transfer; ``items`` are ``(source_path, destination_path, recursive)``. Returns the task id."""
    import globus_sdk

    items = list(items)
    if not items:
        raise UserError("Nothing is selected to transfer.", "Select files or folders in the source pane.")
    data = globus_sdk.TransferData(source_endpoint=source, destination_endpoint=destination,
                                   label=label or None, sync_level=sync_level or None,
                                   verify_checksum=verify_checksum, deadline=deadline or None)
    data["submission_id"] = client.call(client.transfer.get_submission_id)["value"]
    for src, dst, recursive in items:
        data.add_item(src, dst, recursive=bool(recursive))
    task_id = client.call(client.transfer.submit_transfer, data)["task_id"]
    remember_paths(task_id, [i[0] for i in items] + [i[1] for i in items])
    return task_id


def remember_paths(task_id: str, paths) -> None:
    """Keep the paths a task moves or deletes (Globus' task list holds none) to find the task by path later.

    They go to the user's configuration folder (mode 0600: the names of a user's files are their own).
    """
    with _paths_lock:
        known = read_user_json(PATHS_FILE)
        known[task_id] = [str(p) for p in paths]
        for old in list(known)[:-KEPT_PATHS]:
            del known[old]
        write_user_json(PATHS_FILE, known)


def tasks_with_path(text: str) -> list[str]:
    """Task ids (newest first) whose remembered paths contain ``text`` (any case)."""
    needle = text.lower()
    known = read_user_json(PATHS_FILE)
    return [tid for tid, paths in reversed(known.items()) if any(needle in p.lower() for p in paths)]


def cancelled(doc: dict) -> bool:
    """Whether a task document is a cancelled task (Globus reports it ``FAILED`` with the error ``CANCELED``)."""
    return doc.get("status") == "FAILED" and (doc.get("fatal_error") or {}).get("code") == "CANCELED"


def task(client, task_id: str) -> dict:
    """The task's status document, reduced to the fields a user reads."""
    doc = client.call(client.transfer.get_task, task_id).data
    return {k: doc.get(k) for k in TASK_FIELDS}


def task_records(client, limit: int = 20, status: str | None = None) -> list[dict]:
    """Recent tasks (newest first), optionally only those with ``status`` (e.g. ``"ACTIVE"``)."""
    kwargs = {"limit": limit}
    if status:
        kwargs["filter"] = {"type": "TRANSFER", "status": status}
    page = client.call(client.transfer.task_list, **kwargs)
    return [{k: d.get(k) for k in TASK_FIELDS} for d in page["DATA"]]


def history(client, limit: int = 10, offset: int = 0) -> tuple[list[dict], int]:
    """One page of Globus' own task list (transfers and deletes, newest first) and how many tasks there are.

    It is what the Globus web app's activity page reads, so it survives a page reload or a kernel restart.
    """
    page = client.call(client.transfer.task_list, limit=limit, offset=offset, orderby="request_time DESC")
    return [{k: d.get(k) for k in TASK_FIELDS} for d in page["DATA"]], int(page.get("total") or 0)


def outcome(doc: dict) -> tuple[str, str]:
    """What a task's status reads as, and its badge kind: a cancelled task is ``cancelled`` (neutral), not FAILED."""
    status = doc.get("status") or ""
    if cancelled(doc):
        return "cancelled", "neutral"
    return status.lower(), {"SUCCEEDED": "ok", "FAILED": "error"}.get(status, "info")


def tasks(client, limit: int = 20, status: str | None = None):
    """Recent tasks as a :class:`pandas.DataFrame` (newest first)."""
    import pandas as pd

    return pd.DataFrame(task_records(client, limit, status), columns=list(TASK_FIELDS))


def cancel(client, task_id: str) -> str:
    """Ask Globus to cancel; returns its answer code (``Canceled`` or ``TaskComplete``)."""
    return client.call(client.transfer.cancel_task, task_id)["code"]


def successful_files(client, task_id: str) -> list[tuple[str, str]]:
    """``(source_path, destination_path)`` of every file the task moved."""
    pages = client.transfer.paginated.task_successful_transfers(task_id)
    return [(d["source_path"], d["destination_path"]) for d in client.call(lambda: list(pages.items()))]


class Backoff:
    """Poll interval: :data:`MIN_INTERVAL` while progress moves, doubling (to a cap) while it stalls."""

    def __init__(self, low: float = MIN_INTERVAL, high: float = MAX_INTERVAL):
        self.low, self.high = low, high
        self.interval = low
        self._last = None

    def next(self, progress) -> float:
        if progress != self._last:
            self.interval = self.low
        else:
            self.interval = min(self.high, self.interval * 2)
        self._last = progress
        return self.interval


def watch(client, task_id: str, expected_bytes: int | None = None, label: str = "", on_status=None) -> Job:
    """A job that follows a task until it ends; its result is the final status document.

    Progress is reported in bytes when ``expected_bytes`` is known (the sizes of the selected
    files), else in files. ``on_status(doc)`` receives every status document polled.
    """

    def work(job: Job):
        backoff = Backoff()
        asked_cancel = False
        while True:
            if job.cancelled and not asked_cancel:
                cancel(client, task_id)
                asked_cancel = True
            doc = task(client, task_id)
            _report(job, doc, expected_bytes)
            if on_status:
                on_status(doc)
            if doc["status"] in ("SUCCEEDED", "FAILED"):
                if asked_cancel or (doc.get("fatal_error") or {}).get("code") == "CANCELED":
                    raise Cancelled(label or task_id)
                if doc["status"] == "FAILED":
                    err = doc.get("fatal_error") or {}
                    what = "delete" if doc.get("type") == "DELETE" else "transfer"
                    raise UserError(f"The {what} failed: {err.get('description') or err.get('code')}",
                                    "Check the source paths and the destination's free space, then resubmit.")
                return doc
            wait = backoff.next((doc["bytes_transferred"], doc["files_transferred"], doc["files_skipped"]))
            end = time.monotonic() + wait
            while time.monotonic() < end and not (job.cancelled and not asked_cancel):
                time.sleep(0.05)

    return Job(work, label=label or f"task {task_id[:8]}")


def _report(job: Job, doc: dict, expected_bytes):
    files_done = (doc["files_transferred"] or 0) + (doc["files_skipped"] or 0)
    rate = doc.get("effective_bytes_per_second") or 0
    from ..ui.html import format_bytes, format_rate

    status = f"{doc['status'].lower()} · {format_bytes(doc['bytes_transferred'])} · {format_rate(rate)}"
    if expected_bytes:
        job.report(done=doc["bytes_transferred"], total=expected_bytes, unit="bytes", files_done=files_done,
                   files_total=doc["files"] or None, message=doc["status"].lower())
    else:
        job.report(done=files_done, total=doc["files"] or None, unit="files", message=status)
