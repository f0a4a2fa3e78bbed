"""Tracking XNAT files in DataLad datasets: datalad-xnat's configuration, addurls, get/drop round trip."""
import os
import subprocess

import pytest

from neurodata_widgets import errors
from neurodata_widgets.git_identity import identity
from neurodata_widgets.xnat.client import Node, XnatClient
from neurodata_widgets.xnat.track import track


@pytest.fixture
def remembered(server):
    """A client whose login is saved in the DataLad credential store (as `datalad get` needs it)."""
    c = XnatClient(server.url)
    c.login("demo", server.info()["password"], remember=True)
    yield c
    c.logout()
    c.store.remove(c.credential_name)


def _private_session(server):
    return next(e for e in server.experiments.values() if e.project == "DEMO_PRIVATE")


def test_track_then_drop_and_get_round_trip(remembered, server, tmp_path):
    import datalad.api as dl

    exp = _private_session(server)
    manifest = remembered.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    target = tmp_path / "ds"
    report = track(remembered, manifest, target)
    assert len(report) == len(manifest) and set(report["status"]) == {"ok"}
    ds = dl.Dataset(str(target))
    assert ds.config.get("datalad.xnat.default.url") == server.url
    assert ds.config.get("datalad.xnat.default.project") == "DEMO_PRIVATE"
    assert ds.config.get("datalad.xnat.default.pathfmt") == "{subject}/{session}/{scan}/"
    assert ds.config.get("datalad.xnat.default.credential-name") == remembered.credential_name
    assert (target / ".datalad" / "providers" / "xnat-default.cfg").exists()
    first = target / report["path"][0]
    assert first.is_symlink() and not first.exists()  # registered, no content yet
    assert not ds.repo.dirty
    # no git identity in the tests: the commits carry the toolkit's per-environment one
    me = identity(target)
    assert me.source == "toolkit"
    log = subprocess.run(["git", "-C", str(target), "log", "-3", "--format=%an <%ae>"], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert log[0] == f"{me.name} <{me.email}>"
    # `datalad get` fetches with the stored credential (private project), verifies the md5 key
    got = ds.get(".", result_renderer="disabled", return_type="list")
    assert sum(r["action"] == "get" and r["status"] == "ok" for r in got) == len(manifest)
    assert first.read_bytes()[128:132] == b"DICM"
    ds.drop(".", result_renderer="disabled")
    assert not first.exists()
    ds.get(".", result_renderer="disabled")
    assert first.exists()
    # running it again adds only what is new
    server.add_file(exp.id, "1", "late.dcm", b"\0" * 128 + b"DICM late")
    manifest = remembered.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    again = track(remembered, manifest, target)
    assert (again["status"] == "ok").sum() == 1 and (again["status"] == "notneeded").sum() == len(manifest) - 1


def test_subdataset_boundary_and_download_now(server, tmp_path):
    c = XnatClient(server.url)
    c.login(anonymous=True)
    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PUBLIC")
    manifest = c.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    report = track(c, manifest, tmp_path / "ds", pathfmt="{subject}//{session}/{scan}/", register_only=False)
    sub = tmp_path / "ds" / exp.subject.label
    assert (sub / ".datalad" / "config").exists()
    out = subprocess.run(["git", "-C", str(tmp_path / "ds"), "submodule", "status"], capture_output=True, text=True)
    assert exp.subject.label in out.stdout
    files = set(report[report["status"] == "ok"]["path"])
    assert len(files) == len(manifest)
    assert all((tmp_path / "ds" / p).read_bytes()[128:132] == b"DICM" for p in files)
    assert not (tmp_path / "ds" / ".datalad" / "providers").exists()  # anonymous: plain web URLs


def test_dirty_dataset_is_refused(server, tmp_path):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "dirty"), result_renderer="disabled")
    (tmp_path / "dirty" / "unsaved.txt").write_text("work in progress")
    c = XnatClient(server.url)
    c.login(anonymous=True)
    manifest = c.manifest([Node("project", "DEMO_PUBLIC")])
    with pytest.raises(errors.UserError, match="unsaved changes"):
        track(c, manifest, ds.path)
    assert not os.path.exists(tmp_path / "dirty" / "sub-001")


