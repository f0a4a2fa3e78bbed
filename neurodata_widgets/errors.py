"""Turn exceptions into messages a user can act on: what happened, what to do.

Every widget shows errors through :class:`neurodata_widgets.ui.banner.StatusBanner`,
which calls :func:`describe`. A slice teaches it about its own exceptions with
:func:`register` (e.g. Globus API errors), so there is one place that words errors.

Examples
--------
>>> from neurodata_widgets.errors import describe
>>> describe(TimeoutError("read timed out"))
('The server did not answer in time.', 'Check the server is up and try again; slow servers may need a longer timeout.')
"""
from __future__ import annotations

import re
import socket

from .user_error import UserError  # noqa: F401  (part of this module's API)

_TRANSLATORS: list = []


def register(translator) -> None:
    """Add ``translator(exc) -> (message, hint) | None``; it is tried before the built-in rules."""
    _TRANSLATORS.insert(0, translator)


HTTP_HINTS = {
    400: ("The server rejected the request as malformed.", "Check the values you entered."),
    401: ("The server did not accept your credentials.", "Check user name and password, or log in again."),
    403: ("You are logged in but not allowed to see this.", "Ask the owner for access, or log in as another user."),
    404: ("The server has no such item.", "It may have been moved or deleted; refresh the listing."),
    408: ("The server did not answer in time.", "Try again."),
    429: ("The server asks to slow down (too many requests).", "Wait a moment and try again."),
}


SERVER_HINTS = {
    502: ("A gateway in front of the server got no valid answer from it.",
          "The server behind it may be restarting; try again in a minute."),
    503: ("The server is unavailable (down for maintenance or overloaded).",
          "Try again later; if it lasts, check the service's status page or tell its administrators."),
    504: ("A gateway in front of the server waited too long for it.",
          "The server is slow or stuck; try again in a minute, with a smaller request if you can."),
}


def _incomplete_results(exc) -> tuple[str, str] | None:
    """DataLad's IncompleteResultsError: say what failed on which path, not the result dicts."""
    failed = getattr(exc, "failed", None)
    if type(exc).__name__ != "IncompleteResultsError" or not failed:
        return None
    first = failed[0] if isinstance(failed, list) else failed
    text = first.get("message", "") if isinstance(first, dict) else ""
    if isinstance(text, (tuple, list)) and text:
        try:
            text = str(text[0]) % tuple(text[1:])
        except (TypeError, ValueError):
            text = " ".join(str(t) for t in text)
    path = first.get("path", "") if isinstance(first, dict) else ""
    action = first.get("action", "operation") if isinstance(first, dict) else "operation"
    where = f" for {path}" if path else ""
    more = f" ({len(failed) - 1} more failed)" if isinstance(failed, list) and len(failed) > 1 else ""
    what = f": {str(text).strip().splitlines()[0]}" if str(text).strip() else ""
    return (f"DataLad {action} failed{where}{what}{more}.",
            "Check the path and where the content is (Where is), then try again.")


def describe_status(status: int, url: str = "") -> tuple[str, str]:
    """Message and hint for an HTTP status code."""
    where = f" ({url})" if url else ""
    if status in HTTP_HINTS:
        message, hint = HTTP_HINTS[status]
        return f"{message[:-1]}{where}: HTTP {status}.", hint
    if status in SERVER_HINTS:
        message, hint = SERVER_HINTS[status]
        return f"{message[:-1]}{where}: HTTP {status}.", hint
    if status >= 500:
        return (f"The server had an internal error{where}: HTTP {status}.",
                "This is on the server's side; try again in a moment or tell its administrators.")
    return f"The server answered HTTP {status}{where}.", "Try again; if it persists, check the server address."


_QUERY = re.compile(r"(https?://[^\s?#'\"]+)\?[^\s'\"]*")


def shorten_urls(text: str) -> str:
    """Cut the query string off every address in ``text`` (an authorize URL is a wall of parameters).

    >>> shorten_urls("see https://auth.example.org/authorize?client_id=x&state=y now")
    'see https://auth.example.org/authorize?… now'
    """
    return _QUERY.sub(r"\1?…", str(text or ""))


