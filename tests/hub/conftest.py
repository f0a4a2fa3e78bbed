"""The hub test's fixtures: the users' environment (the built wheel) and a real JupyterHub (see harness.py).

Run as another account than root, every test here is skipped, saying why (CI runs as root).
"""
from __future__ import annotations

import os

import pytest

from .harness import NEEDS_ROOT, run, start_hub


def need_root():
    if os.geteuid() != 0:
        pytest.skip(NEEDS_ROOT)


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


@pytest.fixture(scope="session")
def hub(hub_env):
    need_root()
    with start_hub(hub_env.venv) as running:
        yield running
