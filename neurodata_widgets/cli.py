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
import sys
import threading
from pathlib import Path

DEFAULT_PORT = 8866


_STOP = threading.Event()


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM ask the running command to stop; it then cleans up what it started."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: _STOP.set())


def _wait_forever(stop_check=None) -> None:
    while not _STOP.wait(0.5):
        if stop_check and stop_check():
            return


def cmd_sandbox(args) -> int:
    from .sandbox.runner import Sandbox

    options = {}
    if args.registry_records:  # serve exactly these rows (records.json's format) as the registry
        options["registry"] = {"records": str(Path(args.registry_records).resolve())}
    sandbox = Sandbox(services=args.services or None, demo=not args.no_demo, demo_dir=args.demo_dir, options=options)
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


def cmd_demo(args) -> int:
    from .portal.serve import VoilaServer
    from .sandbox.runner import Sandbox

    notebooks = Path(args.notebooks).resolve()
    portal = notebooks / "portal.ipynb"
    if not portal.exists():
        print(f"error: {portal} not found; run this from the repository or pass --notebooks", file=sys.stderr)
        return 2
    print("Building the demo datasets (first run only) and starting the sandbox…", flush=True)
    sandbox = Sandbox(demo_dir=args.demo_dir).start()
    sandbox.publish()
    server = VoilaServer(portal, port=args.port, env={**os.environ, **sandbox.environ()}, preheat=args.preheat)
    try:
        server.start()
        print(f"\nThe portal dashboard is ready: {server.url}/\nPress Ctrl-C to stop.\n", flush=True)
        _wait_forever(stop_check=lambda: server.proc.poll() is not None)
    finally:
        server.stop()
        sandbox.stop()
        print("Stopped the dashboard and the sandbox.")
    return 0


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
    p.add_argument("--preheat", type=int, default=1, help="kernels kept started and executed ahead (0: none)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sandbox", help="serve the sandbox services until interrupted")
    p.add_argument("--json", action="store_true", help="print service URLs and credentials as JSON on the first line")
    p.add_argument("--no-demo", action="store_true", help="do not build the demo datasets")
    p.add_argument("--registry-records", metavar="FILE", default=None,
                   help="the registry serves exactly the rows in FILE (a JSON list of repo_url rows with metadata)")
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
    if args.command in ("demo", "sandbox"):
        _stop_on_signals()
    try:
        return args.func(args)
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
