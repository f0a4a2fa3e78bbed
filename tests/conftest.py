"""Fixtures of the tests; the isolated environment, the user-state guard, ``demo`` and ``sandbox`` come from the
top conftest.py (it serves the docstring examples too)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def faults(sandbox):
    """Clears every service's faults after the test."""
    yield sandbox
    for service in sandbox.services.values():
        service.faults.clear()
        if not service.running:
            service.start()


@pytest.fixture
def demo_clone(demo, tmp_path):
    """A fresh clone of the demo superdataset (subdatasets installed, content absent) to change freely."""
    import datalad.api as dl

    target = tmp_path / "ndw-demo"
    ds = dl.clone(source=demo["superdataset"], path=str(target), result_renderer="disabled")
    ds.get(".", recursive=True, get_data=False, result_renderer="disabled")
    return target


# ------------------------------------------------------------------------------------------
# a plain shell, as a newcomer has after cloning: system PATH, no venv activated
# ------------------------------------------------------------------------------------------
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="session")
def plain_home(tmp_path_factory):
    """A fresh HOME as a new account has it: empty (no ~/.gitconfig, so no git identity)."""
    return tmp_path_factory.mktemp("plain-home")


@pytest.fixture(scope="session")
def plain_env(plain_home, demo):
    """``env -i HOME=… PATH=<system>`` (plus where the demo datasets already are, so they are not rebuilt)."""
    return {"HOME": str(plain_home), "PATH": SYSTEM_PATH, "NDW_DEMO_DIR": str(Path(demo["root"]))}


CHROMIUM = os.environ.get("NDW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright, one for the whole session (Playwright's sync API allows one per thread)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does this as root: "
                    "apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# ------------------------------------------------------------------------------------------
# the long builds: the product as users get it (the built wheel in a fresh venv, the hub's single-user venv),
# Binder's steps, the handbook. Each starts in the background, niced, as soon as the session knows a selected
# test needs it; the files of those tests run last (pytest_collection_modifyitems), so the builds overlap the rest.
# ------------------------------------------------------------------------------------------
class BuildFailed(Exception):
    """A long build failed; the message holds the command and the end of its output."""


class EarlyBuilds:
    """Named builds run one after another on one background thread; ``result(name)`` waits for one."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: dict[str, Future] = {}
        self._procs: set[subprocess.Popen] = set()
        self._closing = False
        self.wanted: set[str] = set()

    def start(self, name: str, fn, *args) -> Future:
        with self._lock:
            if name not in self._jobs:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="ndw-early-build")
                self._jobs[name] = self._pool.submit(fn, *args)
            return self._jobs[name]

    def result(self, name: str, fn, *args):
        try:
            return self.start(name, fn, *args).result()
        except BuildFailed as exc:
            pytest.fail(str(exc), pytrace=False)

    def run(self, cmd, env, timeout: float, cwd=None, umask: int = -1, check: bool = True):
        """``subprocess.run`` at a lower priority than the tests, stopped when the session ends."""
        if self._closing:
            raise BuildFailed("the test session ended before this build")
        cmd = [str(c) for c in cmd]
        proc = subprocess.Popen(["nice", "-n", "10", *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, umask=umask, start_new_session=True)
        self._procs.add(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            raise BuildFailed(f"{' '.join(cmd)} did not end within {timeout} s:\n{out[-3000:]}\n{err[-3000:]}")
        finally:
            self._procs.discard(proc)
        if check and proc.returncode != 0:
            raise BuildFailed(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}\n{err[-3000:]}")
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)

    def close(self):
        self._closing = True
        for proc in list(self._procs):
            _kill_group(proc)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


EARLY = EarlyBuilds()
# a selected test using one of these fixtures makes its build start early; its file then runs last
EARLY_FIXTURES = ("installed_wheel", "hub_env", "binder_env", "built_handbook")


def pytest_collection_modifyitems(session, config, items):
    late = {item.path for item in items if set(EARLY_FIXTURES) & set(item.fixturenames)}
    items[:] = [item for item in items if item.path not in late] + [item for item in items if item.path in late]


def pytest_collection_finish(session):
    needed = {name for item in session.items for name in EARLY_FIXTURES if name in item.fixturenames}
    env = _build_env()  # taken now, on the main thread: tests change os.environ while they run
    if "installed_wheel" in needed:
        EARLY.start("installed_wheel", _installed_wheel, env)
    if "hub_env" in needed and os.geteuid() == 0 and not os.environ.get("NDW_HUB_TEST_VENV"):
        EARLY.start("hub_venv", _hub_venv, env)
    if "binder_env" in needed:
        EARLY.start("binder_env", _binder_steps, env)
    if "built_handbook" in needed:
        EARLY.wanted.add("built_handbook")  # started once the demo datasets exist (pytest_runtest_setup)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield
    # the first test that had the demo datasets made (the handbook's build reads them) starts the handbook's build
    demo = getattr(item, "funcargs", {}).get("demo")
    if demo is not None and "built_handbook" in EARLY.wanted:
        EARLY.start("built_handbook", _handbook, str(Path(demo["root"])))


def pytest_sessionfinish(session, exitstatus):
    EARLY.close()
    for root in _WHEEL_ROOTS:
        shutil.rmtree(root, ignore_errors=True)


def _build_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NDW_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PIP_CACHE_DIR"] = os.environ.get("NDW_REAL_PIP_CACHE", str(Path("~/.cache/pip").expanduser()))
    return env


@pytest.fixture(scope="session")
def built_handbook(demo):
    """``make docs`` from a plain shell (a fresh HOME, the system PATH), every page executed; built once, in the
    background from the moment the demo datasets exist, for tests/handbook and the README test."""
    return EARLY.result("built_handbook", _handbook, str(Path(demo["root"])))


def _handbook(demo_root: str):
    home = Path(tempfile.mkdtemp(prefix="ndw-handbook-home-"))
    out = Path(tempfile.mkdtemp(prefix="ndw-handbook-")) / "html"
    env = {"HOME": str(home), "PATH": SYSTEM_PATH, "NDW_DEMO_DIR": demo_root, "NDW_DOCS_FORCE": "1"}
    return out, EARLY.run(["make", "docs", f"DOCS_OUT={out}"], env, 1500, cwd=REPO, check=False)


@dataclass(frozen=True)
class InstalledWheel:
    """A fresh venv holding ``neurodata-widgets[dashboards]`` installed from the wheel built from this tree."""

    venv: Path
    wheel: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


def _base_python() -> str:
    """A python every account can run: Debian's (a pyenv one under /root is unreadable to other users)."""
    debian = Path("/usr/bin/python3")
    return str(debian) if debian.exists() else getattr(sys, "_base_executable", sys.executable)


_WHEEL_ROOTS: list[Path] = []
_WHEELS: list[Path] = []


def _wheel(env: dict) -> Path:
    """``python -m build --wheel`` of this tree, once (builds run on one thread), into a world-readable folder
    outside HOME."""
    if not _WHEELS:
        root = Path(tempfile.mkdtemp(prefix="ndw-wheel-", dir="/tmp"))
        root.chmod(0o755)
        _WHEEL_ROOTS.append(root)
        dist = root / "dist"
        EARLY.run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO], env, 600, cwd=root,
                  umask=0o022)
        _WHEELS.append(next(dist.glob("neurodata_widgets-*.whl")))
    return _WHEELS[0]


