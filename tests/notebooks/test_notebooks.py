"""Every notebook in notebooks/ executes top to bottom against the sandbox."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(nb.name == "portal.ipynb" for nb in NOTEBOOKS)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, sandbox):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # the saved notebook must stay free of secrets: executing it leaves no password or token in outputs
    text = nbformat.writes(nb)
    for secret in _secrets(sandbox):
        assert secret not in text


def _secrets(sandbox):
    for entry in sandbox.info().values():
        for key in ("password", "access_token", "refresh_token"):
            if isinstance(entry, dict) and entry.get(key):
                yield entry[key]
