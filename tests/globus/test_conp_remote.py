"""CONP datasets on Globus: our git-annex-remote-globus, run by real git-annex and DataLad.

The fixture datasets are made the way CONP's tools make them (initremote with endpoint and
fileprefix, setpresentkey + registerurl of globus:// URLs) on the sandbox's collections; a
user's clone is enabled with ``git annex enableremote globus`` and read with ``datalad get``.
git-annex finds the ``git-annex-remote-globus`` program in this environment's scripts folder,
which importing the toolkit puts on PATH (nothing here patches PATH).
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from neurodata_widgets.globus.conp import collection_path, conp_url, split_url
from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent


def run(*args, cwd=None, input=None, check=True):
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, input=input, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def conp(sandbox, tmp_path_factory):
    from neurodata_widgets.sandbox.conp_data import build_conp_datasets

    return build_conp_datasets(sandbox["globus"], tmp_path_factory.mktemp("conp"))


@pytest.fixture
def own_login(monkeypatch, tmp_path):
    """A fresh toolkit configuration folder (so a fresh token file) shared with the remote's process."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def login(scopes=None):
    """Log in through the toolkit's client (the default token file the remote reads)."""
    from neurodata_widgets.globus.client import GlobusClient

    client = GlobusClient()
    client.finish_login(code_shown(press_consent(client.start_login("code", scopes=scopes))))
    return client


def clone_enabled(url, path):
    """A user's clone: ``datalad clone``, ``git annex enableremote globus``, then verify it as git-annex asks."""
    run("datalad", "clone", url, str(path))
    shown = run("git", "annex", "enableremote", "globus", cwd=path).stdout
    assert "endpoint=" in shown and "fileprefix=" in shown  # the configuration a user checks
    found = re.search(r"verifyremote globus --safe (\S+)", shown)
    if found:  # git-annex >= 10.2025: a remote someone else configured is used only once verified
        run("git", "annex", "verifyremote", "globus", "--safe", found.group(1), cwd=path)
    return path