def _venv_with_wheel(env: dict, name: str, *extra: str) -> InstalledWheel:
    wheel = _wheel(env)
    venv = wheel.parent.parent / name
    EARLY.run([_base_python(), "-m", "venv", venv], env, 300, umask=0o022)
    EARLY.run([venv / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               f"{wheel}[dashboards]", *extra], env, 1800, umask=0o022)
    return InstalledWheel(venv=venv, wheel=wheel)


def _installed_wheel(env: dict) -> InstalledWheel:
    return _venv_with_wheel(env, "venv")


@pytest.fixture(scope="session")
def installed_wheel():
    """The built wheel installed with its ``dashboards`` extra into a fresh venv, as a user installs it.

    The venv lives in a world-readable folder outside HOME (``/tmp/ndw-wheel-*``, mode 755 all the way,
    files 644/755), made from Debian's ``/usr/bin/python3`` when there is one, so that other operating-system
    accounts (the hub's users) can run it. pip uses the machine's wheel cache and local indexes.
    """
    return EARLY.result("installed_wheel", _installed_wheel, _build_env())


def _hub_venv(env: dict) -> InstalledWheel:
    """The hub's single-user venv as an admin sets up ``/opt/neurodata-widgets``: the wheel with its ``dashboards``
    extra and ``jupyterhub-singleuser`` of the hub's JupyterHub version, readable by every account."""
    import jupyterhub

    installed = _venv_with_wheel(env, "hub-venv", f"jupyterhub=={jupyterhub.__version__}")
    EARLY.run(["chmod", "-R", "a+rX", installed.venv], env, 300)
    return installed


@pytest.fixture(scope="session")
def hub_venv():
    """The hub's single-user venv (``_hub_venv``); tests/hub/conftest.py's ``hub_env`` asks for it as root."""
    return EARLY.result("hub_venv", _hub_venv, _build_env())


@pytest.fixture(scope="session")
def binder_env():
    """repo2docker's steps in a fresh venv and HOME: apt.txt (present), requirements.txt, postBuild."""
    return EARLY.result("binder_env", _binder_steps, _build_env())


def _binder_steps(env: dict):
    for package in (REPO / "binder/apt.txt").read_text().split():
        if subprocess.run(["dpkg", "-s", package], capture_output=True).returncode != 0:
            raise BuildFailed(f"{package} (binder/apt.txt) is not installed on this machine")
    tmp = Path(tempfile.mkdtemp(prefix="ndw-binder-"))
    venv = tmp / "venv"
    EARLY.run(["/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable, "-m", "venv", venv],
              env, 300)
    home = tmp / "home"
    env = {k: v for k, v in env.items() if not k.startswith("JUPYTER")}
    env.update({
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    })  # PIP_CACHE_DIR stays the machine's wheel cache (the XDG dirs are fresh: pip would download everything)
    EARLY.run([venv / "bin/python", "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], env, 1200,
              cwd=REPO)
    EARLY.run(["bash", "binder/postBuild"], env, 1200, cwd=REPO)
    # installed as a user installs it: not an editable checkout of this folder
    probe = subprocess.run([str(venv / "bin/python"), "-c", "import neurodata_widgets; print(neurodata_widgets.__file__)"],
                           env=env, cwd=tmp, capture_output=True, text=True)
    if str(venv) not in probe.stdout:
        raise BuildFailed(f"postBuild did not install the package into the environment: {probe.stdout}")
    return env, home


@pytest.fixture
def opened_off_the_main_thread(monkeypatch):
    """The widgets opened from any thread but the main one while the test runs (their class names).

    A widget opened in the background while a dashboard's page is still connecting may reference widgets
    the browser has not received yet ("widget model not found"): work done in the background changes the
    values of existing widgets instead.
    """
    import threading

    import ipywidgets

    opened = []
    open_ = ipywidgets.Widget.open

    def watched(self):
        open_(self)
        if threading.current_thread() is not threading.main_thread():
            opened.append(type(self).__name__)

    monkeypatch.setattr(ipywidgets.Widget, "open", watched)
    return opened
