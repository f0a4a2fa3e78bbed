"""Import time of ``neurodata_widgets`` against ``ipywidgets``, each in fresh interpreters."""
import statistics
import subprocess
import sys
import time

from sizes import pick

REPEAT = pick(7, 1)


def _import_seconds(module: str) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run():
    ours = _import_seconds("neurodata_widgets")
    baseline = _import_seconds("ipywidgets")
    return [{"name": "import neurodata_widgets vs import ipywidgets", "unit": "s", "ours": ours,
             "baseline": baseline, "target": "<= 1.5", "note": f"median of {REPEAT} fresh interpreters"}]
