"""Every dashboard inside JupyterLab (not only Voila), in its light and dark themes, at 1280 and 480 px.

One JupyterLab on a free loopback port for the module, with its own settings folder and the notebooks
copied to a temporary folder. Each notebook is run once; the test then switches the theme and the
window width without running it again, and looks at what the widgets drew each time (see
``layout_problems`` in conftest.py: overflowing boxes, wrapped or cut buttons, cut inputs, unreadable
text, error banners) and what axe-core finds (WCAG 2.1 A/AA, serious or critical; the portal with each of its
tabs open). A screenshot of each look goes to ``test-artifacts/lab-<notebook>-<theme>-<width>.png``.
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

from .axe import PORTAL_TABS, axe_problems
from neurodata_widgets.sandbox.runner import free_port

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(REPO, "test-artifacts")
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
WIDTHS = (1280, 480)
OUTPUTS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
# what each dashboard shows once its first answer arrived (listings are fetched in the background)
SHOWN = {"explorer": ".ndw-explorer .ndw-dt-table tbody tr",
         "provenance": ".ndw-provenance-runs .ndw-dt-table tbody tr",
         "portal": ".ndw-portal .ndw-login-panel",
         "search": ".ndw-search-results .ndw-dt-table tbody tr",
         "xnat": ".ndw-xnat-login",
         "globus": ".jupyter-widgets .ndw-header"}
# JupyterLab's own start-up noise in the console (not ours): a missing favicon, its news and extension checks
LAB_NOISE = ("favicon", "Failed to load resource", "lsp", "Language Server", "kernelspec")


@pytest.fixture(scope="module")
def lab(sandbox, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(os.path.join(REPO, "notebooks"), root / "notebooks")
    settings = root / "settings"
    # every cell laid out, also the ones scrolled away (Lab otherwise skips drawing them)
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # JupyterLab writes the widgets' state into the .ipynb on save (as many users have it set)
    manager = settings / "@jupyter-widgets" / "jupyterlab-manager"
    manager.mkdir(parents=True)
    (manager / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
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
        yield LabServer(f"http://127.0.0.1:{port}", root / "notebooks")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


class LabServer(str):
    """The JupyterLab address (a str, as the tests use it) and the folder it serves (``root``)."""

    def __new__(cls, url: str, root):
        self = super().__new__(cls, url)
        self.root = str(root)
        return self


class LabPage:
    """A JupyterLab page: what it requested outside the machine and the console errors of our widgets."""

    def __init__(self, page):
        self.page = page
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
                or self.outside.append(r.url))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def ours(self) -> list[str]:
        return [e for e in self.errors if not any(noise in e for noise in LAB_NOISE)]

    def set_theme(self, theme: str) -> None:
        name = json.dumps(THEMES[theme])
        self.page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', {{theme: {name}}})")
        self.page.wait_for_function(f"() => document.body.dataset.jpThemeName === {name}", timeout=60_000)
        self.page.wait_for_timeout(300)  # the theme's stylesheet applies

    def run(self, lab: str, notebook: str, theme: str = "light"):
        """Open ``notebook`` alone, in ``theme``, and run all its cells until the dashboard says it is ready."""
        page = self.page
        page.goto(f"{lab}/lab/tree/{notebook}?reset", timeout=180_000)  # reset: only this notebook is open
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=180_000)
        page.locator(".jp-Notebook").first.wait_for(timeout=180_000)
        self.set_theme(theme)
        # the kernel must be up before Run All, or the cells queue behind "No kernel"
        page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget; "
                               "return w && w.sessionContext && w.sessionContext.session && "
                               "w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; }",
                               timeout=180_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator(f"{OUTPUTS} .ndw-ready").first.wait_for(state="attached", timeout=300_000)
        return page

    def shut_down(self) -> None:
        """Stop the notebook's kernel (six dashboards' kernels at once would crowd two CPUs)."""
        self.page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")


@pytest.fixture
def lab_page(browser):
    """A 1280 px page for JupyterLab (checks requests and our console errors at the end)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    lab = LabPage(context.new_page())
    yield lab
    try:
        lab.shut_down()
    finally:
        context.close()
    assert not lab.outside, f"JupyterLab page contacted non-loopback hosts: {lab.outside}"
    assert not lab.ours(), f"browser console errors: {lab.ours()}"


