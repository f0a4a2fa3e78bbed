"""Real third-party XNAT clients, unchanged, against the sandbox over HTTP: datalad-xnat, xnatpy, pyxnat.

Each test uses its own server (the module's one is shared with tests that add files).
"""
import json
import subprocess

import pytest

from neurodata_widgets.tools import command


@pytest.fixture
def xserver():
    """A server whose first public session holds catalog sub-folders and a session-level resource."""
    from neurodata_widgets.sandbox.xnat_server import XnatServer

    server = XnatServer(seed=3, subjects=2, sessions=2, scans=2, files=2).start()
    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PUBLIC")
    server.add_file(exp.id, "1", "runA/0001.dcm", b"\0" * 128 + b"DICM run A")
    server.add_file(exp.id, "1", "runB/0001.dcm", b"\0" * 128 + b"DICM run B")
    server.add_file(exp.id, None, "notes/readme.txt", b"session notes\n", resource="NOTES")
    server.folder_session = exp
    yield server
    server.stop()


@pytest.fixture
def stored_login(xserver):
    """The demo login in DataLad's credential store under the name datalad-xnat looks up (the URL's host)."""
    from neurodata_widgets.auth.credentials import CredentialStore, credential_name

    store = CredentialStore()
    name = credential_name(xserver.url)
    store.save(name, "demo", xserver.info()["password"], realm=xserver.url)
    yield name
    store.remove(name)


