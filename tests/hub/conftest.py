"""A real JupyterHub on loopback: the handbook's configuration, two operating-system users, the shared sandbox.

The hub runs from ``handbook/howto/deploy/jupyterhub_config.py`` (the file administrators copy) with only
its loopback ports and folders changed (:func:`hub_config` asserts that nothing else differs). It needs root:
``useradd`` creates the two users, and JupyterHub's LocalProcessSpawner starts each user's server as that
account. Run as another account, every test here is skipped with that reason (CI runs as root).

Users log in with PAM, the authenticator the shipped configuration uses (the machine's own accounts and
passwords, nothing to install; the passwords are set with ``chpasswd``), so the test logs in exactly as a
lab member would.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SHIPPED = REPO / "handbook" / "howto" / "deploy" / "jupyterhub_config.py"
PROXY = Path(os.environ.get("NDW_CHP", REPO / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"))
GROUP = "ndwhubtest"
USERS = ("ndwhub-ann", "ndwhub-ben")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def need_root():
    if os.geteuid() != 0:
        pytest.skip("the JupyterHub test needs root: it creates two operating-system users (useradd) and the hub "
                    "starts each user's server as that account; run it as root (CI does): "
                    "sudo .venv/bin/python -m pytest tests/hub")


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc


def as_user(user: str, *cmd, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd`` as operating-system account ``user`` (what that person could do in a terminal)."""
    return subprocess.run(["runuser", "-u", user, "--", *map(str, cmd)], capture_output=True, text=True,
                          timeout=60, env={"PATH": SYSTEM_PATH, "HOME": pwd.getpwnam(user).pw_dir}, **kw)


def free_port() -> int:
    from neurodata_widgets.portal.serve import free_port as free

    return free()


# ------------------------------------------------------------------------------------------------------------
# the users' environment: the built wheel in a fresh venv every account can read
# ------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def hub_env(installed_wheel):
    """The single-user environment: the installed wheel's venv plus ``jupyterhub-singleuser``, as an admin sets
    up ``/opt/neurodata-widgets`` (the same JupyterHub version as the hub's)."""
    need_root()
    import jupyterhub

    if not (installed_wheel.bin / "jupyterhub-singleuser").exists():
        run([installed_wheel.python, "-m", "pip", "install", "-q", f"jupyterhub=={jupyterhub.__version__}"],
            timeout=900)
    run(["chmod", "-R", "a+rX", installed_wheel.venv])
    return installed_wheel


# ------------------------------------------------------------------------------------------------------------
# the configuration: the shipped file, ports and folders changed
# ------------------------------------------------------------------------------------------------------------
def hub_config(target: Path, overrides: dict) -> Path:
    """Copy the shipped configuration to ``target`` with the lines of ``overrides`` (``NAME = value``) replaced.

    Only the settings of its "adapt these" block may change, and each one must exist.
    """
    text = SHIPPED.read_text()
    block = text.split("# --- adapt these", 1)[1].split("# -----", 1)[0]
    for name, value in overrides.items():
        pattern = re.compile(rf"^{re.escape(name)} = .*$", re.M)
        assert pattern.search(block), f"{name} is not a setting of the shipped configuration's 'adapt these' block"
        text = pattern.sub(lambda _: f"{name} = {value!r}", text, count=1)
    target.write_text(text)
    return target


@dataclass
class Hub:
    url: str
    token: str  # the admin service's API token (never written to artifacts)
    passwords: dict
    folder: Path
    sandbox_dir: Path
    proc: subprocess.Popen
    log: Path
    api_calls: list = field(default_factory=list)

    def api(self, method: str, path: str, body=None, timeout=120):
        req = urllib.request.Request(self.url + "/hub/api" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None

    def server_ready(self, user: str) -> bool:
        _, info = self.api("GET", f"/users/{user}")
        server = (info.get("servers") or {}).get("", {})
        return bool(server.get("ready"))

    def stop_server(self, user: str, timeout=120):
        """What the idle culler does: stop the user's server through the hub's REST API."""
        self.api("DELETE", f"/users/{user}/server")
        wait_for(lambda: not self.server_ready(user) and not user_processes(user), timeout,
                 f"the hub did not stop {user}'s server within {timeout} s (see test-artifacts/hub.log)")

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)


