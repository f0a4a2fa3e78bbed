"""A real JupyterHub on loopback for the hub test and benchmark (no pytest here: benchmarks/bench_hub.py uses it).

:func:`start_hub` runs the handbook's ``handbook/howto/deploy/jupyterhub_config.py`` (the file administrators
copy) with only its folders, loopback ports and the group's name changed (:func:`hub_config` refuses anything
else), after creating the operating-system users (root only) it removes again at the end.
Users log in with PAM, the authenticator the shipped configuration uses (the machine's own accounts and
passwords, nothing to install, offline; the passwords are set with ``chpasswd``), so they log in exactly as a
lab member would.
"""
from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SHIPPED = REPO / "handbook" / "howto" / "deploy" / "jupyterhub_config.py"
PROXY = Path(os.environ.get("NDW_CHP", REPO / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"))
GROUP = "ndwhubtest"
USERS = ("ndwhub-ann", "ndwhub-ben")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NEEDS_ROOT = ("the JupyterHub test needs root: it creates two operating-system users (useradd) and the hub starts "
              "each user's server as that account; run it as root (CI does): sudo .venv/bin/python -m pytest tests/hub")


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
# the configuration: the shipped file, ports and folders changed
# ------------------------------------------------------------------------------------------------------------
def hub_config(target: Path, settings: dict, lines: dict) -> Path:
    """Copy the shipped configuration to ``target`` with ``settings`` (``NAME = value`` of its "adapt these"
    block) and ``lines`` (``c.X.y = value``) replaced; each must exist once, nothing else changes."""
    text = SHIPPED.read_text()
    block = text.split("# --- adapt these", 1)[1].split("# -----", 1)[0]
    for name, value in {**settings, **lines}.items():
        pattern = re.compile(rf"^{re.escape(name)} = .*$", re.M)
        assert pattern.search(block), f"{name} is not set in the shipped configuration's 'adapt these' block"
        text, n = pattern.subn(lambda _: f"{name} = {value!r}", text, count=1)
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
    venv: Path  # the users' environment

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


def create_users(users=USERS) -> dict:
    """The test's operating-system accounts (members of GROUP, homes 700, random passwords): ``{user: password}``."""
    remove_users(users)  # leftovers of an interrupted run
    passwords = {user: secrets.token_urlsafe(12) for user in users}
    run(["groupadd", GROUP])
    for user in users:
        run(["useradd", "-m", "-s", "/bin/bash", "-G", GROUP, user])
        os.chmod(pwd.getpwnam(user).pw_dir, 0o700)  # useradd -m makes it 755
    run(["chpasswd"], input="".join(f"{u}:{p}\n" for u, p in passwords.items()))
    return passwords


def remove_users(users=USERS):
    for user in users:
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        for _ in range(10):  # userdel refuses while a process of the user lives (an interrupted run's server)
            for pid in user_processes(user):  # what the hub started for the test's own users
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if subprocess.run(["userdel", "-r", user], capture_output=True).returncode in (0, 6):
                break
            time.sleep(0.5)
    subprocess.run(["groupdel", GROUP], capture_output=True)


@contextlib.contextmanager
def start_hub(venv: Path, users=USERS, log_name="hub.log"):
    """JupyterHub from the shipped configuration, the users' servers from ``venv``; yields a :class:`Hub`."""
    if os.geteuid() != 0:
        raise PermissionError(NEEDS_ROOT)
    if not PROXY.exists():
        raise FileNotFoundError(f"{PROXY} is missing: `make test` installs configurable-http-proxy from npm "
                                "(make node-tools)")
    ARTIFACTS.mkdir(exist_ok=True)
    passwords = create_users(users)
    folder = Path(tempfile.mkdtemp(prefix="ndw-hub-"))  # /tmp: the users must reach the sandbox's folder
    os.chmod(folder, 0o755)
    state, sandbox_dir = folder / "state", folder / "sandbox"
    state.mkdir(mode=0o700)
    sandbox_dir.mkdir(mode=0o755)
    port, hub_port, api_port = free_port(), free_port(), free_port()
    config = hub_config(folder / "jupyterhub_config.py", {
        "GROUP": GROUP, "ENV": str(venv), "STATE": str(state), "SANDBOX_DIR": str(sandbox_dir),
    }, {"c.JupyterHub.bind_url": f"http://127.0.0.1:{port}",
        "c.JupyterHub.hub_bind_url": f"http://127.0.0.1:{hub_port}",
        "c.ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}",
        "c.ConfigurableHTTPProxy.command": [str(PROXY)]})
    token = secrets.token_hex(24)
    log = ARTIFACTS / log_name
    env = {"PATH": SYSTEM_PATH, "HOME": str(state), "LANG": "C.UTF-8", "NDW_HUB_ADMIN_TOKEN": token}
    jupyterhub = Path(sys.executable).with_name("jupyterhub")
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(jupyterhub), "-f", str(config)], cwd=state, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, passwords, folder, sandbox_dir, proc, log, Path(venv))
    try:
        wait_for(lambda: urllib.request.urlopen(hub.url + "/hub/api", timeout=5).status == 200, 120,
                 f"JupyterHub did not answer within 120 s: see {log}")
        wait_for(lambda: all((sandbox_dir / "users" / f"{u}.json").exists() for u in users), 300,
                 f"the shared sandbox service published no per-user files within 300 s: see {log}")
        yield hub
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the hub stops the users' servers and its services
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        remove_users(users)
        shutil.rmtree(folder, ignore_errors=True)
        text = log.read_text()
        assert token not in text, "the hub's log holds the admin token"
        assert not any(p in text for p in passwords.values()), "the hub's log holds a user's password"


def user_environment(folder: Path) -> Path:
    """What an admin sets up as /opt/neurodata-widgets: the built wheel with its dashboards and jupyterhub, in a
    venv from Debian's python that every account can read (for the benchmark; tests use ``installed_wheel``)."""
    import jupyterhub

    os.chmod(folder, 0o755)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(REPO)], timeout=600)
    wheel = next(folder.glob("neurodata_widgets-*.whl"))
    venv = folder / "venv"
    run(["/usr/bin/python3", "-m", "venv", str(venv)])
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", f"{wheel}[dashboards]",
         f"jupyterhub=={jupyterhub.__version__}"], timeout=1800)
    run(["chmod", "-R", "a+rX", str(folder)])
    return venv
