"""Registering collection files in a DataLad dataset (CONP's form), then `datalad get` through git-annex-remote-globus."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from neurodata_widgets.git_identity import identity
from neurodata_widgets.globus import annex

OLD_DATASET = Path(__file__).parent / "fixtures" / "ndw-globus-dataset.bundle"


def _git(ds_path, *args, check=True):
    proc = subprocess.run(["git", "-C", str(ds_path), *args], capture_output=True, text=True, timeout=300)
    assert not check or proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_register_then_datalad_get(toolkit_client, globus, tmp_path, allow_collection):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    allow_collection(toolkit_client, src)
    done = annex.register(ds.path, toolkit_client, src, ["/ds001/README", "/ds001/sub-01/anat/sub-01_T1w.nii.gz"],
                          dest="inputs")
    assert [d["url"] for d in done] == [f"globus://{src}/ds001/README",
                                        f"globus://{src}/ds001/sub-01/anat/sub-01_T1w.nii.gz"]
    # CONP's remote, the one git-annex-remote-globus serves
    config = _git(ds.path, "cat-file", "-p", "git-annex:remote.log").stdout
    assert "externaltype=globus" in config and f"endpoint={src}" in config and "name=globus " in config
    assert annex.globus_remotes(ds.path) == {"globus": src}
    whereis = _git(ds.path, "annex", "whereis", "inputs/README").stdout
    assert f"globus://{src}/ds001/README" in whereis and "[globus]" in whereis
    assert not (tmp_path / "ds/inputs/README").exists()  # location only, content comes with get
    results = ds.get("inputs", result_renderer="disabled")
    assert all(r["status"] in ("ok", "notneeded") for r in results)
    assert (tmp_path / "ds/inputs/README").read_text().startswith("Demo raw data")
    image = (tmp_path / "ds/inputs/sub-01_T1w.nii.gz").read_bytes()
    assert image == (globus.collection_dir(src) / "ds001/sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    assert ds.repo.is_under_annex(["inputs/README"])[0]
    # no git identity in the tests: the registration and git-annex's notes carry the toolkit's identity
    me = identity(ds.path)
    assert me.source == "toolkit"
    for branch in ("HEAD", "git-annex"):
        assert _git(ds.path, "log", "-1", "--format=%an <%ae>", branch).stdout.strip() == f"{me.name} <{me.email}>"


def test_register_box_from_browser_selection(toolkit_client, globus, tmp_path, allow_collection):
    import datalad.api as dl

    from neurodata_widgets.globus.widgets import GlobusBrowser, RegisterBox

    ds = dl.create(str(tmp_path / "ds2"), result_renderer="disabled")
    browser = GlobusBrowser(toolkit_client)
    browser.wait_background()  # the collections are found in the background
    browser.source.picker.value = globus.info()["source_collection"]
    box = RegisterBox(toolkit_client, browser=browser, dataset=ds.path)
    box.register_button.click()  # registers in the background
    box.wait_background()
    assert "Select one or more files" in box.error
    browser.source.go("/ds001/")
    browser.source.select("participants.tsv")
    box.register_button.click()  # first use of the collection's HTTPS access: the consent link is shown
    box.wait_background()
    assert "needs your consent" in box.error and box.value == []
    assert "ndw-globus-consent-link" in box.banner.value
    allow_collection(toolkit_client, globus.info()["source_collection"])
    browser.source.go("/ds001/")
    browser.source.select("participants.tsv", "sub-01")  # the folder is skipped
    box.register_button.click()
    box.wait_background()
    assert box.value == ["inputs/participants.tsv"] and box.banner.kind == "ok"
    ds.get("inputs/participants.tsv", result_renderer="disabled")
    assert (tmp_path / "ds2/inputs/participants.tsv").read_text().startswith("participant_id")


def test_register_into_a_plain_folder_is_a_readable_error(client, globus, tmp_path):
    import pytest

    from neurodata_widgets.errors import describe

    with pytest.raises(Exception) as info:
        annex.register(tmp_path, client, globus.info()["source_collection"], ["/ds001/README"])
    assert "not a DataLad dataset" in describe(info.value)[0]


def test_a_missing_file_is_not_registered(toolkit_client, globus, tmp_path):
    import datalad.api as dl
    import pytest

    from neurodata_widgets.errors import describe

    ds = dl.create(str(tmp_path / "ds-missing"), result_renderer="disabled")
    with pytest.raises(Exception) as info:
        annex.register(ds.path, toolkit_client, globus.info()["public_collection"], ["/ds001/no-such-file.tsv"])
    assert "Registering 1 file(s) failed" in describe(info.value)[0]
    assert not ds.repo.get_annexed_files()


def test_two_collections_and_an_expired_login(toolkit_client, globus, tmp_path, allow_collection):
    """A second collection gets a remote of its own; an expired access token is refreshed by the remote."""
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds3"), result_renderer="disabled")
    src, public = globus.info()["source_collection"], globus.info()["public_collection"]
    allow_collection(toolkit_client, src)
    annex.register(ds.path, toolkit_client, src, ["/ds001/participants.tsv"], dest="lab")
    annex.register(ds.path, toolkit_client, public, ["/ds001/participants.tsv"], dest="open", fast=False)
    assert annex.globus_remotes(ds.path) == {"globus": src, f"globus-{public[:8]}": public}
    assert (tmp_path / "ds3/open/participants.tsv").is_file()  # fast=False: downloaded once and checksummed
    globus.expire()  # every access token is dead now; the refresh token is not
    results = annex.get(ds.path, toolkit_client, ["lab/participants.tsv"])
    assert [r["status"] for r in results if r.get("action") == "get"] == ["ok"]
    assert (tmp_path / "ds3/lab/participants.tsv").read_text().startswith("participant_id")


def test_public_collection_needs_no_login(globus, tmp_path):
    from neurodata_widgets.globus.client import GlobusClient

    anonymous = GlobusClient(token_file=tmp_path / "nobody.json")
    public = globus.info()["public_collection"]
    https_server = f"{globus.url}/_https/{public}"  # known from the catalog; no Transfer call without login
    assert anonymous.collection_is_public(public, https_server) and anonymous.https_headers(public, https_server) == {}
    annex.ensure_access(anonymous, public, https_server)  # nothing to allow, nothing asked
    assert not anonymous.logged_in


def _datalad_get(ds_path, *paths, env=None):
    """The command-line ``datalad get`` a user runs (the real script next to this interpreter)."""
    datalad = os.path.join(os.path.dirname(sys.executable), "datalad")
    return subprocess.run([datalad, "get", *paths], cwd=ds_path, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def test_command_line_get_logged_out_says_how_to_log_in(toolkit_client, globus, tmp_path, allow_collection, consent):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds4"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    allow_collection(toolkit_client, src)
    annex.register(ds.path, toolkit_client, src, ["/ds001/README"])
    toolkit_client.logout()
    failed = _datalad_get(ds.path, "README")
    assert failed.returncode != 0
    assert "git-annex-remote-globus setup" in failed.stdout + failed.stderr
    assert not (tmp_path / "ds4/README").exists()
    # do what the message says, by module path (a terminal without the scripts folder on PATH): one link, one code
    login = subprocess.Popen([sys.executable, "-m", "neurodata_widgets.globus.login", "--collection", src],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "press Allow" in login.stdout.readline()
    url = login.stdout.readline().strip()
    out, err = login.communicate(consent(url) + "\n", timeout=120)
    assert login.returncode == 0 and "Logged in to Globus as demo@globusid.org" in out, err
    again = _datalad_get(ds.path, "README")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "ds4/README").read_text().startswith("Demo raw data")


def test_registered_dataset_survives_a_restart_on_another_port(consent, tmp_path, allow_collection, monkeypatch):
    """The stand-in restarts (new process: new port, new tokens); the user logs in again and a
    command-line get finds the collection at its new address."""
    import datalad.api as dl

    from neurodata_widgets.globus.client import GlobusClient
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # a token file of this test's own

    def logged_in(server):
        c = GlobusClient(auth_url=server.url + "/", transfer_url=server.url + "/", client_id=server.client_id)
        c.finish_login(consent(c.start_login("code")))
        return c

    root = tmp_path / "collections"
    before = GlobusServer(root=root).start()
    src = before.info()["source_collection"]
    for name, value in before.environ().items():
        monkeypatch.setenv(name, value)  # the remote's process talks to the Globus the user uses
    client = logged_in(before)
    allow_collection(client, src)
    ds = dl.create(str(tmp_path / "ds5"), result_renderer="disabled")
    annex.register(ds.path, client, src, ["/ds001/participants.tsv", "/ds001/README"])
    before.stop()
    after = GlobusServer(root=root).start()
    try:
        assert after.url != before.url
        for name, value in after.environ().items():
            monkeypatch.setenv(name, value)
        allow_collection(logged_in(after), src)
        got = _datalad_get(ds.path, "participants.tsv")
        assert got.returncode == 0, got.stdout + got.stderr
        assert (tmp_path / "ds5/participants.tsv").read_text().startswith("participant_id")
        results = annex.get(ds.path, GlobusClient(), ["README"])
        assert [r["status"] for r in results if r.get("action") == "get"] == ["ok"]
    finally:
        after.stop()


def test_dataset_registered_by_the_previous_version_still_gets(toolkit_client, globus, tmp_path, allow_collection):
    """A clone of a dataset the previous register() made (its ``ndw-globus`` remote, ``match``/``url`` settings,
    VURL keys; see fixtures/README.md) is read by the same program, alias ``git-annex-remote-ndw-globus``."""
    from neurodata_widgets.datasets.state import DatasetState

    src = globus.info()["source_collection"]
    clone = tmp_path / "old"
    subprocess.run(["git", "clone", "--quiet", str(OLD_DATASET), str(clone)], check=True, timeout=120)
    _git(clone, "annex", "init")  # autoenable=true: git-annex starts git-annex-remote-ndw-globus
    shown = _git(clone, "annex", "enableremote", "globus-1c5e4a52").stdout
    found = re.search(r"verifyremote globus-1c5e4a52 --safe (\S+)", shown)
    if found:  # git-annex >= 10.2025: a remote someone else configured is used only once verified
        _git(clone, "annex", "verifyremote", "globus-1c5e4a52", "--safe", found.group(1))
    assert annex.globus_remotes(clone) == {"globus-1c5e4a52": src}
    where = DatasetState(clone).whereis("inputs/README")
    assert any(f"Globus collection {src}" in w["description"] for w in where)

    allow_collection(toolkit_client, src)
    got = _datalad_get(clone, "inputs")
    assert got.returncode == 0, got.stdout + got.stderr
    assert (clone / "inputs/README").read_text().startswith("Demo raw data")
    image = (clone / "inputs/sub-01_T1w.nii.gz").read_bytes()
    assert image == (globus.collection_dir(src) / "ds001/sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    # registering more files of that collection uses the dataset's remote, not a second one
    annex.register(clone, toolkit_client, src, ["/ds001/participants.tsv"], dest="inputs")
    assert annex.globus_remotes(clone) == {"globus-1c5e4a52": src}
    _git(clone, "annex", "drop", "inputs/README")  # CHECKPRESENT through the alias first
    assert _datalad_get(clone, "inputs/README", "inputs/participants.tsv").returncode == 0