def test_without_digests_urls_are_registered_fast(tmp_path):
    from neurodata_widgets.sandbox.xnat_server import XnatServer
    from neurodata_widgets.xnat.download import download

    server = XnatServer(projects=[("OLD", "public")], subjects=1, sessions=1, scans=2, digests=False).start()
    try:
        c = XnatClient(server.url)
        c.login(anonymous=True)
        manifest = c.manifest([Node("project", "OLD")])
        assert (manifest["md5"] == "").all()
        report = track(c, manifest, tmp_path / "ds")  # no key to give: addurls --fast
        assert (report["status"] == "ok").sum() == len(manifest)
        import datalad.api as dl

        got = dl.Dataset(str(tmp_path / "ds")).get(".", result_renderer="disabled", return_type="list")
        assert sum(r["action"] == "get" and r["status"] == "ok" for r in got) == len(manifest)
        assert set(download(c, manifest, tmp_path / "dl")["status"]) == {"downloaded"}  # unverified, complete
    finally:
        server.stop()


def test_a_clone_gets_content_with_the_stored_credential(remembered, server, tmp_path):
    import datalad.api as dl

    exp = _private_session(server)
    manifest = remembered.manifest([Node("scan", exp.project, exp.subject.label, exp.id, exp.label, "2")])
    track(remembered, manifest, tmp_path / "origin")
    clone = dl.clone(source=str(tmp_path / "origin"), path=str(tmp_path / "clone"), result_renderer="disabled")
    got = clone.get(".", result_renderer="disabled", return_type="list")
    assert sum(r["action"] == "get" and r["status"] == "ok" for r in got) == len(manifest) == 2
    files = [p for p in (tmp_path / "clone").rglob("*.dcm") if ".git" not in p.parts]
    assert len(files) == 2 and all(p.read_bytes()[128:132] == b"DICM" for p in files)


@pytest.mark.parametrize("folder_existed", [False, True])
def test_a_cancelled_track_leaves_no_half_made_dataset(server, tmp_path, folder_existed):
    """Track in a new dataset, cancelled after the dataset was made: the folder is as it was before."""
    from neurodata_widgets.jobs import Cancelled, Job

    client = XnatClient(server.url)
    client.login(anonymous=True)
    manifest = client.manifest([Node("subject", "DEMO_PUBLIC", "sub-001")])
    target = tmp_path / "new-ds"
    if folder_existed:
        target.mkdir()
    job = Job(lambda job: None)
    job.cancel()
    with pytest.raises(Cancelled):
        track(client, manifest, target, job=job)
    assert (target.exists() and not any(target.iterdir())) if folder_existed else not target.exists()
    client.logout()


def test_catalog_folders_and_session_resources_are_tracked_apart(tmp_path):
    import datalad.api as dl

    from neurodata_widgets.sandbox.xnat_server import XnatServer

    server = XnatServer(projects=[("FOLDERS", "public")], subjects=1, sessions=1, scans=1).start()
    try:
        exp = next(iter(server.experiments.values()))
        server.add_file(exp.id, "1", "runA/0001.dcm", b"\0" * 128 + b"DICM A")
        server.add_file(exp.id, "1", "runB/0001.dcm", b"\0" * 128 + b"DICM B")
        server.add_file(exp.id, None, "notes.txt", b"session notes\n", resource="NOTES")
        c = XnatClient(server.url)
        c.login(anonymous=True)
        manifest = c.manifest([Node("project", "FOLDERS")])
        report = track(c, manifest, tmp_path / "ds")
        assert (report["status"] == "ok").sum() == len(manifest) == 5 and report["path"].is_unique
        base = f"{exp.subject.label}/{exp.label}"
        assert {f"{base}/1/runA/0001.dcm", f"{base}/1/runB/0001.dcm", f"{base}/NOTES/notes.txt"} <= set(report["path"])
        dl.Dataset(str(tmp_path / "ds")).get(".", result_renderer="disabled")
        assert (tmp_path / "ds" / base / "1" / "runB" / "0001.dcm").read_bytes().endswith(b"DICM B")
        assert (tmp_path / "ds" / base / "NOTES" / "notes.txt").read_bytes() == b"session notes\n"
    finally:
        server.stop()
