"""The "demo sandbox" badge: every widget connected to a stand-in says so, visibly.

A stand-in is a service of the sandbox chosen for this process (started here, or named by
``NDW_SANDBOX``), see :func:`neurodata_widgets.config.is_sandbox`. For a real server the
badge is empty and takes no room. A page shows one badge: when several widgets on one page talk to
stand-ins (a login and a browser), the first badge a user can see stays and the others step aside.

Examples
--------
>>> from neurodata_widgets.ui.badge import SandboxBadge
>>> badge = SandboxBadge("https://xnat.example.org")
>>> badge.shown, badge.value
(False, '')
"""
from __future__ import annotations

from pathlib import Path

import anywidget
from traitlets import Bool, Unicode

from ..config import is_sandbox
from .html import escape
from .theme import COLORS, tint  # the theme's colours: readable on light and dark

TEXT = "demo sandbox"
TITLE = ("This widget talks to a stand-in of the real service, running on this machine with generated data "
         "(chosen with NDW_SANDBOX or by starting a Sandbox). Nothing you do here reaches a real server.")


class SandboxBadge(anywidget.AnyWidget):
    """A small "demo sandbox" label shown while the widget's server is a sandbox stand-in (once per page)."""

    _esm = Path(__file__).with_name("badge.js").read_text()
    _css = (".ndw-sandbox-badge-box { margin: var(--jp-widgets-margin, 2px); "
            "line-height: var(--jp-widgets-inline-height, 28px); }\n"
            ".ndw-sandbox-badge-box.ndw-badge-repeat { display: none !important; }")
    shown = Bool(False, help="whether the badge is shown (the server is a sandbox stand-in)").tag(sync=True)
    value = Unicode("", help="the badge's HTML ('' when the server is not a stand-in)").tag(sync=True)

    def __init__(self, url: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.add_class("ndw-sandbox-badge-box")
        self.update(url)

    def update(self, *urls) -> None:
        """Show the badge when any of ``urls`` is a sandbox stand-in, hide it otherwise."""
        self.shown = any(is_sandbox(u) for u in urls if u)
        self.value = (f'<span class="ndw-sandbox-badge" title="{escape(TITLE)}" style="display:inline-block;'
                      f'padding:1px 8px;border-radius:9px;background:{tint(COLORS["warn"], 18)};'
                      f'color:{COLORS["text"]};border:1px solid {COLORS["warn"]};'
                      f'font-size:12px;font-weight:600">{TEXT}</span>') if self.shown else ""
        self.layout.display = None if self.shown else "none"
