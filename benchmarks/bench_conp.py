"""CONP datasets on Globus: ``git-annex-remote-globus`` against git-annex's own web remote, and an outage.

The same files on the same sandbox collection, fetched by ``git annex get`` in two clones of one CONP-shaped
dataset: through the ``globus`` remote (ours), and through git-annex's built-in web remote from the
collection's HTTPS addresses (the baseline: no special remote process at all). Medians of a few rounds.
Then the sandbox's Globus stops in the middle of the work and ``datalad get`` of the 200-file folder is timed
until it has failed every file; its baseline is the same ``datalad get`` while Globus is up.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sizes import pick  # noqa: E402

N_SMALL = pick(200, 20)
BIG = pick(50_000_000, 2_000_000)
ROUNDS = pick(3, 1)
WEB = "00000000-0000-0000-0000-000000000001"  # git-annex's web remote


def _git(cwd, *args, env=None, check=True):
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr[-2000:]}")
    return proc


def _timed(cwd, *args, env=None, check=True) -> float:
    start = time.perf_counter()
    _git(cwd, *args, env=env, check=check)
    return time.perf_counter() - start


def _median_get(clone, what, remote, env) -> float:
    times = []
    for _ in range(ROUNDS):
        _git(clone, "annex", "drop", "--force", "--quiet", what, env=env)
        times.append(_timed(clone, "-c", "annex.security.allowed-ip-addresses=all", "annex", "get", "--quiet",
                            "--from", remote, what, env=env))
    return statistics.median(times)


def run():
    from neurodata_widgets.globus.client import GlobusClient
    from neurodata_widgets.sandbox.conp_data import build_conp_dataset
    from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    from neurodata_widgets.sandbox.globus_server import GlobusServer

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server = GlobusServer(root=tmp / "globus", rate=10**10).start()
        saved = dict(os.environ)
        try:
            os.environ.update({"GLOBUS_SDK_SERVICE_URL_AUTH": server.url + "/",
                               "GLOBUS_SDK_SERVICE_URL_TRANSFER": server.url + "/",
                               "NDW_GLOBUS_CLIENT_ID": server.client_id, "XDG_CONFIG_HOME": str(tmp / "config")})
            os.environ.pop("NDW_SANDBOX", None)
            identity = {"GIT_AUTHOR_NAME": "Bench", "GIT_COMMITTER_NAME": "Bench",
                        "GIT_AUTHOR_EMAIL": "bench@neurodata-widgets.invalid",
                        "GIT_COMMITTER_EMAIL": "bench@neurodata-widgets.invalid"}
            os.environ.update(identity)  # the maintainer's commits in the fixture only, not the gets measured
            files = {f"small/file-{i:03d}.dat": os.urandom(2048) for i in range(N_SMALL)}
            files["big/big.bin"] = os.urandom(BIG)
            info = build_conp_dataset(server, server.info()["public_collection"], tmp / "conp", files=files)
            for name in identity:
                if name in saved:
                    os.environ[name] = saved[name]
                else:
                    os.environ.pop(name)
            client = GlobusClient()
            client.finish_login(code_shown(press_consent(client.start_login("code"))))
            env = dict(os.environ)

            ours = tmp / "ours"
            _git(tmp, "clone", "--quiet", info["url"], str(ours), env=env)
            subprocess.run(["git-annex-remote-globus", "setup", "--yes"], cwd=ours, env=env, check=True,
                           capture_output=True)
            web = tmp / "web"
            _git(tmp, "clone", "--quiet", info["url"], str(web), env=env)
            _git(web, "annex", "init", "--quiet", env=env)
            base = server.https_server(info["collection"]) + info["fileprefix"]
            from urllib.parse import quote

            lines = [f"{os.readlink(ours / rel).rsplit('/', 1)[-1]} {base}{quote('/' + rel)}\n" for rel in files]
            subprocess.run(["git", "annex", "registerurl", "--batch"], cwd=web, input="".join(lines), text=True,
                           env=env, check=True, capture_output=True)

            rows = []
            for what, label in (("small", f"{N_SMALL} small files"), ("big", f"a {BIG // 1_000_000} MB file")):
                mine = _median_get(ours, what, "globus", env)
                theirs = _median_get(web, what, "web", env)
                rows.append({"name": f"CONP get, {label}: globus remote vs git-annex web remote", "unit": "s",
                             "ours": mine, "baseline": theirs, "target": "<= 1.2",
                             "note": "same files, same sandbox server; median of git annex get rounds"})

            _git(ours, "annex", "drop", "--force", "--quiet", "small", env=env)
            up = _timed(ours, "-c", "annex.security.allowed-ip-addresses=all", "annex", "get", "--quiet", "small",
                        env=env)
            _git(ours, "annex", "drop", "--force", "--quiet", "small", env=env)
            start = time.perf_counter()
            subprocess.run(["datalad", "get", "small"], cwd=ours, env=env, check=True, capture_output=True)
            up_datalad = time.perf_counter() - start
            _git(ours, "annex", "drop", "--force", "--quiet", "small", env=env)
            server.stop()  # Globus goes away between two gets of the same session
            start = time.perf_counter()
            failed = subprocess.run(["datalad", "get", "small"], cwd=ours, env=env, capture_output=True, text=True)
            down = time.perf_counter() - start
            present = [p for p in (ours / "small").iterdir() if p.exists()]
            assert failed.returncode != 0 and not present, failed.stdout[-2000:]
            rows.append({"name": f"CONP outage: datalad get of {N_SMALL} files, all failing (vs Globus up)",
                         "unit": "s", "ours": down, "baseline": up_datalad, "target": "<= 1.0",
                         "note": f"goal: under 10 s in all ({'met' if down < 10 else 'NOT met'}: {down:.1f} s); "
                                 f"git annex get with Globus up: {up:.2f} s"})
            return rows
        finally:
            server.stop()
            os.environ.clear()
            os.environ.update(saved)


if __name__ == "__main__":
    for row in run():
        print(row)
