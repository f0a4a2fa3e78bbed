"""Play repo2docker's steps in a fresh virtual environment and run the portal notebook there."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(cmd, env, **kw):
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_binder_steps_in_fresh_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NDW_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update({
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        # reuse the machine's wheel cache (the test isolates XDG dirs, pip would otherwise download everything)
        "PIP_CACHE_DIR": os.environ.get("NDW_REAL_PIP_CACHE", str(Path("~/.cache/pip").expanduser())),
    })
    _run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], env, timeout=1200)
    _run(["bash", "binder/postBuild"], env, timeout=1200)
    out = tmp_path / "portal-executed.ipynb"
    proc = subprocess.Popen(["bash", "binder/start", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                             "notebooks/portal.ipynb", "--output", str(out)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the sandbox started in the background by `start`
    assert proc.returncode == 0, stderr[-3000:]
    text = out.read_text()
    assert "ndw-demo" in text
    assert "demo sandbox" in text  # start chose the sandbox explicitly (NDW_SANDBOX): the widgets say so
    sandbox_file = home / ".cache/neurodata-widgets/sandbox.json"
    for _ in range(100):  # the stopped sandbox removes what it published (it held the demo password)
        if not sandbox_file.exists():
            break
        time.sleep(0.1)
    assert not sandbox_file.exists()
