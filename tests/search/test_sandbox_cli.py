"""``neurodata-widgets sandbox --json`` lists the registry with the base URL of its API."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests


RECORDS = Path(__file__).parent / "fixtures" / "registry" / "records.json"


def test_sandbox_json_lists_the_registry(tmp_path):
    env = dict(os.environ, NDW_SANDBOX_FILE=str(tmp_path / "sandbox.json"))
    proc = subprocess.Popen([sys.executable, "-m", "neurodata_widgets.cli", "sandbox", "--json", "--no-demo",
                             "--registry-records", str(RECORDS), "registry"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        info = json.loads(proc.stdout.readline())
        url = info["registry"]["url"]
        assert url.startswith("http://127.0.0.1:")
        page = requests.get(url + "/api/v2/dataset-urls", params={"per_page": 100}, timeout=10).json()
        served = json.loads(RECORDS.read_text())  # exactly the rows of the file, nothing else
        assert sorted(r["id"] for r in page["dataset_urls"]) == sorted(r["id"] for r in served)
        assert page["collection_stats"]["summary"]["ds_count"] == len(served) == 16
        hits = requests.get(url + "/api/v2/dataset-urls", params={"search": "hippocampus"}, timeout=10).json()
        assert {r["id"] for r in hits["dataset_urls"]} == {12, 14}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
