"""What a dataset holds and has on disk, read from git and the local annex (no ipywidgets, no DataLad).

:func:`scan` lists every file of one dataset with its annex key, size and presence in two git
processes; :func:`key_size`, :func:`hashdirmixed` and :func:`present_keys` are git-annex's own
rules for keys and the object store. :mod:`.state` builds the browsable hierarchy on top.

Examples
--------
>>> key_size("MD5E-s25048--1a2b.nii.gz")
25048
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .. import repo

SCAN_COLUMNS = ["path", "kind", "key", "size", "present"]


git_dir = repo.git_dir


def present_keys(path) -> set:
    """Keys whose content is in the local annex, read from the object store (no process per file)."""
    objects = git_dir(path) / "annex" / "objects"
    found = set()
    if not objects.is_dir():
        return found
    # layout objects/<h1>/<h2>/<KEY>/<KEY>; an empty key directory is left after a drop
    for h1 in os.scandir(objects):
        if not h1.is_dir():
            continue
        for h2 in os.scandir(h1.path):
            if not h2.is_dir():
                continue
            for keydir in os.scandir(h2.path):
                if os.path.isfile(os.path.join(keydir.path, keydir.name)):
                    found.add(keydir.name)
    return found


POINTER_MAX = 1024  # an unlocked annexed file is a small blob "/annex/objects/KEY"
HASH_CHARS = "0123456789zqjxkmvwgpfZQJXKMVWGPF"


def hashdirmixed(key: str) -> str:
    """git-annex's object directory for a key in a non-bare repository (``xX/yY/``).

    The same computation as git-annex's ``hashDirMixed`` (first 32 bits of the key's MD5).

    Examples
    --------
    >>> hashdirmixed("MD5E-s398--642549d515e98d0d8e10239b95333737.png")
    'mx/V3/'
    """
    d = hashlib.md5(key.encode()).digest()
    word = d[0] | d[1] << 8 | d[2] << 16 | d[3] << 24
    chars = [HASH_CHARS[(word >> (6 * i)) & 31] for i in range(8)]
    text = "".join(chars[i + 1] + chars[i] for i in range(0, 8, 2))
    return f"{text[0:2]}/{text[2:4]}/"


def key_size(key: str) -> int | None:
    """The size recorded in an annex key (``MD5E-s25048--…`` -> 25048), ``None`` if it has none."""
    for field in key.partition("--")[0].split("-")[1:]:
        if field[:1] == "s" and field[1:].isdigit():
            return int(field[1:])
    return None


def _annex_key(target: bytes) -> str:
    """The key a symlink target or pointer file names, or ``''``."""
    text = target.split(b"\n", 1)[0].decode("utf-8", "surrogateescape")
    if "annex/objects/" not in text:
        return ""
    return text.rstrip("/").rpartition("/")[2]


def _cat_blobs(dataset: Path, shas) -> dict:
    """Contents of many small blobs from one ``git cat-file --batch`` process."""
    shas = list(dict.fromkeys(shas))
    return {sha: data for sha, data in zip(shas, repo.cat_objects(dataset, shas)) if data is not None}


def scan(dataset, subdir: str = ""):
    """Every file of one dataset (not crossing into subdatasets) with its annex state.

    Two git processes whatever the number of files: ``git ls-tree -r -l`` lists the tree
    with blob sizes, ``git cat-file --batch`` reads the symlinks and pointer files that name
    annex keys (as git-annex itself does); presence comes from one walk of the local object store.

    Parameters
    ----------
    dataset : path
        Work tree of an installed dataset.
    subdir : str
        Restrict to this folder (relative to the dataset).

    Returns
    -------
    pandas.DataFrame
        ``path`` (relative to the dataset), ``kind`` (``git``, ``annexed``, ``subdataset``), ``key``,
        ``size`` (bytes, from the key for annexed files even when absent; ``<NA>`` if unknown),
        ``present`` (content on disk).

    Examples
    --------
    >>> scan(demo["subdatasets"][0])[["path", "kind", "present"]].head(2)
                          path kind  present
    0  .datalad/.gitattributes  git     True
    1          .datalad/config  git     True
    """
    import pandas as pd

    dataset = Path(dataset)
    limit = ["--", subdir] if subdir else []
    entries = []
    for entry in repo.run(dataset, "ls-tree", "-r", "-l", "-z", "HEAD", *limit, check=False).split("\0"):
        if entry:
            meta, _, rel = entry.partition("\t")
            mode, otype, sha, size = meta.split(None, 3)
            entries.append((rel, mode, otype, sha, int(size) if size.strip().isdigit() else None))
    blobs = _cat_blobs(dataset, [sha for _, mode, otype, sha, size in entries if otype == "blob" and (
        mode == "120000" or (size is not None and size <= POINTER_MAX))])
    have = present_keys(dataset)
    installed = {s["path"] for s in repo.submodules(dataset) if s["installed"]}
    rows = []
    for rel, mode, otype, sha, size in entries:
        if otype == "commit":
            rows.append((rel, "subdataset", "", None, rel in installed))
            continue
        key = _annex_key(blobs[sha]) if sha in blobs else ""
        if key:
            rows.append((rel, "annexed", key, key_size(key), key in have))
        else:
            rows.append((rel, "git", "", size, True))
    frame = pd.DataFrame(rows, columns=SCAN_COLUMNS)
    frame["size"] = frame["size"].astype("Int64")
    frame["present"] = frame["present"].astype(bool)
    return frame
