"""The widgets inside JupyterLab (not only Voila), in its light and dark themes.

One JupyterLab on a free loopback port for the module, with its own settings folder and the notebooks
copied to a temporary folder; a test opens a notebook, runs all cells and looks at what the widgets drew.
"""
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from neurodata_widgets.portal.serve import wait_for_http
from neurodata_widgets.sandbox.runner import free_port

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


@pytest.fixture(scope="module")
def lab(sandbox, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(os.path.join(REPO, "notebooks"), root / "notebooks")
    settings = root / "settings"
    port = free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(root / "ws"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={root / 'notebooks'}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log = open(os.path.join(REPO, "test-artifacts", "jupyterlab.log"), "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=root)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/lab", proc, 180)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def lab_page(browser, request):
    """A 1280 px page for JupyterLab; its screenshot goes to test-artifacts/ (Lab's own console noise is not ours)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside = []
    page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
            or outside.append(r.url))
    yield page
    try:
        page.screenshot(path=os.path.join(REPO, "test-artifacts", request.node.name.replace("/", "_") + ".png"))
    finally:
        context.close()
    assert not outside, f"JupyterLab page contacted non-loopback hosts: {outside}"


def _run_notebook(page, lab, notebook: str, theme: str):
    page.goto(f"{lab}/lab/tree/{notebook}?reset", timeout=180_000)  # reset: only this notebook is open
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=180_000)
    page.locator(".jp-Notebook").first.wait_for(timeout=180_000)
    page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', "
                  f"{{theme: {json.dumps(THEMES[theme])}}})")
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === {json.dumps(THEMES[theme])}",
                           timeout=60_000)
    # the kernel must be up before Run All, or the cells queue behind "No kernel"
    page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget; "
                           "return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
                           " && w.sessionContext.session.kernel.status === 'idle'; }", timeout=180_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea .ndw-ready").first.wait_for(
        state="attached", timeout=300_000)
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_provenance_table_and_graph_in_jupyterlab(lab_page, lab, demo, contrast, theme):
    page = _run_notebook(lab_page, lab, "provenance.ipynb", theme)
    header = page.locator(".ndw-provenance-runs .ndw-table th").first
    header.wait_for(timeout=120_000)
    assert contrast(header) >= 4.5, f"table headers are hard to read in {THEMES[theme]}"
    expect(page.locator(".ndw-lineage-graph g.ndw-node-run").first).to_be_visible(timeout=60_000)
    box = page.locator(".ndw-lineage-graph .ndw-lg-view").bounding_box()
    assert box["width"] > 200


def test_portal_login_card_keeps_the_password_field_in_view(lab_page, lab, demo):
    page = _run_notebook(lab_page, lab, "portal.ipynb", "light")
    card = page.locator(".ndw-login-panel .jupyter-widget-Accordion, .ndw-login-panel .widget-accordion").first
    card.locator(".lm-AccordionPanel-title, .jupyter-widget-Collapse-header, .p-Collapse-header").first.click()
    password = page.locator(".ndw-login-panel input[type=password]").first
    expect(password).to_be_visible(timeout=60_000)
    p, c = password.bounding_box(), card.bounding_box()
    assert p["x"] + p["width"] <= c["x"] + c["width"] + 1, "the password field is cut off by its card"
    server = page.locator(".ndw-login-panel input[type=text]").first.bounding_box()
    assert server["x"] + server["width"] <= c["x"] + c["width"] + 1, "the server field runs out of its card"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_xnat_tree_table_in_jupyterlab(lab_page, lab, sandbox, contrast, theme):
    """The XNAT tree in JupyterLab: log in, expand a project with its ▸, rows and headers readable in the theme."""
    page = _run_notebook(lab_page, lab, "xnat.ipynb", theme)
    page.locator(".ndw-xnat-login-button").click()  # the sandbox's demo login is filled in
    tree = page.locator(".ndw-xnat-tree")
    row = tree.locator(".ndw-dt-table tbody tr", has_text="DEMO_PUBLIC").first
    row.wait_for(timeout=120_000)
    row.locator(".ndw-dt-twist").click()
    expect(tree.locator(".ndw-dt-table tbody tr", has_text="sub-001").first).to_be_visible(timeout=60_000)
    assert contrast(tree.locator(".ndw-dt-table th", has_text="details")) >= 4.5, f"headers in {THEMES[theme]}"
    assert contrast(tree.locator(".ndw-dt-table td", has_text="subject").first) >= 4.5, f"rows in {THEMES[theme]}"
    assert contrast(row.locator(".ndw-dt-twist")) >= 3, f"the ▾ is hard to see in {THEMES[theme]}"
