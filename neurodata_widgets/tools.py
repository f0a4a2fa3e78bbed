"""The toolkit finds its own command-line tools: git-annex, datalad and the git remote helpers.

git-annex ships as a PyPI wheel, and pip puts it (with ``datalad`` and ``git-annex-remote-*``)
into the ``bin`` folder of the environment the toolkit is installed in. A kernel, Voila or
Sphinx started as ``.venv/bin/python`` does not have that folder on its ``PATH`` unless the
environment was activated, so git would answer "'annex' is not a git command" and DataLad
"No working git-annex installation".

One mechanism, in one place: importing :mod:`neurodata_widgets` calls :func:`ensure_tools_on_path`,
which puts this interpreter's scripts folder at the front of ``os.environ["PATH"]`` when it is not
there yet. Every subprocess this process starts (our git calls, DataLad's git-annex lookup, a
``datalad`` command) then finds the tools of the same environment, as an activated venv would.

Examples
--------
>>> from neurodata_widgets import tools
>>> tools.scripts_dir() in tools.os.environ["PATH"].split(tools.os.pathsep)
True
>>> tools.which("git-annex") is not None
True
"""
from __future__ import annotations

import os
import shutil
import sys
import sysconfig


def scripts_dir() -> str:
    """The folder where this interpreter's environment installs its commands (``.venv/bin``)."""
    path = sysconfig.get_path("scripts")
    if path and os.path.isdir(path):
        return path
    return os.path.dirname(sys.executable)


def ensure_tools_on_path() -> None:
    """Put this environment's scripts folder first on ``PATH`` (idempotent, cheap)."""
    scripts = scripts_dir()
    parts = os.environ.get("PATH", "").split(os.pathsep) if os.environ.get("PATH") else []
    if scripts not in parts:
        os.environ["PATH"] = os.pathsep.join([scripts, *parts]) if parts else scripts


def which(name: str) -> str | None:
    """Full path of a command, looked up first in this environment, then on ``PATH``."""
    return shutil.which(name, path=scripts_dir()) or shutil.which(name)


def command(name: str) -> str:
    """Full path of a required command; a clear error names how to install it when missing."""
    found = which(name)
    if found is None:
        raise FileNotFoundError(
            f"{name!r} was not found in this Python environment ({scripts_dir()}) nor on PATH. "
            f"Install the toolkit with its dependencies: pip install neurodata-widgets")
    return found
