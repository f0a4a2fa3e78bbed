"""CONP's workflow, round two: odd file names, an outage during a folder get, resuming a cut download,
no wrong partial files, one remote per collection, setup's verification step and a hub-wide client id.

Everything runs through real git-annex and DataLad against the sandbox's Globus over HTTP; the outage
tests use a Globus stand-in of their own, so stopping it leaves the session's sandbox alone.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import pytest

from neurodata_widgets.globus.conp import conp_url
from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent

ODD = {  # names CONP datasets have: spaces, non-ASCII, "#", "%", "+", an apostrophe
    "sub 01/anat/T1w scan.nii.gz": b"space" * 1000,
    "sub-02/notes/Montréal café.txt": "non-ASCII names\n".encode(),
    "sub-03/run#1 50%+done's.dat": b"hash percent plus" * 100,
}


def run(*args, cwd=None, input=None, check=True, env=None):
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, input=input, timeout=300, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def own_login(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def login():
    from neurodata_widgets.globus.client import GlobusClient

    client = GlobusClient()
    client.finish_login(code_shown(press_consent(client.start_login("code"))))
    return client


def setup_in(clone):
    """``git-annex-remote-globus setup --yes`` in a user's clone: it enables and verifies the globus remote."""
    out = run("git-annex-remote-globus", "setup", "--yes", cwd=clone).stdout
    assert "Verified the dataset's Globus remote 'globus'" in out, out
    return out


@pytest.fixture
def own_globus(sandbox, monkeypatch, tmp_path):
    """A Globus stand-in of this test's own (the remote's processes are pointed at it), stopped at the end."""
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    server = GlobusServer(root=tmp_path / "globus").start()
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", server.url + "/")
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", server.url + "/")
    monkeypatch.setenv("NDW_GLOBUS_CLIENT_ID", server.client_id)
    yield server
    server.stop()


def dataset_on(server, tmp_path, files, name="conp"):
    from neurodata_widgets.sandbox.conp_data import build_conp_dataset

    return build_conp_dataset(server, server.info()["public_collection"], tmp_path / name, files=files)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def partials(clone):
    tmp = clone / ".git" / "annex" / "tmp"
    return sorted(p for p in tmp.rglob("*") if p.is_file()) if tmp.exists() else []


def test_odd_file_names_are_fetched(own_globus, own_login, tmp_path):
    info = dataset_on(own_globus, tmp_path, ODD)
    clone = tmp_path / "clone"
    run("datalad", "clone", info["url"], str(clone))
    login()
    setup_in(clone)
    run("datalad", "get", ".", cwd=clone)
    for rel, content in ODD.items():
        assert (clone / rel).read_bytes() == content
    served = {path for path, _ in own_globus.https_reads}
    assert info["fileprefix"] + "/sub 01/anat/T1w scan.nii.gz" in served  # decoded as the collection's server does


def test_outage_during_a_folder_get_fails_every_file_at_once_with_one_sentence(own_globus, own_login, tmp_path):
    files = {f"many/file-{i:03d}.dat": f"content {i}\n".encode() * 10 for i in range(40)}
    info = dataset_on(own_globus, tmp_path, files)
    clone = tmp_path / "clone"
    run("datalad", "clone", info["url"], str(clone))
    login()
    setup_in(clone)
    run("datalad", "get", "many/file-000.dat", cwd=clone)  # Globus was up a moment ago
    own_globus.stop()  # ... and now nothing listens there

    got = run("datalad", "get", "many", cwd=clone, check=False)
    said = got.stdout + got.stderr
    assert got.returncode != 0
    assert sorted(p.name for p in (clone / "many").iterdir() if p.exists()) == ["file-000.dat"]  # 39 failed
    sentences = set(re.findall(r"Globus [^\n]*?refused the connection[^\n]*?later\.", said))
    assert len(sentences) == 1, said  # one sentence for every file, never a traceback or "this notebook"
    assert "notebook" not in said and "Traceback" not in said and "Max retries" not in said
    assert "check your network" in next(iter(sentences))
    # the remote asked the stopped server once, not once per file: the marker remembers it for a restarted one
    marker = clone / ".git" / "annex" / "globus-outage.json"
    assert marker.exists()

    again = run("git", "annex", "get", "many/file-001.dat", cwd=clone, check=False)
    assert again.returncode != 0 and "refused the connection" in again.stdout + again.stderr


