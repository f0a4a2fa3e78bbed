"""What every test and every docstring example shares: an isolated environment, the demo datasets, the sandbox.

This file sits at the top of the repository so that it serves both ``tests/`` and the
docstring examples of ``neurodata_widgets/`` (run by ``--doctest-modules``), whichever
folder or file pytest is given. The environment is isolated before anything runs: the
user's cache, config and keyring are replaced by temporary folders, and git gets no identity
(as on a fresh Binder or hub account: the toolkit's own per-environment identity must do) and
may not guess one from the host name, so tests never touch a developer's real credentials and
behave the same on CI.

A docstring example may use ``demo`` (the demo datasets: ``demo["superdataset"]`` ...),
``sandbox`` (the running stand-ins) and ``tmp`` (a fresh folder); each is provided only to
the examples that name it.
"""
from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
ARTIFACTS = REPO / "test-artifacts"
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="ndw-tests-"))


def _user_state():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ndw_user_state", REPO / "tests" / "user_state.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_REAL_USER: dict = {}


def _isolate() -> None:
    """Replace the user's folders and git configuration with the session's, before anything is imported.

    It runs when this file is loaded: pytest loads it before the slices' conftest files, some of which import
    the toolkit (whose import applies its git identity to the environment it finds).
    """
    _REAL_USER.update(home=Path.home(), config_home=os.environ.get("XDG_CONFIG_HOME"),
                      data_home=os.environ.get("XDG_DATA_HOME"))
    real_cache = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    os.environ.setdefault("NDW_REAL_PIP_CACHE", os.environ.get("PIP_CACHE_DIR") or str(Path(real_cache) / "pip"))
    env = {
        "XDG_CACHE_HOME": str(_SESSION_TMP / "cache"),
        "XDG_CONFIG_HOME": str(_SESSION_TMP / "config"),
        "XDG_DATA_HOME": str(_SESSION_TMP / "data"),
        "NDW_DEMO_DIR": os.environ.get("NDW_TEST_DEMO_DIR") or str(_SESSION_TMP / "demo"),
        "NDW_SANDBOX_FILE": str(_SESSION_TMP / "sandbox.json"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "DATALAD_LOG_LEVEL": "WARNING",
        # credential properties go to the global git config: keep the developer's ~/.gitconfig untouched
        "GIT_CONFIG_GLOBAL": str(_SESSION_TMP / "gitconfig"),
        # nor the machine's /etc/gitconfig (it could hold an identity)
        "GIT_CONFIG_SYSTEM": str(_SESSION_TMP / "gitconfig-system"),
    }
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL",
                 "NDW_ORIGINAL_GIT_CONFIG_SYSTEM", "NDW_GIT_IDENTITY_ENV", "GIT_CONFIG_NOSYSTEM"):
        os.environ.pop(name, None)
    # no identity, and git may not make one up from the host name: only the toolkit's own identity commits
    (_SESSION_TMP / "gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")
    (_SESSION_TMP / "gitconfig-system").write_text("")
    os.environ.update(env)


_isolate()


def pytest_configure(config):
    # the user's real git config and keyring, fingerprinted before anything runs (compared at the end)
    user_state = _user_state()
    _REAL_USER["before"] = user_state.snapshot(_REAL_USER["home"], _REAL_USER["config_home"], _REAL_USER["data_home"])
    ARTIFACTS.mkdir(exist_ok=True)
    import sys

    if "neurodata_widgets" in sys.modules:  # imported before this file (a plugin): apply to the session's config
        from neurodata_widgets import git_identity

        git_identity.apply()


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


@pytest.fixture(autouse=True)
def _doctest_names(request):
    """Hand ``demo``, ``sandbox`` and ``tmp`` to the docstring examples that use them."""
    dtest = getattr(request.node, "dtest", None)  # only doctest items have one
    if dtest is None:
        return
    namespace = request.getfixturevalue("doctest_namespace")
    used = set()
    for example in dtest.examples:  # names the examples read (not words in strings, not attributes)
        try:
            used.update(n.id for n in ast.walk(ast.parse(example.source)) if isinstance(n, ast.Name))
        except SyntaxError:
            continue
    for name, fixture in (("demo", "demo"), ("sandbox", "sandbox"), ("tmp", "tmp_path")):
        if name in used:
            namespace[name] = request.getfixturevalue(fixture)


@pytest.fixture(autouse=True)
def _globus_panes_forgotten():
    """Each test opens the Globus browser as on a first visit: the panes the tests before left are forgotten
    (the browser remembers them per user between visits; tests of that remember on purpose)."""
    from neurodata_widgets.config import config_dir

    (config_dir() / "globus-panes.json").unlink(missing_ok=True)
