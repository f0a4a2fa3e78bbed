"""A hub's shared sandbox: every user gets an XNAT account of their own, in a file holding only theirs."""
import json
import stat

import requests

from neurodata_widgets import config
from neurodata_widgets.sandbox.runner import Sandbox


def test_each_account_has_its_own_password_file_and_login(tmp_path, monkeypatch):
    with Sandbox(services=["xnat", "globus"], demo=False) as sandbox:
        files = sandbox.publish_accounts(["ann", "ben"], tmp_path / "users")
        infos = {name: json.loads(path.read_text()) for name, path in files.items()}
        for name, path in files.items():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            xnat = infos[name]["services"]["xnat"]
            assert xnat["user"] == name and infos[name]["environ"]["NDW_SANDBOX"] == str(path)
            assert "access_token" not in infos[name]["services"]["globus"]  # the demo user's token is not theirs
            answer = requests.get(xnat["url"] + "/data/JSESSION", auth=(name, xnat["password"]), timeout=10)
            assert answer.status_code == 200
        ann, ben = (infos[n]["services"]["xnat"]["password"] for n in ("ann", "ben"))
        assert ann != ben and ann not in files["ben"].read_text()
        assert sandbox.info()["xnat"]["password"] not in files["ann"].read_text()  # nor the demo account's
        # a user's server chooses it with NDW_SANDBOX: the login offered is theirs
        monkeypatch.setenv("NDW_SANDBOX", str(files["ann"]))
        assert config.sandbox_login("xnat", infos["ann"]["services"]["xnat"]["url"])["user"] == "ann"
        assert requests.get(infos["ann"]["services"]["xnat"]["url"] + "/data/JSESSION", auth=("ann", ben),
                            timeout=10).status_code == 401
    assert not any(path.exists() for path in files.values())  # stopping removes them


def test_a_sandbox_of_another_account_counts_as_running(tmp_path, monkeypatch):
    """On a hub the shared sandbox runs as the hub's account: a user cannot signal it, yet it is alive."""
    import os

    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps({"pid": 1, "services": {}}))  # pid 1: alive, and not ours to signal when not root
    if os.geteuid() != 0:
        assert config.read_published(path) is not None
    monkeypatch.setattr(os, "kill", lambda pid, sig: (_ for _ in ()).throw(PermissionError(1, "not permitted")))
    assert config.read_published(path) == {"pid": 1, "services": {}}


def test_expiring_one_accounts_sessions_leaves_the_others():
    with Sandbox(services=["xnat"], demo=False) as sandbox:
        xnat = sandbox["xnat"]
        url = xnat.url
        accounts = {name: xnat.add_account(name) for name in ("ann", "ben")}
        sessions = {}
        for name, info in accounts.items():
            s = requests.Session()
            assert s.post(url + "/data/JSESSION", auth=(name, info["password"]), timeout=10).status_code == 200
            sessions[name] = s
        assert requests.post(url + "/_sandbox/expire", json={"user": "ann"}, timeout=10).json()["user"] == "ann"
        assert sessions["ben"].get(url + "/data/auth", timeout=10).text == "User 'ben' is logged in"
        assert sessions["ann"].get(url + "/data/auth", timeout=10).status_code == 401  # a guest again
