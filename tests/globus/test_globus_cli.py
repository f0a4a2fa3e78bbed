"""globus-cli, unchanged, against the Globus stand-in: its real entry point in a child process.

The CLI gets only what a user sets to point it at another Globus deployment
(``GLOBUS_SDK_ENVIRONMENT`` and ``GLOBUS_SDK_SERVICE_URL_*``) and a home folder of its own for its
token storage. ``globus login --no-local-server`` registers its own app instance, prints a link;
the consent page is pressed over HTTP and the code pasted on its stdin, as a user would.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent

pytestmark = pytest.mark.timeout(300)


class GlobusCLI:
    """Runs ``python -m globus_cli`` (what the ``globus`` script runs) with an isolated home."""

    def __init__(self, server, home):
        self.server = server
        self.env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                    "GLOBUS_SDK_ENVIRONMENT": "sandbox",
                    "GLOBUS_SDK_SERVICE_URL_AUTH": server.url + "/",
                    "GLOBUS_SDK_SERVICE_URL_TRANSFER": server.url + "/"}

    def __call__(self, *args, ok=True, stdin=None):
        proc = subprocess.run([sys.executable, "-m", "globus_cli", *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=120)
        if ok:
            assert proc.returncode == 0, f"globus {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def json(self, *args):
        return json.loads(self(*args, "--format", "json").stdout)

    def login(self):
        """``globus login --no-local-server``: read the link it prints, allow, paste the code."""
        proc = subprocess.Popen([sys.executable, "-m", "globus_cli", "login", "--no-local-server"], env=self.env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        printed = ""
        while not re.search(r"(http://\S+/v2/oauth2/authorize\S+)\n", printed):
            char = proc.stdout.read(1)
            assert char, f"globus login ended early:\n{printed}\n{proc.stderr.read()}"
            printed += char
        url = re.search(r"(http://\S+/v2/oauth2/authorize\S+)", printed).group(1)
        out, err = proc.communicate(code_shown(press_consent(url)) + "\n", timeout=120)
        assert proc.returncode == 0, f"{printed}{out}\n{err}"
        return url, printed + out


@pytest.fixture(scope="module")
def cli(sandbox, tmp_path_factory):
    """A globus-cli logged in to the stand-in (once for the module)."""
    server = sandbox["globus"]
    runner = GlobusCLI(server, tmp_path_factory.mktemp("globus-cli-home"))
    runner.url, runner.output = runner.login()
    return runner


def test_login_registers_an_app_instance_and_asks_for_every_service(cli, globus):
    from urllib.parse import parse_qs, urlsplit

    asked = parse_qs(urlsplit(cli.url).query)
    app = globus._clients[asked["client_id"][0]]
    assert not app["public_client"] and app["parent_client"] == "33b6a241-bce4-4359-9c6d-09f88b3c9eef"
    assert "urn:globus:auth:scope:transfer.api.globus.org:all" in asked["scope"][0]
    assert "You have successfully logged in to the Globus CLI" in cli.output


def test_whoami_and_linked_identities(cli):
    assert cli("whoami").stdout.strip() == "demo@globusid.org"
    assert "demo@globusid.org" in cli("whoami", "--linked-identities").stdout
    assert cli.json("whoami")["sub"] == "b7c1a0d2-3c4e-4f5a-8b9c-0d1e2f3a4b5c"


def test_endpoint_search_lists_the_collections(cli, globus):
    found = cli.json("endpoint", "search", "NDW Demo")["DATA"]
    assert {doc["id"] for doc in found} == set(globus.collections)
    assert "NDW Demo Open Data" in cli("endpoint", "search", "open data").stdout


def test_ls_stat_and_recursive_ls(cli, globus):
    src = globus.info()["source_collection"]
    top = cli("ls", f"{src}:/ds001").stdout.split()
    assert top == ["code/", "sub-01/", "sub-02/", "sub-03/", "README", "dataset_description.json",
                   "participants.tsv"]
    deep = cli("ls", "-r", f"{src}:/ds001").stdout.split()
    assert "sub-02/anat/sub-02_T1w.nii.gz" in deep and "code/convert.sh" in deep
    stat = cli.json("stat", f"{src}:/ds001/participants.tsv")
    assert stat["type"] == "file" and stat["size"] == (globus.collection_dir(src) / "ds001/participants.tsv").stat().st_size
    missing = cli("stat", f"{src}:/ds001/nothing-here", ok=False)
    assert missing.returncode != 0 or "Nothing found" in missing.stdout + missing.stderr


def test_mkdir_rename_transfer_wait_events_and_delete(cli, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    root = globus.collection_dir(dst)
    cli("mkdir", f"{dst}:/cli-made")
    cli("rename", dst, "/cli-made", "/cli-box")
    assert (root / "cli-box").is_dir() and not (root / "cli-made").exists()

    one = cli.json("transfer", f"{src}:/ds001/README", f"{dst}:/cli-box/README", "--label", "one file")["task_id"]
    cli("task", "wait", one, "--timeout", "60")
    assert (root / "cli-box/README").read_text().startswith("Demo raw data")
    events = cli.json("task", "event-list", one)["DATA"]
    assert [e["code"] for e in events][0] == "SUCCEEDED"

    tree = cli.json("transfer", "--recursive", f"{src}:/ds001/", f"{dst}:/cli-box/ds001/")["task_id"]
    cli("task", "wait", tree, "--timeout", "60")
    assert (root / "cli-box/ds001/sub-03/anat/sub-03_T1w.nii.gz").stat().st_size > 1_000_000
    assert cli.json("task", "show", tree)["files_transferred"] == 11

    # delete a folder without -r: the task fails and nothing is removed
    refused = cli.json("delete", f"{dst}:/cli-box/ds001")
    assert refused["DATA_TYPE"] == "delete_result" and refused["code"] == "Accepted"
    assert cli("task", "wait", refused["task_id"], "--timeout", "60", ok=False).returncode != 0
    assert cli.json("task", "show", refused["task_id"])["status"] == "FAILED"
    assert (root / "cli-box/ds001/README").exists()
    # a missing path fails the task, unless --ignore-missing
    gone = cli.json("delete", f"{dst}:/cli-box/not-there")["task_id"]
    assert cli("task", "wait", gone, "--timeout", "60", ok=False).returncode != 0
    ignored = cli.json("delete", "--ignore-missing", f"{dst}:/cli-box/not-there")["task_id"]
    cli("task", "wait", ignored, "--timeout", "60")
    removed = cli.json("delete", "-r", f"{dst}:/cli-box/ds001")["task_id"]
    cli("task", "wait", removed, "--timeout", "60")
    assert not (root / "cli-box/ds001").exists() and (root / "cli-box/README").exists()


def test_task_cancel_stops_a_running_transfer(cli, globus):
    info = globus.info()
    globus.tasks.paused.set()  # hold the copy so the cancel finds it running
    try:
        task_id = cli.json("transfer", "--recursive", f"{info['source_collection']}:/ds001/",
                           f"{info['destination_collection']}:/cli-cancelled/")["task_id"]
        assert "cancelled successfully" in cli("task", "cancel", task_id).stdout
    finally:
        globus.tasks.paused.clear()
    doc = cli.json("task", "show", task_id)
    assert doc["status"] == "FAILED" and doc["files_transferred"] < 11


def test_logout_revokes_every_token_of_the_cli(cli, globus):
    from urllib.parse import parse_qs, urlsplit

    instance = parse_qs(urlsplit(cli.url).query)["client_id"][0]
    issued = [r for r in globus._refresh.values() if r["client"] == instance]
    assert issued and any(r["active"] for r in issued)
    assert "successfully logged out" in cli("logout", "--yes").stdout
    assert not any(r["active"] for r in issued)  # revoked with the CLI's native app, as Auth allows
    after = cli("whoami", ok=False)
    assert after.returncode != 0 and "globus login" in after.stdout + after.stderr