def wait_for(predicate, timeout: float, message: str, every: float = 0.5):
    end = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001  (a server still starting answers with errors)
            pass
        if time.monotonic() > end:
            raise AssertionError(message)
        time.sleep(every)


def user_processes(user: str) -> list[int]:
    uid = pwd.getpwnam(user).pw_uid
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _remove_users():
    for user in USERS:
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        for pid in user_processes(user):  # what the hub started for the test's own users
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        subprocess.run(["userdel", "-r", user], capture_output=True)
    subprocess.run(["groupdel", GROUP], capture_output=True)


@pytest.fixture(scope="session")
def hub(hub_env, tmp_path_factory):
    need_root()
    assert PROXY.exists(), (f"{PROXY} is missing: `make test` installs configurable-http-proxy from npm "
                            "(npm install --prefix .venv/node configurable-http-proxy)")
    ARTIFACTS.mkdir(exist_ok=True)
    _remove_users()  # leftovers of an interrupted run
    passwords = {user: secrets.token_urlsafe(12) for user in USERS}
    run(["groupadd", GROUP])
    for user in USERS:
        run(["useradd", "-m", "-s", "/bin/bash", "-G", GROUP, user])
        os.chmod(pwd.getpwnam(user).pw_dir, 0o700)  # useradd -m makes it 755
    run(["chpasswd"], input="".join(f"{u}:{p}\n" for u, p in passwords.items()))
    folder = Path(tempfile.mkdtemp(prefix="ndw-hub-"))  # /tmp: the users must reach the sandbox's folder
    os.chmod(folder, 0o755)
    state, sandbox_dir = folder / "state", folder / "sandbox"
    state.mkdir(mode=0o700)
    sandbox_dir.mkdir(mode=0o755)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    config = hub_config(folder / "jupyterhub_config.py", {
        "GROUP": GROUP, "ENV": str(hub_env.venv), "STATE": str(state), "SANDBOX_DIR": str(sandbox_dir),
    })
    # the loopback addresses: the lines after the block, changed the same way
    text = config.read_text()
    for key, value in {"c.JupyterHub.bind_url": f"http://127.0.0.1:{port}",
                       "c.JupyterHub.hub_bind_url": f"http://127.0.0.1:{hub_port}",
                       "c.ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}"}.items():
        text, n = re.subn(rf"^{re.escape(key)} = \S+", f"{key} = {value!r}", text, flags=re.M)
        assert n == 1, f"{key} not found in the shipped configuration"
    text, n = re.subn(r"^c\.ConfigurableHTTPProxy\.command = .*$", f"c.ConfigurableHTTPProxy.command = {[str(PROXY)]!r}",
                      text, flags=re.M)
    assert n == 1
    config.write_text(text)
    token = secrets.token_hex(24)
    log = ARTIFACTS / "hub.log"
    env = {"PATH": SYSTEM_PATH, "HOME": str(state), "LANG": "C.UTF-8", "NDW_HUB_ADMIN_TOKEN": token}
    jupyterhub = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "jupyterhub"
    if not jupyterhub.exists():
        jupyterhub = REPO / ".venv" / "bin" / "jupyterhub"
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(jupyterhub), "-f", str(config)], cwd=state, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    h = Hub(f"http://127.0.0.1:{port}", token, passwords, folder, sandbox_dir, proc, log)
    try:
        wait_for(lambda: urllib.request.urlopen(h.url + "/hub/api", timeout=5).status == 200, 120,
                 "JupyterHub did not answer within 120 s: see test-artifacts/hub.log")
        wait_for(lambda: all((sandbox_dir / "users" / f"{u}.json").exists() for u in USERS), 300,
                 "the shared sandbox service published no per-user files within 300 s: see test-artifacts/hub.log")
        yield h
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the users' servers and its services
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _remove_users()
        shutil.rmtree(folder, ignore_errors=True)
        assert token not in log.read_text(), "the hub's log holds the admin token"
        for password in passwords.values():
            assert password not in log.read_text(), "the hub's log holds a user's password"
