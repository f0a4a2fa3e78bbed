"""Shared fixtures: isolated environment, demo datasets, running sandbox, Voila + Chromium.

The environment is isolated before anything runs: the user's cache, config and
keyring are replaced by temporary folders, and git gets a fixed identity, so tests
never touch a developer's real credentials and behave the same on CI.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="ndw-tests-"))


def _user_state():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ndw_user_state", Path(__file__).with_name("user_state.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_REAL_USER: dict = {}


def pytest_configure(config):
    # the user's real git config and keyring, fingerprinted before anything runs (compared at the end)
    user_state = _user_state()
    _REAL_USER.update(home=Path.home(), config_home=os.environ.get("XDG_CONFIG_HOME"),
                      data_home=os.environ.get("XDG_DATA_HOME"))
    _REAL_USER["before"] = user_state.snapshot(_REAL_USER["home"], _REAL_USER["config_home"], _REAL_USER["data_home"])
    real_cache = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    os.environ.setdefault("NDW_REAL_PIP_CACHE", os.environ.get("PIP_CACHE_DIR") or str(Path(real_cache) / "pip"))
    env = {
        "XDG_CACHE_HOME": str(_SESSION_TMP / "cache"),
        "XDG_CONFIG_HOME": str(_SESSION_TMP / "config"),
        "XDG_DATA_HOME": str(_SESSION_TMP / "data"),
        "NDW_DEMO_DIR": os.environ.get("NDW_TEST_DEMO_DIR") or str(_SESSION_TMP / "demo"),
        "NDW_SANDBOX_FILE": str(_SESSION_TMP / "sandbox.json"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "GIT_AUTHOR_NAME": "NDW Tester", "GIT_AUTHOR_EMAIL": "tester@neurodata-widgets.invalid",
        "GIT_COMMITTER_NAME": "NDW Tester", "GIT_COMMITTER_EMAIL": "tester@neurodata-widgets.invalid",
        "DATALAD_LOG_LEVEL": "WARNING",
        # credential properties go to the global git config: keep the developer's ~/.gitconfig untouched
        "GIT_CONFIG_GLOBAL": str(_SESSION_TMP / "gitconfig"),
    }
    (_SESSION_TMP / "gitconfig").write_text("[user]\n\tname = NDW Tester\n\temail = tester@neurodata-widgets.invalid\n")
    os.environ.update(env)
    ARTIFACTS.mkdir(exist_ok=True)


def pytest_sessionfinish(session, exitstatus):
    """Fail the session if it changed the user's real git config or keyring."""
    if "before" not in _REAL_USER:
        return
    user_state = _user_state()
    after = user_state.snapshot(_REAL_USER["home"], _REAL_USER["config_home"], _REAL_USER["data_home"])
    changed = user_state.changes(_REAL_USER["before"], after)
    if changed:
        session.config.get_terminal_writer().line(
            "ERROR: the test session changed the user's real git config or keyring: " + ", ".join(changed), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def demo():
    """The demo datasets (built once per session): dict with root, superdataset, subdatasets, store."""
    from neurodata_widgets.sandbox.demo_data import build_demo_datasets

    return build_demo_datasets()


@pytest.fixture(scope="session")
def sandbox(demo):
    """Every available sandbox service, running in this process for the whole session.

    Its environment (``NDW_*`` URLs) is exported so notebooks and Voila kernels use it.
    Tests that inject faults must clear them (use the ``faults`` fixture).
    """
    from neurodata_widgets.sandbox.runner import Sandbox

    sb = Sandbox(demo=True).start()
    sb.publish()
    os.environ.update(sb.environ())  # NDW_SANDBOX: notebooks and kernels choose this sandbox explicitly
    yield sb
    sb.stop()


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
    """A fresh HOME with only what a user has: a git identity."""
    home = tmp_path_factory.mktemp("plain-home")
    (home / ".gitconfig").write_text("[user]\n\tname = New User\n\temail = new.user@example.org\n")
    return home


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
