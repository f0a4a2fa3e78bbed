"""The "demo sandbox" badge: every widget connected to a stand-in says so, visibly.

A stand-in is a service of the sandbox chosen for this process (started here, or named by
``NDW_SANDBOX``), see :func:`neurodata_widgets.config.is_sandbox`. For a real server the
badge is empty and takes no room.

Examples
--------
>>> from neurodata_widgets.ui.badge import SandboxBadge
>>> badge = SandboxBadge("https://xnat.example.org")
>>> badge.shown, badge.value
(False, '')
"""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Bool

from ..config import is_sandbox
from .html import escape
from .theme import COLORS, tint  # the theme's colours: readable on light and dark

TEXT = "demo sandbox"
TITLE = ("This widget talks to a stand-in of the real service, running on this machine with generated data "
         "(chosen with NDW_SANDBOX or by starting a Sandbox). Nothing you do here reaches a real server.")


class SandboxBadge(widgets.HTML):
    """A small "demo sandbox" label shown while the widget's server is a sandbox stand-in."""

    shown = Bool(False, help="whether the badge is shown (the server is a sandbox stand-in)").tag(sync=True)

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
