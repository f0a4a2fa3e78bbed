"""Fixtures of the tests (the isolated environment, ``demo`` and ``sandbox`` come from the top conftest.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def faults(sandbox):
    """Clears every service's faults after the test."""
    yield sandbox
    for service in sandbox.services.values():
        service.faults.clear()
        if not service.running:
            service.start()


@pytest.fixture
def demo_clone(demo, tmp_path):
    """A fresh clone of the demo superdataset (subdatasets installed, content absent) to change freely."""
    import datalad.api as dl

    target = tmp_path / "ndw-demo"
    ds = dl.clone(source=demo["superdataset"], path=str(target), result_renderer="disabled")
    ds.get(".", recursive=True, get_data=False, result_renderer="disabled")
    return target
