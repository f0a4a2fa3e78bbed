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
import urllib.request
from pathlib import Path

from .voila_template import TEMPLATE, voila_environ


#: a page's kernel is shut down this long after its tab was closed (Voila's culling; preheated kernels are kept)
CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60


def voila_command(target, port: int, preheat: int = 0, tracebacks: bool = False,
                  cull_idle: int = CULL_IDLE_SECONDS) -> list[str]:
    """Voila's command line: loopback only, the offline template, kernel culling, optionally preheated kernels.

    ``target`` is a notebook (served at ``/``) or a folder (each notebook at ``/voila/render/<name>``).
    ``preheat`` keeps that many kernels per notebook started and executed before anyone asks for them.
    Kernels of closed pages are culled after ``cull_idle`` seconds, so a long-running demo does not
    collect one kernel per visit. Voila never moves to another port by itself (``port_retries=0``):
    the address printed is the address served.

    Examples
    --------
    >>> cmd = voila_command("notebooks/portal.ipynb", 8866)
    >>> "--MappingKernelManager.cull_idle_timeout=600" in cmd, "--port_retries=0" in cmd
    (True, True)
    """
    cmd = [sys.executable, "-m", "voila", str(target), f"--port={port}", "--port_retries=0", "--no-browser",
           "--Voila.ip=127.0.0.1", f"--template={TEMPLATE}", f"--show_tracebacks={tracebacks}",
           f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
           f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
           "--MappingKernelManager.cull_connected=False"]
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


class VoilaServer:
    """A Voila subprocess on a free (or given) loopback port; stops its whole process group."""

    def __init__(self, target, port: int | None = None, env: dict | None = None, preheat: int = 0,
                 tracebacks: bool = False, log=None):
        self.target = Path(target)
        self.port = port or free_port()
        self.env = voila_environ(env)
        self.preheat = preheat
        self.tracebacks = tracebacks
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> "VoilaServer":
        out = self.log if self.log is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen(voila_command(self.target, self.port, self.preheat, self.tracebacks),
                                     env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_http(self.url + "/", self.proc, timeout)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
