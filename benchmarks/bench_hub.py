"""On a real JupyterHub: from a user's click on the launcher's "Neurodata portal" tile to the portal's first
interactive widget, against a one-button notebook opened the same way.

The hub is the one tests/hub runs (the handbook's configuration, PAM, LocalProcessSpawner, configurable-http-proxy,
the built wheel in a fresh venv). The user's JupyterLab gets a second launcher tile, "One button", through the
user's own jupyter-server-proxy setting: the same Voila command (``voila_command``) on a notebook holding one
ipywidgets Button, behind the same proxy and unix socket. Headless Chromium clicks each tile and waits for the
portal's ``.ndw-ready`` marker (shown after every widget is built) or the button. The first click of each starts
its Voila (cold); later clicks open a new tab on the running one (warm), interleaved.
It needs root (it creates an operating-system user); otherwise, and under NDW_BENCH_SIZE=tiny (building the wheel's
environment takes minutes), it says so and measures nothing.
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "hub"))
from sizes import TINY, pick  # noqa: E402

REPEAT = pick(5, 1)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]
USER = "ndwhub-ann"

ONE_BUTTON = """{"cells": [{"cell_type": "code", "execution_count": null, "id": "b1", "metadata": {}, "outputs": [],
 "source": ["import ipywidgets as widgets\\n", "widgets.Button(description='Go')"]}],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
 "nbformat": 4, "nbformat_minor": 5}"""

SERVER_CONFIG = """# the benchmark's baseline: a launcher tile started exactly as the portal's (jupyter-server-proxy, Voila)
from neurodata_widgets.portal.serve import voila_command

c.ServerProxy.servers = {"one-button": {
    "command": voila_command(%r, sock="{unix_socket}", base_url="{base_url}one-button/", server_url="/"),
    "unix_socket": True, "timeout": 120, "launcher_entry": {"title": "One button"}}}
"""


def _as_user(home: Path, name: str, text: str) -> None:
    import pwd

    entry = pwd.getpwnam(USER)
    path = home / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for p in (path, path.parent):
        os.chown(p, entry.pw_uid, entry.pw_gid)


def _click(context, lab, title: str, selector: str) -> float:
    card = lab.locator(".jp-LauncherCard", has_text=title)
    card.wait_for(timeout=180_000)
    start = time.perf_counter()
    with context.expect_page(timeout=180_000) as new:
        card.click()
    page = new.value
    page.wait_for_selector(selector, state="attached", timeout=180_000)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def run():
    if os.geteuid() != 0:
        print("bench_hub: measured nothing: it needs root to create the hub's user (useradd); run make bench as root")
        return []
    if TINY:
        print("bench_hub: measured nothing under NDW_BENCH_SIZE=tiny (building the users' environment takes minutes)")
        return []
    from harness import start_hub, user_environment
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ndw-bench-hub-") as tmp:
        # NDW_HUB_TEST_VENV: a users' environment made before by harness.user_environment (saves minutes)
        venv = Path(os.environ.get("NDW_HUB_TEST_VENV") or user_environment(Path(tmp)))
        with start_hub(venv, users=(USER,), log_name="bench-hub.log") as hub, sync_playwright() as pw:
            home = hub.home(USER)
            _as_user(home, "one_button.ipynb", ONE_BUTTON)
            _as_user(home, ".jupyter/jupyter_server_config.py", SERVER_CONFIG % str(home / "one_button.ipynb"))
            browser = pw.chromium.launch(executable_path=os.environ.get("NDW_CHROMIUM", "/usr/bin/chromium"),
                                         headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            lab = context.new_page()
            lab.goto(hub.url + "/hub/login", timeout=180_000)
            lab.locator("#username_input").fill(USER)
            lab.locator("#password_input").fill(hub.passwords[USER])
            lab.locator("#login_submit").click()
            lab.locator(".jp-LauncherCard").first.wait_for(timeout=300_000)
            cold_base = _click(context, lab, "One button", ".widget-button")
            cold_ours = _click(context, lab, "Neurodata portal", ".ndw-ready")
            ours, baseline = [], []
            for _ in range(REPEAT):
                baseline.append(_click(context, lab, "One button", ".widget-button"))
                ours.append(_click(context, lab, "Neurodata portal", ".ndw-ready"))
            browser.close()
    note = "hub user's click on the launcher tile; baseline: one-button notebook, same launcher, proxy and Voila command"
    return [
        {"name": "hub: launcher click to portal's first widget (Voila running)", "unit": "s",
         "ours": statistics.median(ours), "baseline": statistics.median(baseline), "target": "<= 1.5",
         "note": f"median of {REPEAT} clicks each, interleaved; {note}"},
        {"name": "hub: first launcher click to portal's first widget (starts Voila)", "unit": "s",
         "ours": cold_ours, "baseline": cold_base, "target": "<= 1.5", "note": f"one click each; {note}"},
    ]
