"""Voila as the toolkit runs it: also on a unix socket, with the offline template, stopping cleanly on any signal.

``python -m neurodata_widgets.portal.voila_app NOTEBOOK_OR_FOLDER [voila options] [--sock=PATH]``
is ``voila`` with four differences:

- ``--sock=PATH`` serves on a unix socket (mode 0600) instead of a TCP port: only its owner can
  connect, so another account on the machine cannot reach the dashboard or its kernels. JupyterLab's
  launcher entry (:mod:`neurodata_widgets.portal.launcher`) starts it this way behind
  jupyter-server-proxy.
- the offline template ``ndw`` is found without any ``JUPYTER_PATH`` set by hand;
- SIGTERM, SIGINT and SIGHUP (and any quick sequence of them) all stop it the same way: its
  kernels are shut down and its connection files removed. The handler takes no lock; it only
  asks the event loop to stop.
- a page's kernel is shut down when its tab is closed or reloaded. Voila's front end asks for that
  with the page's ``_xsrf`` cookie, which Voila itself never sets: the request was refused (403) and
  every page view left a kernel running until culling, ten minutes later (on a hub, per user).
"""
from __future__ import annotations

import os
import signal
import sys

from traitlets import Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from .voila_template import voila_environ

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class PageHandler(TornadoVoilaHandler):
    """Voila's page handler, also setting the ``_xsrf`` cookie its front end sends back to shut the kernel down."""

    async def prepare(self, *args, **kwargs):
        await super().prepare(*args, **kwargs)
        self.xsrf_token  # noqa: B018 -- reading it sets the cookie (before the page's first byte is sent)


class NdwVoila(Voila):
    """Voila that can listen on a unix socket and stops cleanly on SIGTERM, SIGINT and SIGHUP."""

    name = "ndw-voila"
    sock = Unicode("", config=True, help="serve on this unix socket (mode 0600) instead of a TCP port")
    aliases = {**Voila.aliases, "sock": "NdwVoila.sock"}
    _stop_asked = False

    def initialize(self, argv=None):
        super().initialize(argv)
        for sig in STOP_SIGNALS:  # Voila itself handles only SIGTERM; SIGHUP would kill it with its kernels left
            signal.signal(sig, self._handle_signal_stop)

    def _handle_signal_stop(self, sig, frame):
        # no lock, no logging here: the interrupted code may hold either
        first, self._stop_asked = not self._stop_asked, True
        loop = getattr(self, "ioloop", None)
        if first and loop is not None:
            try:
                loop.add_callback_from_signal(loop.stop)
            except RuntimeError:  # the loop is already closed: stop() is running
                pass

    def init_handlers(self):
        return [(route[0], PageHandler, *route[2:]) if route[1] is TornadoVoilaHandler else route
                for route in super().init_handlers()]

    def listen(self):
        import tornado.ioloop
        from tornado.httpserver import HTTPServer
        from tornado.netutil import bind_unix_socket

        server = HTTPServer(self.app)
        if self.sock:
            server.add_socket(bind_unix_socket(self.sock, mode=0o600))
            self.log.info("Voilà is running on the unix socket %s", self.sock)
        else:  # one port, the one asked for: the address printed is the address served
            server.listen(self.port, self.ip)
            self.log.info("Voilà is running at:\n%s", self.display_url)
        self.ioloop = tornado.ioloop.IOLoop.current()
        try:
            if not self._stop_asked:  # a signal that came during start-up
                self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.log.info("Stopping…")
            self.stop()

    def stop(self):
        for sig in STOP_SIGNALS:  # a second signal while the kernels shut down must not cut that short
            signal.signal(sig, signal.SIG_IGN)
        super().stop()
        if self.sock:
            try:
                os.unlink(self.sock)
            except OSError:
                pass


def _stop_early(sig, frame):
    NdwVoila._stop_asked = True  # before the server runs: it stops as soon as it could start


def main(argv=None) -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, _stop_early)
    os.environ.update(voila_environ())  # JUPYTER_PATH finds the offline template; the kernels inherit it
    NdwVoila.launch_instance(argv)


if __name__ == "__main__":
    sys.exit(main())
