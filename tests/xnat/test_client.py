"""The client against the sandbox: listings as DataFrames, manifests, credentials, error wording."""
import pytest

from neurodata_widgets import errors
from neurodata_widgets.auth.credentials import CredentialStore, credential_name, env_prefix
from neurodata_widgets.xnat.client import Node, XnatClient


def test_every_level_is_one_request(client, server):
    server.reset_stats()
    assert list(client.projects()["id"]) == ["DEMO_PUBLIC", "DEMO_PROTECTED", "DEMO_PRIVATE"]
    subjects = client.subjects("DEMO_PRIVATE")
    exps = client.experiments("DEMO_PRIVATE", "sub-002")
    scans = client.scans(exps["id"][0])
    resources = client.resources(exps["id"][0], "1")
    files = client.files(exps["id"][0], "1", "DICOM")
    assert server.stats["total"] == 6
    assert list(subjects["label"]) == ["sub-001", "sub-002", "sub-003"]
    assert set(exps["subject_label"]) == {"sub-002"}
    assert list(scans.columns) == ["id", "type", "quality", "series_description"]
    assert int(resources["file_count"][0]) == 2
    assert list(files["scan"]) == ["1", "1"] and files["md5"].str.len().eq(32).all()


def test_manifest_takes_one_request_per_session(client, server):
    server.reset_stats()
    manifest = client.manifest([Node("project", "DEMO_PRIVATE")])
    assert len(manifest) == 3 * 2 * 3 * 2
    # the experiment listing, then per session its scans' files, its own resources and its assessors
    assert server.stats["total"] == 1 + 3 * 2 * 3
    assert manifest["url"].str.startswith(server.url).all()
    scans = client.manifest([Node("scan", "DEMO_PRIVATE", "sub-001", manifest["experiment"][0], "x", "1"),
                             Node("scan", "DEMO_PRIVATE", "sub-001", manifest["experiment"][0], "x", "2")])
    assert sorted(set(scans["scan"])) == ["1", "2"] and len(scans) == 4


def test_login_with_a_stored_credential_and_back(server):
    store = CredentialStore()
    name = credential_name(server.url)
    first = XnatClient(server.url)
    first.login("demo", server.info()["password"], remember=True)
    first.logout()
    assert store.get(name)["user"] == "demo"
    # what datalad-xnat (datalad-core's UserPassword) reads finds the same credential
    from datalad.downloaders.credentials import UserPassword

    assert UserPassword(name)()["password"] == server.info()["password"]
    second = XnatClient(server.url)
    assert second.login() == "demo" and second.credential_name == name
    second.logout()
    assert store.remove(name) and store.get(name) is None


def test_credential_from_environment(server, monkeypatch):
    monkeypatch.setenv(env_prefix("myxnat") + "_USER", "demo")
    monkeypatch.setenv(env_prefix("myxnat") + "_PASSWORD", server.info()["password"])
    c = XnatClient(server.url)
    assert c.login(credential="myxnat") == "demo"
    c.logout()


def test_anonymous_and_missing_credential(server):
    c = XnatClient(server.url)
    assert c.login(credential="anonymous") == "guest"
    assert "DEMO_PRIVATE" not in set(c.projects()["id"])
    with pytest.raises(errors.UserError, match="No credential named"):
        c.login(credential="nobody-stored-this")


def test_session_level_resources_and_catalog_folders_in_manifests(client, server, tmp_path):
    from neurodata_widgets.xnat.download import download

    exp = next(e for e in server.experiments.values() if e.project == "DEMO_PUBLIC")
    server.add_file(exp.id, "3", "runA/0001.dcm", b"\0" * 128 + b"DICM A")
    server.add_file(exp.id, "3", "runB/0001.dcm", b"\0" * 128 + b"DICM B")
    server.add_file(exp.id, "3", "runA/0001.dcm", b"\0" * 128 + b"DICM snap", resource="SNAPSHOTS")
    server.add_file(exp.id, None, "qc/report.txt", b"all good\n", resource="QC")
    manifest = client.manifest([Node("experiment", exp.project, exp.subject.label, exp.id, exp.label)])
    qc = manifest[manifest["resource"] == "QC"]
    assert list(qc["name"]) == ["qc/report.txt"] and list(qc["scan"]) == [""]
    assert {"runA/0001.dcm", "runB/0001.dcm"} <= set(manifest[manifest["scan"] == "3"]["name"])
    report = download(client, manifest, tmp_path)
    assert (report["status"] == "downloaded").all() and report["path"].is_unique
    base = tmp_path / exp.subject.label / exp.label
    # runA/0001.dcm is in two resources of scan 3: both get their resource's folder
    assert (base / "3" / "DICOM" / "runA" / "0001.dcm").read_bytes().endswith(b"DICM A")
    assert (base / "3" / "runB" / "0001.dcm").read_bytes().endswith(b"DICM B")
    assert (base / "3" / "SNAPSHOTS" / "runA" / "0001.dcm").read_bytes().endswith(b"DICM snap")
    assert (base / "QC" / "qc" / "report.txt").read_bytes() == b"all good\n"


def test_not_an_xnat_says_so(sandbox):
    registry = sandbox.services["registry"]
    with pytest.raises(errors.UserError) as info:
        XnatClient(registry.url).login("demo", "secret")
    assert "does not look like an XNAT" in str(info.value)


@pytest.mark.parametrize("url, phrase", [("not a url", "not a valid server address"),
                                         ("http://127.0.0.1:9", "Could not reach")])
def test_bad_addresses_read_well(url, phrase):
    with pytest.raises(Exception) as info:
        XnatClient(url, timeout=(1, 1)).login(anonymous=True)
    assert phrase in errors.describe(info.value)[0]


def test_status_errors_read_well(client, server):
    import requests

    server.faults.set(status=500, pattern="/subjects")
    with pytest.raises(requests.HTTPError) as info:
        client.subjects("DEMO_PUBLIC")
    assert "internal error" in errors.describe(info.value)[0]
    server.faults.clear()
    visitor = XnatClient(server.url)
    visitor.login("visitor", server.users["visitor"]["password"])
    assert visitor.subjects("DEMO_PROTECTED").empty  # listings are filtered by permission
    protected = next(e for e in server.experiments.values() if e.project == "DEMO_PROTECTED")
    with pytest.raises(requests.HTTPError) as info:
        visitor.experiment(protected.id)
    assert "not allowed" in errors.describe(info.value)[0]
    server.faults.set(hang=3, pattern="/subjects")
    with pytest.raises(requests.exceptions.RequestException) as info:
        client.subjects("DEMO_PUBLIC")
    assert "did not answer in time" in errors.describe(info.value)[0]
