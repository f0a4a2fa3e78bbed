"""The one way a widget shows what happened: a short sentence, what to do, details folded, links as buttons.

An error stays until the widget's next action succeeds (:meth:`StatusBanner.clear` or another
:meth:`StatusBanner.show`), or until the user dismisses it. Raw exception text never leads: it sits
under "Details", shortened, with addresses cut before their query string (an authorize URL is a
button, not a wall of text). An error is announced (``role="alert"``) and brought into view: a download that
fails while the page is scrolled elsewhere scrolls its message onto the screen.
"""
from __future__ import annotations

import logging
from pathlib import Path

import anywidget
import ipywidgets as widgets
from traitlets import Bool, Int, Unicode

from ..errors import describe, shorten_urls
from .html import escape

log = logging.getLogger("neurodata_widgets")

DETAILS_LIMIT = 600


def short_details(text: str) -> str:
    """Exception text fit for a folded "Details" line: query strings cut, at most a few lines.

    >>> short_details("GET https://auth.example.org/authorize?client_id=x&state=y failed")
    'GET https://auth.example.org/authorize?… failed'
    """
    text = shorten_urls(text).strip()
    return text if len(text) <= DETAILS_LIMIT else text[:DETAILS_LIMIT] + " …"


def link_button(label: str, url: str, css_class: str = "") -> str:
    """An HTML link that looks like a button and opens in a new tab (no long address on screen)."""
    extra = f" {escape(css_class)}" if css_class else ""
    return (f'<a class="ndw-link-button jupyter-button{extra}" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer" title="{escape(short_details(url))}">{escape(label)}</a>')


class StatusBanner(anywidget.AnyWidget):
    """A status message: info, ok, warn or error, with what to do, folded details, link buttons and Dismiss.

    One widget drawn by ``banner.js`` (every dashboard has several banners, most of them empty: one model each,
    not the nine an HTML, a button and a scroller took, each with its own layout and style).

    Examples
    --------
    >>> b = StatusBanner()
    >>> b.show_error(TimeoutError("slow"))
    >>> b.kind, b.message
    ('error', 'The server did not answer in time.')
    >>> b.clear(); b.kind
    ''
    """

    _esm = Path(__file__).with_name("banner.js").read_text()
    kind = Unicode("", help="'' (hidden), 'info', 'ok', 'warn' or 'error'").tag(sync=True)
    message = Unicode("", help="the message shown").tag(sync=True)
    hint = Unicode("", help="what the user can do about it").tag(sync=True)
    details = Unicode("", help="the technical detail, folded under the message ('' if none)").tag(sync=True)
    html = Unicode("", help="the banner as drawn (HTML; all text in it escaped)").tag(sync=True)
    dismissible = Bool(False, help="whether Dismiss is offered (errors and warnings)").tag(sync=True)
    count = Int(0, help="how often the banner asked to be brought into view").tag(sync=True)

    def __init__(self, **kwargs):
        self._shown = widgets.CallbackDispatcher()
        super().__init__(**kwargs)
        self.layout.width, self.layout.align_items = "100%", "flex-start"
        self.on_msg(lambda _widget, content, _buffers: self.dismiss() if content.get("event") == "dismiss" else None)

    @property
    def value(self) -> str:
        """The banner's HTML (read-only view for tests)."""
        return self.html

    def on_change(self, callback, remove: bool = False) -> None:
        """Call ``callback(banner)`` after every show and clear (the portal's status bar mirrors errors)."""
        self._shown.register_callback(callback, remove=remove)

    def show(self, message: str, kind: str = "info", hint: str = "", details: str = "", links=(),
             reveal: bool | None = None) -> None:
        """Show ``message``; ``links`` are ``(label, url)`` or ``(label, url, css_class)``, shown as buttons.

        An error is brought into view (the page scrolls to it, if it lay off-screen) unless ``reveal`` is false
        or it repeats the error shown (a poll failing again does not pull the page back each time); other kinds
        only when ``reveal`` is true.
        """
        repeated = (kind, message) == (self.kind, self.message)
        self.kind, self.message, self.hint, self.details = kind, message, hint, short_details(details)
        hint_html = f'<span class="ndw-hint">{escape(hint)}</span>' if hint else ""
        buttons = "".join(link_button(*link) for link in links)  # (label, url) or (label, url, css class)
        buttons = f'<span class="ndw-banner-links">{buttons}</span>' if buttons else ""
        folded = (f'<details class="ndw-banner-details"><summary>Details</summary><code>{escape(self.details)}'
                  '</code></details>') if self.details else ""
        role = "alert" if kind == "error" else "status"
        self.html = (f'<div class="ndw ndw-banner ndw-banner-{kind}" role="{role}">'
                     f'<span class="ndw-banner-message">{escape(message)}</span>{hint_html}{buttons}{folded}'
                     '</div>')
        self.dismissible = kind in ("error", "warn")
        if kind == "error" and not repeated if reveal is None else reveal:
            self.count += 1
        self._shown(self)

    def show_error(self, exc: BaseException, context: str = "", links=()) -> None:
        """Show a readable message for ``exc``; the full traceback goes to the log."""
        log.error("%s", context or "error", exc_info=(type(exc), exc, exc.__traceback__))
        message, hint = describe(exc)
        links = list(links) + list(getattr(exc, "links", ()) or ())
        raw = str(exc)
        details = f"{type(exc).__name__}: {raw}" if raw and raw not in message else ""
        self.show(f"{context}: {message}" if context else message, "error", hint, details, links)

    def clear(self) -> None:
        self.kind = self.message = self.hint = self.details = self.html = ""
        self.dismissible = False
        self._shown(self)

    def dismiss(self) -> None:
        """What Dismiss does: hide the message."""
        self.clear()
