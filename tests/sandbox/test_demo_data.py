"""The demo datasets: real DataLad, deterministic, idempotent, offline get/drop."""
import json
import subprocess

import pytest


def git(path, *args):
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


def test_layout(demo):
    from neurodata_widgets.datasets.state import dataset_summary

    s = dataset_summary(demo["superdataset"])
    assert s["name"] == "ndw-demo"
    assert [d["path"] for d in s["subdatasets"]] == ["derivatives", "raw"]
    assert all(d["installed"] and d["id"] for d in s["subdatasets"])
    desc = json.loads(open(demo["superdataset"] + "/raw/dataset_description.json").read())
    assert desc["BIDSVersion"]


def test_run_records_chain_and_rerun(demo):
    log = git(demo["superdataset"], "log", "--format=%s")
    runs = [line for line in log.splitlines() if line.startswith("[DATALAD RUNCMD]")]
    assert len(runs) >= 4  # smooth, plot, summarize, rerun of summarize
    last = git(demo["superdataset"], "log", "-1", "--format=%B", "--fixed-strings", "--grep=Summarize")
    record = json.loads(last.split("=== Do not change lines below ===")[1].split("^^^")[0])
    assert record["chain"], "the newest summary run is a rerun and names the run it repeats"
    sub_log = git(demo["superdataset"] + "/derivatives", "log", "--format=%s")
    assert "[DATALAD RUNCMD] Checksum the smoothed images" in sub_log


def test_deterministic_identity_dates_and_ids(demo):
    authors = set(git(demo["superdataset"], "log", "--format=%an <%ae> %ad", "--date=iso").splitlines())
    assert all(a.startswith("NDW Demo <demo@neurodata-widgets.invalid> 2024-01-01") for a in authors)
    ds_id = git(demo["superdataset"], "config", "-f", ".datalad/config", "datalad.dataset.id").strip()
    assert ds_id == "bdd640fb-0667-1ad1-1c80-317fa3b1799d"  # DATALAD_SEED=42


def test_idempotent(demo):
    from neurodata_widgets.sandbox.demo_data import build_demo_datasets

    head = git(demo["superdataset"], "rev-parse", "HEAD")
    again = build_demo_datasets(demo["root"])
    assert again == demo
    assert git(demo["superdataset"], "rev-parse", "HEAD") == head


@pytest.mark.slow
def test_get_and_drop_round_trip_offline(demo_clone):
    import datalad.api as dl

    ds = dl.Dataset(demo_clone)
    got = ds.get(".", recursive=True, result_renderer="disabled", on_failure="ignore")
    assert got and all(r["status"] in ("ok", "notneeded") for r in got)
    assert (demo_clone / "raw/sub-01/anat/sub-01_T1w.nii.gz").read_bytes()[:2] == b"\x1f\x8b"
    dropped = ds.drop(".", recursive=True, result_renderer="disabled", on_failure="ignore")
    assert all(r["status"] in ("ok", "notneeded") for r in dropped)
    assert not (demo_clone / "raw/sub-01/anat/sub-01_T1w.nii.gz").exists()  # broken symlink: content gone
