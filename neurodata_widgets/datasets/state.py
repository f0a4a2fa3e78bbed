"""What a DataLad dataset is and holds, read with git and git-annex (no ipywidgets).

Examples
--------
>>> from neurodata_widgets.datasets.state import dataset_summary
>>> dataset_summary("/path/to/ndw-demo")["subdatasets"]      # doctest: +SKIP
[{'path': 'derivatives', 'installed': True, ...}, {'path': 'raw', ...}]
"""
from __future__ import annotations

import subprocess
from pathlib import Path

RUN_MARKER = "[DATALAD RUNCMD]"


def git(path, *args, check: bool = True) -> str:
    """Run one git command in ``path`` and return its standard output."""
    proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {path}: {proc.stderr.strip()}")
    return proc.stdout


def is_dataset(path) -> bool:
    return (Path(path) / ".datalad" / "config").is_file() or (Path(path) / ".git").exists()


def subdatasets(path) -> list[dict]:
    """Registered subdatasets of the dataset at ``path``: path, url, id, installed."""
    path = Path(path)
    if not (path / ".gitmodules").exists():
        return []
    out = git(path, "config", "-f", ".gitmodules", "--get-regexp", r"^submodule\.", check=False)
    subs: dict = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        name, _, field = key[len("submodule."):].rpartition(".")
        subs.setdefault(name, {})[field] = value
    result = []
    for entry in subs.values():
        rel = entry.get("path")
        if not rel:
            continue
        result.append({"path": rel, "url": entry.get("url", ""), "id": entry.get("datalad-id", ""),
                       "installed": (path / rel / ".git").exists() and any((path / rel).iterdir())})
    return sorted(result, key=lambda s: s["path"])


def dataset_summary(path) -> dict:
    """Name, id, subdatasets and number of run records of a dataset.

    Returns
    -------
    dict
        ``name``, ``path``, ``id``, ``description`` (first README heading), ``subdatasets``
        (list of dicts), ``run_records`` (count of ``[DATALAD RUNCMD]`` commits on HEAD).
    """
    path = Path(path).expanduser().resolve()
    if not is_dataset(path):
        raise FileNotFoundError(f"{path} is not a DataLad dataset")
    ds_id = git(path, "config", "-f", ".datalad/config", "datalad.dataset.id", check=False).strip()
    runs = git(path, "log", "--format=%H", "--fixed-strings", f"--grep={RUN_MARKER}", check=False).split()
    description = ""
    readme = path / "README.md"
    if readme.exists():
        for line in readme.read_text(errors="replace").splitlines():
            if line.strip():
                description = line.lstrip("# ").strip()
                break
    return {"name": path.name, "path": str(path), "id": ds_id, "description": description,
            "subdatasets": subdatasets(path), "run_records": len(runs)}
