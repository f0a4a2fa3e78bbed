"""Small real DataLad datasets with known run histories (built with ``datalad run``)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def sh(path, *args) -> str:
    return subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True, text=True).stdout


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_chain(root: Path) -> Path:
    """A known graph: a.txt -> run1 (copy) -> b.txt -> run2 (upper-case) -> c.txt, plus an unrelated note."""
    import datalad.api as dl

    ds = dl.create(str(root), cfg_proc="text2git", result_renderer="disabled")
    write(root / "a.txt", "alpha\n")
    write(root / "note.txt", "unrelated\n")
    ds.save(message="inputs", result_renderer="disabled")
    ds.run("cp a.txt b.txt", inputs=["a.txt"], outputs=["b.txt"], message="make b", result_renderer="disabled")
    ds.run("tr a-z A-Z < b.txt > c.txt", inputs=["b.txt"], outputs=["c.txt"], message="make c",
           result_renderer="disabled")
    return root


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """A read-only known graph (do not change it in a test; use ``chain_rw``)."""
    return make_chain(tmp_path_factory.mktemp("chain") / "ds")


@pytest.fixture
def chain_rw(tmp_path):
    return make_chain(tmp_path / "ds")
