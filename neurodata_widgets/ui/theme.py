"""One look for every widget and dashboard: colours, spacing, the header, responsive rules."""
from __future__ import annotations

import ipywidgets as widgets

from .colors import COLORS
from .html import escape

CSS = f"""
<style>
.ndw {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px; }}
.ndw-header {{ background: {COLORS['primary']}; color: white; padding: 10px 16px; border-radius: 6px; }}
.ndw-header h1 {{ font-size: 20px; margin: 0; color: white; }}
.ndw-header p {{ margin: 2px 0 0 0; opacity: .9; }}
.ndw-banner {{ padding: 6px 10px; border-radius: 4px; margin: 4px 0; }}
.ndw-banner-info {{ background: #e3f2fd; color: {COLORS['info']}; }}
.ndw-banner-ok {{ background: #e8f5e9; color: {COLORS['ok']}; }}
.ndw-banner-warn {{ background: #fff8e1; color: {COLORS['warn']}; }}
.ndw-banner-error {{ background: #ffebee; color: {COLORS['error']}; border-left: 4px solid {COLORS['error']}; }}
.ndw-banner .ndw-hint {{ color: {COLORS['muted']}; display: block; font-size: 12px; }}
.ndw-badge {{ display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; margin-right: 3px;
             background: #eceff1; color: #37474f; }}
.ndw-badge-ok {{ background: #e8f5e9; color: {COLORS['ok']}; }}
.ndw-badge-warn {{ background: #fff8e1; color: {COLORS['warn']}; }}
.ndw-badge-error {{ background: #ffebee; color: {COLORS['error']}; }}
.ndw-badge-info {{ background: #e3f2fd; color: {COLORS['info']}; }}
.ndw-table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
.ndw-table th {{ text-align: left; background: {COLORS['bg']}; border-bottom: 2px solid #d0d7de; padding: 4px 8px; }}
.ndw-table td {{ border-bottom: 1px solid #eaeef2; padding: 3px 8px; vertical-align: top;
                word-break: break-word; }}
.ndw-muted {{ color: {COLORS['muted']}; }}
.ndw-card {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin: 4px 0; }}
@media (max-width: 700px) {{
  .ndw-table {{ font-size: 12px; }} .ndw-header h1 {{ font-size: 17px; }}
  /* narrow windows: rows of controls wrap instead of running off the page */
  .jp-OutputArea-output .widget-hbox {{ flex-wrap: wrap; }}
  .jp-OutputArea-output .widget-inline-hbox {{ max-width: 100%; flex-wrap: wrap; }}
  .jp-OutputArea-output .widget-inline-hbox input, .jp-OutputArea-output .widget-inline-hbox select {{ min-width: 0; }}
  .jp-OutputArea-output .widget-text, .jp-OutputArea-output .widget-password,
  .jp-OutputArea-output .widget-dropdown, .jp-OutputArea-output .widget-select-multiple {{ max-width: 100%; }}
}}
</style>
"""


def style() -> widgets.HTML:
    """The stylesheet as a widget; put it once at the top of a dashboard (widgets add it themselves too)."""
    return widgets.HTML(CSS, layout=widgets.Layout(height="0px", margin="0"))


def header(title: str, subtitle: str = "") -> widgets.HTML:
    """The dashboard header (same on every page)."""
    sub = f"<p>{escape(subtitle)}</p>" if subtitle else ""
    return widgets.HTML(f'{CSS}<div class="ndw ndw-header"><h1>{escape(title)}</h1>{sub}</div>',
                        layout=widgets.Layout(width="100%"))


def ready() -> widgets.HTML:
    """An invisible marker shown by a dashboard's last cell; browser tests wait for ``.ndw-ready``."""
    return widgets.HTML('<span class="ndw-ready"></span>', layout=widgets.Layout(height="0px", margin="0"))
