"""Transfers against the sandbox: real copies, progress while polling, cancel, sync levels."""
from __future__ import annotations

import hashlib

from neurodata_widgets.globus import transfer


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_directory_transfer_completes_with_progress(client, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    task_id = transfer.submit(client, src, dst, [("/ds001/", "/run1/ds001/", True)], label="raw data")
    seen = []
    job = transfer.watch(client, task_id, on_status=seen.append).start()
    final = job.result(timeout=60)
    assert final["status"] == "SUCCEEDED" and final["label"] == "raw data"
    assert any(0 < d["bytes_transferred"] < final["bytes_transferred"] for d in seen), "no progress seen"
    assert job.progress.done == job.progress.total == final["files"] == 11 and job.progress.unit == "files"
    copied = globus.collection_dir(dst) / "run1/ds001/sub-02/anat/sub-02_T1w.nii.gz"
    original = globus.collection_dir(src) / "ds001/sub-02/anat/sub-02_T1w.nii.gz"
    assert _md5(copied) == _md5(original)
    moved = dict(transfer.successful_files(client, task_id))
    assert moved["/ds001/README"] == "/run1/ds001/README"
    assert task_id in set(transfer.tasks(client)["task_id"])


def test_sync_level_skips_files_already_there(client, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    first = transfer.submit(client, src, dst, [("/ds001/code/", "/sync/code/", True)])
    transfer.watch(client, first).start().result(timeout=30)
    again = transfer.submit(client, src, dst, [("/ds001/code/", "/sync/code/", True)], sync_level="checksum")
    doc = transfer.watch(client, again).start().result(timeout=30)
    assert doc["files_skipped"] == 1 and doc["files_transferred"] == 0


def test_cancel_stops_the_copy(client, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    task_id = transfer.submit(client, src, dst, [("/ds001/", "/cancelled/", True)])
    job = transfer.watch(client, task_id).start()
    while job.progress.done < 1 and not job.done:
        job.wait(0.05)
    job.cancel()
    job.wait(30)
    assert job.state == "cancelled"
    doc = transfer.task(client, task_id)
    assert doc["status"] == "FAILED" and doc["fatal_error"]["code"] == "CANCELED"
    assert doc["files_transferred"] < 11


def test_backoff_doubles_while_stalled_and_resets_on_progress():
    b = transfer.Backoff(1, 8)
    assert [b.next(5), b.next(5), b.next(5), b.next(5), b.next(5), b.next(6)] == [1, 2, 4, 8, 8, 1]


def test_deadline_passed_fails_the_task_readably(client, globus):
    from datetime import datetime, timedelta, timezone

    from neurodata_widgets.errors import describe

    info = globus.info()
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    task_id = transfer.submit(client, info["source_collection"], info["destination_collection"],
                              [("/ds001/", "/late/", True)], deadline=past)
    job = transfer.watch(client, task_id).start()
    job.wait(30)
    assert job.state == "failed" and "deadline" in describe(job.error)[0]
    assert transfer.task(client, task_id)["fatal_error"]["code"] == "DEADLINE_EXCEEDED"


def test_rename_and_delete_on_a_collection(client, globus):
    dst = globus.info()["destination_collection"]
    client.mkdir(dst, "/to-rename")
    client.rename(dst, "/to-rename", "/renamed")
    root = globus.collection_dir(dst)
    assert (root / "renamed").is_dir() and not (root / "to-rename").exists()
    doc = transfer.watch(client, client.delete(dst, ["/renamed"])).start().result(timeout=30)
    assert doc["status"] == "SUCCEEDED" and not (root / "renamed").exists()