def test_outage_of_globus_answering_503_asks_a_bounded_number_of_times(own_globus, own_login, tmp_path):
    files = {f"many/file-{i:03d}.dat": f"content {i}\n".encode() for i in range(30)}
    info = dataset_on(own_globus, tmp_path, files)
    clone = tmp_path / "clone"
    run("datalad", "clone", info["url"], str(clone))
    login()
    setup_in(clone)
    own_globus.faults.set(status=503, pattern=r"^/v0\.10/")  # Transfer down for maintenance
    before = len(own_globus.requests)
    got = run("git", "annex", "get", "many", cwd=clone, check=False)
    asked = [r for r in list(own_globus.requests)[before:] if r[1].startswith("/v0.10/")]
    said = got.stdout + got.stderr
    assert got.returncode != 0 and not any((clone / "many").glob("*.dat.*"))
    assert said.count("failed") >= 30 and "answers HTTP 503" in said
    assert 1 <= len(asked) <= 4, asked  # one lookup, retried once: never per file


def test_a_cut_download_resumes_with_a_range(own_globus, own_login, tmp_path):
    big, other = os.urandom(300_000), os.urandom(300_000)
    info = dataset_on(own_globus, tmp_path, {"big.bin": big, "other.bin": other})
    clone = tmp_path / "clone"
    run("datalad", "clone", info["url"], str(clone))
    login()
    setup_in(clone)
    own_globus.faults.set(cut_after=40_000, pattern="^/_https/")  # every answer breaks after 40,000 bytes
    # git-annex told not to try again itself: the remote resumes three times in one try, then says so
    cut = run("git", "-c", "annex.forward-retry=0", "-c", "annex.retry=0", "annex", "get", "big.bin", cwd=clone,
              check=False)
    said = cut.stdout + cut.stderr
    assert cut.returncode != 0 and "broke while" in said and "continues from there" in said
    assert "IncompleteRead" not in said and "Connection broken" not in said
    left = partials(clone)
    assert len(left) == 1 and left[0].read_bytes() == big[:160_000]  # a right partial is kept for the next get
    assert [r for _, r in own_globus.https_reads] == [None, "bytes=40000-", "bytes=80000-", "bytes=120000-"]

    own_globus.faults.clear()
    own_globus.https_reads.clear()
    run("git", "annex", "get", "big.bin", cwd=clone)  # the next get asks only for the rest
    assert [r for _, r in own_globus.https_reads] == ["bytes=160000-"]
    assert sha((clone / "big.bin").read_bytes()) == sha(big)
    assert partials(clone) == []

    # with git-annex's own retry (it tries again when a try made progress) a plain datalad get just works
    own_globus.faults.set(cut_after=40_000, pattern="^/_https/")
    own_globus.https_reads.clear()
    run("datalad", "get", "other.bin", cwd=clone)
    ranges = [r for _, r in own_globus.https_reads]
    assert ranges[0] is None and ranges[1:] == [f"bytes={n}-" for n in range(40_000, 300_000, 40_000)]
    assert sha((clone / "other.bin").read_bytes()) == sha(other)
    assert partials(clone) == []


def test_a_changed_file_leaves_no_partial(own_globus, own_login, tmp_path):
    info = dataset_on(own_globus, tmp_path, {"a.bin": b"a" * 5000, "b.bin": b"b" * 5000})
    clone = tmp_path / "clone"
    run("datalad", "clone", info["url"], str(clone))
    login()
    setup_in(clone)
    base = own_globus.collection_dir(info["collection"]) / info["fileprefix"].strip("/")
    (base / "a.bin").write_bytes(b"a" * 7000)  # the provider replaced it: longer
    (base / "b.bin").write_bytes(b"B" * 5000)  # same size, other content
    got = run("git", "annex", "get", "a.bin", "b.bin", cwd=clone, check=False)
    said = got.stdout + got.stderr
    assert got.returncode != 0 and "has changed" in said
    assert not (clone / "a.bin").exists() and not (clone / "b.bin").exists()
    assert partials(clone) == []


