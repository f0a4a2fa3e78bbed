"""The provenance dashboard in Voila + Chromium: the demo's lineage graph, a click on a run, its detail."""
import pytest

pytestmark = pytest.mark.browser


def test_provenance_graph_and_run_detail(dashboard, demo):
    page = dashboard.open("provenance.ipynb")
    graph = page.locator(".ndw-lineage-graph svg")
    graph.wait_for(timeout=60_000)
    focus = page.locator('.ndw-lineage-graph g.ndw-focus')
    assert focus.get_attribute("data-node") == "file:figures/mean_intensity.png"
    runs = page.locator('.ndw-lineage-graph g.ndw-node-run')
    assert runs.count() == 2
    assert page.locator(".ndw-provenance-runs .ndw-table tbody tr").count() == 5
    smooth = page.locator('.ndw-lineage-graph g.ndw-node-run', has_text="Smooth the T1w images")
    smooth.click()
    # the click went to the kernel and back: the run's detail is shown and the node is focused
    title = page.locator(".ndw-run-detail .ndw-run-title")
    title.wait_for(timeout=30_000)
    assert title.inner_text() == "Smooth the T1w images"
    assert "python3 code/smooth.py raw derivatives/smoothed" in page.locator(".ndw-run-detail .ndw-run-cmd").inner_text()
    assert page.locator(".ndw-rerun-line").inner_text().startswith("datalad rerun ")
    page.locator('.ndw-lineage-graph g.ndw-focus.ndw-node-run').wait_for(timeout=30_000)
    # a file node refocuses the graph on that file
    page.locator('.ndw-lineage-graph g[data-node="file:code/smooth.py"]').click()
    page.locator('.ndw-lineage-graph g.ndw-focus[data-node="file:code/smooth.py"]').wait_for(timeout=30_000)
    assert "source" in page.locator(".ndw-lineage-legend").inner_text()
