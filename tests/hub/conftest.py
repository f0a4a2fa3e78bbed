"""The hub test's fixtures: the users' environment (the built wheel) and a real JupyterHub (see harness.py).

Run as another account than root, every test here is skipped, saying why (CI runs as root).
"""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from .harness import NEEDS_ROOT, start_hub


def need_root():
    if os.geteuid() != 0:
        pytest.skip(NEEDS_ROOT)


@pytest.fixture(scope="session")
def hub_env(request):
    """The single-user environment: the installed wheel's venv plus ``jupyterhub-singleuser``, as an admin sets
    up ``/opt/neurodata-widgets`` (the same JupyterHub version as the hub's).

    ``NDW_HUB_TEST_VENV=/path/to/venv`` reuses one made by ``harness.user_environment`` (while working on this test).
    """
    need_root()
    if os.environ.get("NDW_HUB_TEST_VENV"):
        venv = Path(os.environ["NDW_HUB_TEST_VENV"])
        return SimpleNamespace(venv=venv, bin=venv / "bin", python=venv / "bin" / "python")
    return request.getfixturevalue("hub_venv")  # built early, in the background (tests/conftest.py)


@pytest.fixture(scope="session")
def hub(hub_env):
    need_root()
    with start_hub(hub_env.venv) as running:
        yield running
