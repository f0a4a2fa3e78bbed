"""Globus: paged ls of a 10,000-entry directory, and task monitoring cost and freshness.

Scaled down: the monitored transfer lasts about 15 s (not 60 s) with a 5 s stall in the
middle, so a full run stays under a minute. Baselines are measured in the same run:
a full ``operation_ls`` (what ``globus ls`` does) and the SDK's ``task_wait`` with a fixed
1 s polling interval (what ``globus task wait`` does). For the ls figures the sandbox runs
in a child process, so time and memory are the client's alone.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sizes import pick  # noqa: E402

RATE = 1_000_000  # bytes/s: 15 MB take 15 s
SIZE = pick(15_000_000, 3_000_000)
STALL = pick((5.0, 10.0), (1.0, 2.0))  # seconds after submission when progress stops, then resumes
ENTRIES = pick(10_000, 150)


def _client(url, tmp):
    """A GlobusClient logged in through the real flow (the consent page pressed by requests)."""
    from neurodata_widgets.globus.client import GlobusClient
    from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    from neurodata_widgets.sandbox.globus_server import DEMO_CLIENT_ID

    client = GlobusClient(auth_url=url + "/", transfer_url=url + "/", client_id=DEMO_CLIENT_ID,
                          token_file=Path(tmp) / "tokens.json")
    login = client.start_login("code")
    client.finish_login(code_shown(press_consent(login)))
    return client


def _plain(url, token):
    import globus_sdk

    return globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=url + "/")


def _serve(root, queue, stop):
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    server = GlobusServer(root=root).start()
    server.make_many(server.info()["source_collection"], "/many", ENTRIES)
    queue.put(server.info())
    stop.wait()
    server.stop()


def _ls_rows(tmp):
    ctx = multiprocessing.get_context("fork")
    queue, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(str(Path(tmp) / "root"), queue, stop), daemon=True)
    proc.start()
    try:
        info = queue.get(timeout=60)
        url, src = info["url"], info["source_collection"]
        client, plain = _client(url, tmp), _plain(url, info["access_token"])
        client.ls(src, "/many/", limit=100)  # warm the file system cache for both
        tracemalloc.start()
        start = time.perf_counter()
        first = client.ls(src, "/many/", limit=100)
        ours_t = time.perf_counter() - start
        ours_mem = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        tracemalloc.start()
        start = time.perf_counter()
        full = plain.operation_ls(src, path="/many/")
        base_t = time.perf_counter() - start
        base_mem = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        stop.set()
        proc.join(10)
    assert len(first.entries) == 100 and first.total == ENTRIES and len(full["DATA"]) == ENTRIES
    return [
        {"name": "ls 10,000 entries: time to first page", "unit": "s", "ours": ours_t, "baseline": base_t,
         "target": "<= 0.5", "note": "ours: one request, limit=100; baseline: full operation_ls"},
        {"name": "ls 10,000 entries: client peak memory", "unit": "bytes", "ours": ours_mem,
         "baseline": base_mem, "target": "<= 0.1", "note": "tracemalloc peak in the client while fetching"},
    ]


class _PollCounter:
    """Records when each task status request reached the in-process sandbox."""

    def __init__(self, server):
        self.times = []
        original = server._task

        def timed(req):
            self.times.append(time.monotonic())
            return original(req)

        server._task = timed


def _start_transfer(server, client, counter):
    from neurodata_widgets.globus import transfer

    src, dst = server.info()["source_collection"], server.info()["destination_collection"]
    big = server.collection_dir(src) / "big.bin"
    if not big.exists():
        big.write_bytes(os.urandom(SIZE))
    task_id = transfer.submit(client, src, dst, [("/big.bin", f"/big-{time.time()}.bin", False)])
    t0 = time.monotonic()

    def stall_once():
        time.sleep(STALL[0])
        server.tasks.paused.set()
        time.sleep(STALL[1] - STALL[0])
        server.tasks.paused.clear()

    threading.Thread(target=stall_once, daemon=True).start()
    counter.times.clear()
    return task_id, t0


def _moving_gap(polls, start):
    """Largest gap between status requests while bytes were moving (the stall excluded)."""
    gaps = [b - a for a, b in zip(polls, polls[1:]) if not (STALL[0] - 1 <= a - start <= STALL[1] + 1)]
    return max(gaps) if gaps else float("inf")


def _monitor_rows(tmp):
    from neurodata_widgets.globus import transfer
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    server = GlobusServer(rate=RATE, root=str(Path(tmp) / "root2")).start()
    try:
        counter = _PollCounter(server)
        client, plain = _client(server.url, tmp), _plain(server.url, server.info()["access_token"])
        task_id, t0 = _start_transfer(server, client, counter)
        transfer.watch(client, task_id).start().result(timeout=120)
        ours, ours_span, ours_t0 = list(counter.times), time.monotonic() - t0, t0
        task_id, t0 = _start_transfer(server, client, counter)
        plain.task_wait(task_id, timeout=120, polling_interval=1)
        base, base_span = list(counter.times), time.monotonic() - t0
    finally:
        server.stop()
    ours_rpm, base_rpm = len(ours) / ours_span * 60, len(base) / base_span * 60
    return [
        {"name": "task monitoring: status requests per minute per task", "unit": "req/min", "ours": ours_rpm,
         "baseline": base_rpm, "target": "<= 1.0",
         "note": f"15 s transfer with a 5 s stall (scaled down from 60 s); ours {ours_rpm:.0f}/min, goal <= 60"},
        {"name": "task monitoring: status freshness while moving", "unit": "s", "ours": _moving_gap(ours, ours_t0),
         "baseline": _moving_gap(base, t0), "target": "<= 1.5",
         "note": "largest gap between status polls while bytes move; goal <= 2 s behind the sandbox"},
    ]


def _token_file_rows(tmp, rounds=200):
    """Cost of the shared token file's safety (lock, read-compare-write, atomic replace) per stored login,
    against the SDK's plain JSON token storage (rewrites the file in place, no lock)."""
    from globus_sdk.token_storage import JSONTokenStorage, TokenStorageData

    from neurodata_widgets.globus.tokens import SharedTokenFile

    def data(i):
        return {"transfer.api.globus.org": TokenStorageData(
            resource_server="transfer.api.globus.org", identity_id=None, scope="s", access_token=f"a{i}",
            refresh_token=f"r{i}", expires_at_seconds=2_000_000_000, token_type="Bearer")}

    timings = {}
    for name, cls in (("ours", SharedTokenFile), ("baseline", JSONTokenStorage)):
        store = cls(Path(tmp) / f"{name}-tokens.json", namespace="bench")
        start = time.perf_counter()
        for i in range(rounds):
            store.store_token_data_by_resource_server(data(i))
        timings[name] = (time.perf_counter() - start) / rounds
    return [{"name": "token file: time to store a login", "unit": "s", "ours": timings["ours"],
             "baseline": timings["baseline"], "target": "<= 3.0",
             "note": "ours: file lock + read-compare-write + atomic replace (safe across tabs); baseline: SDK JSON"}]


def run():
    with tempfile.TemporaryDirectory() as tmp:
        return _ls_rows(tmp) + _monitor_rows(tmp) + _token_file_rows(tmp)


if __name__ == "__main__":
    for row in run():
        print(row)
