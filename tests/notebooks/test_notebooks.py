"""Every notebook in notebooks/ executes top to bottom against the sandbox, shows its widgets, and no error."""
import json
import re
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
    # execute() raises CellExecutionError on the first cell that fails: that is the check that it runs through
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code and all(c.execution_count for c in code)  # every cell ran, none was skipped
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr" and "Traceback" in o.text]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)  # it shows a widget
    # a widget that caught an error shows it in its banner and keeps going: the dashboard must start without one
    state = json.dumps(nb.metadata.get("widgets", {}))
    assert "ndw-banner ndw-banner-error" not in state, _banner_errors(state)
    # the saved notebook must stay free of secrets: executing it leaves no password or token in outputs
    text = nbformat.writes(nb)
    for secret in _secrets(sandbox):
        assert secret not in text


def _secrets(sandbox):
    for entry in sandbox.info().values():
        for key in ("password", "access_token", "refresh_token"):
            if isinstance(entry, dict) and entry.get(key):
                yield entry[key]


def _banner_errors(state: str) -> str:
    return "error banners: " + "; ".join(re.findall(r'ndw-banner ndw-banner-error[^>]*>([^<]*)', state))
