"""The ``datalad`` command that does what a click did: shown after every action that changes a dataset.

A user who clicked Get can do the same later in a terminal, in a script or on a cluster; and a data steward
can see exactly what the dashboard did. The lines are quoted for a POSIX shell (paths with spaces or quotes
survive a copy and paste), and name the dataset with ``-d`` so they work from any folder.

Examples
--------
>>> print(command_line("get", "/data/my study", ["raw/sub-01", "it's.nii"]))
datalad get -d '/data/my study' raw/sub-01 'it'"'"'s.nii'
>>> command_line("drop", "/data/ds", ["a.txt"], unsafe=True)
'datalad drop -d /data/ds --reckless availability a.txt'
>>> command_line("save", "/data/ds", message="Add masks")
"datalad save -d /data/ds -m 'Add masks'"
>>> command_line("push", "/data/ds", to="origin")
'datalad push -d /data/ds --to origin'
>>> command_line("clone", source="https://example.org/ds.git", target="/data/ds")
'datalad clone https://example.org/ds.git /data/ds'
"""
from __future__ import annotations

import shlex


def command_line(action: str, dataset=None, paths=(), *, jobs: int | None = None, unsafe: bool = False,
                 message: str = "", to: str = "", source: str = "", target: str = "") -> str:
    """The ``datalad`` command line equivalent to ``action`` (get, drop, install, save, push, clone)."""
    args = ["datalad"]
    where = ["-d", str(dataset)] if dataset else []
    paths = [str(p) for p in paths if str(p)]
    if action == "get":
        args += ["get", *where] + (["-J", str(jobs)] if jobs and jobs > 1 else []) + paths
    elif action == "install":  # subdatasets without their content
        args += ["get", "-n", *where] + paths
    elif action == "drop":
        args += ["drop", *where] + (["--reckless", "availability"] if unsafe else []) + paths
    elif action == "save":
        args += ["save", *where] + (["-m", message] if message else []) + paths
    elif action == "push":
        args += ["push", *where] + (["--to", to] if to else []) + paths
    elif action == "clone":
        args += ["clone", str(source), str(target)]
    else:
        raise ValueError(f"no datalad command for {action!r}")
    # a path starting with "-" would read as an option: DataLad takes "--" before paths
    if paths and any(p.startswith("-") for p in paths):
        cut = len(args) - len(paths)
        args = args[:cut] + ["--"] + args[cut:]
    return shlex.join(args)


__all__ = ["command_line"]
