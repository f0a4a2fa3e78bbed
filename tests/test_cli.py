"""The command line: `sandbox --json` and `demo` start, print what they serve, and stop cleanly."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _start(args, tmp_path):
    # its own sandbox file: the session's sandbox keeps the one the other tests read
    env = {**os.environ, "NDW_SANDBOX_FILE": str(tmp_path / "sandbox.json")}
    return subprocess.Popen([sys.executable, "-m", "neurodata_widgets.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True, env=env)


def _stop(proc, sig=signal.SIGINT, timeout=30):
    os.killpg(proc.pid, sig)
    return proc.wait(timeout)


def test_sandbox_json_first_line(demo, tmp_path):
    proc = _start(["sandbox", "--json"], tmp_path)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["demo"]["superdataset"] == demo["superdataset"]
        for name, entry in info.items():
            if name != "demo":
                with urllib.request.urlopen(entry["url"] + "/_sandbox/stats", timeout=5) as r:
                    assert r.status == 200
    finally:
        assert _stop(proc) == 0


def test_sandbox_latency_slows_every_answer_and_can_be_changed_while_it_runs(tmp_path):
    proc = _start(["sandbox", "--json", "--no-demo", "--latency", "0.5", "registry"], tmp_path)
    try:
        url = json.loads(proc.stdout.readline())["registry"]["url"]
        with urllib.request.urlopen(url + "/_sandbox/faults", timeout=5) as r:
            assert json.load(r)["latency"] == 0.5
        clear = urllib.request.Request(url + "/_sandbox/faults", method="DELETE")
        with urllib.request.urlopen(clear, timeout=5) as r:
            assert json.load(r)["latency"] == 0.0
    finally:
        assert _stop(proc) == 0


@pytest.mark.slow
def test_demo_serves_portal_and_ctrl_c_stops_everything(demo, tmp_path):
    from neurodata_widgets.sandbox.runner import free_port

    port = free_port()
    proc = _start(["demo", "--port", str(port)], tmp_path)
    lines = []
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "ready:" in line or proc.poll() is not None:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines), proc.stderr.read() if proc.poll() is not None else lines
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as r:
            assert r.status == 200
    finally:
        _stop(proc)
    time.sleep(0.5)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)


def test_unknown_sandbox_service_exits_non_zero():
    proc = subprocess.run([sys.executable, "-m", "neurodata_widgets.cli", "sandbox", "--no-demo", "bogus"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "unknown sandbox service" in proc.stderr
