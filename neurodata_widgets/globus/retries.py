"""Saying out loud that Globus is being retried, and letting the user stop waiting.

globus-sdk retries a busy or failing Globus (HTTP 429 and 5xx, dropped connections) quietly, with backoff, for
up to half a minute. A widget waiting on it should say so instead of looking stuck: :class:`RetryReporter`
watches every answer the SDK gets and, for a request made inside :meth:`RetryReporter.reporting`, tells the
caller each time the SDK is about to try again. It never decides to retry itself: the SDK's own checks do.
It only stops the retries of a request whose caller gave up (its ``cancel`` event is set): the pause before the
next try ends at once with :class:`~neurodata_widgets.jobs.Cancelled`, and no further try is made.

Examples
--------
>>> import threading
>>> reporter = RetryReporter()
>>> config = reporter.retry_config()   # give it to a globus_sdk client: TransferClient(retry_config=config)
>>> heard, stop = [], threading.Event()
>>> class Answer:  # what the SDK hands to a check: here a 500 on the first try
...     attempt, exception, backoff = 0, None, None
...     class response: status_code = 500
>>> with reporter.reporting(heard.append, cancel=stop):
...     reporter.check(Answer()).name
'no_decision'
>>> heard
['Globus answered 500, retrying…']
>>> reporter.check(Answer()).name, heard  # outside reporting(): nobody is told
('no_decision', ['Globus answered 500, retrying…'])
>>> stop.set()                            # the user pressed Cancel
>>> with reporter.reporting(heard.append, cancel=stop):
...     reporter.check(Answer()).name
'do_not_retry'
"""
from __future__ import annotations

import contextlib
import threading


class RetryReporter:
    """Tells the code waiting in this thread that globus-sdk is about to retry its request."""

    def __init__(self, max_retries: int | None = None):
        self._local = threading.local()  # each waiting widget works in its own thread: only it is told
        self._retried = (429, 500, 502, 503, 504)
        self.max_retries = max_retries  # None: the SDK's own number (a command-line tool wants fewer)

    def retry_config(self):
        """A :class:`globus_sdk.transport.RetryConfig` whose first check is :meth:`check` (it only watches)."""
        from globus_sdk.transport import RetryConfig

        config = RetryConfig() if self.max_retries is None else RetryConfig(max_retries=self.max_retries)
        self._retried = config.transient_error_status_codes
        config.checks.register_check(self.check)  # first: the SDK's own checks are added after it
        config.backoff = self._cancellable(config)
        return config

    @contextlib.contextmanager
    def reporting(self, callback, cancel: threading.Event | None = None):
        """Call ``callback(message)`` whenever a request made in this block is about to be retried.

        When ``cancel`` is set, the request is not tried again (a pause before the next try ends at once).
        """
        previous = getattr(self._local, "callback", None), getattr(self._local, "cancel", None)
        self._local.callback, self._local.cancel = callback, cancel
        try:
            yield
        finally:
            self._local.callback, self._local.cancel = previous

    def check(self, ctx):
        """A globus-sdk retry check; it runs only when another try is still allowed."""
        from globus_sdk.transport import RetryCheckResult

        cancel = getattr(self._local, "cancel", None)
        if cancel is not None and cancel.is_set():
            return RetryCheckResult.do_not_retry  # the caller gave up: the answer at hand is the last
        if ctx.exception is not None and unreachable(ctx.exception):
            return RetryCheckResult.do_not_retry  # refused or no route: asking again in a second changes nothing
        callback = getattr(self._local, "callback", None)
        if callback is not None:
            status = getattr(ctx.response, "status_code", None)
            if status in self._retried:
                callback(f"Globus answered {status}, retrying…")
            elif ctx.exception is not None and _is_connection_problem(ctx.exception):
                callback("Globus did not answer, retrying…")
        return RetryCheckResult.no_decision

    def _cancellable(self, config):
        """The SDK's backoff, waited out here so that Cancel ends the pause (the SDK then sleeps 0 s)."""
        chosen = config.backoff

        def backoff(ctx) -> float:
            pause = min(chosen(ctx), config.max_sleep)
            cancel = getattr(self._local, "cancel", None)
            if cancel is None:
                return pause
            if cancel.wait(pause):
                from ..jobs import Cancelled

                raise Cancelled("stopped waiting for Globus")
            return 0.0

        return backoff


def unreachable(exc) -> str:
    """Why nothing listens at the other end (``"refused the connection"``, ``"is unreachable"``, ``"is unknown"``),
    or ``""`` for any other failure (a timeout, a dropped connection: those are worth another try).

    >>> unreachable(ConnectionRefusedError(111, "Connection refused"))
    'refused the connection'
    >>> unreachable(TimeoutError("timed out"))
    ''
    """
    import errno
    import socket

    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ConnectionRefusedError):
            return "refused the connection"
        if isinstance(e, socket.gaierror):
            return "is unknown (its name does not resolve)"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
            return "is unreachable (no route to it)"
        todo += [getattr(e, "__cause__", None), getattr(e, "__context__", None), getattr(e, "reason", None),
                 getattr(e, "underlying_exception", None)]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
    return ""


def _is_connection_problem(exc) -> bool:
    import requests

    return isinstance(exc, requests.RequestException)


__all__ = ["RetryReporter", "unreachable"]
