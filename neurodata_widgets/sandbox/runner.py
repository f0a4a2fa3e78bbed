"""Start and stop loopback HTTP services, with fault injection.

A sandbox service is a :class:`Service` subclass with a routing table; the
runner gives every service the same plumbing: a threaded HTTP server on a free
127.0.0.1 port, request statistics, and :class:`Faults` (added latency, error
status for a fraction or a pattern of requests, connections cut mid-body,
session/token expiry through :meth:`Service.expire`).

Faults can be set in-process (``service.faults.set(latency=0.02)``) or over
HTTP by a script driving a separate ``neurodata-widgets sandbox`` process::

    POST /_sandbox/faults   {"latency": 0.02, "status": 500, "fraction": 0.5, "pattern": "/files"}
    DELETE /_sandbox/faults
    POST /_sandbox/expire        {} or {"user": "ann"} (that account's sessions only)
    GET  /_sandbox/stats

Examples
--------
>>> from neurodata_widgets.sandbox.runner import Sandbox
>>> with Sandbox(services=["xnat"], demo=False) as sb:
...     print(sb.info()["xnat"]["url"])
http://127.0.0.1:...
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

# Services the runner knows; a slice makes its module exist and it is started.
SERVICE_CLASSES = {
    "xnat": "neurodata_widgets.sandbox.xnat_server:XnatServer",
    "globus": "neurodata_widgets.sandbox.globus_server:GlobusServer",
    "registry": "neurodata_widgets.sandbox.registry_server:RegistryServer",
}


# ----------------------------------------------------------------------------------------
# requests and responses
# ----------------------------------------------------------------------------------------
@dataclass
class Request:
    """What a route handler receives."""

    method: str
    path: str
    query: dict  # name -> last value
    query_lists: dict  # name -> all values
    headers: object  # http.client.HTTPMessage (case-insensitive)
    body: bytes
    match: re.Match | None = None
    client: tuple = ()

    def json(self):
        return json.loads(self.body or b"null")

    def form(self) -> dict:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("latin-1")).items()}

    @property
    def params(self) -> dict:
        """Query parameters merged with a urlencoded form body."""
        merged = dict(self.query)
        ctype = self.headers.get("Content-Type", "")
        if self.body and "application/x-www-form-urlencoded" in ctype:
            merged.update(self.form())
        return merged


@dataclass
class Response:
    """What a route handler returns. ``body`` is bytes, or a path streamed in chunks."""

    status: int = 200
    body: bytes | Path = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    offset: int = 0  # for ranged file responses
    length: int | None = None


def json_response(obj, status: int = 200, headers: dict | None = None) -> Response:
    return Response(status, json.dumps(obj).encode(), "application/json", dict(headers or {}))


def text_response(text: str, status: int = 200, content_type="text/html; charset=utf-8", headers=None) -> Response:
    return Response(status, text.encode(), content_type, dict(headers or {}))


def file_response(path: Path, content_type="application/octet-stream", range_header: str | None = None,
                  headers: dict | None = None) -> Response:
    """Stream a file; honours a single ``Range: bytes=N-`` (resume) request."""
    size = path.stat().st_size
    headers = dict(headers or {})
    headers["Accept-Ranges"] = "bytes"
    m = re.match(r"bytes=(\d+)-(\d*)$", range_header or "")
    if m and int(m.group(1)) < size:
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return Response(206, path, content_type, headers, offset=start, length=end - start + 1)
    return Response(200, path, content_type, headers, length=size)


# ----------------------------------------------------------------------------------------
# faults
# ----------------------------------------------------------------------------------------
class Faults:
    """Fault injection settings of one service (thread-safe).

    All settings are optional; change them with :meth:`set`.

    Parameters
    ----------
    latency : float
        Seconds added before every answer.
    status : int
        Answer this HTTP status instead of the real one ...
    fraction : float
        ... for this fraction of requests (default all) ...
    pattern : str
        ... whose path matches this regular expression (default any).
    cut_after : int
        Close the connection after this many body bytes (a cut download).
    hang : float
        Hold matching requests back this long before answering (a timeout), or until the faults are
        changed or cleared (a server that recovers: what it held back is answered then).
    """

    _FIELDS = ("latency", "status", "fraction", "pattern", "cut_after", "hang")

    def __init__(self, seed: int = 0):
        self._lock = threading.Condition()  # notified on every change: held-back requests re-check
        self._random = random.Random(seed)
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.latency = 0.0
            self.status = None
            self.fraction = 1.0
            self.pattern = None
            self.cut_after = None
            self.hang = 0.0
            self._lock.notify_all()

    def set(self, **settings) -> "Faults":
        unknown = set(settings) - set(self._FIELDS)
        if unknown:
            raise ValueError(f"unknown fault setting(s) {sorted(unknown)}; known: {list(self._FIELDS)}")
        with self._lock:
            for key, value in settings.items():
                setattr(self, key, value)
            self._lock.notify_all()
        return self

    def hold(self, seconds: float) -> None:
        """Hold a request back ``seconds``, or less if the faults change meanwhile."""
        with self._lock:
            self._lock.wait(seconds)  # a set() or clear() wakes it: the server recovered, answer now

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self._FIELDS}

    def _applies(self, path: str) -> bool:
        if self.pattern and not re.search(self.pattern, path):
            return False
        with self._lock:
            return self._random.random() < self.fraction

    def decide(self, path: str) -> dict:
        """What to do with this request: ``{"status": ..., "cut_after": ..., "hang": ...}``."""
        if path.startswith("/_sandbox/"):
            return {}
        active = self.status is not None or self.cut_after is not None or self.hang
        if not active or not self._applies(path):
            return {}
        return {"status": self.status, "cut_after": self.cut_after, "hang": self.hang}


# ----------------------------------------------------------------------------------------
# services
# ----------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ndw-sandbox/0.1"
    # headers and body go out in separate writes: with Nagle on, every keep-alive response
    # waits ~40 ms for a delayed ACK, which no real server does
    disable_nagle_algorithm = True
    service: "Service"  # set on the per-service subclass

    def log_message(self, fmt, *args):  # quiet: tests read stats, not stderr
        log.debug("%s %s", self.service.name, fmt % args)

    def _dispatch(self):
        service = self.service
        if service._server is None:  # stopped: kept-alive connections must not outlive the server
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query_lists = parse_qs(parts.query, keep_blank_values=True)
        req = Request(self.command, parts.path, {k: v[-1] for k, v in query_lists.items()}, query_lists,
                      self.headers, body, client=self.client_address)
        service._count(req)
        fault = service.faults.decide(req.path)
        if service.faults.latency and not req.path.startswith("/_sandbox/"):  # its controls answer at once
            time.sleep(service.faults.latency)
        if fault.get("hang"):
            service.faults.hold(fault["hang"])
        try:
            if fault.get("status"):
                resp = service.error_response(int(fault["status"]), req)
            else:
                resp = service.route(req)
        except Exception as exc:  # a sandbox bug shows as a 500 with its text, like a real server
            log.exception("sandbox %s failed on %s %s", service.name, req.method, req.path)
            resp = service.error_response(500, req, message=f"{type(exc).__name__}: {exc}")
        try:
            self._send(resp, fault.get("cut_after"))
        finally:
            service.stats["answered"] += 1  # tests wait for a held-back answer to have gone out

    def _send(self, resp: Response, cut_after: int | None):
        self.send_response(resp.status)
        if isinstance(resp.body, Path):
            length = resp.length if resp.length is not None else resp.body.stat().st_size - resp.offset
        else:
            length = len(resp.body)
        headers = {"Content-Type": resp.content_type, "Content-Length": str(length), **resp.headers}
        for key, value in headers.items():
            if isinstance(value, (list, tuple)):
                for item in value:
                    self.send_header(key, item)
            else:
                self.send_header(key, str(value))
        self.end_headers()
        if self.command == "HEAD":
            return
        budget = length if cut_after is None else min(length, int(cut_after))
        if isinstance(resp.body, Path):
            with open(resp.body, "rb") as fh:
                fh.seek(resp.offset)
                while budget > 0:
                    chunk = fh.read(min(65536, budget))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    budget -= len(chunk)
        else:
            self.wfile.write(resp.body[:budget])
        if cut_after is not None and cut_after < length:
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


class Service:
    """Base class of a loopback HTTP service.

    Subclasses set ``name`` and ``routes``: a list of ``(method, regex, handler_name)``;
    the handler receives a :class:`Request` (``req.match`` holds the regex match)
    and returns a :class:`Response`.
    """

    name = "service"
    routes: list = []

    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: int = 0):
        self.host = host
        self.port = port
        self.faults = Faults(seed)
        self.stats: Counter = Counter()
        self.requests: deque = deque(maxlen=5000)
        self._compiled = [(m, re.compile(rx), h) for m, rx, h in self._all_routes()]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _all_routes(self):
        control = [
            ("GET", r"^/_sandbox/faults$", "_get_faults"),
            ("POST", r"^/_sandbox/faults$", "_set_faults"),
            ("DELETE", r"^/_sandbox/faults$", "_clear_faults"),
            ("POST", r"^/_sandbox/expire$", "_expire"),
            ("GET", r"^/_sandbox/stats$", "_get_stats"),
        ]
        return control + list(self.routes)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "Service":
        """Serve in a daemon thread; a restarted service keeps its port."""
        if self._server:
            return self
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"service": self})
        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer((self.host, self.port), handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"sandbox-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def info(self) -> dict:
        """What a client needs to use this service (printed by ``neurodata-widgets sandbox --json``)."""
        return {"url": self.url}

    def environ(self) -> dict:
        """Environment variables that point clients (and dashboards) at this service."""
        return {}

    def expire(self, user: str | None = None) -> None:
        """Invalidate sessions/tokens so clients see expiry (subclasses override; ``user``: that account's only,
        where the service has accounts)."""

    # -- routing -------------------------------------------------------------------------------
    def route(self, req: Request) -> Response:
        allowed = []
        for method, rx, handler in self._compiled:
            m = rx.match(req.path)
            if not m:
                continue
            if method != req.method and not (method == "GET" and req.method == "HEAD"):
                allowed.append(method)
                continue
            req.match = m
            return getattr(self, handler)(req)
        if allowed:
            return self.error_response(405, req, headers={"Allow": ", ".join(sorted(set(allowed)))})
        return self.error_response(404, req)

    def error_response(self, status: int, req: Request, message: str | None = None, headers=None) -> Response:
        """How this service reports an error; subclasses answer in their API's shape."""
        from http import HTTPStatus

        text = message or HTTPStatus(status).phrase
        return json_response({"status": status, "message": text, "path": req.path}, status, headers)

    def _count(self, req: Request) -> None:
        self.stats[req.method + " " + req.path] += 1
        self.stats["total"] += 1
        self.requests.append((req.method, req.path, req.query))

    def reset_stats(self) -> None:
        self.stats.clear()
        self.requests.clear()

    # -- control endpoints --------------------------------------------------------------------
    def _get_faults(self, req):
        return json_response(self.faults.as_dict())

    def _set_faults(self, req):
        try:
            self.faults.set(**(req.json() or {}))
        except (ValueError, TypeError) as exc:
            return json_response({"message": str(exc)}, 400)
        return json_response(self.faults.as_dict())

    def _clear_faults(self, req):
        self.faults.clear()
        return json_response(self.faults.as_dict())

    def _expire(self, req):
        try:
            user = (req.json() or {}).get("user")
        except (ValueError, AttributeError):
            return json_response({"message": 'the body is JSON: {} or {"user": NAME}'}, 400)
        self.expire(user=user) if user else self.expire()
        return json_response({"expired": True, **({"user": user} if user else {})})

    def _get_stats(self, req):
        return json_response(dict(self.stats))


