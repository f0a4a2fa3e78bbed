"""The toolkit's colours, free of any widget library: SVG and HTML built by logic modules use them too.

Examples
--------
>>> from neurodata_widgets.ui.colors import COLORS
>>> COLORS["error"]
'#c62828'
"""
from __future__ import annotations

COLORS = {"primary": "#1f6f8b", "accent": "#e5a823", "ok": "#2e7d32", "warn": "#b26a00",
          "error": "#c62828", "info": "#1565c0", "muted": "#5f6b73", "bg": "#f6f8fa"}
