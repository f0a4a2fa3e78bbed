"""get / drop / install through DataLad on real clones; per-path results, numcopies, cancel."""
import subprocess

import pytest

from neurodata_widgets.datasets import ops
from neurodata_widgets.datasets.state import DatasetState
from neurodata_widgets.errors import UserError
from neurodata_widgets.jobs import Job

T1W = "raw/sub-01/anat/sub-01_T1w.nii.gz"


def _fsck_clean(path):
    proc = subprocess.run(["git", "annex", "fsck", "--fast", "--quiet"], cwd=path, capture_output=True, text=True)
    return proc.returncode == 0, proc.stdout + proc.stderr


def test_get_drop_round_trip(demo_clone):
    job = Job(lambda j: ops.get(demo_clone, ["raw/sub-01", "figures"], job=j), label="get").start()
    results = job.result(timeout=120)
    assert {r["path"] for r in results} == {T1W, "raw/sub-01/func/sub-01_task-rest_bold.nii.gz",
                                            "figures/mean_intensity.png"}
    assert all(r["status"] == "ok" and r["bytes"] > 0 for r in results)
    assert job.progress.files_done == 3 and job.progress.done == job.progress.total > 0
    st = DatasetState(demo_clone)
    assert st.totals("raw/sub-01")["present_annexed_files"] == 2
    assert ops.get(demo_clone, [T1W])[0]["status"] == "notneeded"
    dropped = ops.drop(demo_clone, ["raw/sub-01", "figures"])
    assert sorted(r["status"] for r in dropped) == ["ok"] * 3
    st.refresh()
    assert st.totals("")["present_annexed_files"] == 0
    assert _fsck_clean(demo_clone / "raw")[0]


def test_unknown_paths_get_a_record(solo):
    for action in (ops.get, ops.drop):
        results = action(solo, ["no/such.file"])
        assert [(r["path"], r["status"]) for r in results] == [("no/such.file", "impossible")]
        assert "No such file" in results[0]["message"]


def test_drop_refuses_the_last_copy(solo):
    results = ops.drop(solo, ["only-here.bin"])
    assert results[0]["status"] in ("error", "impossible")
    assert "last available copy" in results[0]["message"]
    assert DatasetState(solo).listing("").set_index("name").loc["only-here.bin", "state"] == "present"


def test_unsafe_drop_needs_a_confirmation_naming_the_files(solo):
    assert ops.last_copies(solo, [""]) == ["only-here.bin"]
    with pytest.raises(UserError, match="only-here.bin"):
        ops.drop(solo, [""], unsafe=True)
    results = ops.drop(solo, [""], unsafe=True, confirm=["only-here.bin"])
    assert [r["status"] for r in results] == ["ok"]


def test_install_a_subdataset_on_demand(bare_clone):
    results = ops.install(bare_clone, ["raw"])
    assert [(r["path"], r["status"]) for r in results] == [("raw", "ok")]
    st = DatasetState(bare_clone)
    assert st.listing("").set_index("name").loc["raw", "state"] == "absent"
    got = ops.get(bare_clone, ["derivatives/smoothed"])  # installs derivatives on the way
    assert ("derivatives", "ok") in [(r["path"], r["status"]) for r in got]
    assert sum(r["status"] == "ok" and r["bytes"] > 0 for r in got) == 3


def test_unreachable_remotes_are_reported_per_file(orphan_clone):
    results = ops.get(orphan_clone, ["raw/sub-01"])
    assert sorted(r["path"] for r in results) == [T1W, "raw/sub-01/func/sub-01_task-rest_bold.nii.gz"]
    for r in results:
        assert r["status"] in ("error", "impossible") and r["message"]


def test_missing_content_is_reported(solo):
    # content gone from every repository: the key is known, nobody has it
    subprocess.run(["git", "annex", "drop", "--force", "only-here.bin"], cwd=solo, check=True, capture_output=True)
    results = ops.get(solo, ["only-here.bin"])
    assert [(r["path"], r["status"]) for r in results] == [("only-here.bin", "error")]
    assert "not available" in results[0]["message"] or "No other repository" in results[0]["message"]


def test_cancel_mid_get_leaves_the_dataset_consistent(big_source):
    def work(job):
        return ops.get(big_source, [""], job=job, chunk_files=1)

    job = Job(work, label="get")

    def cancel_after_first_file(j):
        if j.progress.files_done >= 1 and not j.cancelled:
            j.cancel()

    job.on_change(cancel_after_first_file)
    job.start()
    job.wait(120)
    assert job.state == "cancelled"
    st = DatasetState(big_source)
    t = st.totals("")
    assert 1 <= t["present_annexed_files"] < 16
    ok, out = _fsck_clean(big_source)
    assert ok, out
    # a later get completes what the cancelled one left
    ops.get(big_source, [""])
    st.refresh()
    assert st.totals("")["present_annexed_files"] == 16


def test_cancel_during_a_transfer_keeps_only_complete_content(big_source):
    # one DataLad call for all files: the cancel has to stop git-annex mid-transfer
    job = Job(lambda j: ops.get(big_source, [""], job=j), label="get")
    job.on_change(lambda j: j.progress.done > 0 and not j.cancelled and j.cancel())
    job.start()
    assert job.wait(120)
    assert job.state == "cancelled"
    # a full fsck checksums every file marked present: nothing partial may count as content
    proc = subprocess.run(["git", "annex", "fsck", "--quiet"], cwd=big_source, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert DatasetState(big_source).totals("")["present_annexed_files"] < 16
