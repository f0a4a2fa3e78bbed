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
from traitlets import Int, Unicode

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


class _Reveal(anywidget.AnyWidget):
    """Scrolls the banner it sits in into view each time :attr:`count` grows (it takes no room)."""

    _esm = Path(__file__).with_name("reveal.js").read_text()
    count = Int(0, help="how often the banner asked to be brought into view").tag(sync=True)


class StatusBanner(widgets.HBox):
    """A status message: info, ok, warn or error, with what to do, folded details, link buttons and Dismiss.

    Examples
    --------
    >>> b = StatusBanner()
    >>> b.show_error(TimeoutError("slow"))
    >>> b.kind, b.message
    ('error', 'The server did not answer in time.')
    >>> b.clear(); b.kind
    ''
    """

    kind = Unicode("", help="'' (hidden), 'info', 'ok', 'warn' or 'error'").tag(sync=True)
    message = Unicode("", help="the message shown").tag(sync=True)
    hint = Unicode("", help="what the user can do about it").tag(sync=True)
    details = Unicode("", help="the technical detail, folded under the message ('' if none)").tag(sync=True)

    def __init__(self, **kwargs):
        self.html = widgets.HTML(layout=widgets.Layout(flex="1 1 auto", min_width="0"))
        self.dismiss_button = widgets.Button(description="Dismiss", icon="times", tooltip="Hide this message",
                                             layout=widgets.Layout(width="auto", flex="0 0 auto", display="none"))
        self.dismiss_button.add_class("ndw-banner-dismiss")
        self.dismiss_button.on_click(lambda _: self.clear())
        self._shown = widgets.CallbackDispatcher()
        self.reveal = _Reveal(layout=widgets.Layout(width="0px", height="0px", margin="0", flex="0 0 0px"))
        super().__init__([self.html, self.dismiss_button, self.reveal], **kwargs)
        self.add_class("ndw-banner-box")
        self.layout.align_items = "flex-start"
        self.layout.width = "100%"

    @property
    def value(self) -> str:
        """The banner's HTML (read-only view for tests)."""
        return self.html.value

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
        self.html.value = (f'<div class="ndw ndw-banner ndw-banner-{kind}" role="{role}">'
                           f'<span class="ndw-banner-message">{escape(message)}</span>{hint_html}{buttons}{folded}'
                           '</div>')
        self.dismiss_button.layout.display = None if kind in ("error", "warn") else "none"
        if kind == "error" and not repeated if reveal is None else reveal:
            self.reveal.count += 1
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
        self.kind = self.message = self.hint = self.details = ""
        self.html.value = ""
        self.dismiss_button.layout.display = "none"
        self._shown(self)
