"""Command line: ``neurodata-widgets demo | sandbox | demo-data | catalog``.

``demo`` builds the demo datasets, starts the sandbox and serves the portal
dashboard with Voila on http://127.0.0.1:8866; Ctrl-C stops everything it started.
``sandbox`` serves the sandbox services until interrupted; ``--json`` prints
one JSON object on its first line (service name -> url, credentials, ...).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PORT = 8866


def _wait_forever(stop_check=None) -> None:
    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    try:
        while not stopping:
            if stop_check and stop_check():
                return
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


def cmd_sandbox(args) -> int:
    from .sandbox.runner import Sandbox

    sandbox = Sandbox(services=args.services or None, demo=not args.no_demo, demo_dir=args.demo_dir)
    sandbox.start()
    try:
        sandbox.publish()
        info = sandbox.info()
        if args.json:
            print(json.dumps(info), flush=True)
        else:
            print("neurodata-widgets sandbox is running (Ctrl-C to stop):")
            for name, entry in info.items():
                details = ", ".join(f"{k}={v}" for k, v in entry.items() if not isinstance(v, (list, dict)))
                print(f"  {name}: {details}")
            sys.stdout.flush()
        _wait_forever()
    finally:
        sandbox.stop()
    return 0


from .portal.voila_template import TEMPLATE  # noqa: E402  (cheap: no heavy imports)


def voila_command(notebook: Path, port: int, root: Path | None = None) -> list[str]:
    """The Voila command line the demo and the tests use (loopback only, preheated kernel)."""
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1", "--Voila.tornado_settings={'allow_origin': 'http://127.0.0.1:%d'}" % port,
           "--show_tracebacks=False", f"--template={TEMPLATE}"]
    if root:
        cmd.insert(3, f"--Voila.root_dir={root}")
    return cmd


def cmd_demo(args) -> int:
    from .portal.voila_template import voila_environ
    from .sandbox.runner import Sandbox

    notebooks = Path(args.notebooks).resolve()
    portal = notebooks / "portal.ipynb"
    if not portal.exists():
        print(f"error: {portal} not found; run this from the repository or pass --notebooks", file=sys.stderr)
        return 2
    print("Building the demo datasets (first run only) and starting the sandbox…", flush=True)
    sandbox = Sandbox(demo_dir=args.demo_dir).start()
    sandbox.publish()
    env = voila_environ({**os.environ, **sandbox.environ()})
    proc = subprocess.Popen(voila_command(portal, args.port), env=env, start_new_session=True)
    url = f"http://127.0.0.1:{args.port}/"
    try:
        _wait_for_http(url, proc, timeout=120)
        print(f"\nThe portal dashboard is ready: {url}\nPress Ctrl-C to stop.\n", flush=True)
        _wait_forever(stop_check=lambda: proc.poll() is not None)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        sandbox.stop()
        print("Stopped the dashboard and the sandbox.")
    return 0 if proc.returncode in (0, -signal.SIGTERM, None) else proc.returncode


def _wait_for_http(url: str, proc, timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def cmd_demo_data(args) -> int:
    from .sandbox.demo_data import build_demo_datasets

    print(json.dumps(build_demo_datasets(args.demo_dir, force=args.force), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurodata-widgets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve the portal dashboard on the sandbox and demo data")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--notebooks", default="notebooks", help="folder holding portal.ipynb")
    p.add_argument("--demo-dir", default=None)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sandbox", help="serve the sandbox services until interrupted")
    p.add_argument("--json", action="store_true", help="print service URLs and credentials as JSON on the first line")
    p.add_argument("--no-demo", action="store_true", help="do not build the demo datasets")
    p.add_argument("--demo-dir", default=None)
    p.add_argument("services", nargs="*", help="services to start (default: all)")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("demo-data", help="build the demo datasets and print where they are")
    p.add_argument("--demo-dir", default=None)
    p.add_argument("--force", action="store_true", help="rebuild even if present")
    p.set_defaults(func=cmd_demo_data)

    from .search.cli import add_catalog_parser  # cheap: argparse only

    add_catalog_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
