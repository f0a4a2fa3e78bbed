"""Command line: ``neurodata-widgets demo | sandbox | demo-data | catalog``.

``demo`` builds the demo datasets, starts the sandbox and serves the portal
dashboard with Voila on http://127.0.0.1:8866 (another free port, said so, if that one is
taken); a second demo refuses and names the running one. Voila, its kernels and the toolkit
log to one file (``--log``), which error messages name. Ctrl-C stops everything it started
and removes the file it published. ``sandbox`` serves the sandbox services until interrupted;
``--json`` prints one JSON object on its first line (service name -> url, credentials, ...).
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


def _slow_down(sandbox, latency: float | None, say: bool = True) -> None:
    """``--latency``: every service answers that many seconds late (to see what a slow server looks like)."""
    if latency:
        for service in sandbox.services.values():
            service.faults.set(latency=latency)
    if latency and say:
        print(f"Every sandbox service answers {latency:g} s late (--latency); change it while it runs with "
              "POST /_sandbox/faults on a service's URL.", flush=True)


def cmd_sandbox(args) -> int:
    from .config import read_published, sandbox_file
    from .sandbox.runner import Sandbox, SandboxBusy

    options = {}
    if args.registry_records:  # serve exactly these rows (records.json's format) as the registry
        options["registry"] = {"records": str(Path(args.registry_records).resolve())}
    sandbox = Sandbox(services=args.services or None, demo=not args.no_demo, demo_dir=args.demo_dir, options=options)
    target = sandbox_file(args.file)
    if read_published(target) is not None:  # refuse before starting or building anything
        raise SandboxBusy(target, read_published(target))
    sandbox.start()
    try:
        path = sandbox.publish(target)
        accounts = [name for name in (args.accounts or "").split(",") if name.strip()]
        if accounts:  # a hub's shared sandbox: every user's own XNAT account, in a file of their own
            folder = Path(args.accounts_dir or target.parent)
            sandbox.publish_accounts([a.strip() for a in accounts], folder)
            if not args.json:
                print(f"Accounts {', '.join(accounts)}: each user's NDW_SANDBOX={folder}/<user>.json", flush=True)
        _slow_down(sandbox, args.latency, say=not args.json)  # with --json the first line is the JSON
        info = sandbox.info()
        if args.json:
            print(json.dumps(info), flush=True)
        else:
            print("neurodata-widgets sandbox is running (Ctrl-C to stop):")
            for name, entry in info.items():
                details = ", ".join(f"{k}={v}" for k, v in entry.items()
                                    if not isinstance(v, (list, dict)) and k != "password")
                print(f"  {name}: {details}")
            print(f"Its addresses and demo credentials: {path} (removed when it stops).\n"
                  f"Use it from a notebook, JupyterLab or Voila started with: NDW_SANDBOX={path}")
            sys.stdout.flush()
        _wait_forever()
    finally:
        sandbox.stop()
    return 0


def demo_log_file(value=None) -> Path:
    """Where ``neurodata-widgets demo`` writes Voila's, the kernels' and the toolkit's log."""
    from .config import cache_dir, log_file

    return Path(value or log_file() or cache_dir() / "demo.log").expanduser()


def cmd_demo(args) -> int:
    from .config import read_published, sandbox_file
    from .portal.serve import VoilaServer, free_port, port_is_free
    from .sandbox.runner import Sandbox

    notebooks = Path(args.notebooks).resolve()
    portal = notebooks / "portal.ipynb"
    if not portal.exists():
        print(f"error: {portal} not found; run this from the repository or pass --notebooks", file=sys.stderr)
        return 2
    published = sandbox_file()
    running = read_published(published)
    if running is not None:
        where = running.get("demo_url") or "a sandbox without a dashboard"
        print(f"error: a demo is already running (pid {running.get('pid')}): {where}\n"
              f"Open that one, or stop it first (Ctrl-C in its terminal, or kill {running.get('pid')}).",
              file=sys.stderr)
        return 1
    port = args.port
    if not port_is_free(port):
        port = free_port()
        print(f"Port {args.port} is taken by another program; serving on port {port} instead.", flush=True)
    log_path = demo_log_file(args.log)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print("Building the demo datasets (first run only) and starting the sandbox…", flush=True)
    sandbox = Sandbox(demo_dir=args.demo_dir).start()
    _slow_down(sandbox, args.latency)
    with open(log_path, "a", encoding="utf-8") as log:
        server = VoilaServer(portal, port=port, preheat=args.preheat, log=log,
                             env={**os.environ, "NDW_LOG_FILE": str(log_path)})
        try:
            sandbox.publish(published, extra={"demo_url": server.url + "/", "log": str(log_path)})
            server.env.update(sandbox.environ())  # NDW_SANDBOX: the kernels choose this sandbox explicitly
            server.start()
            print(f"\nThe portal dashboard is ready: {server.url}/\n"
                  f"The XNAT login has the sandbox's demo credentials filled in for you.\n"
                  f"Log: {log_path}\nPress Ctrl-C to stop.\n", flush=True)
            _wait_forever(stop_check=lambda: server.proc.poll() is not None)
        finally:
            server.stop()
            sandbox.stop()  # also removes the published file (it holds the demo password)
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
    p.add_argument("--log", default=None, help="log file (default $NDW_LOG_FILE or ~/.cache/neurodata-widgets/demo.log)")
    p.add_argument("--latency", type=float, default=None, metavar="SECONDS",
                   help="every sandbox service answers this late: try the dashboards on a slow server")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sandbox", help="serve the sandbox services until interrupted")
    p.add_argument("--json", action="store_true", help="print service URLs and credentials as JSON on the first line")
    p.add_argument("--no-demo", action="store_true", help="do not build the demo datasets")
    p.add_argument("--registry-records", metavar="FILE", default=None,
                   help="the registry serves exactly the rows in FILE (a JSON list of repo_url rows with metadata)")
    p.add_argument("--demo-dir", default=None)
    p.add_argument("--latency", type=float, default=None, metavar="SECONDS",
                   help="every service answers this late (a slow server); POST /_sandbox/faults changes it")
    p.add_argument("--file", default=None, help="file to publish to (default $NDW_SANDBOX_FILE or "
                   "~/.cache/neurodata-widgets/sandbox.json)")
    p.add_argument("--accounts", default=None, metavar="USER,USER",
                   help="an XNAT account of its own for each user (a hub's shared sandbox), published to "
                   "ACCOUNTS_DIR/<user>.json, readable by that user alone")
    p.add_argument("--accounts-dir", default=None, help="folder of the per-user files (default: --file's folder)")
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