def _xnat_tree_readable(page, contrast) -> list[str]:
    """The XNAT tree's headers, rows and ▾ toggles stand out from the theme's background."""
    tree = page.locator(".ndw-xnat-tree")
    row = tree.locator(".ndw-dt-table tbody tr", has_text="DEMO_PUBLIC").first
    found = [("headers", contrast(tree.locator(".ndw-dt-table th", has_text="details")), 4.5),
             ("rows", contrast(tree.locator(".ndw-dt-table td", has_text="subject").first), 4.5),
             ("the ▾ toggle", contrast(row.locator(".ndw-dt-twist")), 3)]
    return [f"XNAT tree {what} have contrast {value:.2f}:1" for what, value, least in found if value < least]


def _portal_tabs_pass_axe(page) -> list[str]:
    """axe-core over each tab of the portal in turn (the first one is open again at the end)."""
    found = []
    for title, shown in PORTAL_TABS.items():
        page.locator(f"{OUTPUTS} .ndw-portal .lm-TabBar-tab", has_text=title).first.click()
        page.locator(f"{OUTPUTS} .ndw-portal {shown}").first.wait_for(timeout=120_000)
        page.wait_for_timeout(400)
        found += [f"{title} tab: {p}" for p in axe_problems(page, OUTPUTS)]
    page.locator(f"{OUTPUTS} .ndw-portal .lm-TabBar-tab").first.click()
    return found


def _every_look(lab: LabPage, name: str, layout_problems, contrast) -> dict:
    """Switch through both themes and both widths (no re-run); the problems found in each look."""
    page, found = lab.page, {}
    for theme in THEMES:
        lab.set_theme(theme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            # on a half screen the file browser is folded away; at 1280 px it stays open beside the notebook
            page.evaluate(f"() => window.jupyterapp.shell.{'collapseLeft' if width < 800 else 'expandLeft'}()")
            page.wait_for_timeout(400)  # Lab lays its panels out again after a resize
            page.locator(OUTPUTS).filter(has=page.locator(".jupyter-widgets")).first.scroll_into_view_if_needed()
            page.screenshot(path=os.path.join(ARTIFACTS, f"lab-{name}-{theme}-{width}.png"))
            problems = layout_problems(page, OUTPUTS) + axe_problems(page, OUTPUTS)
            if name == "portal":  # every tab of the portal, not only the one open first
                problems += _portal_tabs_pass_axe(page)
            if name == "xnat":
                problems += _xnat_tree_readable(page, contrast)
            if problems:
                found[f"{theme} {width}px"] = problems
    return found


@pytest.mark.parametrize("name", ["explorer", "globus", "portal", "provenance", "search", "xnat"])
def test_dashboard_holds_in_both_themes_at_both_widths(lab_page, lab, demo, layout_check, contrast, name):
    page = lab_page.run(lab, f"{name}.ipynb")
    page.locator(f"{OUTPUTS} {SHOWN[name]}").first.wait_for(timeout=120_000)
    page.wait_for_timeout(1000)  # anywidget front ends draw after the kernel said ready
    if name == "portal":  # the login card opened: its fields must fit it
        page.locator(".ndw-login-panel .ndw-login-card-toggle").first.click()
        expect(page.locator(".ndw-login-panel input[type=password]").first).to_be_visible(timeout=60_000)
    if name == "provenance":
        expect(page.locator(".ndw-lineage-graph g.ndw-node-run").first).to_be_visible(timeout=60_000)
        assert page.locator(".ndw-lineage-graph .ndw-lg-view").bounding_box()["width"] > 200
    if name == "xnat":  # logged in (the sandbox's demo login is filled in), a project expanded with its ▸
        page.locator(".ndw-xnat-login-button").click()
        tree = page.locator(".ndw-xnat-tree")
        row = tree.locator(".ndw-dt-table tbody tr", has_text="DEMO_PUBLIC").first
        row.wait_for(timeout=120_000)
        row.locator(".ndw-dt-twist").click()
        expect(tree.locator(".ndw-dt-table tbody tr", has_text="sub-001").first).to_be_visible(timeout=60_000)
    problems = _every_look(lab_page, name, layout_check, contrast)
    assert not problems, "\n".join(f"{look}: {p}" for look, ps in problems.items() for p in ps)


def test_a_typed_password_is_never_saved_with_the_notebook(lab_page, lab):
    """Typed but not submitted, a password stays out of the .ipynb that JupyterLab saves with widget state."""
    page = lab_page.run(lab, "xnat.ipynb")
    box = page.locator(f"{OUTPUTS} .ndw-xnat-password input")
    box.wait_for(timeout=120_000)
    typed = "typed-not-submitted-7f3a"
    box.fill(typed)
    expect(box).to_have_value(typed)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    saved = os.path.join(lab.root, "xnat.ipynb")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=60_000)
    text = open(saved, encoding="utf-8").read()
    assert "application/vnd.jupyter.widget-state+json" in text  # the widgets' state was saved with it
    assert typed not in text
