"""Time from navigation to the first interactive widget, per dashboard, against a one-button notebook.

One Voila (no preheated kernels, the same for all) serves copies of every dashboard in
notebooks/ plus a baseline notebook holding a single ipywidgets Button; headless Chromium
(Playwright) opens each page REPEAT times. Ours waits for the dashboard's ``.ndw-ready``
marker (shown by its last cell, after every widget is built); the baseline waits for its button.
"""
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
from sizes import pick

REPEAT = pick(9, 1)  # page loads vary by a tenth of a second and more on a shared machine: the median of nine
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]


def _baseline_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as widgets\nwidgets.Button(description='Go')")]
    nbformat.write(nb, path)


def _load(browser, url: str, selector: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(selector, state="attached", timeout=180_000)
    elapsed = time.perf_counter() - start
    _leave(page)
    context.close()
    return elapsed


def _leave(page) -> None:
    """Leave the page as a user closing the tab does, and wait until Voila has shut its kernel down: kernels of
    pages already measured must not load the machine while the next page is."""
    kernel = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    base = page.url.split("/voila/render/")[0]
    page.goto("about:blank")
    for _ in range(100):
        if page.request.get(f"{base}/api/kernels/{kernel}").status == 404:
            return
        time.sleep(0.1)


def _compare(browser, ours_url: str, baseline_url: str) -> tuple[float, float]:
    """Median load times, ours and baseline interleaved so both see the same machine load."""
    ours, baseline = [], []
    for _ in range(REPEAT):
        baseline.append(_load(browser, baseline_url, ".widget-button"))
        ours.append(_load(browser, ours_url, ".ndw-ready"))
    return statistics.median(ours), statistics.median(baseline)


def run():
    from playwright.sync_api import sync_playwright

    from neurodata_widgets.portal.serve import VoilaServer
    from neurodata_widgets.sandbox.runner import Sandbox

    rows = []
    with tempfile.TemporaryDirectory() as tmp, Sandbox(demo=True) as sandbox:
        site = Path(tmp)
        dashboards = sorted((REPO / "notebooks").glob(pick("*.ipynb", "portal.ipynb")))
        for nb in dashboards:
            shutil.copy(nb, site / nb.name)
        _baseline_notebook(site / "baseline_one_button.ipynb")
        sandbox.publish(site / "sandbox.json")  # the dashboards' kernels choose this sandbox (NDW_SANDBOX)
        env = {**os.environ, **sandbox.environ()}
        with VoilaServer(site, env=env) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("NDW_CHROMIUM", "/usr/bin/chromium"),
                                         headless=True, args=CHROMIUM_ARGS)
            render = server.url + "/voila/render/"
            _load(browser, render + "baseline_one_button.ipynb", ".widget-button")  # warm Voila up
            for nb in dashboards:
                ours, baseline = _compare(browser, render + nb.name, render + "baseline_one_button.ipynb")
                rows.append({"name": f"dashboard {nb.stem}: first interactive widget", "unit": "s", "ours": ours,
                             "baseline": baseline, "target": "<= 1.3",
                             "note": f"median of {REPEAT} page loads each, interleaved; baseline: one-button notebook, same Voila"})
            browser.close()
    return rows
