"""Read local DataLad datasets into registry-shaped records (fields + extractor records).

Extractors, each one record per dataset in the catalog's ``metadata`` table:

``metalad_core``
    ds_id, name, description (README title), authors, license, subdatasets (id, path, url),
    run records (count and ``has_run_records``).
``bids_dataset``
    ``dataset_description.json``, participants (count, columns), datatypes, modalities, tasks
    (only for datasets that have a ``dataset_description.json``).
``annex_stats``
    annexed files in the working tree (count, size), annex keys, extensions.

Everything is read with git and git-annex, a few processes per dataset (never one per file),
from what is committed: content need not be present.

Examples
--------
>>> rec = extract("/path/to/ndw-demo/raw")                   # doctest: +SKIP
>>> [m["extractor_name"] for m in rec["metadata"]]           # doctest: +SKIP
['metalad_core', 'bids_dataset', 'annex_stats']
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

from ..errors import UserError
from ..repo import annex, is_repository as is_dataset, run as git, submodules as subdatasets
from ..datasets.state import run_commit_count
from .records import now_iso

EXTRACTOR_VERSION = "1"
BIDS_DATATYPES = ("anat", "func", "dwi", "fmap", "perf", "eeg", "meg", "ieeg", "pet", "beh", "micr", "nirs", "motion")


def head(path) -> str:
    """The commit a dataset's HEAD points at (what decides whether it is re-extracted)."""
    return git(path, "rev-parse", "HEAD", check=False).strip()


def walk(paths, recursive: bool = True):
    """Yield every dataset under ``paths``: each given dataset and its installed subdatasets."""
    seen = set()
    stack = [Path(p).expanduser().resolve() for p in paths]
    while stack:
        path = stack.pop(0)
        if path in seen:
            continue
        seen.add(path)
        if not is_dataset(path):
            raise UserError(f"{path} is not a DataLad dataset.", "Give the path of a dataset (a folder with .git).")
        yield path
        if recursive:
            for sub in subdatasets(path):
                if sub["installed"]:
                    stack.append(path / sub["path"])


def extract(path) -> dict:
    """A registry-shaped record of the dataset at ``path`` (``url`` is its absolute path)."""
    path = Path(path).expanduser().resolve()
    ds_id = git(path, "config", "-f", ".datalad/config", "datalad.dataset.id", check=False).strip() or None
    hexsha = head(path)
    describe = git(path, "describe", "--tags", "--always", check=False).strip()
    branches = {}
    for line in git(path, "for-each-ref", "--format=%(refname:short)\t%(objectname)\t%(committerdate:iso-strict)",
                    "refs/heads", check=False).splitlines():
        name, sha, date = line.split("\t")
        branches[name] = {"hexsha": sha, "last_commit_dt": date}
    tags = git(path, "tag", "--list", check=False).split()
    annex = annex_stats(path) if "git-annex" in branches else None
    files = tracked_files(path)
    metadata = [_md("metalad_core", core(path, ds_id, files), hexsha, describe)]
    bids = bids_dataset(path, files)
    if bids is not None:
        metadata.append(_md("bids_dataset", bids, hexsha, describe))
    if annex is not None:
        metadata.append(_md("annex_stats", annex, hexsha, describe))
    return {"url": str(path), "ds_id": ds_id, "head": hexsha, "head_describe": describe, "branches": branches,
            "tags": tags, "annex_key_count": annex["annex_key_count"] if annex else None,
            "annexed_files_in_wt_count": annex["annexed_files_in_wt_count"] if annex else None,
            "annexed_files_in_wt_size": annex["annexed_files_in_wt_size"] if annex else None,
            "git_objects_kb": git_objects_kb(path), "last_update_dt": now_iso(), "metadata": metadata}


def _md(name, content, hexsha, describe) -> dict:
    return {"extractor_name": name, "extractor_version": EXTRACTOR_VERSION, "extraction_parameter": {},
            "extracted_metadata": content, "dataset_version": hexsha, "dataset_describe": describe}


