"""Command line: ``neurodata-widgets demo | serve | dashboards | sandbox | demo-data | catalog | identity``.

``demo`` builds the demo datasets, starts the sandbox and serves the packaged portal
dashboard with Voila on http://127.0.0.1:8866 (another free port, said so, if that one is
taken); a second demo refuses and names the running one. Voila, its kernels and the toolkit
log to one file (``--log``), which error messages name. ``serve`` serves the portal and the
other dashboards for real servers (no sandbox) on an address, a port or a unix socket;
``dashboards copy DIR`` copies them to change them. ``sandbox`` serves the sandbox services
until interrupted; ``--json`` prints one JSON object on its first line (service name -> url,
credentials, ...). Ctrl-C, SIGTERM or SIGHUP (any number of them) stop a running command within
seconds: it stops every process it started and removes the file it published.
``identity`` shows who the toolkit's commits are made by, and ``--name``/``--email`` change it.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

DEFAULT_PORT = 8866


class _Stopped(BaseException):
    """A stop signal arrived while the command was starting (raised once, only then)."""


# What the signal handler touches: two plain values and a pipe. A handler must take no lock: it runs in the
# main thread between two bytecodes, possibly inside Event.wait() or a logging call that holds one.
_STOP = {"asked": False, "raise": False}
_WAKE: list[int] = []  # the read end of the wakeup pipe: a signal's arrival wakes the waiting loop at once

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_stop_signal(signum, frame):
    if _STOP["asked"]:  # a second signal (make passes Ctrl-C on) changes nothing: the stop is under way
        return
    _STOP["asked"] = True
    if _STOP["raise"]:
        raise _Stopped(signum)


def _stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP ask the running command to stop; it then removes what it started."""
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write)  # the interpreter writes the signal's number there, without a lock
    _WAKE[:] = [read]
    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_stop_signal)


def stop_asked() -> bool:
    """Whether a stop signal arrived."""
    return _STOP["asked"]


@contextlib.contextmanager
def _starting():
    """While starting (building the demo datasets, starting the services), a stop signal interrupts at once."""
    _STOP["raise"] = True
    try:
        if _STOP["asked"]:
            raise _Stopped(0)
        yield
    finally:
        _STOP["raise"] = False


def _wait_forever(stop_check=None) -> None:
    """Sleep until a stop signal arrives (or ``stop_check()`` is true, looked at twice a second)."""
    while not _STOP["asked"]:
        if _WAKE:
            select.select(_WAKE, [], [], 0.5)
            try:
                os.read(_WAKE[0], 512)
            except BlockingIOError:
                pass
        else:
            time.sleep(0.5)
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


def _build_demo_data(demo_dir) -> None:
    """Build the demo datasets (first run only); a stop signal interrupts the build at once."""
    from .sandbox.demo_data import build_demo_datasets

    with _starting():
        build_demo_datasets(demo_dir)


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
    try:
        if not args.no_demo:
            _build_demo_data(args.demo_dir)
        sandbox.start()
        if stop_asked():
            return 0
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
        sandbox.stop()  # also removes the published file (it holds the demo password)
    return 0


def demo_log_file(value=None, name: str = "demo.log") -> Path:
    """Where ``neurodata-widgets demo`` (or ``serve``: ``serve.log``) writes Voila's, the kernels' and the toolkit's log."""
    from .config import cache_dir, log_file

    return Path(value or log_file() or cache_dir() / name).expanduser()


