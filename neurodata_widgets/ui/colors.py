"""The toolkit's colours, free of any widget library: SVG and HTML built by logic modules use them too.

Examples
--------
>>> from neurodata_widgets.ui.colors import COLORS
>>> COLORS["error"]
'var(--jp-error-color1, #c62828)'
"""
from __future__ import annotations

# JupyterLab's theme variables (defined by Lab and by Voila's lab template, light and dark) with the
# light-theme colour as a fallback for other front ends: nothing here is hard-coded to one background
COLORS = {"primary": "var(--jp-brand-color1, #1f6f8b)", "accent": "var(--jp-accent-color1, #e5a823)",
          "ok": "var(--jp-success-color1, #2e7d32)", "warn": "var(--jp-warn-color1, #b26a00)",
          "error": "var(--jp-error-color1, #c62828)", "info": "var(--jp-info-color1, #1565c0)",
          "muted": "var(--jp-ui-font-color2, #5f6b73)", "bg": "var(--jp-layout-color2, #f6f8fa)",
          "surface": "var(--jp-layout-color1, #ffffff)", "text": "var(--jp-ui-font-color1, #1f2328)",
          "border": "var(--jp-border-color1, #d0d7de)", "rule": "var(--jp-border-color2, #eaeef2)"}