def all_text(exc) -> str:
    """Everything an exception says: its text, a command's error stream, the failed results' messages."""
    parts = [str(exc), str(getattr(exc, "stderr", "") or ""), str(getattr(exc, "hint", "") or "")]
    failed = getattr(exc, "failed", None) or getattr(exc, "rows", None) or []
    for res in failed if isinstance(failed, list) else [failed]:
        if isinstance(res, dict):
            parts += [str(res.get("message", "")), str(res.get("error_message", ""))]
    return "\n".join(parts)


def identity_problem(text: str) -> tuple[str, str] | None:
    """The sentence and hint when ``text`` is git or git-annex failing for want of a name and email, else ``None``.

    >>> identity_problem("git-annex: failed to read sha from git commit-tree")[0]
    'git needs to know who you are to record this change, and no name and email are set up for it.'
    """
    from .git_identity import identity_hint, is_identity_problem

    return identity_hint() if is_identity_problem(text) else None


def describe(exc: BaseException) -> tuple[str, str]:
    """Return ``(message, hint)`` for an exception."""
    for translator in _TRANSLATORS:
        found = translator(exc)
        if found:
            return found
    found = identity_problem(all_text(exc))  # whatever command said it, the same sentence and the way out
    if found:
        return found
    if isinstance(exc, UserError):
        return exc.message, exc.hint
    found = _incomplete_results(exc)
    if found:
        return found
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency
        requests = None
    if requests is not None:
        if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
            return describe_status(exc.response.status_code, exc.response.url)
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)) or _timed_out(exc):
            return describe(TimeoutError(str(exc)))
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return ("The connection broke while data was arriving.", "Nothing partial was kept; try again.")
        if isinstance(exc, requests.exceptions.MissingSchema | requests.exceptions.InvalidURL |
                      requests.exceptions.InvalidSchema):
            return (f"That is not a valid server address: {exc}.", "Use a full URL such as https://xnat.example.org.")
        if isinstance(exc, requests.exceptions.ConnectionError):
            return _unreachable()
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return ("The server did not answer in time.",
                "Check the server is up and try again; slow servers may need a longer timeout.")
    if isinstance(exc, ConnectionError):
        return _unreachable()
    if isinstance(exc, FileNotFoundError):
        return (f"No such file or folder: {exc.filename}.", "Check the path.")
    if isinstance(exc, PermissionError):
        return (f"Permission denied: {exc.filename}.", "Choose a folder you can write to.")
    lines = shorten_urls(str(exc) or type(exc).__name__).strip().splitlines() or [type(exc).__name__]
    text = lines[0] if len(lines[0]) <= 160 else lines[0][:159] + "…"  # the rest is under Details
    return f"{type(exc).__name__}: {text}", see_the_log()


def _timed_out(exc) -> bool:
    """A read timeout under a retry policy: requests reports it as a ConnectionError around urllib3's
    MaxRetryError, whose ``reason`` is the ReadTimeoutError."""
    try:
        from urllib3.exceptions import MaxRetryError, ReadTimeoutError
    except ImportError:  # pragma: no cover - urllib3 comes with requests
        return False
    inner = exc.args[0] if getattr(exc, "args", None) else None
    return isinstance(inner, MaxRetryError) and isinstance(inner.reason, ReadTimeoutError)


def _unreachable() -> tuple[str, str]:
    # a refused connection from a notebook whose chosen sandbox stopped: say that, not "check your network"
    from .config import SandboxGone, selected_sandbox

    try:
        selected_sandbox()
    except SandboxGone as gone:
        return gone.message, gone.hint
    return ("Could not reach the server.", "Check the address and your network, or whether the server is up.")


def see_the_log() -> str:
    """"The full traceback is in the log", naming the log file when one is set (``NDW_LOG_FILE``; the demo sets it)."""
    from .config import log_file

    path = log_file()
    return (f"See the details below; the full traceback is in the log: {path}" if path
            else "See the details below; the full traceback is in the log.")
