"""The sandbox is chosen, never stumbled into.

Production code does not import ``neurodata_widgets.sandbox``; with nothing configured the
widgets say what to configure and start no stand-in; a sandbox is chosen by starting it in
the process or with ``NDW_SANDBOX``; widgets on a stand-in show a "demo sandbox" badge; a
notebook whose chosen sandbox went away says so; two sandboxes never share a published file.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "neurodata_widgets"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# the command line starts the sandbox on request (`neurodata-widgets sandbox | demo | demo-data`)
LAUNCHERS = {PACKAGE / "cli.py"}


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module or ""


def test_production_code_does_not_import_the_sandbox():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "sandbox" in path.relative_to(PACKAGE).parts or path in LAUNCHERS:
            continue
        offenders += [f"{path.relative_to(REPO)}: {m}" for m in _imported_modules(path)
                      if m == "neurodata_widgets.sandbox" or m.startswith("neurodata_widgets.sandbox.")]
    assert not offenders, offenders


NOTHING_CONFIGURED = r"""
import json, sys, threading
from neurodata_widgets.xnat.widgets import XnatBrowser, XnatLogin
from neurodata_widgets.globus.widgets import GlobusLogin
from neurodata_widgets.search.widgets import DatasetSearch

xnat, browser, globus, search = XnatLogin(), XnatBrowser(), GlobusLogin(), DatasetSearch()
xnat.wait_for_saved_login()
print(json.dumps({
    "sandbox_imported": any(m.startswith("neurodata_widgets.sandbox") for m in sys.modules),
    "servers": [t.name for t in threading.enumerate() if "serve" in t.name.lower()],
    "xnat_url": xnat.url.value, "xnat": xnat.banner.message + " " + xnat.banner.hint,
    "globus": globus.banner.message + " " + globus.banner.hint, "globus_disabled": globus.login_button.disabled,
    "search": search.banner.message + " " + search.banner.hint,
    "badges": [w.badge.shown for w in (xnat, browser, globus, search)],
}))
"""


def test_with_nothing_configured_widgets_say_what_to_configure(tmp_path):
    """A user's kernel with no NDW_* settings: no stand-in is started, each widget asks for what it needs."""
    env = {"HOME": str(tmp_path), "PATH": SYSTEM_PATH, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    proc = subprocess.run([sys.executable, "-c", NOTHING_CONFIGURED], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not seen["sandbox_imported"] and not seen["servers"]
    assert seen["xnat_url"] == "" and "XNAT server's address" in seen["xnat"] and "NDW_XNAT_URL" in seen["xnat"]
    assert "NDW_GLOBUS_CLIENT_ID" in seen["globus"] and seen["globus_disabled"]
    assert "catalog is empty" in seen["search"] and "NDW_REGISTRY_URL" in seen["search"]
    assert seen["badges"] == [False] * 4


def test_widgets_on_the_chosen_sandbox_show_the_badge(sandbox):
    from neurodata_widgets.globus.widgets import GlobusLogin
    from neurodata_widgets.search.widgets import DatasetSearch
    from neurodata_widgets.xnat.client import XnatClient
    from neurodata_widgets.xnat.widgets import XnatBrowser, XnatLogin

    client = XnatClient()
    assert client.url == sandbox.info()["xnat"]["url"]
    for widget in (XnatLogin(client), XnatBrowser(client), GlobusLogin(), DatasetSearch()):
        assert widget.badge.shown and "demo sandbox" in widget.badge.value, type(widget).__name__
    assert not XnatBrowser(XnatClient("https://xnat.example.org")).badge.shown


def _start_sandbox(path: Path, *services):
    proc = subprocess.Popen([sys.executable, "-m", "neurodata_widgets.cli", "sandbox", "--no-demo", "--json",
                             "--file", str(path), *services], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    info = json.loads(proc.stdout.readline())
    return proc, info


def test_a_notebook_whose_sandbox_went_away_says_so(tmp_path, monkeypatch):
    from neurodata_widgets import config, errors
    from neurodata_widgets.search.registry import RegistryClient
    from neurodata_widgets.xnat.client import XnatClient

    published = tmp_path / "sandbox.json"
    proc, info = _start_sandbox(published, "xnat", "registry")
    try:
        for name in ("NDW_XNAT_URL", "NDW_REGISTRY_URL"):  # the session's sandbox exports these
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NDW_SANDBOX", str(published))
        assert XnatClient().url == info["xnat"]["url"]
        assert RegistryClient().base_url == info["registry"]["url"]
        registry = RegistryClient()
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
    assert not published.exists()  # stopping removes what it published (it held the demo password)
    with pytest.raises(config.SandboxGone, match="not running"):
        XnatClient()
    with pytest.raises(Exception) as refused:
        registry.search("haxby")
    message, hint = errors.describe(refused.value)
    assert "demo sandbox" in message and "not running" in message and "NDW_SANDBOX" in hint


def test_two_sandboxes_never_share_a_published_file(tmp_path):
    from neurodata_widgets.sandbox.runner import Sandbox, SandboxBusy

    published = tmp_path / "sandbox.json"
    proc, info = _start_sandbox(published, "registry")
    try:
        before = published.read_text()
        second = subprocess.run([sys.executable, "-m", "neurodata_widgets.cli", "sandbox", "--no-demo",
                                 "--file", str(published), "registry"], capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and f"pid {proc.pid}" in second.stderr
        with Sandbox(services=["registry"], demo=False) as here:
            with pytest.raises(SandboxBusy):
                here.publish(published)
        assert published.read_text() == before
        assert oct(published.stat().st_mode & 0o777) == "0o600"
    finally:
        proc.terminate()
        proc.wait(30)
    assert not published.exists()


def test_the_portal_shows_the_badge_in_its_header(sandbox):
    from neurodata_widgets.portal.widgets import Portal

    portal = Portal()
    assert portal.badge.shown and portal.children.index(portal.badge) == 1  # right under the header