def available_services() -> dict:
    """Name -> Service class for every service whose module exists in this install."""
    found = {}
    for name, target in SERVICE_CLASSES.items():
        module_name, cls = target.split(":")
        if importlib.util.find_spec(module_name) is None:
            continue
        found[name] = getattr(importlib.import_module(module_name), cls)
    return found


class Sandbox:
    """Every available sandbox service plus the demo datasets.

    Parameters
    ----------
    services : list of str, optional
        Names to start (default: all available).
    demo : bool
        Build (or reuse) the demo datasets and report their paths under ``"demo"``; the XNAT's sessions then
        also have resources of their own (a ``QC`` report), as real ones often do.
    demo_dir : path, optional
        Where the demo datasets live (default ``$NDW_DEMO_DIR`` or the cache dir).
    options : dict, optional
        Per-service constructor keyword arguments, e.g. ``{"xnat": {"seed": 3}}``.
    """

    def __init__(self, services=None, demo: bool = True, demo_dir=None, options: dict | None = None):
        classes = available_services()
        wanted = list(classes) if services is None else list(services)
        missing = [n for n in wanted if n not in classes]
        if missing:
            raise ValueError(f"unknown sandbox service(s) {missing}; available: {sorted(classes)}")
        self.demo = demo
        self.demo_dir = demo_dir
        self.demo_info: dict = {}
        options = dict(options or {})
        if demo and "xnat" in wanted:
            options["xnat"] = {"session_resources": True, "assessors": True, "snapshots": True,
                               **options.get("xnat", {})}
        self.services = {n: classes[n](**options.get(n, {})) for n in wanted}
        self.published: Path | None = None

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def start(self) -> "Sandbox":
        if self.demo:
            from .demo_data import build_demo_datasets

            self.demo_info = build_demo_datasets(self.demo_dir)
        for service in self.services.values():
            service.start()
        from ..config import remember_sandbox

        # started here on purpose: this process's widgets may use it (and show the "demo sandbox" badge)
        remember_sandbox({name: s.info() for name, s in self.services.items()})
        return self

    def stop(self) -> None:
        from ..config import forget_sandbox

        forget_sandbox({name: s.info() for name, s in self.services.items()})
        for service in self.services.values():
            service.stop()
        self.unpublish()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def info(self) -> dict:
        """``{service name: {url, user, password, ...}, "demo": {paths}}``."""
        out = {name: s.info() for name, s in self.services.items()}
        if self.demo_info:
            out["demo"] = self.demo_info
        return out

    def environ(self) -> dict:
        """Environment variables for a process (Voila, a kernel) that should use this sandbox."""
        env = {}
        for service in self.services.values():
            env.update(service.environ())
        if self.demo_info:
            env["NDW_DEMO_DIR"] = str(Path(self.demo_info["root"]))
            env.setdefault("NDW_DATASET", self.demo_info["superdataset"])
        if self.published is not None:
            env["NDW_SANDBOX"] = str(self.published)  # the explicit choice a kernel started with this env makes
        return env

    def publish(self, path=None, extra: dict | None = None) -> Path:
        """Write :meth:`info` to the sandbox file (mode 0600: it holds demo credentials).

        Refuses (:class:`SandboxBusy`) when another running sandbox publishes to that file; :meth:`stop`
        removes it again. ``extra`` adds entries (the demo adds its dashboard's address).
        """
        from ..config import read_published, sandbox_file

        target = sandbox_file(path)
        other = read_published(target)
        if other is not None and other.get("pid") != os.getpid():
            raise SandboxBusy(target, other)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.published = target
        with os.fdopen(fd, "w") as fh:
            json.dump({"pid": os.getpid(), "services": self.info(), "environ": self.environ(), **(extra or {})}, fh)
        os.replace(tmp, target)
        return target

    def publish_accounts(self, names, folder) -> dict:
        """One XNAT account per name, each published to ``folder/<name>.json`` for that user alone.

        For a shared sandbox on a JupyterHub: every hub user gets an XNAT account and password of their own,
        and a file holding only theirs (mode 0600; owned by the operating-system account of that name when
        this runs as root), for that user's ``NDW_SANDBOX``. :meth:`stop` removes the files.
        Returns ``{name: path}``.
        """
        import pwd

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)
        services = self.info()
        written = {}
        for name in names:
            path = folder / f"{name}.json"
            mine = dict(services)
            if "xnat" in self.services:
                mine["xnat"] = self.services["xnat"].add_account(name)
            if "globus" in mine:  # the demo user's token is not this user's
                mine["globus"] = {k: v for k, v in mine["globus"].items() if k != "access_token"}
            environ = {**self.environ(), "NDW_SANDBOX": str(path)}
            if "xnat" in self.services:
                environ["NDW_XNAT_USER"] = name
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump({"pid": os.getpid(), "services": mine, "environ": environ, "account": name}, fh)
            if os.geteuid() == 0:
                try:
                    owner = pwd.getpwnam(name)
                except KeyError:
                    pass
                else:
                    os.chown(tmp, owner.pw_uid, owner.pw_gid)
            os.replace(tmp, path)
            written[name] = path
        self._accounts = {**getattr(self, "_accounts", {}), **written}
        return written

    def unpublish(self) -> None:
        """Remove the file :meth:`publish` wrote (if it is still ours): it holds the demo password."""
        for path in getattr(self, "_accounts", {}).values():
            path.unlink(missing_ok=True)
        self._accounts = {}
        if self.published is None:
            return
        try:
            mine = json.loads(self.published.read_text()).get("pid") == os.getpid()
        except (OSError, ValueError):
            mine = False
        if mine:
            self.published.unlink(missing_ok=True)
        self.published = None


class SandboxBusy(RuntimeError):
    """Another running sandbox already publishes to the file this one was to publish to."""

    def __init__(self, path: Path, other: dict):
        self.path, self.other = path, other
        demo = (other.get("demo_url") and f", serving the portal on {other['demo_url']}") or ""
        super().__init__(f"another sandbox is running (pid {other.get('pid')}{demo}) and publishes to {path}. "
                         f"Use that one, stop it first (Ctrl-C in its terminal, or kill {other.get('pid')}), "
                         f"or give this one its own file with NDW_SANDBOX_FILE=/path/to/other.json")


from ..portal.serve import free_port  # noqa: E402,F401  (tests and benchmarks import it from here)