def _log_path(value, name: str = "demo.log") -> Path:
    path = demo_log_file(value, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _choose_port(port: int) -> int:
    from .portal.serve import free_port, port_is_free

    if port_is_free(port):
        return port
    other = free_port()
    print(f"Port {port} is taken by another program; serving on port {other} instead.", flush=True)
    return other


def _dashboards_folder(value) -> Path:
    """``--dashboards``/``--notebooks``: a folder of dashboards the user chose, else the packaged ones."""
    from .portal.dashboards import dashboards_dir

    return Path(value).expanduser().resolve() if value else dashboards_dir()


def cmd_demo(args) -> int:
    from .config import read_published, sandbox_file
    from .portal.dashboards import PORTAL
    from .portal.serve import VoilaServer
    from .sandbox.runner import Sandbox

    portal = _dashboards_folder(args.notebooks) / PORTAL
    if not portal.exists():
        print(f"error: {portal} not found; pass --notebooks with a folder holding {PORTAL} "
              f"(`neurodata-widgets dashboards copy DIR` makes one), or leave it out to use the packaged portal",
              file=sys.stderr)
        return 2
    published = sandbox_file()
    running = read_published(published)
    if running is not None:
        where = running.get("demo_url") or "a sandbox without a dashboard"
        print(f"error: a demo is already running (pid {running.get('pid')}): {where}\n"
              f"Open that one, or stop it first (Ctrl-C in its terminal, or kill {running.get('pid')}).",
              file=sys.stderr)
        return 1
    port = _choose_port(args.port)
    log_path = _log_path(args.log)
    print("Building the demo datasets (first run only) and starting the sandbox…", flush=True)
    sandbox = Sandbox(demo_dir=args.demo_dir)
    server = None
    with open(log_path, "a", encoding="utf-8") as log:
        try:
            _build_demo_data(args.demo_dir)
            sandbox.start()
            _slow_down(sandbox, args.latency)
            server = VoilaServer(portal, port=port, preheat=args.preheat, log=log,
                                 env={**os.environ, "NDW_LOG_FILE": str(log_path)})
            if stop_asked():
                return 0
            sandbox.publish(published, extra={"demo_url": server.url + "/", "log": str(log_path)})
            server.env.update(sandbox.environ())  # NDW_SANDBOX: the kernels choose this sandbox explicitly
            server.start(stop_check=stop_asked)
            if stop_asked():
                return 0
            print(f"\nThe portal dashboard is ready: {server.url}/\n"
                  f"The XNAT login has the sandbox's demo credentials filled in for you.\n"
                  f"Log: {log_path}\nPress Ctrl-C to stop.\n", flush=True)
            _wait_forever(stop_check=lambda: server.proc.poll() is not None)
        finally:
            if server is not None:
                server.stop()
            sandbox.stop()  # also removes the published file (it holds the demo password)
            print("Stopped the dashboard and the sandbox.", flush=True)
    return 0


def cmd_serve(args) -> int:
    from .portal.dashboards import PORTAL, dashboard_names
    from .portal.serve import VoilaServer

    folder = _dashboards_folder(args.dashboards)
    if not (folder / PORTAL).exists():
        print(f"error: {folder} holds no {PORTAL}; pass --dashboards with a folder of dashboards "
              f"(`neurodata-widgets dashboards copy DIR` makes one)", file=sys.stderr)
        return 2
    log_path = _log_path(args.log, "serve.log")
    sock = str(Path(args.unix_socket).expanduser().resolve()) if args.unix_socket else None
    port = None if sock else (_choose_port(args.port) if args.ip in ("127.0.0.1", "localhost") else args.port)
    with open(log_path, "a", encoding="utf-8") as log:
        server = VoilaServer(folder, port=port, ip=args.ip, sock=sock, base_url=args.base_url,
                             preheat=args.preheat, log=log, env={**os.environ, "NDW_LOG_FILE": str(log_path)})
        try:
            if stop_asked():
                return 0
            server.start(stop_check=stop_asked)
            if stop_asked():
                return 0
            where = f"the unix socket {sock}" if sock else f"{server.url}/"
            pages = "\n".join(f"  {server.url}/voila/render/{name}.ipynb" for name in dashboard_names(folder))
            print(f"Serving the dashboards of {folder} on {where}\n{pages}\n"
                  f"The portal: {server.url}/voila/render/{PORTAL}\nLog: {log_path}\nPress Ctrl-C to stop.",
                  flush=True)
            if not sock and args.ip not in ("127.0.0.1", "localhost", "::1"):
                print(f"Anyone who can reach {args.ip}:{server.port} can open these dashboards and run their "
                      "kernels: serve on a private network, or behind a login (JupyterHub, a proxy).", flush=True)
            _wait_forever(stop_check=lambda: server.proc.poll() is not None)
        finally:
            server.stop()
            print("Stopped the dashboards.", flush=True)
    return 0


def cmd_dashboards(args) -> int:
    from .portal.dashboards import copy_dashboards, dashboard_names, dashboards_dir

    if args.action == "list":
        folder = dashboards_dir()
        print(f"The dashboards in {folder}:")
        for name in dashboard_names(folder):
            print(f"  {name}")
        return 0
    try:
        copied = copy_dashboards(args.dir, args.names or None)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = Path(args.dir).expanduser()
    print(f"Copied {len(copied)} dashboard(s) to {target}: {', '.join(p.name for p in copied)}\n"
          f"Change them, then serve them with: neurodata-widgets serve --dashboards {target}")
    return 0


def cmd_demo_data(args) -> int:
    from .sandbox.demo_data import build_demo_datasets

    print(json.dumps(build_demo_datasets(args.demo_dir, force=args.force), indent=2))
    return 0


def cmd_identity(args) -> int:
    from .errors import UserError
    from .git_identity import identity, set_identity, toolkit_identity

    if args.name is not None or args.email is not None:
        current = toolkit_identity()
        try:
            set_identity(args.name if args.name is not None else current.name,
                         args.email if args.email is not None else current.email)
        except UserError as exc:
            print(f"error: {exc.message} {exc.hint}".strip(), file=sys.stderr)
            return 2
    found = identity()
    print(f"{found.line()}.")
    if found.source == "git":
        print("That is your own git identity (git config user.name / user.email); it wins over the toolkit's.")
    else:
        print(("You chose it" if found.chosen else "It is the toolkit's default for this environment")
              + "; change it with: neurodata-widgets identity --name \"Your Name\" --email you@example.org")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurodata-widgets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve the portal dashboard on the sandbox and demo data")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--notebooks", default=None, help="folder holding portal.ipynb (default: the packaged dashboards)")
    p.add_argument("--demo-dir", default=None)
    p.add_argument("--preheat", type=int, default=1, help="kernels kept started and executed ahead (0: none)")
    p.add_argument("--log", default=None, help="log file (default $NDW_LOG_FILE or ~/.cache/neurodata-widgets/demo.log)")
    p.add_argument("--latency", type=float, default=None, metavar="SECONDS",
                   help="every sandbox service answers this late: try the dashboards on a slow server")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the portal and the other dashboards (real servers, no sandbox)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default loopback; 0.0.0.0: every one)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--unix-socket", default=None, metavar="PATH",
                   help="listen on this unix socket (mode 0600: only this account connects) instead of a port")
    p.add_argument("--base-url", default="/", help="path prefix of every page (behind a proxy, e.g. /dashboards/)")
    p.add_argument("--dashboards", default=None, metavar="DIR",
                   help="serve the dashboards in DIR (e.g. copied and changed) instead of the packaged ones")
    p.add_argument("--preheat", type=int, default=0, help="kernels per dashboard kept started and executed ahead")
    p.add_argument("--log", default=None, help="log file (default $NDW_LOG_FILE or ~/.cache/neurodata-widgets/serve.log)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("dashboards", help="list the packaged dashboards or copy them to change them")
    dsub = p.add_subparsers(dest="action", required=True)
    dsub.add_parser("list", help="name the packaged dashboards and where they are")
    c = dsub.add_parser("copy", help="copy the dashboards into DIR (never overwrites)")
    c.add_argument("dir", metavar="DIR")
    c.add_argument("names", nargs="*", metavar="NAME", help="only these dashboards (default: all)")
    p.set_defaults(func=cmd_dashboards)

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

    p = sub.add_parser("identity", help="show or set who the toolkit's commits are made by (when git has no "
                       "identity of yours)")
    p.add_argument("--name", default=None, help="your name, as git records it with every change")
    p.add_argument("--email", default=None, help="your email address, as git records it")
    p.set_defaults(func=cmd_identity)

    from .search.cli import add_catalog_parser  # cheap: argparse only

    add_catalog_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    serving = args.command in ("demo", "sandbox", "serve")
    if serving:
        _stop_on_signals()
    try:
        return args.func(args)
    except _Stopped:  # stopped while starting; what was started is stopped again
        return 0
    except (RuntimeError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if serving:  # everything is stopped: a late signal must not kill the interpreter while it exits
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
