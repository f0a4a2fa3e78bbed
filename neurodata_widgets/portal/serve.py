"""Serve dashboards with Voila on loopback: used by ``neurodata-widgets demo``, the tests and the benchmarks.

Examples
--------
>>> from neurodata_widgets.portal.serve import VoilaServer
>>> with VoilaServer("notebooks") as server:            # doctest: +SKIP
...     print(server.url + "/voila/render/portal.ipynb")
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .voila_template import TEMPLATE, voila_environ


#: a page's kernel is shut down this long after its tab was closed (Voila's culling; preheated kernels are kept)
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60
#: JupyterLab extensions a dashboard page must not load: jupyter-server-proxy's adds launcher tiles, and on a
#: Voila page (no JupyterLab around it) it fails to load with an error in the browser's console
LAB_ONLY_EXTENSIONS = ("@jupyterhub/jupyter-server-proxy",)
#: the name of Voila's own (anonymous user) cookie when it runs under a path prefix
VOILA_COOKIE = "neurodata-widgets-voila"


def voila_command(target, port: int | None = None, preheat: int = 0, tracebacks: bool = False,
                  cull_idle: int = CULL_IDLE_SECONDS, ip: str = "127.0.0.1", sock: str | None = None,
                  base_url: str | None = None, server_url: str | None = None) -> list[str]:
    """Voila's command line: loopback by default, the offline template, kernel culling, optionally preheated kernels.

    ``target`` is a notebook (served at ``/``) or a folder (each notebook at ``/voila/render/<name>``).
    ``preheat`` keeps that many kernels per notebook started and executed before anyone asks for them.
    Kernels of closed pages are culled after ``cull_idle`` seconds, so a long-running demo does not
    collect one kernel per visit. Voila listens on ``ip``:``port`` and nowhere else (no other port tried:
    the address printed is the address served), or on the unix socket ``sock``. ``base_url`` is the path
    the browser sees, ``server_url`` the path Voila serves under (a proxy in front strips the rest).

    Examples
    --------
    >>> cmd = voila_command("notebooks/portal.ipynb", 8866)
    >>> "--MappingKernelManager.cull_idle_timeout=600" in cmd, "--port=8866" in cmd
    (True, True)
    >>> [a for a in voila_command("portal.ipynb", sock="/run/s", base_url="/user/a/portal/", server_url="/")
    ...  if a.startswith(("--sock", "--Voila.base", "--Voila.server"))]
    ['--sock=/run/s', '--Voila.base_url=/user/a/portal/', '--Voila.server_url=/']
    """
    cmd = [sys.executable, "-m", "neurodata_widgets.portal.voila_app", str(target), "--no-browser",
           f"--template={TEMPLATE}", f"--show_tracebacks={tracebacks}",
           f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
           f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
           "--MappingKernelManager.cull_connected=False"]
    cmd += [f"--VoilaConfiguration.extension_denylist={name}" for name in LAB_ONLY_EXTENSIONS]
    cmd += [f"--sock={sock}"] if sock else [f"--port={port}", f"--Voila.ip={ip}"]
    if base_url:
        # behind a Jupyter server's proxy Voila sees the server's host: with the default cookie name
        # ("username-<host>") it would clear the server's login cookie and log the user out
        cmd += [f"--Voila.base_url={base_url}", f"--IdentityProvider.cookie_name={VOILA_COOKIE}"]
    if server_url:
        cmd.append(f"--Voila.server_url={server_url}")
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return cmd


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether ``port`` on 127.0.0.1 can be bound now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 120) -> None:
    """Wait until ``url`` answers (raising if ``proc`` exits first or time runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.3)


def unix_http_get(path: str, url_path: str = "/", timeout: float = 5) -> tuple[int, bytes]:
    """GET ``url_path`` from the HTTP server on the unix socket ``path``: ``(status, body)``."""
    import http.client

    class _Connection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(path)

    conn = _Connection("localhost")
    try:
        conn.request("GET", url_path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def unix_socket_answers(path: str, url_path: str = "/") -> bool:
    """Whether an HTTP server answers (any status) on the unix socket ``path``."""
    try:
        unix_http_get(path, url_path)
        return True
    except OSError:
        return False


def descendants(pid: int) -> list:
    """The processes ``pid`` started, and theirs (``psutil.Process`` objects; empty once it is gone)."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def stop_processes(procs, timeout: float = 5) -> None:
    """SIGTERM ``procs`` (``psutil.Process``), then SIGKILL whatever still runs after ``timeout`` seconds."""
    import psutil

    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=timeout)


class VoilaServer:
    """A Voila subprocess on a free (or given) port or a unix socket; stops it with every kernel it started.

    ``ip`` is loopback unless given (``0.0.0.0``: every interface); ``sock`` serves on a unix socket instead
    (only this account can connect); ``base_url`` is the path prefix of every page.
    """

    def __init__(self, target, port: int | None = None, env: dict | None = None, preheat: int = 0,
                 tracebacks: bool = False, log=None, ip: str = "127.0.0.1", sock: str | None = None,
                 base_url: str = "/"):
        self.target = Path(target)
        self.sock = str(sock) if sock else None
        self.port = None if self.sock else (port or free_port())
        self.ip = ip
        self.base_url = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
        self.env = voila_environ(env)
        self.preheat = preheat
        self.tracebacks = tracebacks
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The address to open (without the trailing slash of the base URL)."""
        if self.sock:
            return f"http+unix://{self.sock}{self.base_url.rstrip('/')}"
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0", "127.0.0.1") else self.ip
        return f"http://{host}:{self.port}{self.base_url.rstrip('/')}"

    def answers(self) -> bool:
        """Whether Voila answers (any HTTP status) at its base URL."""
        if self.sock:
            return unix_socket_answers(self.sock, self.base_url)
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def start(self, timeout: float = 120, stop_check=None) -> "VoilaServer":
        """Start Voila and wait until it answers; returns early (not ready) once ``stop_check()`` is true."""
        out = self.log if self.log is not None else subprocess.DEVNULL
        cmd = voila_command(self.target, self.port, self.preheat, self.tracebacks, ip=self.ip, sock=self.sock,
                            base_url=self.base_url if self.base_url != "/" else None)
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited with code {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.url}/ did not answer within {timeout:.0f} s")
            if stop_check is not None and stop_check():
                return self
            time.sleep(0.3)
        return self

    def stop(self, timeout: float = 5) -> None:
        """Stop Voila and every kernel it started, within about ``timeout`` seconds (then they are killed).

        The kernels run in sessions of their own (not in Voila's process group): they get SIGTERM at the
        same time as Voila, so a loaded machine's slow kernel shutdowns do not hold the stop up.
        """
        if self.proc is None or self.proc.poll() is not None:
            return
        started = descendants(self.proc.pid)
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        stop_processes(started, timeout=timeout)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        stop_processes([p for p in started if p.is_running()], timeout=1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
