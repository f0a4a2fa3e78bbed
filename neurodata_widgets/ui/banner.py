"""The status/error banner every widget uses."""
from __future__ import annotations

import logging

import ipywidgets as widgets
from traitlets import Unicode

from ..errors import describe
from .html import escape

log = logging.getLogger("neurodata_widgets")


class StatusBanner(widgets.HTML):
    """A one-line status message: info, ok, warn or error (with a hint saying what to do).

    Examples
    --------
    >>> b = StatusBanner()
    >>> b.show_error(TimeoutError("slow"))
    >>> b.kind, b.message
    ('error', 'The server did not answer in time.')
    """

    kind = Unicode("", help="'' (hidden), 'info', 'ok', 'warn' or 'error'").tag(sync=True)
    message = Unicode("", help="the message shown").tag(sync=True)
    hint = Unicode("", help="what the user can do about it").tag(sync=True)

    #: callbacks ``(banner, kind, message, hint)`` told of every error any banner shows (the portal's status bar)
    error_listeners: list = []

    def show(self, message: str, kind: str = "info", hint: str = "") -> None:
        self.kind, self.message, self.hint = kind, message, hint
        if kind == "error":
            for callback in list(StatusBanner.error_listeners):
                try:
                    callback(self, kind, message, hint)
                except Exception:
                    log.exception("banner listener failed")
        hint_html = f'<span class="ndw-hint">{escape(hint)}</span>' if hint else ""
        self.value = f'<div class="ndw ndw-banner ndw-banner-{kind}" role="status">{escape(message)}{hint_html}</div>'

    def show_error(self, exc: BaseException, context: str = "") -> None:
        """Show a readable message for ``exc``; the full traceback goes to the log."""
        log.error("%s", context or "error", exc_info=(type(exc), exc, exc.__traceback__))
        message, hint = describe(exc)
        self.show(f"{context}: {message}" if context else message, "error", hint)

    def clear(self) -> None:
        self.kind = self.message = self.hint = ""
        self.value = ""