def test_register_gives_collections_sharing_an_id_prefix_their_own_remotes(sandbox, own_login, tmp_path):
    # not logged in (a maintainer registering ids before logging in): initremote then checks no endpoint, so the
    # made-up collections below are accepted whatever login earlier tests left in the session's configuration
    import datalad.api as dl

    from neurodata_widgets.globus.annex import remote_name
    from neurodata_widgets.globus.conp import conp_remotes, ensure_conp_remote

    ds = dl.create(path=str(tmp_path / "ds"), result_renderer="disabled")
    first, second, third = ("1c5e4a52-0000-4000-8000-00000000000a", "1c5e4a52-0000-4000-8000-00000000000b",
                            "1c5e4a52-1111-4000-8000-00000000000c")
    names = {}
    for cid in ("9f9f9f9f-0000-4000-8000-000000000000", first, second, third):
        names[cid] = remote_name(ds.path, cid)
        ensure_conp_remote(ds.path, cid, "", names[cid])
    assert len(set(names.values())) == 4
    endpoints = {r["name"]: r["endpoint"] for r in conp_remotes(ds.path)}
    assert {endpoints[n] for n in names.values()} == set(names)  # none was changed by a later one
    assert all(remote_name(ds.path, cid) == name for cid, name in names.items())  # and each is found again


def test_setup_without_a_client_id_explains_how_to_register_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOBUS_SDK_", "NDW_GLOBUS_", "NDW_SANDBOX"))}
    env.update(NDW_SANDBOX_FILE=str(tmp_path / "none.json"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = run("git-annex-remote-globus", "setup", env=env, check=False)
    assert proc.returncode == 1
    assert "Register a thick client or script that will be installed and run by users on their devices" in proc.stderr
    assert "NDW_GLOBUS_CLIENT_ID" in proc.stderr and "config.toml" in proc.stderr and "Traceback" not in proc.stderr


def test_a_client_id_in_the_installations_config_file_serves_every_user(tmp_path, monkeypatch):
    """A hub's administrator writes <sys.prefix>/etc/neurodata-widgets/config.toml once; here a copy of the
    interpreter's prefix is simulated by pointing sys.prefix at a folder (the file lookup reads sys.prefix)."""
    from neurodata_widgets import config
    from neurodata_widgets.globus.client import GlobusClient

    prefix = tmp_path / "hub-env"
    (prefix / "etc" / "neurodata-widgets").mkdir(parents=True)
    (prefix / "etc" / "neurodata-widgets" / "config.toml").write_text('globus_client_id = "hub-wide-client"\n')
    for name in ("NDW_GLOBUS_CLIENT_ID", "GLOBUS_SDK_SERVICE_URL_AUTH", "GLOBUS_SDK_SERVICE_URL_TRANSFER",
                 "NDW_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert config.setting("globus_client_id") == "hub-wide-client"
    assert GlobusClient(token_file=tmp_path / "t.json").client_id == "hub-wide-client"
    (tmp_path / "user-config" / "neurodata-widgets").mkdir(parents=True)
    (tmp_path / "user-config" / "neurodata-widgets" / "config.toml").write_text('globus_client_id = "mine"\n')
    assert config.setting("globus_client_id") == "mine"  # a user's own file wins over the hub's
    monkeypatch.setenv("NDW_GLOBUS_CLIENT_ID", "from-env")
    assert config.setting("globus_client_id") == "from-env"


def test_conp_url_of_odd_names_round_trips():
    from neurodata_widgets.globus.conp import collection_path

    for rel in ODD:
        url = conp_url("NDW Demo Open Data", "/p", rel)
        assert " " not in url and "#" not in url
        assert collection_path(url, "NDW Demo Open Data") == "/p/" + rel


def test_login_widget_without_a_client_id_explains_how_to_register_one(tmp_path, monkeypatch):
    from neurodata_widgets import config
    from neurodata_widgets.globus.client import GlobusClient
    from neurodata_widgets.globus.widgets import GlobusLogin

    for name in ("NDW_GLOBUS_CLIENT_ID", "GLOBUS_SDK_SERVICE_URL_AUTH", "GLOBUS_SDK_SERVICE_URL_TRANSFER",
                 "NDW_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "_STARTED_HERE", {})  # a fresh user: no sandbox chosen in this process either
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    login = GlobusLogin(GlobusClient(token_file=tmp_path / "t.json"))
    assert login.login_button.disabled
    assert "Register a thick client or script" in login.banner.hint and "config.toml" in login.banner.hint
