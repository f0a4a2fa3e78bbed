"""Registering collection files in a DataLad dataset, then `datalad get` through HTTPS + token."""
from __future__ import annotations

import os
import subprocess
import sys

from neurodata_widgets.globus import annex


def test_register_then_datalad_get(client, globus, tmp_path, allow_collection):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    allow_collection(client, src)
    done = annex.register(ds.path, client, src, ["/ds001/README", "/ds001/sub-01/anat/sub-01_T1w.nii.gz"],
                          dest="inputs")
    assert [d["url"] for d in done] == [f"globus://{src}/ds001/README",
                                        f"globus://{src}/ds001/sub-01/anat/sub-01_T1w.nii.gz"]
    whereis = subprocess.run(["git", "-C", ds.path, "annex", "whereis", "inputs/README"],
                             capture_output=True, text=True).stdout
    assert f"globus://{src}/ds001/README" in whereis
    assert not (tmp_path / "ds/inputs/README").exists()  # location only, content comes with get
    results = ds.get("inputs", result_renderer="disabled")
    assert all(r["status"] in ("ok", "notneeded") for r in results)
    assert (tmp_path / "ds/inputs/README").read_text().startswith("Demo raw data")
    image = (tmp_path / "ds/inputs/sub-01_T1w.nii.gz").read_bytes()
    assert image == (globus.collection_dir(src) / "ds001/sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    assert ds.repo.is_under_annex(["inputs/README"])[0]


def test_register_box_from_browser_selection(client, globus, tmp_path, allow_collection):
    import datalad.api as dl

    from neurodata_widgets.globus.widgets import GlobusBrowser, RegisterBox

    ds = dl.create(str(tmp_path / "ds2"), result_renderer="disabled")
    browser = GlobusBrowser(client)
    browser.wait_background()  # the collections are found in the background
    browser.source.picker.value = globus.info()["source_collection"]
    box = RegisterBox(client, browser=browser, dataset=ds.path)
    box.register_button.click()  # registers in the background
    box.wait_background()
    assert "Select one or more files" in box.error
    browser.source.go("/ds001/")
    browser.source.select("participants.tsv")
    box.register_button.click()  # first use of the collection's HTTPS access: the consent link is shown
    box.wait_background()
    assert "needs your consent" in box.error and box.value == []
    assert "ndw-globus-consent-link" in box.banner.value
    allow_collection(client, globus.info()["source_collection"])
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


def test_get_renews_a_credential_that_expired(client, globus, tmp_path, allow_collection):
    import datalad.api as dl

    ds = dl.create(str(tmp_path / "ds3"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    allow_collection(client, src)
    annex.register(ds.path, client, src, ["/ds001/participants.tsv"])
    assert annex.globus_remotes(ds.path) == {annex.remote_name(src): src}
    globus.expire()  # the token stored for git-annex is dead now
    stale = ds.get("participants.tsv", result_renderer="disabled", on_failure="ignore")
    assert [r["status"] for r in stale if r.get("action") == "get"] == ["error"]
    results = annex.get(ds.path, client, ["participants.tsv"])
    assert [r["status"] for r in results if r.get("action") == "get"] == ["ok"]
    assert (tmp_path / "ds3/participants.tsv").read_text().startswith("participant_id")


def test_public_collection_needs_no_login_and_stores_no_token(globus, tmp_path):
    import datalad.api as dl
    from datalad_next.credman import CredentialManager

    from neurodata_widgets.globus.client import GlobusClient

    anonymous = GlobusClient(token_file=tmp_path / "nobody.json")
    public = globus.info()["public_collection"]
    https_server = f"{globus.url}/_https/{public}"  # known from the catalog; no Transfer call without login
    assert anonymous.collection_is_public(public, https_server) and anonymous.https_headers(public, https_server) == {}
    ds = dl.create(str(tmp_path / "open"), result_renderer="disabled")
    assert annex.refresh_credential(ds.path, anonymous, public, https_server) is None
    assert CredentialManager(ds.config).get(annex.credential_name(public)) is None


def _datalad_get(ds_path, *paths, env=None):
    """The command-line ``datalad get`` a user runs (the real script next to this interpreter)."""
    datalad = os.path.join(os.path.dirname(sys.executable), "datalad")
    return subprocess.run([datalad, "get", *paths], cwd=ds_path, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def test_command_line_get_after_expiry_says_how_to_log_in(client, globus, tmp_path, allow_collection, consent):
    import datalad.api as dl

    from neurodata_widgets.globus.annex_remote import LOGIN_COMMAND

    ds = dl.create(str(tmp_path / "ds4"), result_renderer="disabled")
    src = globus.info()["source_collection"]
    allow_collection(client, src)
    annex.register(ds.path, client, src, ["/ds001/README"])
    globus.expire()
    failed = _datalad_get(ds.path, "README")
    assert failed.returncode != 0
    assert LOGIN_COMMAND in failed.stdout + failed.stderr and "Globus" in failed.stdout + failed.stderr
    assert not (tmp_path / "ds4/README").exists()
    # do what the message says: log in from the terminal (collection access included), get again
    assert f"{LOGIN_COMMAND} --collection {src}" in failed.stdout + failed.stderr
    # the same login by module path (for a terminal without the scripts folder on PATH): one link, one code
    login = subprocess.Popen([sys.executable, "-m", "neurodata_widgets.globus.login", "--collection", src],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "press Allow" in login.stdout.readline()
    url = login.stdout.readline().strip()
    out, err = login.communicate(consent(url) + "\n", timeout=120)
    assert login.returncode == 0 and "Logged in to Globus as demo@globusid.org" in out, err
    again = _datalad_get(ds.path, "README")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (tmp_path / "ds4/README").read_text().startswith("Demo raw data")


def test_registered_dataset_survives_a_restart_on_another_port(consent, tmp_path, allow_collection):
    """The stand-in restarts (new process: new port, new tokens); the user logs in again and a
    command-line get finds the collection at its new address."""
    import datalad.api as dl

    from neurodata_widgets.globus.client import GlobusClient
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    def logged_in(server):
        c = GlobusClient(auth_url=server.url + "/", transfer_url=server.url + "/", client_id=server.client_id)
        c.finish_login(consent(c.start_login("code")))
        return c

    root = tmp_path / "collections"
    before = GlobusServer(root=root).start()
    src = before.info()["source_collection"]
    client = logged_in(before)
    allow_collection(client, src)
    ds = dl.create(str(tmp_path / "ds5"), result_renderer="disabled")
    annex.register(ds.path, client, src, ["/ds001/participants.tsv"])
    before.stop()
    after = GlobusServer(root=root).start()
    try:
        assert after.url != before.url
        allow_collection(logged_in(after), src)
        env = after.environ()  # what a user's environment points at: the Globus it uses now
        got = _datalad_get(ds.path, "participants.tsv", env=env)
        assert got.returncode == 0, got.stdout + got.stderr
        assert (tmp_path / "ds5/participants.tsv").read_text().startswith("participant_id")
        # from Python with a client of its own token file: the address is refreshed in the local config
        other = GlobusClient(auth_url=after.url + "/", transfer_url=after.url + "/", client_id=after.client_id,
                             token_file=tmp_path / "other-tokens.json")
        other.finish_login(consent(other.start_login("code")))
        allow_collection(other, src)
        ds.drop("participants.tsv", reckless="availability", result_renderer="disabled")
        results = annex.get(ds.path, other, ["participants.tsv"])
        assert [r["status"] for r in results if r.get("action") == "get"] == ["ok"]
        configured = subprocess.run(["git", "-C", ds.path, "config", f"remote.{annex.remote_name(src)}.uncurl-url"],
                                    capture_output=True, text=True).stdout
        assert configured.startswith(after.url + "/_https/")
    finally:
        after.stop()
