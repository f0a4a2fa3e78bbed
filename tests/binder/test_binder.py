"""Binder as far as this machine allows: repo2docker checks binder/ and writes its build script (there is no
container engine to build it here); the same steps then run in a fresh environment, and the portal opens in
JupyterLab's launcher in Chromium."""
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
pytestmark = pytest.mark.slow


def _run(cmd, env, **kw):
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_repo2docker_reads_binder_folder_and_writes_its_build_script():
    """``repo2docker --no-build --debug`` picks the binder/ folder and prints the Dockerfile it would build."""
    repo2docker = Path(sys.executable).with_name("repo2docker")
    proc = _run([str(repo2docker), "--no-build", "--debug", "--user-name", "jovyan", "--user-id", "1000", "."],
                dict(os.environ), timeout=300)
    dockerfile = proc.stdout + proc.stderr
    (ARTIFACTS).mkdir(exist_ok=True)
    (ARTIFACTS / "binder-Dockerfile").write_text(dockerfile)
    apt = [line.strip() for line in (REPO / "binder/apt.txt").read_text().splitlines() if line.strip()]
    steps = [r"apt-get install --yes --no-install-recommends\s+" + r"\s+".join(map(re.escape, sorted(apt))),  # sorted, as repo2docker writes them
             r'pip install --no-cache-dir -r "binder/requirements.txt"',
             r"RUN \./binder/postBuild",
             r'R2D_ENTRYPOINT="\$\{REPO_DIR\}/binder/start"']
    at = -1
    for step in steps:  # every step, in this order
        found = re.search(step, dockerfile[at + 1:])
        assert found, f"repo2docker's build script has no step {step!r} after the previous one (test-artifacts/binder-Dockerfile)"
        at += 1 + found.start()


def _start(cmd, env, log: Path):
    """``binder/start CMD`` as the container's entrypoint runs it (the sandbox in the background); output to ``log``."""
    with open(log, "w") as fh:
        return subprocess.Popen(["bash", "binder/start", *cmd], env=env, cwd=REPO, stdout=fh,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(proc, home):
    os.killpg(proc.pid, signal.SIGTERM)  # the sandbox started in the background by `start` too
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    sandbox_file = home / ".cache/neurodata-widgets/sandbox.json"
    for _ in range(100):  # the stopped sandbox removes what it published (it held the demo password)
        if not sandbox_file.exists():
            break
        time.sleep(0.1)
    assert not sandbox_file.exists()


def test_binder_steps_run_the_portal_notebook(binder_env, tmp_path):
    env, home = binder_env
    out = tmp_path / "portal-executed.ipynb"
    log = tmp_path / "start.log"
    proc = _start(["jupyter", "nbconvert", "--to", "notebook", "--execute", "notebooks/portal.ipynb",
                   "--output", str(out)], env, log)
    try:
        proc.wait(timeout=600)
    finally:
        _stop(proc, home)
    assert proc.returncode == 0, log.read_text()[-3000:]
    text = out.read_text()
    assert "ndw-demo" in text
    assert "demo sandbox" in text  # start chose the sandbox explicitly (NDW_SANDBOX): the widgets say so


@pytest.mark.browser
def test_binder_jupyterlab_opens_the_portal_from_its_launcher(binder_env, browser, tmp_path):
    """What mybinder.org serves: JupyterLab (started through binder/start); its launcher opens the portal."""
    from neurodata_widgets.portal.serve import free_port

    env, home = binder_env
    port, token = free_port(), secrets.token_hex(16)
    # Binder's container runs as jovyan; this machine's tests may run as root, which JupyterLab refuses unless told
    root = ["--allow-root"] if os.geteuid() == 0 else []
    proc = _start(["jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                   f"--IdentityProvider.token={token}", *root], env, tmp_path / "lab.log")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        end = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < end, \
                    f"JupyterLab did not start (binder/start): {(tmp_path / 'lab.log').read_text()[-3000:]}"
                time.sleep(0.5)
        lab = context.new_page()
        lab.goto(f"http://127.0.0.1:{port}/lab?token={token}", timeout=180_000)
        card = lab.locator(".jp-LauncherCard", has_text="Neurodata portal")
        expect(card).to_be_visible(timeout=180_000)
        with context.expect_page(timeout=180_000) as new:
            card.click()
        portal = new.value
        try:
            portal.wait_for_selector(".ndw-ready", state="attached", timeout=300_000)
        except Exception as exc:
            portal.screenshot(path=str(ARTIFACTS / "binder-portal-failure.png"), full_page=True)
            log = (tmp_path / "lab.log").read_text().replace(token, "<token>")
            raise AssertionError(f"the portal opened from the launcher never became ready ({portal.url}); "
                                 f"JupyterLab's log ends with:\n{log[-4000:]}") from exc
        expect(portal.locator(".ndw-portal")).to_be_visible()
        expect(portal.get_by_text("demo sandbox").first).to_be_visible(timeout=60_000)
        portal.screenshot(path=str(ARTIFACTS / "binder-portal.png"))
    finally:
        context.close()
        _stop(proc, home)
