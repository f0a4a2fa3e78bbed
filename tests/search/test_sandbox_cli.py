"""``neurodata-widgets sandbox --json`` lists the registry with the base URL of its API."""
import json
import os
import signal
import subprocess
import sys

import requests


def test_sandbox_json_lists_the_registry(tmp_path):
    env = dict(os.environ, NDW_SANDBOX_FILE=str(tmp_path / "sandbox.json"))
    proc = subprocess.Popen([sys.executable, "-m", "neurodata_widgets.cli", "sandbox", "--json", "--no-demo",
                             "registry"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        info = json.loads(proc.stdout.readline())
        url = info["registry"]["url"]
        assert url.startswith("http://127.0.0.1:")
        page = requests.get(url + "/api/v2/dataset-urls", params={"search": "haxby"}, timeout=10).json()
        assert page["total"] >= 1 and "collection_stats" in page
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
