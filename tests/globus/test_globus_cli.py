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

    def json(self, *args, stdin=None):
        return json.loads(self(*args, "--format", "json", stdin=stdin).stdout)

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


def test_ls_filters_names_patterns_negations_and_recursive(cli, globus):
    src = globus.info()["source_collection"]
    ls = lambda *args: cli("ls", *args).stdout.split()  # noqa: E731
    assert ls(f"{src}:/ds001", "--filter", "~*.tsv") == ["participants.tsv"]
    assert ls(f"{src}:/ds001", "--filter", "=README") == ls(f"{src}:/ds001", "--filter", "README") == ["README"]
    assert "README" not in ls(f"{src}:/ds001", "--filter", "!=README") and "code/" in ls(f"{src}:/ds001", "--filter",
                                                                                          "!=README")
    assert ls(f"{src}:/ds001", "--filter", "!~*.*") == ["code/", "sub-01/", "sub-02/", "sub-03/", "README"]
    # recursive: globus-cli sends two filters (folders OR the pattern): Transfer ORs separate filter parameters
    deep = ls("-r", f"{src}:/ds001", "--filter", "~*_T1w.json")
    assert "sub-02/anat/sub-02_T1w.json" in deep and not any(n.endswith(".nii.gz") for n in deep)


def test_ls_size_and_date_filters_through_globus_api(cli, globus):
    src = globus.info()["source_collection"]

    def names(*filters):
        args = ["api", "transfer", "GET", f"/operation/endpoint/{src}/ls", "-Q", "path=/ds001/sub-01/anat/"]
        for f in filters:
            args += ["-Q", f"filter={f}"]
        return sorted(d["name"] for d in json.loads(cli(*args).stdout)["DATA"])

    assert names("type:file/size:>100000") == ["sub-01_T1w.nii.gz"]
    assert names("size:<=100") == ["sub-01_T1w.json"]
    assert names("name:~*.json", "size:>100000") == ["sub-01_T1w.json", "sub-01_T1w.nii.gz"]  # OR'ed
    assert names("last_modified:>2000-01-01 00:00:00") == ["sub-01_T1w.json", "sub-01_T1w.nii.gz"]
    assert names("last_modified:<2000-01-01") == []
    bad = cli("api", "transfer", "GET", f"/operation/endpoint/{src}/ls", "-Q", "filter=size:>lots", ok=False)
    assert bad.returncode != 0 and "Invalid size" in bad.stdout + bad.stderr