def _datalad(*args, cwd=None):
    """Run the `datalad` command of this environment; JSON results of every record."""
    proc = subprocess.run([command("datalad"), "-f", "json", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def _new_dataset(tmp_path, url):
    ds = tmp_path / "ds"
    _datalad("create", str(ds))
    # git-annex refuses loopback addresses unless the dataset allows them (a real XNAT needs no such line)
    subprocess.run(["git", "-C", str(ds), "config", "annex.security.allowed-ip-addresses", "127.0.0.1"], check=True)
    return ds


def _annexed(ds):
    out = subprocess.run(["git", "-C", str(ds), "annex", "find", "--include=*"], capture_output=True, text=True,
                         check=True).stdout
    return sorted(out.split())


def test_datalad_xnat_init_update_get(xserver, stored_login, tmp_path):
    ds = _new_dataset(tmp_path, xserver.url)
    # the private project, with the stored credential (datalad-xnat 0.2.1 names local files by their
    # base Name: the public session's runA/0001.dcm and runB/0001.dcm would collide in its addurls table)
    exp = next(e for e in xserver.experiments.values() if e.project == "DEMO_PRIVATE")
    xserver.add_file(exp.id, "1", "runA/0001.dcm", b"\0" * 128 + b"DICM run A")
    subject = exp.subject
    init = _datalad("xnat-init", xserver.url, "--project", "DEMO_PRIVATE", "-d", str(ds))
    assert any(r["action"] == "xnat_init" and r["status"] == "ok" for r in init)
    # one subject (experiment listing filtered by project + subject_ID must name each row's subject)
    _datalad("xnat-update", "-d", str(ds), "--subject", subject.id, "--reckless", "fast")
    files = _annexed(ds)
    per_session = {e.id: sum(len(r.files) for s in e.scans.values() for r in s.resources.values())
                   for e in subject.experiments}
    assert len(files) == sum(per_session.values())
    assert all(f.startswith(subject.id + "/") for f in files)
    # a file in a catalog sub-folder is fetched from its full URI, stored under its base name
    assert f"{subject.id}/{exp.id}/1/0001.dcm" in files
    # `datalad get` fetches with the stored credential
    got = _datalad("get", f"{subject.id}/{exp.id}/1", cwd=ds)
    assert any(r["action"] == "get" and r["status"] == "ok" for r in got)
    first = ds / subject.id / exp.id / "1" / exp.scans["1"].resources["DICOM"].files[0].name
    assert first.read_bytes()[128:132] == b"DICM"
    # one experiment, then the whole project; --ifexists skip keeps what is there
    other = next(e for e in xserver.experiments.values() if e.project == "DEMO_PRIVATE" and e.subject != subject)
    # without --reckless: addurls downloads each file now, through git-annex, with the stored credential
    _datalad("xnat-update", "-d", str(ds), "--experiment", other.id)
    fetched = [f for f in _annexed(ds) if f.startswith(f"{other.subject.id}/{other.id}/")]
    assert fetched and all((ds / f).read_bytes()[128:132] == b"DICM" for f in fetched)
    _datalad("xnat-update", "-d", str(ds), "--reckless", "fast", "--ifexists", "skip")
    everything = _annexed(ds)
    assert {f.split("/")[0] for f in everything} == {s.id for s in xserver.projects["DEMO_PRIVATE"].subjects}


def test_datalad_xnat_query_files(xserver, stored_login):
    records = _datalad("xnat-query-files", xserver.url, "-p", "DEMO_PUBLIC")
    files = [r for r in records if r.get("type") == "file"]
    exp = xserver.folder_session
    mine = [r for r in files if r["experiment_id"] == exp.id]
    assert {r["subject_id"] for r in files} == {s.id for s in xserver.projects["DEMO_PUBLIC"].subjects}
    assert {r["name"] for r in mine} >= {"0001.dcm"}
    assert all(len(r["digest-md5"]) == 32 and r["url"].startswith(xserver.url) for r in files)
    # the URI carries the numeric resource id and the catalog path (sub-folder kept)
    resource_id = exp.scans["1"].resources["DICOM"].id
    assert any(r["uri"].endswith(f"/scans/1/resources/{resource_id}/files/runA/0001.dcm") for r in mine)


def test_xnatpy_model_mode_walks_to_files_and_downloads(xserver, tmp_path):
    import xnat

    info = xserver.info()
    exp = xserver.folder_session
    session = xnat.connect(info["url"], user=info["user"], password=info["password"])
    try:
        assert xserver.stats["GET /xapi/schemas"] == 1 and xserver.stats["GET /xapi/schemas/xnat"] == 1
        project = session.projects["DEMO_PUBLIC"]
        assert project.name == xserver.projects["DEMO_PUBLIC"].name
        subject = project.subjects[exp.subject.label]
        experiment = subject.experiments[exp.label]
        assert experiment.id == exp.id and type(experiment).__name__ == "MrSessionData"
        scan = experiment.scans["1"]
        assert scan.type == exp.scans["1"].type
        resource = scan.resources["DICOM"]
        assert type(resource).__name__ == "ResourceCatalog"
        assert {f.path for f in resource.files.values()} >= {"runA/0001.dcm", "runB/0001.dcm"}
        resource.files["runB/0001.dcm"].download(str(tmp_path / "b.dcm"))
        assert (tmp_path / "b.dcm").read_bytes().endswith(b"DICM run B")
        resource.download_dir(str(tmp_path / "dir"))
        found = sorted(p.relative_to(tmp_path / "dir").as_posix() for p in (tmp_path / "dir").rglob("*.dcm"))
        assert f"{exp.label}/scans/1-{scan.type}/resources/DICOM/files/runA/0001.dcm" in found
        assert len(found) == len(exp.scans["1"].resources["DICOM"].files)
        assert list(experiment.resources) and experiment.resources["NOTES"].files["notes/readme.txt"]
    finally:
        session.disconnect()


def test_pyxnat_listings_and_file_get(xserver, tmp_path):
    from pyxnat import Interface

    info = xserver.info()
    exp = xserver.folder_session
    xserver.reset_stats()
    intf = Interface(server=info["url"], user=info["user"], password=info["password"])
    try:
        assert intf.select.projects().get() == list(xserver.projects)
        project = intf.select.project("DEMO_PUBLIC")
        assert project.subjects().get() == [s.id for s in xserver.projects["DEMO_PUBLIC"].subjects]
        experiment = project.subject(exp.subject.label).experiment(exp.label)
        assert experiment.scans().get() == list(exp.scans)
        resource = experiment.scan("1").resource("DICOM")
        names = resource.files().get()
        assert "0001.dcm" in names  # pyxnat lists the Name column: the base name
        first = exp.scans["1"].resources["DICOM"].files[0]
        path = resource.file(first.name).get(str(tmp_path / "first.dcm"))
        assert open(path, "rb").read() == xserver.content(first)
        # pyxnat reads every listing as CSV
        assert any(q.get("format") == "csv" for _, p, q in xserver.requests if p.endswith("/subjects"))
    finally:
        intf.disconnect()


@pytest.fixture
def searched():
    """A server with derived data (FreeSurfer and QC assessors) on its sessions."""
    from neurodata_widgets.sandbox.xnat_server import XnatServer

    server = XnatServer(seed=5, subjects=3, sessions=2, scans=3, files=1, assessors=True).start()
    yield server
    server.stop()


def test_xnatpy_class_queries(searched):
    import xnat

    info = searched.info()
    session = xnat.connect(info["url"], user=info["user"], password=info["password"])
    try:
        mr = session.classes.MrSessionData
        public = [e for e in searched.experiments.values() if e.project == "DEMO_PUBLIC"]
        found = mr.query().filter(mr.project == "DEMO_PUBLIC").all()
        assert sorted(e.id for e in found) == sorted(e.id for e in public)
        assert {type(e).__name__ for e in found} == {"MrSessionData"}
        # an AND of two constraints, a LIKE pattern and a date comparison (xnatpy sends MM/DD/YYYY)
        first = public[0]
        one = mr.query().filter(mr.project == "DEMO_PUBLIC", mr.label.like(first.label[:7] + "%")).all()
        assert sorted(e.label for e in one) == sorted(e.label for e in public if e.label.startswith(first.label[:7]))
        import datetime
        day = datetime.date.fromisoformat(first.date)
        later = mr.query().filter(mr.project == "DEMO_PUBLIC").filter(mr.date >= day).all()
        assert sorted(e.id for e in later) == sorted(e.id for e in public if e.date >= first.date)
        # the CSV's columns are the display fields, lower-cased
        header = mr.query().filter(mr.project == "DEMO_PUBLIC").tabulate_csv().splitlines()[0]
        assert header == '"session_id","project","subject_id"'
        frame = mr.query().filter(mr.project == "DEMO_PUBLIC").tabulate_pandas()
        assert len(frame) == len(public)
    finally:
        session.disconnect()


def test_pyxnat_where_array_scans_and_version(searched):
    from pyxnat import Interface

    info = searched.info()
    intf = Interface(server=info["url"], user=info["user"], password=info["password"])
    try:
        assert intf.version()["version"] == "1.8.10"  # /data/version is a 404 page; pyxnat falls back to buildInfo
        table = intf.select("xnat:mrSessionData", ["xnat:mrSessionData/SESSION_ID", "xnat:mrSessionData/LABEL",
                                                   "xnat:subjectData/SUBJECT_LABEL"]).where(
            [("xnat:mrSessionData/PROJECT", "=", "DEMO_PROTECTED"), ("xnat:subjectData/SUBJECT_LABEL", "LIKE", "*002"),
             "AND"])
        wanted = [e for e in searched.experiments.values()
                  if e.project == "DEMO_PROTECTED" and e.subject.label.endswith("002")]
        assert sorted(table.get("session_id")) == sorted(e.id for e in wanted)
        assert set(table.get("xnat_subjectdata_subject_label")) == {wanted[0].subject.label}
        everything = intf.select("xnat:mrSessionData", ["xnat:mrSessionData/SESSION_ID"]).all()
        assert len(everything) == len(searched.experiments)
        # one row per scan, the xpath columns lower-cased
        scans = intf.array.scans(project_id="DEMO_PUBLIC")
        public = [e for e in searched.experiments.values() if e.project == "DEMO_PUBLIC"]
        assert len(scans) == sum(len(e.scans) for e in public)
        assert sorted(scans.get("xnat:imagescandata/id")) == sorted(s for e in public for s in e.scans)
        mr_scans = intf.array.mrscans(project_id="DEMO_PUBLIC")
        assert len(mr_scans) == len(scans)
        experiments = intf.array.experiments(project_id="DEMO_PUBLIC", experiment_type="xnat:mrSessionData")
        assert sorted(experiments.get("ID")) == sorted(e.id for e in public)
        # a wrong object is pyxnat's own error, not a crash inside its error parser
        from pyxnat.core.errors import DatabaseError
        with pytest.raises(DatabaseError):
            intf._exec("/data/experiments/NOPE")
    finally:
        intf.disconnect()


def test_pyxnat_and_xnatpy_reach_assessors(searched, tmp_path):
    from pyxnat import Interface

    info = searched.info()
    exp = next(e for e in searched.experiments.values() if e.project == "DEMO_PUBLIC" and len(e.assessors) == 2)
    intf = Interface(server=info["url"], user=info["user"], password=info["password"])
    try:
        experiment = intf.select.project("DEMO_PUBLIC").subject(exp.subject.label).experiment(exp.label)
        assert sorted(experiment.assessors().get()) == sorted(exp.assessors)
        fs = next(a for a in exp.assessors.values() if a.xsi_type == "fs:fsData")
        names = experiment.assessor(fs.id).out_resource("DATA").files().get()
        assert "aseg.stats" in names
        got = experiment.assessor(fs.id).out_resource("DATA").file("stats/aseg.stats").get(str(tmp_path / "a"))
        assert open(got, "rb").read().startswith(b"# Title Segmentation Statistics")
    finally:
        intf.disconnect()
