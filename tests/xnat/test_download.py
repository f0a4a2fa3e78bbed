"""Downloads through the real stack: parallel, verified, resumable, and leaving nothing behind on failure."""
import hashlib
import os

import pytest

from neurodata_widgets.jobs import Cancelled, Job
from neurodata_widgets.xnat.client import Node
from neurodata_widgets.xnat.download import PART_SUFFIX, DownloadError, download, safe_relpath


def _session(server, project="DEMO_PUBLIC"):
    return next(e for e in server.experiments.values() if e.project == project)


def _leftovers(root):
    return [os.path.join(r, f) for r, _, fs in os.walk(root) for f in fs if f.endswith(PART_SUFFIX)]


def test_download_writes_verified_files_and_reports_progress(client, server, tmp_path):
    exp = _session(server, "DEMO_PRIVATE")
    manifest = client.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    seen = []
    report = download(client, manifest, tmp_path, progress=lambda *a: seen.append(a))
    assert set(report["status"]) == {"downloaded"}
    for row in report.to_dict("records"):
        data = open(row["path"], "rb").read()
        assert hashlib.md5(data).hexdigest() == row["md5"] and len(data) == row["size"]
        assert row["path"].startswith(str(tmp_path / exp.subject.label / exp.label))
    assert seen[-1][0] == seen[-1][1] == int(manifest["size"].sum()) and seen[-1][2] == len(manifest)
    again = download(client, manifest, tmp_path)
    assert set(again["status"]) == {"skipped"}
    assert set(download(client, manifest, tmp_path, overwrite=True)["status"]) == {"downloaded"}


def test_md5_mismatch_keeps_nothing(client, server, tmp_path):
    exp = _session(server)
    server.add_file(exp.id, "2", "corrupt.dcm", b"x" * 500, digest="0" * 32)
    manifest = client.manifest([Node("scan", exp.project, exp.subject.label, exp.id, exp.label, "2")])
    with pytest.raises(DownloadError, match="Checksum mismatch") as info:
        download(client, manifest, tmp_path)
    report = info.value.report
    assert report.set_index("name").loc["corrupt.dcm", "status"] == "failed"
    assert not os.path.exists(report.set_index("name").loc["corrupt.dcm", "path"])
    assert (report["status"] == "downloaded").sum() == len(report) - 1
    assert not _leftovers(tmp_path)


@pytest.mark.parametrize("fault, phrase", [({"cut_after": 300}, "connection broke"),
                                           ({"status": 500}, "internal error"),
                                           ({"hang": 4}, "did not answer in time")])
def test_failed_transfers_leave_no_file(client, server, tmp_path, fault, phrase):
    exp = _session(server)
    manifest = client.manifest([Node("scan", exp.project, exp.subject.label, exp.id, exp.label, "1")])
    server.faults.set(pattern=r"/files/[^/]+$", **fault)
    with pytest.raises(DownloadError) as info:
        download(client, manifest, tmp_path, workers=2)
    assert phrase in str(info.value).lower()
    assert set(info.value.report["status"]) == {"failed"}
    assert not [f for _, _, fs in os.walk(tmp_path) for f in fs]


def test_a_broken_connection_is_resumed_with_range(client, server, tmp_path):
    exp = _session(server)
    server.add_file(exp.id, "3", "big.dcm", os.urandom(200_000))
    manifest = client.manifest([Node("file", exp.project, exp.subject.label, exp.id, exp.label, "3", "DICOM",
                                     "big.dcm", info={"size": 200_000, "md5": "",
                                                      "uri": f"/data/experiments/{exp.id}/scans/3/resources/DICOM/"
                                                             "files/big.dcm"})])
    server.faults.set(pattern=r"big\.dcm$", cut_after=120_000, fraction=0.5)
    server.faults._random.seed(1)  # first request cut, a later one whole: deterministic
    report = download(client, manifest, tmp_path)
    assert report["status"][0] == "downloaded"
    assert os.path.getsize(report["path"][0]) == 200_000
    ranged = [q for m, p, q in server.requests if p.endswith("big.dcm")]
    assert len(ranged) >= 2


def test_hostile_names_stay_inside_the_target(client, server, tmp_path):
    exp = _session(server)
    for name in ("../../escape.dcm", "/etc/passwd", "a/../../b.dcm", "C:\\evil.dcm"):
        server.add_file(exp.id, "1", name, b"hostile", resource="EVIL")
    manifest = client.manifest([Node("resource", exp.project, exp.subject.label, exp.id, exp.label, "1", "EVIL")])
    target = tmp_path / "dl"
    report = download(client, manifest, target)
    assert set(report["status"]) == {"downloaded"}
    for path in report["path"]:
        assert os.path.realpath(path).startswith(str(target.resolve()) + os.sep)
    assert not (tmp_path / "escape.dcm").exists() and not (tmp_path / "b.dcm").exists()
    assert safe_relpath("{subject}/", {"subject": ".."}, "/abs/../x") == "_/abs/x"


def test_cancel_stops_and_keeps_no_partial(client, server, tmp_path):
    exp = _session(server)
    manifest = client.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    server.faults.set(latency=0.3)
    job = Job(lambda job: download(client, manifest, tmp_path, workers=1, job=job), label="dl").start()
    job.cancel()
    with pytest.raises(Cancelled):
        job.result(timeout=30)
    assert job.state == "cancelled"
    assert not _leftovers(tmp_path)
    assert len([f for _, _, fs in os.walk(tmp_path) for f in fs]) < len(manifest)


def _one_row(client, server, exp, scan="1"):
    manifest = client.manifest([Node("scan", exp.project, exp.subject.label, exp.id, exp.label, scan)])
    return manifest.iloc[[0]].copy()


def test_a_web_page_is_never_saved_as_data(client, server, tmp_path):
    exp = _session(server)
    row = _one_row(client, server, exp)
    # a listing without digest whose URL lands on XNAT's login page (as a lost session or a proxy does)
    row["md5"] = ""
    row["url"] = server.url + "/app/template/Login.vm"
    with pytest.raises(DownloadError, match="web page instead of") as info:
        download(client, row, tmp_path)
    path = info.value.report["path"].iloc[0]
    assert info.value.report["status"].iloc[0] == "failed" and not os.path.exists(path) and not _leftovers(tmp_path)


def test_a_size_mismatch_keeps_nothing(client, server, tmp_path):
    exp = _session(server)
    row = _one_row(client, server, exp)
    row["md5"] = ""
    row["size"] = int(row["size"].iloc[0]) + 10  # the catalog says more than the server sends
    report = download(client, row, tmp_path, raise_on_error=False)
    assert report["status"].iloc[0] == "failed" and "Size mismatch" in report["error"].iloc[0]
    assert not os.path.exists(report["path"].iloc[0]) and not _leftovers(tmp_path)


def test_an_expired_session_is_renewed_during_downloads(client, server, tmp_path):
    exp = _session(server, "DEMO_PRIVATE")
    manifest = client.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    server.expire()  # without renewal, every private file would now answer 404 to the guest session
    logins = server.stats["POST /data/JSESSION"]
    report = download(client, manifest, tmp_path)
    assert set(report["status"]) == {"downloaded"}
    assert server.stats["POST /data/JSESSION"] == logins + 1  # renewed once, shared by the parallel workers