def tracked_files(path) -> list[str]:
    return git(path, "ls-files", "-z", check=False).split("\0")[:-1]


def _read_committed(path: Path, name: str) -> str | None:
    """A small text file as committed (works when it is annexed but absent too: then ``None``)."""
    target = path / name
    try:
        if target.is_file():
            return target.read_text(errors="replace")
    except OSError:
        pass
    return None


def core(path: Path, ds_id, files) -> dict:
    description, readme = "", None
    for name in ("README.md", "README", "README.txt", "README.rst"):
        readme = _read_committed(path, name)
        if readme:
            break
    for line in (readme or "").splitlines():
        if line.strip():
            description = line.lstrip("#= ").strip()
            break
    dd = _dataset_description(path)
    authors = dd.get("Authors") if isinstance(dd.get("Authors"), list) else None
    if not authors:
        out = git(path, "log", "--format=%an", check=False).splitlines()
        authors = sorted(set(out))
    license_ = dd.get("License")
    if not license_:
        text = _read_committed(path, "LICENSE") or ""
        license_ = text.strip().splitlines()[0] if text.strip() else None
    runs = run_commit_count(path)
    subs = [{"ds_id": s["id"], "path": s["path"], "url": s["url"]} for s in subdatasets(path)]
    return {"ds_id": ds_id, "name": path.name, "description": description, "authors": authors,
            "license": license_, "subdatasets": subs, "run_records": runs, "has_run_records": runs > 0,
            "file_count": len(files)}


def _dataset_description(path: Path) -> dict:
    text = _read_committed(path, "dataset_description.json")
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def bids_dataset(path: Path, files) -> dict | None:
    """BIDS facts of a dataset with a ``dataset_description.json``, else ``None``."""
    if "dataset_description.json" not in files:
        return None
    out = dict(_dataset_description(path))
    datatypes, modalities, tasks, subjects = set(), set(), set(), set()
    for f in files:
        parts = f.split("/")
        if not parts[0].startswith("sub-"):
            continue
        subjects.add(parts[0])
        if len(parts) >= 3 and parts[-2] in BIDS_DATATYPES:
            datatypes.add(parts[-2])
            stem = parts[-1].split(".")[0]
            if "_" in stem:
                modalities.add(stem.rsplit("_", 1)[1])
            for entity in stem.split("_"):
                if entity.startswith("task-"):
                    tasks.add(entity[5:])
    participants = {"count": len(subjects), "columns": []}
    text = _read_committed(path, "participants.tsv")
    if text:
        rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
        if rows:
            participants = {"count": max(0, len(rows) - 1), "columns": rows[0]}
    out.update({"participants": participants, "datatypes": sorted(datatypes), "modalities": sorted(modalities),
                "tasks": sorted(tasks), "subjects": sorted(subjects)})
    return out


def annex_stats(path: Path) -> dict:
    """Annexed files in the working tree (count, bytes), distinct keys, files per extension."""
    out = annex(path, "find", "--include=*", "--format=${key}\\t${bytesize}\\t${file}\\000", check=False)
    keys, size, count, exts = set(), 0, 0, Counter()
    for line in out.split("\0"):
        try:
            key, nbytes, name = line.split("\t", 2)
        except ValueError:
            continue
        count += 1
        keys.add(key)
        size += int(nbytes) if nbytes.isdigit() else 0
        base = os.path.basename(name)
        ext = base[base.find("."):] if "." in base else ""
        exts[ext] += 1
    return {"annexed_files_in_wt_count": count, "annexed_files_in_wt_size": size, "annex_key_count": len(keys),
            "extensions": dict(sorted(exts.items()))}


def git_objects_kb(path: Path) -> int | None:
    out = git(path, "count-objects", "-v", check=False)
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    try:
        return int(fields.get("size", 0)) + int(fields.get("size-pack", 0))
    except ValueError:
        return None
