"""Globus history search: the first page of a label search in a history of thousands of tasks.

Ours is :class:`neurodata_widgets.globus.history.TaskHistory` (Globus filters: ``label:~*words*``, one page
read). The baseline, measured in the same run, is what a history without server-side filters must do: read the
whole task list (1,000 tasks a request, the most Transfer gives) and match the labels in the client. The sandbox
runs in a child process, so the time is the client's and the wire's.
"""
from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sizes import pick  # noqa: E402

TASKS = pick(3_000, 120)
EVERY = 100 if TASKS >= 1_000 else 10  # one task in EVERY carries the label searched for


def _serve(root, queue, stop):
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    server = GlobusServer(root=root).start()
    queue.put(server.info())
    stop.wait()
    server.stop()


def _fill(client, collection):
    """``TASKS`` delete tasks (each ends at once: nothing to delete), every ``EVERY``-th labelled "needle"."""
    import globus_sdk

    for i in range(TASKS):
        label = f"needle {i}" if i % EVERY == 0 else f"routine {i}"
        data = globus_sdk.DeleteData(endpoint=collection, label=label, ignore_missing=True)
        data.add_item(f"/nothing-{i}")
        client.transfer.submit_delete(data)


def _baseline(client):
    """Every task read, the labels matched here: the first ten matches."""
    found, offset = [], 0
    while True:
        page = client.transfer.task_list(limit=1000, offset=offset, orderby="request_time DESC")
        found += [t for t in page["DATA"] if "needle" in (t.get("label") or "").lower()]
        offset += len(page["DATA"])
        if not page["DATA"] or offset >= page["total"]:
            return found[:10]


def run():
    from bench_globus import _client
    from neurodata_widgets.globus.history import TaskHistory

    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as tmp:
        queue, stop = ctx.Queue(), ctx.Event()
        proc = ctx.Process(target=_serve, args=(tmp, queue, stop), daemon=True)
        proc.start()
        try:
            info = queue.get(timeout=60)
            client = _client(info["auth_url"].rstrip("/"), tmp)
            _fill(client, info["source_collection"])
            timings = {"ours": [], "baseline": []}
            for _ in range(3):
                t0 = time.perf_counter()
                rows, _total = TaskHistory(client, text="needle").page(0, 10)
                timings["ours"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                expected = _baseline(client)
                timings["baseline"].append(time.perf_counter() - t0)
                assert [r["task_id"] for r in rows] == [t["task_id"] for t in expected]
        finally:
            stop.set()
            proc.join(30)
    return [{"name": f"history label search in {TASKS:,} tasks: first page", "unit": "s",
             "ours": min(timings["ours"]), "baseline": min(timings["baseline"]), "target": "<= 0.5",
             "note": "baseline: the whole task list read and matched in the client"}]