def setup_collection(collection):
    """``git-annex-remote-globus setup --collection``: it prints the link; a person opens it, allows, pastes the code."""
    setup = subprocess.Popen(["git-annex-remote-globus", "setup", "--collection", collection],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    link = ""
    while not link.startswith("http"):
        link = setup.stdout.readline().strip()
        assert link or setup.poll() is None, setup.stderr.read()
    out, err = setup.communicate(code_shown(press_consent(link)) + "\n", timeout=60)
    assert setup.returncode == 0, err
    return out


def on_collection(globus, info, rel):
    return globus.collection_dir(info["collection"]) / info["fileprefix"].strip("/") / rel


def test_url_form_is_conps():
    url = conp_url("FRDR_Prod_2", "/5/published/publication_170/submitted_data/", "2015_11_18_cortex/mask/mask.mat")
    assert url == "globus://frdr_prod_2/5/published/publication_170/submitted_data/2015_11_18_cortex/mask/mask.mat"
    assert collection_path(url, "FRDR_Prod_2") == "/5/published/publication_170/submitted_data/2015_11_18_cortex/mask/mask.mat"
    assert collection_path(url, "FRDR_Prod") is None
    spaced = conp_url("NDW Demo Open Data", "p", "a b.txt")
    assert split_url(spaced) == ("ndw demo open data", "/p/a b.txt") and " " not in spaced


def test_get_from_public_collection(conp, sandbox, own_login, tmp_path):
    info = conp["open"]
    clone = clone_enabled(info["url"], tmp_path / "open")
    target = "sub-01/anat/sub-01_T1w.nii.gz"
    before = run("datalad", "get", target, cwd=clone, check=False)
    assert before.returncode != 0 and "git-annex-remote-globus setup" in before.stdout + before.stderr
    assert not os.path.exists(clone / target)

    login()
    run("datalad", "get", target, "participants.tsv", cwd=clone)
    assert (clone / target).read_bytes() == on_collection(sandbox["globus"], info, target).read_bytes()
    where = run("git", "annex", "whereis", "--json", target, cwd=clone).stdout
    assert conp_url(info["endpoint"], info["fileprefix"], target) in where


def test_login_only_collection_needs_its_consent_then_gets(conp, sandbox, own_login, tmp_path):
    info = conp["login"]
    clone = clone_enabled(info["url"], tmp_path / "login")
    login()
    first = run("datalad", "get", "participants.tsv", cwd=clone, check=False)
    assert first.returncode != 0
    assert f"setup --collection {info['collection']}" in first.stdout + first.stderr

    out = setup_collection(info["collection"])
    assert "Logged in to Globus as" in out

    run("datalad", "get", ".", cwd=clone)
    for rel in info["files"]:
        assert (clone / rel).read_bytes() == on_collection(sandbox["globus"], info, rel).read_bytes()
    token_file = tmp_path / "config" / "neurodata-widgets" / "globus-tokens.json"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"


def test_checkpresent_drop_and_missing_file(conp, sandbox, own_login, tmp_path):
    info = conp["open"]
    clone = clone_enabled(info["url"], tmp_path / "open")
    login()
    run("datalad", "get", "participants.tsv", cwd=clone)
    # drop verifies the copy on Globus with CHECKPRESENT (Transfer ls) before removing the local one
    run("git", "annex", "drop", "participants.tsv", cwd=clone)
    assert not os.path.exists(clone / "participants.tsv")
    key = run("git", "annex", "lookupkey", "participants.tsv", cwd=clone).stdout.strip()
    assert run("git", "annex", "checkpresentkey", key, "globus", cwd=clone, check=False).returncode == 0

    moved = on_collection(sandbox["globus"], info, "dataset_description.json")
    moved.rename(moved.with_suffix(".old"))
    try:
        key = run("git", "annex", "lookupkey", "dataset_description.json", cwd=clone).stdout.strip()
        assert run("git", "annex", "checkpresentkey", key, "globus", cwd=clone, check=False).returncode == 1
        failed = run("datalad", "get", "dataset_description.json", cwd=clone, check=False)
        assert failed.returncode != 0
        assert "missing on Globus collection" in failed.stdout + failed.stderr
    finally:
        moved.with_suffix(".old").rename(moved)


def test_store_is_refused_clearly(conp, own_login, tmp_path):
    clone = clone_enabled(conp["open"]["url"], tmp_path / "open")
    (clone / "new.bin").write_bytes(b"new content")
    run("datalad", "save", "-m", "new", cwd=clone)
    copy = run("git", "annex", "copy", "--to", "globus", "new.bin", cwd=clone, check=False)
    assert copy.returncode != 0 and "read-only" in copy.stdout + copy.stderr


@pytest.mark.parametrize("endpoint, says", [("No Such Collection", "No Globus collection is named"),
                                            ("NDW Demo", "Globus collections match")])
def test_endpoint_not_found_or_ambiguous(sandbox, own_login, tmp_path, endpoint, says):
    import datalad.api as dl

    ds = dl.create(path=str(tmp_path / "ds"), result_renderer="disabled")
    login()
    made = run("git", "annex", "initremote", "globus", "type=external", "externaltype=globus", "encryption=none",
               f"endpoint={endpoint}", "fileprefix=/x", cwd=ds.path, check=False)
    assert made.returncode != 0 and says in made.stdout + made.stderr


def test_register_files_the_conp_way(conp, sandbox, own_login, tmp_path):
    """A maintainer registers downloaded files; one that is not on the collection is reported, not registered."""
    import datalad.api as dl

    from neurodata_widgets.globus.conp import register_files

    info = conp["open"]
    ds = dl.create(path=str(tmp_path / "new"), result_renderer="disabled")
    for rel in ("participants.tsv", "sub-02/anat/sub-02_T1w.nii.gz"):
        (tmp_path / "new" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "new" / rel).write_bytes(on_collection(sandbox["globus"], info, rel).read_bytes())
    (tmp_path / "new" / "local-only.txt").write_text("not on Globus\n")
    ds.save(message="downloaded", result_renderer="disabled")
    client = login()
    records = {r["path"]: r for r in register_files(ds.path, info["endpoint"], info["fileprefix"], client=client)}
    assert records["participants.tsv"]["registered"] and records["sub-02/anat/sub-02_T1w.nii.gz"]["registered"]
    assert not records["local-only.txt"]["registered"] and "not on the collection" in records["local-only.txt"]["problem"]

    run("git", "annex", "drop", "--force", ".", cwd=ds.path)
    run("git", "annex", "get", "sub-02/anat/sub-02_T1w.nii.gz", cwd=ds.path)
    urls = run("git", "annex", "whereis", "--json", "participants.tsv", cwd=ds.path).stdout
    assert conp_url(info["endpoint"], info["fileprefix"], "participants.tsv") in urls

    # a file that is only on the collection: addurl fetches it through the remote and checksums it
    only_there = conp_url(info["endpoint"], info["fileprefix"], "sub-01/anat/sub-01_T1w.nii.gz")
    run("git", "annex", "addurl", "--file", "sub-01/anat/sub-01_T1w.nii.gz", only_there, cwd=ds.path)
    added = tmp_path / "new" / "sub-01/anat/sub-01_T1w.nii.gz"
    assert added.read_bytes() == on_collection(sandbox["globus"], info, "sub-01/anat/sub-01_T1w.nii.gz").read_bytes()
    assert run("git", "annex", "lookupkey", "sub-01/anat/sub-01_T1w.nii.gz", cwd=ds.path).stdout.startswith("MD5E-")


def test_explorer_shows_globus_remote_and_urls_before_enableremote(conp, tmp_path):
    from neurodata_widgets.datasets import ops
    from neurodata_widgets.datasets.state import DatasetState
    from neurodata_widgets.globus.annex import globus_remotes

    info = conp["open"]
    plain = tmp_path / "plain"
    run("datalad", "clone", info["url"], str(plain))
    where = DatasetState(plain).whereis("participants.tsv")
    assert len(where) == 1 and info["endpoint"] in where[0]["description"]
    assert "enableremote globus" in where[0]["description"]  # not enabled in this clone yet: say how
    assert where[0]["urls"] == [conp_url(info["endpoint"], info["fileprefix"], "participants.tsv")]
    assert globus_remotes(plain) == {"globus": info["endpoint"]}
    failed = [r for r in ops.get(plain, ["participants.tsv"]) if r.get("type") == "file"]
    assert failed[0]["status"] != "ok" and "git annex enableremote globus" in failed[0]["message"]


def test_explorer_gets_and_drops_through_the_globus_remote(conp, sandbox, own_login, tmp_path):
    """The DatasetExplorer widget, driven from Python: where-is, get and drop on a CONP clone."""
    from neurodata_widgets.datasets.widgets import DatasetExplorer

    info = conp["open"]
    clone = clone_enabled(info["url"], tmp_path / "enabled")
    login()
    ex = DatasetExplorer(str(clone))
    ex.selected = ["participants.tsv"]
    ex.whereis_button.click()  # git-annex is asked off the main thread
    ex.wait_background()
    url = conp_url(info["endpoint"], info["fileprefix"], "participants.tsv")
    assert url in ex.detail.value and f"Globus collection {info['endpoint']}" in ex.detail.value
    ex.selected = ["sub-01"]
    ex.get()
    assert ex.wait(120) and ex.status == "done", ex.banner.message
    assert (clone / "sub-01/anat/sub-01_T1w.nii.gz").is_file()
    ex.selected = ["sub-01"]
    ex.drop_button.click()
    assert ex.wait(120) and ex.status == "done", ex.banner.message
    assert not os.path.exists(clone / "sub-01/anat/sub-01_T1w.nii.gz")


def test_progress_reaches_git_annex(conp, own_login, tmp_path):
    import json

    clone = clone_enabled(conp["open"]["url"], tmp_path / "open")
    login()
    out = run("git", "annex", "get", "--json-progress", "sub-02/anat/sub-02_T1w.nii.gz", cwd=clone).stdout
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    steps = [r["byte-progress"] for r in records if "byte-progress" in r]
    assert len(steps) >= 2 and steps == sorted(steps) and steps[-1] == 300_000


def test_register_command_sets_up_the_remote_and_urls(conp, own_login, tmp_path):
    """The maintainers' command: initremote globus + registerurl/setpresentkey, as CONP's retrieve does."""
    import datalad.api as dl

    ds = dl.create(path=str(tmp_path / "ds"), result_renderer="disabled")
    (tmp_path / "ds" / "sub-09").mkdir()
    (tmp_path / "ds" / "sub-09" / "scan.dat").write_bytes(b"\0" * 4096)
    ds.save(message="data", result_renderer="disabled")
    done = run("git-annex-remote-globus", "register", "--no-check", "--endpoint", "FRDR_Prod_2",
               "--fileprefix", "/5/published/publication_170/submitted_data", cwd=ds.path)
    assert "Registered 1 of 1" in done.stdout
    config = run("git", "cat-file", "-p", "git-annex:remote.log", cwd=ds.path).stdout
    assert "externaltype=globus" in config and "endpoint=FRDR_Prod_2" in config
    where = run("git", "annex", "whereis", "--json", "sub-09/scan.dat", cwd=ds.path).stdout
    assert "globus://frdr_prod_2/5/published/publication_170/submitted_data/sub-09/scan.dat" in where


def test_setup_without_globus_configured_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOBUS_SDK_", "NDW_GLOBUS_", "NDW_SANDBOX"))}
    env["NDW_SANDBOX_FILE"] = str(tmp_path / "no-sandbox.json")
    proc = subprocess.run(["git-annex-remote-globus", "setup"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "NDW_GLOBUS_CLIENT_ID" in proc.stderr


def test_collection_needing_data_access_consent_says_so_then_works(sandbox, own_login, tmp_path):
    """The remote's endpoint given as an id; Transfer asks for data_access consent before it lists the collection."""
    import datalad.api as dl

    from neurodata_widgets.globus.conp import register_files

    globus = sandbox["globus"]
    guarded = globus.info()["consent_collection"]
    ds = dl.create(path=str(tmp_path / "ds"), result_renderer="disabled")
    (tmp_path / "ds" / "participants.tsv").write_bytes((globus.collection_dir(guarded) / "ds001/participants.tsv").read_bytes())
    ds.save(message="downloaded", result_renderer="disabled")
    assert register_files(ds.path, guarded, "/ds001")[0]["registered"]
    run("git", "annex", "drop", "--force", "participants.tsv", cwd=ds.path)
    key = run("git", "annex", "lookupkey", "participants.tsv", cwd=ds.path).stdout.strip()
    login()
    asked = run("git", "annex", "checkpresentkey", key, "globus", cwd=ds.path, check=False)
    assert asked.returncode not in (0, 1)  # neither "present" nor "absent": git-annex could not tell
    assert "needs your consent" in asked.stdout + asked.stderr and "setup --collection" in asked.stdout + asked.stderr

    setup_collection(guarded)
    assert run("git", "annex", "checkpresentkey", key, "globus", cwd=ds.path, check=False).returncode == 0
    run("git", "annex", "get", "participants.tsv", cwd=ds.path)
    assert (tmp_path / "ds" / "participants.tsv").read_text().startswith("participant_id")


def test_endpoint_reset_to_the_collection_id_keeps_the_urls_working(conp, sandbox, own_login, tmp_path):
    """What the ambiguity error advises (endpoint=<id>) must not orphan the URLs that carry the name."""
    info = conp["open"]
    clone = clone_enabled(info["url"], tmp_path / "open")
    shown = run("git", "annex", "enableremote", "globus", f"endpoint={info['collection']}", cwd=clone).stdout
    found = re.search(r"verifyremote globus --safe (\S+)", shown)
    if found:
        run("git", "annex", "verifyremote", "globus", "--safe", found.group(1), cwd=clone)
    login()
    run("datalad", "get", "participants.tsv", cwd=clone)
    assert (clone / "participants.tsv").read_text().startswith("participant_id")


def test_setup_not_logged_in_asks_login_and_collection_access_in_one_code(sandbox, own_login):
    """A collection given by id before any login: one link, one pasted code, and the collection's token stored."""
    from neurodata_widgets.globus.client import GlobusClient

    collection = sandbox["globus"].info()["destination_collection"]
    assert not GlobusClient().logged_in
    out = setup_collection(collection)  # reads up to the first link, pastes its code once
    assert "Open this link" not in out and "Logged in to Globus as demo@globusid.org" in out
    stored = GlobusClient()
    assert stored.logged_in and stored.storage.get_token_data(collection) is not None
    cancelled = subprocess.run(["git-annex-remote-globus", "setup", "--logout"], capture_output=True, text=True, timeout=60)
    assert cancelled.returncode == 0 and not GlobusClient().logged_in
