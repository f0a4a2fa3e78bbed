"""What a test session must leave as it found it: the user's real git config and keyring.

:func:`snapshot` fingerprints those files (content hashes, folders walked); tests/conftest.py
takes one before the session isolates the environment and compares at the end, failing the
session (naming the files) if anything changed.

Examples
--------
>>> import tempfile, pathlib
>>> home = pathlib.Path(tempfile.mkdtemp())
>>> before = snapshot(home)
>>> _ = (home / ".gitconfig").write_text("[credential]\\n\\thelper = store\\n")
>>> changes(before, snapshot(home))  # doctest: +ELLIPSIS
['.../.gitconfig']
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def watched(home: Path, config_home: Path | None = None, data_home: Path | None = None) -> list[Path]:
    """The user's git configuration, keyrings and DataLad configuration."""
    config_home = config_home or home / ".config"
    data_home = data_home or home / ".local/share"
    return [home / ".gitconfig", home / ".git-credentials", config_home / "git", config_home / "python_keyring",
            config_home / "datalad", data_home / "python_keyring", data_home / "keyrings", home / ".netrc"]


def _fingerprint(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def snapshot(home, config_home=None, data_home=None) -> dict:
    """``{path: content hash}`` of every watched file (folders walked); missing files are absent."""
    found = {}
    for root in watched(Path(home), config_home and Path(config_home), data_home and Path(data_home)):
        if root.is_dir():
            for folder, _, files in os.walk(root):
                for name in files:
                    path = Path(folder) / name
                    found[str(path)] = _fingerprint(path)
        elif root.exists():
            found[str(root)] = _fingerprint(root)
    return found


def changes(before: dict, after: dict) -> list[str]:
    """Paths added, removed or changed between two snapshots."""
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
