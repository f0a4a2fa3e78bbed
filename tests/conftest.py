"""Fixtures of the tests; the isolated environment, the user-state guard, ``demo`` and ``sandbox`` come from the
top conftest.py (it serves the docstring examples too)."""
from __future__ import annotations

import os
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
