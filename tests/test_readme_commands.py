"""Every README command works from a plain shell: ``env -i HOME=… PATH=<system dirs>``, nothing activated.

``make demo`` serves the portal (and behaves like a service: one at a time, a log file, nothing left
behind); a get/drop through the explorer's code path works in the environment of a kernel the demo
started; ``make docs`` builds the handbook (the build tests/handbook checks too); ``make bench``
runs on the tiny size setting.
"""
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PY = REPO / ".venv/bin/python"

EXPLORER_GET_DROP = r"""
import json, tempfile
from neurodata_widgets.datasets import ops
from neurodata_widgets.datasets.widgets import DatasetExplorer
from neurodata_widgets.portal.widgets import default_dataset

FIGURE = "figures/mean_intensity.png"
clone = ops.clone(default_dataset(), tempfile.mkdtemp(prefix="ndw-readme-") + "/study")
ex = DatasetExplorer(clone)
ex.open_folder("figures")
before = ex.totals["present_bytes"]
ex.selected = [FIGURE]
ex.get()
assert ex.wait(300)
got = (ex.status, ex.banner.message, ex.totals["present_bytes"] - before)
ex.selected = [FIGURE]
ex.whereis_button.click()  # git-annex is asked off the main thread
ex.wait_background()
where = ex.detail.value
ex.selected = [FIGURE]
ex.drop_button.click()
assert ex.wait(300)
print(json.dumps({"get": got, "where": where, "drop": (ex.status, ex.banner.message,
                                                      ex.totals["present_bytes"] - before)}))
"""


def _kernel_environments(published: Path):
    """Environments of the demo's Jupyter kernels (found by the sandbox file they were given)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if not any(b"ipykernel" in part for part in cmdline):
                continue
            env = dict(item.split("=", 1) for item in (proc / "environ").read_bytes().decode().split("\0")
                       if "=" in item)
        except (OSError, ValueError):
            continue
        if env.get("NDW_SANDBOX") == str(published):
            found.append((cmdline[0].decode(), env))
    return found


def _read_until(proc, pattern, timeout=300):
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if re.search(pattern, line):
            return "".join(lines)
    raise AssertionError("".join(lines) + (proc.stderr.read() if proc.poll() is not None else ""))


@pytest.mark.slow
def test_make_demo_from_a_plain_shell(plain_env, plain_home):
    from neurodata_widgets.portal.serve import free_port

    port = free_port()
    cache = plain_home / ".cache/neurodata-widgets"
    published, log = cache / "sandbox.json", cache / "demo.log"
    proc = subprocess.Popen(["make", "demo", f"DEMO_ARGS=--port {port}"], cwd=REPO, env=plain_env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out = _read_until(proc, r"Press Ctrl-C")
        url = f"http://127.0.0.1:{port}/"
        assert f"ready: {url}" in out and f"Log: {log}" in out and "demo credentials filled in" in out
        with urllib.request.urlopen(url, timeout=120) as page:
            assert page.status == 200
        assert oct(published.stat().st_mode & 0o777) == "0o600"
        assert json.loads(published.read_text())["demo_url"] == url

        # a second demo refuses and names the running one
        second = subprocess.run([str(REPO / ".venv/bin/neurodata-widgets"), "demo", "--port", str(free_port())],
                                cwd=REPO, env=plain_env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and "already running" in second.stderr and url in second.stderr

        # the explorer's get/drop in the environment of a kernel the demo started (preheated)
        deadline = time.monotonic() + 120
        while not (kernels := _kernel_environments(published)) and time.monotonic() < deadline:
            time.sleep(1)
        assert kernels, "no kernel of the demo found"
        python, kernel_env = kernels[0]
        assert kernel_env["PATH"].endswith(plain_env["PATH"]) and kernel_env["NDW_LOG_FILE"] == str(log)
        # the kernel's own PATH, less what the demo's parent added: as a kernel of `.venv/bin/jupyter lab`
        # started from a plain shell has it, so the toolkit must find git-annex and datalad by itself
        kernel_env["PATH"] = plain_env["PATH"]
        run = subprocess.run([python, "-c", EXPLORER_GET_DROP], env=kernel_env, capture_output=True, text=True,
                             timeout=600, cwd=plain_home)
        assert run.returncode == 0, run.stderr[-3000:]
        seen = json.loads(run.stdout.strip().splitlines()[-1])
        assert seen["get"] == ["done", seen["get"][1], 407], seen
        assert "store-storage" in seen["where"] and "here" in seen["where"], seen["where"]
        assert seen["drop"][0] == "done" and seen["drop"][2] == 0, seen
        assert log.exists() and log.stat().st_size > 0
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    assert not published.exists(), "stopping the demo leaves its published file (with the demo password) behind"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)


@pytest.mark.slow
def test_make_docs_from_a_plain_shell(built_handbook):
    out, proc = built_handbook
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    assert (out / "codealong/explorer.html").exists() and (out / "howto/python-api.html").exists()


@pytest.mark.slow
def test_make_bench_tiny_from_a_plain_shell(plain_env):
    proc = subprocess.run(["make", "bench"], cwd=REPO, env={**plain_env, "NDW_BENCH_SIZE": "tiny"},
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    assert "crashed" not in proc.stderr and "tiny" in proc.stdout
    for figure in ("via explorer widget vs `datalad get` command", "vs datalad rerun --report", "xnat manifest",
                   "dashboard portal", "task monitoring", "import neurodata_widgets"):
        assert figure in proc.stdout, figure
