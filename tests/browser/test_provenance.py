"""The provenance dashboard in Voila + Chromium: the demo's lineage graph, a click on a run, its detail."""
import pytest
from playwright.sync_api import expect

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
    command = page.locator(".ndw-run-detail .ndw-run-cmd").inner_text()
    assert "python3 code/smooth.py raw derivatives/smoothed" in command
    assert page.locator(".ndw-rerun-line").inner_text().startswith("datalad rerun ")
    page.locator('.ndw-lineage-graph g.ndw-focus.ndw-node-run').wait_for(timeout=30_000)
    # a file node refocuses the graph on that file
    page.locator('.ndw-lineage-graph g[data-node="file:code/smooth.py"]').click()
    page.locator('.ndw-lineage-graph g.ndw-focus[data-node="file:code/smooth.py"]').wait_for(timeout=30_000)
    expect(page.locator(".ndw-lineage-legend")).to_contain_text("code/smooth.py: source", timeout=30_000)
    # its graph is now the smoothing's downstream: the figure and the table are reached
    page.locator('.ndw-lineage-graph g[data-node="file:results/summary.tsv"]').wait_for(timeout=30_000)


def test_stale_figure_brought_up_to_date_in_the_browser(dashboard, demo_clone):
    import datalad.api as dl
    from urllib.parse import quote

    plot = demo_clone / "code" / "plot.py"
    plot.write_text(plot.read_text().replace("(31, 119, 180)", "(214, 39, 40)"))
    dl.Dataset(str(demo_clone)).save(message="Plot in red", result_renderer="disabled")
    page = dashboard.open("provenance.ipynb", query=f"dataset={quote(str(demo_clone))}")
    figure = page.locator('.ndw-lineage-graph g[data-node="file:figures/mean_intensity.png"]')
    figure.wait_for(timeout=60_000)
    assert "ndw-stale" in figure.get_attribute("class").split()
    assert "code/plot.py changed" in page.locator(".ndw-lineage-legend").inner_text()
    page.locator(".ndw-update-stale button, button.ndw-update-stale").first.click()
    confirmation = page.locator(".ndw-rerun-confirmation")
    confirmation.get_by_text("Plot mean intensity per subject").wait_for(timeout=30_000)
    page.locator(".ndw-rerun-confirm button, button.ndw-rerun-confirm").first.click()
    # the rerun runs in the kernel's background; its per-file results arrive, and the graph is redrawn
    page.locator(".ndw-rerun-results").get_by_text("figures/mean_intensity.png").first.wait_for(timeout=120_000)
    page.locator('.ndw-lineage-graph g.ndw-focus[data-node="file:figures/mean_intensity.png"]:not(.ndw-stale)') \
        .wait_for(timeout=30_000)
    expect(page.locator(".ndw-lineage-legend")).to_contain_text("up to date", timeout=30_000)
    expect(page.locator(".ndw-provenance .ndw-banner-ok")).to_contain_text(": done")
    log = dl.Dataset(str(demo_clone)).repo.call_git(["log", "-1", "--format=%s"]).strip()
    assert log == "[DATALAD RUNCMD] Plot mean intensity per subject"


def test_graph_nodes_work_from_the_keyboard(dashboard, demo):
    page = dashboard.open("provenance.ipynb")
    node = page.locator('.ndw-lineage-graph g.ndw-node-run', has_text="Plot mean intensity")
    node.wait_for(timeout=60_000)
    node.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".ndw-run-detail .ndw-run-title")).to_have_text("Plot mean intensity per subject",
                                                                        timeout=30_000)
