"""The installed wheel is the product: from an empty folder, with a fresh HOME and only the system PATH.

The session builds the wheel once and installs it with its ``dashboards`` extra into a fresh venv
(``installed_wheel`` in tests/conftest.py); nothing here runs from this clone. ``demo`` serves the
packaged portal on the sandbox, ``serve`` serves it and the other dashboards for real servers (the portal
asks for them), ``dashboards copy`` copies them to change them (never overwriting), and JupyterLab started
from that venv shows the "Neurodata portal" launcher tile, which opens the portal through
jupyter-server-proxy on a unix socket. Every command stops with everything it started.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from playwright.sync_api import expect

from neurodata_widgets.portal.serve import descendants, free_port, unix_http_get, unix_socket_answers

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DASHBOARDS = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
# JupyterLab's own start-up noise in the console (not ours)
LAB_NOISE = ("favicon", "Failed to load resource", "lsp", "Language Server", "kernelspec")


def fresh_env(tmp_path: Path) -> dict:
    """A new account's shell: a fresh HOME, the system PATH, nothing else (no venv, git identity or NDW_*)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8"}


class Running:
    """A command of the installed package, started in its own process group; its output collected as it comes."""

    def __init__(self, cmd, env, cwd):
        self.proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 300) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.proc.poll() is not None:
                time.sleep(0.2)  # the last lines
                found = re.search(pattern, self.output)
                if found:
                    return found
                raise AssertionError(f"exited with {self.proc.returncode} before {pattern!r}:\n{self.output}")
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.output}")

    def wait_listening(self, port: int, timeout: float = 60) -> None:
        """Wait until 127.0.0.1:``port`` accepts connections (a server prints its address as it binds the port);
        fail with the command's output if it exits or never listens."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"exited with {self.proc.returncode}:\n{self.output}") from None
                time.sleep(0.2)
        raise AssertionError(f"nothing listens on port {port} after {timeout} s:\n{self.output}")

    def stop(self, sig=signal.SIGINT, within: float = 20) -> list[str]:
        """Signal the process group; assert it exits within ``within`` s with every process it started.

        Returns the command lines of what it had started."""
        started = descendants(self.proc.pid)
        commands = []
        for proc in started:
            try:
                commands.append(" ".join(proc.cmdline()))
            except psutil.Error:
                pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        try:
            code = self.proc.wait(within)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise AssertionError(f"still running {within} s after {sig!r}:\n{self.output}") from None
        gone, alive = psutil.wait_procs(started, timeout=within)
        for proc in alive:
            proc.kill()
        assert not alive, f"left running after it stopped: {[p.cmdline() for p in alive]}"
        assert code == 0, f"exit code {code}:\n{self.output}"
        return commands


def fetch(url: str, timeout: float = 120) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        assert r.status == 200
        return r.read().decode()


# -- the wheel ----------------------------------------------------------------------------------------
def test_the_wheel_carries_the_dashboards_the_launcher_and_its_icon(installed_wheel, tmp_path):
    names = zipfile.ZipFile(installed_wheel.wheel).namelist()
    for name in DASHBOARDS:
        assert f"neurodata_widgets/dashboards/{name}.ipynb" in names
    assert "neurodata_widgets/portal/static/portal-icon.svg" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(installed_wheel.wheel).read(entry_points).decode()
    assert "[jupyter_serverproxy_servers]" in text and "neurodata_widgets.portal.launcher:portal_server" in text
    # the installed package finds its own dashboards, wherever it is run from
    work = tmp_path / "empty"
    work.mkdir()
    proc = subprocess.run([installed_wheel.python, "-c", "from neurodata_widgets.portal.dashboards import "
                           "dashboards_dir; print(dashboards_dir())"], env=fresh_env(tmp_path), cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == next(installed_wheel.venv.glob("lib/python*/site-packages")) / \
        "neurodata_widgets" / "dashboards"
    # other accounts (a hub's users) can run it: every folder from / down to the venv is world-readable
    for folder in [installed_wheel.venv, *installed_wheel.venv.parents]:
        assert folder.stat().st_mode & 0o005 == 0o005, f"{folder} is not readable by other accounts"


# -- demo ---------------------------------------------------------------------------------------------
def test_demo_from_an_empty_folder_serves_the_packaged_portal(installed_wheel, tmp_path, pages, demo):
    env = fresh_env(tmp_path)
    work = tmp_path / "empty"
    work.mkdir()
    port = free_port()
    # the demo datasets of the session are reused (an argument, not a setting): building them is tested elsewhere
    demo_run = Running([installed_wheel.bin / "neurodata-widgets", "demo", "--port", port,
                        "--demo-dir", Path(demo["root"])], env, work)
    published = Path(env["HOME"]) / ".cache/neurodata-widgets/sandbox.json"
    dash = None
    try:
        url = demo_run.wait_for(r"ready: (http://127\.0\.0\.1:\d+/)").group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert "<title>portal</title>" in fetch(url)
        assert stat.S_IMODE(published.stat().st_mode) == 0o600  # it holds the demo password
        dash = pages(url.rstrip("/"))
        page = dash.page
        page.goto(url, timeout=120_000)
        page.wait_for_selector(".ndw-ready", state="attached", timeout=120_000)
        expect(page.locator(".ndw-login-panel")).to_contain_text("XNAT: not logged in")
        page.get_by_role("tab", name="Explorer").click()  # the first interactive widget answers
        expect(page.locator(".ndw-explorer .ndw-crumbs").first).to_contain_text("ndw-demo", timeout=60_000)
    finally:
        if dash is not None:
            dash.close()  # before its server goes: a page left open reports the closed connection
        started = demo_run.stop(signal.SIGINT)
    assert any("voila_app" in c for c in started) and any("ipykernel" in c for c in started), started
    assert not published.exists(), "the published sandbox file (demo password) outlived the demo"
    assert not list(work.iterdir()), "the demo wrote into the folder it was started from"


# -- serve --------------------------------------------------------------------------------------------
def test_serve_from_an_empty_folder_serves_every_dashboard_for_real_servers(installed_wheel, tmp_path, pages):
    env = fresh_env(tmp_path)
    work = tmp_path / "empty"
    work.mkdir()
    port = free_port()
    run = Running([installed_wheel.bin / "neurodata-widgets", "serve", "--port", port], env, work)
    dash = None
    try:
        portal = run.wait_for(r"The portal: (http://127\.0\.0\.1:\d+/voila/render/portal\.ipynb)").group(1)
        listing = [item["name"] for item in json.loads(fetch(f"http://127.0.0.1:{port}/voila/api/contents"))["content"]]
        for name in DASHBOARDS:
            assert f"{name}.ipynb" in listing and f"/voila/render/{name}.ipynb" in run.output
        dash = pages(f"http://127.0.0.1:{port}")
        page = dash.page
        page.goto(portal, timeout=120_000)
        page.wait_for_selector(".ndw-ready", state="attached", timeout=120_000)
        # no sandbox: the portal asks for the servers and shows no "demo sandbox" badge
        page.locator(".ndw-login-card-toggle", has_text="XNAT:").click()  # the folded login card opened
        login = page.locator(".ndw-xnat-login")
        expect(login).to_contain_text("XNAT server's address", timeout=30_000)
        expect(page.locator(".ndw-badge:visible", has_text="demo sandbox")).to_have_count(0)
        page.get_by_role("tab", name="Search").click()  # the page answers
        expect(page.locator(".ndw-search")).to_contain_text("NDW_REGISTRY_URL", timeout=30_000)
        search = fetch(f"http://127.0.0.1:{port}/voila/render/search.ipynb", timeout=180)
        assert "<title>search</title>" in search and "Traceback" not in search
    finally:
        if dash is not None:
            dash.close()
        run.stop(signal.SIGTERM)
    assert not (Path(env["HOME"]) / ".cache/neurodata-widgets/sandbox.json").exists()


def test_dashboards_copy_then_serve_the_changed_copy_on_a_unix_socket(installed_wheel, tmp_path):
    env = fresh_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    cli = installed_wheel.bin / "neurodata-widgets"
    done = subprocess.run([cli, "dashboards", "copy", "mine"], env=env, cwd=work, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in (work / "mine").glob("*.ipynb")) == DASHBOARDS
    # change the portal: a heading of the lab's own
    portal = work / "mine" / "portal.ipynb"
    nb = json.loads(portal.read_text())
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": ["# The Smith lab's data portal"]})
    portal.write_text(json.dumps(nb))
    again = subprocess.run([cli, "dashboards", "copy", "mine", "portal"], env=env, cwd=work, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 1 and "already exists" in again.stderr and "nothing was copied" in again.stderr
    assert "Smith lab" in portal.read_text()  # never overwritten
    sock = work / "portal.sock"
    run = Running([cli, "serve", "--dashboards", "mine", "--unix-socket", sock.name], env, work)
    try:
        run.wait_for(r"Press Ctrl-C to stop")
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600  # only this account can connect
        page = _unix_get(str(sock), "/voila/render/portal.ipynb")
        assert "The Smith lab" in page and "<title>portal</title>" in page
        # Voila itself listens on no TCP port (its kernels' ports take only messages signed with their key)
        voila = [p for p in descendants(run.proc.pid) if "neurodata_widgets.portal.voila_app" in p.cmdline()]
        assert len(voila) == 1 and not _listening(voila[0]), "serve --unix-socket also listens on a TCP port"
    finally:
        run.stop(signal.SIGHUP)
    assert not sock.exists()


def _listening(proc) -> list:
    try:
        return [c for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    except psutil.Error:
        return []


def _unix_get(sock: str, path: str) -> str:
    status, body = unix_http_get(sock, path, timeout=180)
    assert status == 200, status
    return body.decode()


# -- the handbook's commands --------------------------------------------------------------------------
HANDBOOK_PAGE = REPO / "handbook/howto/serve-dashboards.md"


def handbook_commands() -> list[str]:
    """The serving commands of the page's ``bash`` blocks (comments dropped), in order (``demo`` and ``sandbox``
    are tested on their own)."""
    text = HANDBOOK_PAGE.read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(("neurodata-widgets serve", "neurodata-widgets dashboards", "voila ")):
                commands.append(line)
    return commands


def test_the_handbook_serve_commands_work_as_written(installed_wheel, tmp_path):
    """Every ``neurodata-widgets``/``voila`` command of "Serve the dashboards to a group", in a shell where pip
    installed the package (its ``bin`` on PATH), run in order in one folder; a server is asked for a page, then
    stopped with Ctrl-C. Port 8866 becomes a free port (other programs on this machine may hold 8866)."""
    env = fresh_env(tmp_path)
    env["PATH"] = f"{installed_wheel.bin}:{SYSTEM_PATH}"
    work = tmp_path / "work"
    work.mkdir()
    commands = handbook_commands()
    assert any(c.startswith("neurodata-widgets serve --unix-socket") for c in commands)
    assert any(c.startswith("voila dashboards/ --template=ndw") for c in commands)
    for command in commands:
        port = free_port()
        line = command.replace("8866", str(port)).replace("~/", env["HOME"] + "/")
        argv = line.split()
        if argv[1] != "serve" and argv[0] != "voila":  # a command that ends by itself
            done = subprocess.run(argv, env=env, cwd=work, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
            continue
        if "--port" not in line and "--unix-socket" not in line:  # the default 8866 may be taken here
            argv += ["--port", str(port)] if argv[0] != "voila" else [f"--port={port}", "--no-browser"]
        run = Running(argv, env, work)
        try:
            if "--unix-socket" in line:
                run.wait_for("Press Ctrl-C to stop")
                page = _unix_get(argv[argv.index("--unix-socket") + 1], "/")
            else:
                base = "/dashboards/" if "--base-url /dashboards/" in line else "/"
                page = _wait_for_page(f"http://127.0.0.1:{port}{base}", run)
            if argv[0] == "voila" and "portal.ipynb" in line:  # one notebook: the page is the dashboard
                assert "<title>portal</title>" in page and "cdn.jsdelivr.net" not in page, command
            else:
                assert "Voil" in page, command
        finally:
            run.stop(signal.SIGINT)


def _wait_for_page(url: str, run: Running, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fetch(url, timeout=180)
        except OSError:
            if run.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer:\n{run.output}") from None
            time.sleep(0.5)


# -- JupyterLab's launcher --------------------------------------------------------------------------
def test_jupyterlab_launcher_opens_the_portal_through_a_unix_socket(installed_wheel, tmp_path, pages):
    env = fresh_env(tmp_path)
    work = tmp_path / "empty"
    work.mkdir()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "lab-settings")
    token = secrets.token_hex(16)
    port = free_port()
    cmd = [installed_wheel.bin / "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    copied = subprocess.run([installed_wheel.bin / "neurodata-widgets", "dashboards", "copy", "dashboards", "portal"],
                            env=env, cwd=work, capture_output=True, text=True, timeout=120)
    assert copied.returncode == 0, copied.stderr
    lab = Running(cmd, env, work)
    dash = None
    try:
        lab.wait_for(rf"http://127\.0\.0\.1:{port}/lab", timeout=180)
        lab.wait_listening(port)
        # behind the server's login: without the token the portal's address sends to the login page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/neurodata-portal/", timeout=60) as r:
            assert urlsplit(r.url).path == "/login" and "password" in r.read().decode().lower()
        dash = pages(f"http://127.0.0.1:{port}", ignore_console=LAB_NOISE)
        page = dash.page
        page.goto(f"http://127.0.0.1:{port}/lab?token={token}", timeout=180_000)
        card = page.locator(".jp-LauncherCard", has_text="Neurodata portal")
        expect(card).to_be_visible(timeout=120_000)
        icon = card.locator(".jp-LauncherCard-icon img")  # the packaged icon, served by the proxy
        expect(icon).to_have_attribute("src", re.compile("neurodata-portal"))
        loaded = "img => img.complete ? img.naturalWidth : new Promise(ok => { img.onload = () => ok(img.naturalWidth); " \
                 "img.onerror = () => ok(0); })"
        assert icon.evaluate(loaded) > 0, "the launcher icon did not load"
        with page.context.expect_page(timeout=60_000) as opened:
            card.click()
        portal = opened.value
        portal.wait_for_selector(".ndw-ready", state="attached", timeout=180_000)
        assert portal.url.rstrip("/").endswith("/neurodata-portal")
        portal.locator(".ndw-login-card-toggle", has_text="XNAT:").click()
        expect(portal.locator(".ndw-xnat-login")).to_contain_text("XNAT server's address", timeout=30_000)
        # Voila runs for this user on a unix socket only (another account can neither connect nor list it)
        voila = [p for p in descendants(lab.proc.pid) if any("--sock=" in a for a in p.cmdline())]
        assert len(voila) == 1, [p.cmdline() for p in descendants(lab.proc.pid)]
        sock = next(a.split("=", 1)[1] for a in voila[0].cmdline() if a.startswith("--sock="))
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(sock)).st_mode) == 0o700
        assert unix_socket_answers(sock, "/")
        assert not _listening(voila[0]), "the portal's Voila listens on a TCP port"
        assert "/dashboards/portal.ipynb" in " ".join(voila[0].cmdline())  # the packaged portal
        # Voila as the server's extension: a copy under the server's folder opens at /voila/render/<its path>
        rendered = urllib.request.Request(f"http://127.0.0.1:{port}/voila/render/dashboards/portal.ipynb",
                                          headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(rendered, timeout=300) as r:
            html = r.read().decode()
        assert "<title>portal</title>" in html
    finally:
        if dash is not None:
            dash.close()
        lab.stop(signal.SIGTERM, within=30)