def test_task_list_filters_and_event_list_errors(cli, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    first = cli.json("transfer", f"{src}:/ds001/README", f"{dst}:/cli-list/a", "--label", "nightly-raw-1")["task_id"]
    cli("task", "wait", first, "--timeout", "60")
    after = cli.json("task", "show", first)["request_time"]
    import time

    time.sleep(1.1)  # request times have whole seconds
    broken = cli.json("transfer", f"{src}:/ds001/absent", f"{dst}:/cli-list/b", "--label", "nightly-raw-2")["task_id"]
    cli("task", "wait", broken, "--timeout", "60", ok=False)
    listed = lambda *a: [t["task_id"] for t in cli.json("task", "list", *a)["DATA"]]  # noqa: E731
    assert set(listed("--filter-label", "nightly-raw-*", "--inexact")) == {first, broken}
    assert listed("--filter-label", "nightly-raw-1") == [first]
    assert broken not in listed("--filter-not-label", "nightly-raw-2")
    from datetime import datetime, timedelta

    stamp = (datetime.fromisoformat(after) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert listed("--filter-label", "nightly-*", "--inexact", "--filter-requested-after", stamp) == [broken]
    assert listed("--filter-label", "nightly-*", "--inexact", "--filter-status", "FAILED") == [broken]
    errors = cli.json("task", "event-list", broken, "--filter-errors")["DATA"]
    assert errors and all(e["is_error"] for e in errors)
    fine = cli.json("task", "event-list", broken, "--filter-non-errors")
    assert fine["DATA"] and not any(e["is_error"] for e in fine["DATA"])


def test_transfer_exclude_delete_destination_extra_and_skip_source_errors(cli, globus):
    info = globus.info()
    src, dst = info["source_collection"], info["destination_collection"]
    root = globus.collection_dir(dst)
    task = cli.json("transfer", "-r", f"{src}:/ds001/", f"{dst}:/cli-ex/", "--exclude", "*.nii.gz",
                    "--exclude", "*.json")["task_id"]
    cli("task", "wait", task, "--timeout", "60")
    copied = sorted(p.relative_to(root / "cli-ex").as_posix() for p in (root / "cli-ex").rglob("*") if p.is_file())
    assert "README" in copied and not any(n.endswith((".json", ".nii.gz")) for n in copied)
    assert cli.json("task", "show", task)["filter_rules"][0]["name"] == "*.nii.gz"
    (root / "cli-ex/stale.txt").write_text("not on the source\n")
    synced = cli.json("transfer", "-r", f"{src}:/ds001/", f"{dst}:/cli-ex/", "--exclude", "*.nii.gz",
                      "--delete-destination-extra", "--sync-level", "size")["task_id"]
    cli("task", "wait", synced, "--timeout", "60")
    assert not (root / "cli-ex/stale.txt").exists() and (root / "cli-ex/README").exists()
    assert cli.json("task", "show", synced)["delete_destination_extra"] is True
    batch = "ds001/README README\nds001/not-there not-there\n"
    skipping = cli.json("transfer", f"{src}:/", f"{dst}:/cli-skip/", "--batch", "-", "--skip-source-errors",
                        stdin=batch)["task_id"]
    cli("task", "wait", skipping, "--timeout", "60")
    shown = cli.json("task", "show", skipping)
    assert shown["status"] == "SUCCEEDED" and shown["subtasks_skipped_errors"] == 1
    assert (root / "cli-skip/README").exists()
    strict = cli.json("transfer", f"{src}:/", f"{dst}:/cli-strict/", "--batch", "-", stdin=batch)["task_id"]
    assert cli("task", "wait", strict, "--timeout", "60", ok=False).returncode != 0


def test_rm_with_a_glob_deletes_the_matching_files(cli, globus):
    dst = globus.info()["destination_collection"]
    folder = globus.collection_dir(dst) / "cli-glob"
    folder.mkdir(exist_ok=True)
    for name in ("a.txt", "b.txt", "keep.csv"):
        (folder / name).write_text(name)
    cli("rm", f"{dst}:/cli-glob/*.txt", "--timeout", "60")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.csv"]
    literal = cli("rm", "--no-enable-globs", f"{dst}:/cli-glob/*.csv", "--timeout", "60", ok=False)
    assert literal.returncode != 0 and (folder / "keep.csv").exists()  # no file is literally named "*.csv"


def test_session_show_lists_the_login(cli):
    shown = cli.json("session", "show")
    (who,) = shown["authentications"]
    assert who == "b7c1a0d2-3c4e-4f5a-8b9c-0d1e2f3a4b5c" and shown["authentications"][who]["auth_time"] > 0
    assert "demo@globusid.org" in cli("session", "show").stdout


def test_endpoint_show_on_every_kind_of_collection(cli, globus):
    for cid, c in globus.collections.items():
        out = cli("endpoint", "show", "--skip-endpoint-type-check", cid).stdout
        assert c["display_name"] in out, out
        doc = cli.json("endpoint", "show", "--skip-endpoint-type-check", cid)
        assert doc["entity_type"] == c["kind"] and doc["is_globus_connect"] == c["kind"].startswith("GCP")
    laptop = cli("endpoint", "show", globus.info()["gcp_collection"]).stdout  # not a GCSv5 collection: no check
    assert "NDW Demo Laptop" in laptop
    v5 = cli("endpoint", "show", globus.info()["source_collection"], ok=False)
    assert v5.returncode != 0 and "collection" in (v5.stdout + v5.stderr).lower()  # globus-cli points elsewhere


def test_bookmark_create_list_show_rename_delete(cli, globus):
    dst = globus.info()["destination_collection"]
    made = cli.json("bookmark", "create", f"{dst}:/cli-box/", "cli results")
    assert made["name"] == "cli results" and made["path"] == "/cli-box/"
    assert "cli results" in cli("bookmark", "list").stdout
    assert cli.json("bookmark", "show", "cli results")["id"] == made["id"]
    assert cli("bookmark", "show", made["id"]).stdout.strip().endswith("/cli-box/")
    cli("bookmark", "rename", "cli results", "cli outputs")
    assert cli.json("bookmark", "show", made["id"])["name"] == "cli outputs"
    taken = cli("bookmark", "create", f"{dst}:/", "cli outputs", ok=False)
    assert taken.returncode != 0 and "already exists" in taken.stdout + taken.stderr
    cli("bookmark", "delete", "cli outputs")
    assert "cli outputs" not in cli("bookmark", "list").stdout


def test_task_pause_info_and_update(cli, globus):
    info = globus.info()
    globus.tasks.paused.set()  # keep it running
    try:
        task_id = cli.json("transfer", "-r", f"{info['source_collection']}:/ds001/",
                           f"{info['destination_collection']}:/cli-paused/", "--label", "before")["task_id"]
        assert "is not paused" in cli("task", "pause-info", task_id).stdout
        globus.tasks.pause(task_id, "Storage maintenance until noon")
        assert "Storage maintenance until noon" in cli("task", "pause-info", task_id).stdout
        assert cli.json("task", "show", task_id)["is_paused"] is True
        globus.tasks.resume(task_id)
        cli("task", "update", task_id, "--label", "after", "--deadline", "2099-01-01 00:00:00")
        shown = cli.json("task", "show", task_id)
        assert shown["label"] == "after" and shown["deadline"].startswith("2099-01-01")
    finally:
        globus.tasks.paused.clear()
    cli("task", "wait", task_id, "--timeout", "60")
    late = cli("task", "update", task_id, "--label", "too late", ok=False)
    assert late.returncode != 0 and "can no longer be updated" in late.stdout + late.stderr


def test_logout_revokes_every_token_of_the_cli(cli, globus):
    from urllib.parse import parse_qs, urlsplit

    instance = parse_qs(urlsplit(cli.url).query)["client_id"][0]
    issued = [r for r in globus._refresh.values() if r["client"] == instance]
    assert issued and any(r["active"] for r in issued)
    assert "successfully logged out" in cli("logout", "--yes").stdout
    assert not any(r["active"] for r in issued)  # revoked with the CLI's native app, as Auth allows
    after = cli("whoami", ok=False)
    assert after.returncode != 0 and "globus login" in after.stdout + after.stderr
