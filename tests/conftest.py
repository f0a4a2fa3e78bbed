"""Fixtures of the tests; the isolated environment, the user-state guard, ``demo`` and ``sandbox`` come from the
top conftest.py (it serves the docstring examples too)."""
from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def built_handbook(tmp_path_factory, plain_env):
    """``make docs`` from a plain shell, every page executed (built once, for tests/handbook and the README test)."""
    import subprocess

    out = tmp_path_factory.mktemp("handbook") / "html"
    proc = subprocess.run(["make", "docs", f"DOCS_OUT={out}"], cwd=REPO, capture_output=True, text=True,
                          env={**plain_env, "NDW_DOCS_FORCE": "1"}, timeout=1500)
    return out, proc


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
# the product as users get it: the built wheel installed into a fresh venv
# ------------------------------------------------------------------------------------------
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
    import sys

    debian = Path("/usr/bin/python3")
    return str(debian) if debian.exists() else getattr(sys, "_base_executable", sys.executable)


@pytest.fixture(scope="session")
def installed_wheel():
    """Build the wheel once (``python -m build --wheel``) and install it with its ``dashboards`` extra into a fresh venv.

    The venv lives in a world-readable folder outside HOME (``/tmp/ndw-wheel-*``, mode 755 all the way,
    files 644/755), made from Debian's ``/usr/bin/python3`` when there is one, so that other operating-system
    accounts (the hub's users) can run it. pip uses the machine's wheel cache and local indexes.
    """
    import shutil
    import subprocess
    import sys
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="ndw-wheel-", dir="/tmp"))
    root.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NDW_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PIP_CACHE_DIR"] = os.environ.get("NDW_REAL_PIP_CACHE", str(Path("~/.cache/pip").expanduser()))

    def run(cmd, timeout, cwd=None):
        proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, umask=0o022)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                        f"{proc.stderr[-3000:]}")
        return proc

    dist = root / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO], 600, cwd=root)
    wheel = next(dist.glob("neurodata_widgets-*.whl"))
    venv = root / "venv"
    run([_base_python(), "-m", "venv", venv], 300)
    run([venv / "bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{wheel}[dashboards]"], 1800)
    yield InstalledWheel(venv=venv, wheel=wheel)
    shutil.rmtree(root, ignore_errors=True)


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
