"""One look for every widget and dashboard: colours, spacing, the header, responsive rules."""
from __future__ import annotations

import ipywidgets as widgets

from .colors import COLORS
from .html import escape


# the whole width of the box a control sits in, less the side margins ipywidgets gives every control
FULL = "calc(100% - 2 * var(--jp-widgets-margin, 2px))"


def tint(color: str, percent: int = 14) -> str:
    """A faint background of ``color`` that reads on light and dark themes alike."""
    return f"color-mix(in srgb, {color} {percent}%, transparent)"


TABLE_CSS = f"""
.ndw-dt {{ font-size: 13px; color: {COLORS['text']}; max-width: 100%; }}
.ndw-dt-bar {{ display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; justify-content: space-between;
              margin: 2px 0 4px 0; }}
.ndw-dt-info {{ color: {COLORS['muted']}; }}
.ndw-dt-pager button {{ margin-left: 4px; }}
.ndw-dt-scroll {{ overflow-x: auto; max-width: 100%; }}
.ndw-dt-scroll:focus-visible {{ outline: 2px solid {COLORS['primary']}; outline-offset: 1px; }}
/* a shadow on each side of the table that hides columns; in the text colour, so it shows on dark themes too */
.ndw-dt-frame {{ position: relative; max-width: 100%; }}
.ndw-dt-cue {{ position: absolute; top: 0; bottom: 0; width: 28px; pointer-events: none; opacity: 0;
              transition: opacity 0.15s; }}
.ndw-dt-cue-left {{ left: 0; background: linear-gradient(to right, {tint(COLORS['text'], 35)}, transparent); }}
.ndw-dt-cue-right {{ right: 0; background: linear-gradient(to left, {tint(COLORS['text'], 35)}, transparent); }}
.ndw-dt-cue-on {{ opacity: 1; }}
@media (prefers-reduced-motion: reduce) {{ .ndw-dt-cue {{ transition: none; }} }}
.ndw-table {{ border-collapse: collapse; width: 100%; font-size: 13px; color: {COLORS['text']}; }}
.ndw-table th {{ text-align: left; background: {COLORS['bg']}; color: {COLORS['text']};
                border-bottom: 2px solid {COLORS['border']}; padding: 4px 8px; white-space: nowrap; }}
.ndw-table td {{ border-bottom: 1px solid {COLORS['rule']}; padding: 3px 8px; vertical-align: top;
                overflow-wrap: break-word; }}  /* words stay whole ("rerun", not "reru/n"); wide tables scroll */
.ndw-table th.ndw-dt-wordy {{ min-width: 14em; }}
.ndw-table th.ndw-dt-words {{ min-width: 9em; }}
/* a narrow table shows its stacked columns under the first column's text, not beside it (drawn, not copied:
   the page holds the text once) */
.ndw-dt-narrow td[data-under]::after {{ content: attr(data-under); display: block; white-space: normal;
                                       color: {COLORS['text']}; font-size: 12px; }}
.ndw-dt-narrow td.ndw-dt-node[data-under]::after {{ margin-left: 20px; }}
.ndw-dt-narrow [data-stacked] {{ display: none; }}
.ndw-dt-sort {{ cursor: pointer; user-select: none; }}
.ndw-dt-check {{ width: 24px; }}
.ndw-dt-table:focus {{ outline: 2px solid {COLORS['primary']}; outline-offset: 1px; }}
.ndw-dt-table tbody tr {{ cursor: default; }}
.ndw-dt-table tbody tr:hover {{ background: {tint(COLORS['primary'], 6)}; }}
.ndw-dt-selected {{ background: {tint(COLORS['primary'], 12)}; }}
.ndw-dt-active {{ box-shadow: inset 3px 0 0 {COLORS['primary']}; }}
.ndw-dt-detail > td {{ background: {COLORS['bg']}; }}
.ndw-dt-busy {{ display: flex; align-items: center; gap: 8px; padding: 3px 8px; margin-bottom: 2px;
               background: {tint(COLORS['info'])}; border-left: 4px solid {COLORS['info']}; border-radius: 3px; }}
.ndw-dt-busy[hidden] {{ display: none; }}
.ndw-dt-busy .ndw-dt-cancel {{ margin-left: auto; }}
.ndw-dt-spinner {{ width: 12px; height: 12px; border-radius: 50%; border: 2px solid {COLORS['border']};
                  border-top-color: {COLORS['primary']}; animation: ndw-dt-spin 0.8s linear infinite;
                  flex: none; }}
@keyframes ndw-dt-spin {{ to {{ transform: rotate(360deg); }} }}
.ndw-dt-is-busy tbody {{ opacity: 0.55; }}
.ndw-dt-node {{ white-space: nowrap; }}
.ndw-dt-twist {{ display: inline-block; width: 18px; margin-right: 2px; padding: 0; border: none; background: none;
                color: {COLORS['text']}; cursor: pointer; font-size: 12px; text-align: center; }}
span.ndw-dt-twist {{ cursor: default; }}
"""

CSS = f"""
<style>
.ndw {{ font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
        font-size: 14px; color: {COLORS['text']}; }}
/* darker than the theme's brand colour, so white text reads at >= 4.5:1 on light and dark themes alike */
.ndw-header {{ background: color-mix(in srgb, {COLORS['primary']} 72%, #000); color: white; padding: 10px 16px;
               border-radius: 6px; }}
/* the header's widget spans its output exactly: ipywidgets' 2 px side margins would push it past a 100 % width */
.jupyter-widgets.ndw-header-box {{ margin-left: 0; margin-right: 0; }}
.ndw-header h1 {{ font-size: 20px; margin: 0; color: white; }}
.ndw-header p {{ margin: 2px 0 0 0; }}
.ndw-banner {{ padding: 6px 10px; border-radius: 4px; margin: 4px 0; color: {COLORS['text']};
              border-left: 4px solid transparent; overflow-wrap: anywhere; }}
.ndw-banner-info {{ background: {tint(COLORS['info'])}; border-left-color: {COLORS['info']}; }}
.ndw-banner-ok {{ background: {tint(COLORS['ok'])}; border-left-color: {COLORS['ok']}; }}
.ndw-banner-warn {{ background: {tint(COLORS['warn'])}; border-left-color: {COLORS['warn']}; }}
.ndw-banner-error {{ background: {tint(COLORS['error'])}; border-left-color: {COLORS['error']}; }}
.ndw-banner-box.widget-hbox {{ flex-wrap: nowrap !important; }}  /* Dismiss stays beside the message */
/* on a tinted banner the theme's grey reads below 4.5:1 (4.42 on the info tint): hints keep the body colour */
.ndw-banner .ndw-hint {{ color: {COLORS['text']}; display: block; font-size: 12px; }}
.ndw-banner-details {{ font-size: 12px; color: {COLORS['text']}; }}
.ndw-banner-details code {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.ndw-banner-links {{ display: block; margin-top: 4px; }}
a.ndw-link-button {{ display: inline-block; padding: 2px 12px; line-height: 24px; border-radius: 2px;
                    background: {COLORS['primary']}; color: white !important; text-decoration: none;
                    margin: 2px 6px 2px 0; }}
a.ndw-link-button:hover {{ filter: brightness(1.1); }}
.ndw-badge {{ display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; margin-right: 3px;
             background: {tint(COLORS['muted'], 18)}; color: {COLORS['text']}; white-space: nowrap; }}
.ndw-badge-ok {{ background: {tint(COLORS['ok'], 20)}; }}
.ndw-badge-warn {{ background: {tint(COLORS['warn'], 20)}; }}
.ndw-badge-error {{ background: {tint(COLORS['error'], 22)}; }}
.ndw-badge-info {{ background: {tint(COLORS['info'], 20)}; }}
{TABLE_CSS}
.ndw-muted {{ color: {COLORS['muted']}; }}
.ndw-card {{ border: 1px solid {COLORS['border']}; border-radius: 6px; padding: 8px 12px; margin: 4px 0;
            max-width: 100%; box-sizing: border-box; overflow-wrap: anywhere; }}
.ndw-card pre {{ white-space: pre-wrap; }}
/* buttons keep their words on one line ("rerun" never wraps as "reru/n") */
.ndw-nowrap-buttons .jupyter-button, .jupyter-widgets.jupyter-button {{ white-space: nowrap; min-width: fit-content; }}
/* rows of controls wrap instead of running off the page, at any width */
.ndw-portal .widget-hbox, .ndw-wrap {{ flex-wrap: wrap; }}
/* JupyterLab greys inactive tab titles and card headers to 4.45:1; ours read at the body text's contrast */
.ndw-login-card-toggle.jupyter-button {{ justify-content: flex-start; text-align: left; font-weight: 600; }}
.ndw-portal .lm-TabBar-tab, .ndw-portal .lm-TabBar-tabLabel, .ndw-portal .jupyter-widget-Collapse-header,
.ndw-portal .jupyter-widget-Collapse-header span {{ color: {COLORS['text']} !important; }}
/* the status bar sits under the tabs and sticks to the window's bottom: a job row appearing moves nothing */
.ndw-portal > .ndw-status-bar {{ position: sticky; bottom: 0; z-index: 10; background: var(--jp-layout-color1, #fff); }}
.ndw-portal > .ndw-status-bar:not(:empty) {{ border-top: 1px solid var(--jp-border-color2, #e0e0e0); }}
/* one "demo sandbox" badge per page: the portal's own, under its title */
.ndw-portal > * .ndw-sandbox-badge-box {{ display: none !important; }}
/* a control never wider than its box, its own 2 px side margins included */
.ndw-portal .widget-inline-hbox, .jupyter-widgets.ndw-fit {{ max-width: {FULL}; }}
.ndw-portal .widget-inline-hbox input, .ndw-portal .widget-inline-hbox select, .ndw-fit input {{ min-width: 0; }}
/* the portal's tab titles stay whole: on a narrow page the tabs wrap onto a second row instead of "Proven…" */
.ndw-portal .jupyter-widget-tab > .lm-TabBar > .lm-TabBar-content {{ flex-wrap: wrap; }}
.ndw-portal .jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab {{ flex: 0 0 auto; min-width: fit-content; }}
@media (max-width: 700px) {{
  .ndw-table {{ font-size: 12px; }} .ndw-header h1 {{ font-size: 17px; }}
  .jp-OutputArea-output .widget-hbox {{ flex-wrap: wrap; }}
  .jp-OutputArea-output .widget-inline-hbox {{ max-width: {FULL}; flex-wrap: wrap; }}
  .jp-OutputArea-output .widget-inline-hbox input, .jp-OutputArea-output .widget-inline-hbox select {{ min-width: 0; }}
  .jp-OutputArea-output .widget-text, .jp-OutputArea-output .widget-password,
  .jp-OutputArea-output .widget-dropdown, .jp-OutputArea-output .widget-select-multiple,
  .jp-OutputArea-output .widget-text input {{ max-width: 100%; }}
  .jp-OutputArea-output .widget-text, .jp-OutputArea-output .widget-dropdown,
  .jp-OutputArea-output .widget-datepicker {{ width: {FULL} !important; }}
  /* a control whose label wraps above its field grows instead of spilling over the row below */
  .jp-OutputArea-output .widget-inline-hbox {{ height: auto; }}
}}
</style>
"""


_STYLE: list = []  # the kernel's one stylesheet widget


def style() -> widgets.HTML:
    """The stylesheet as a widget; put it once at the top of a dashboard (widgets add it themselves too).

    One widget serves the whole kernel: each component shows it (so it is styled in a notebook of its own), but
    a dashboard of five components sends the 10 kB stylesheet, and one more widget model, once, not five times.
    """
    if not _STYLE or _STYLE[0].comm is None:  # none yet, or closed (e.g. by Widget.close_all)
        _STYLE[:] = [widgets.HTML(CSS, layout=widgets.Layout(height="0px", margin="0"))]
    return _STYLE[0]


def header(title: str, subtitle: str = "") -> widgets.HTML:
    """The dashboard header (same on every page)."""
    sub = f"<p>{escape(subtitle)}</p>" if subtitle else ""
    html = widgets.HTML(f'{CSS}<div class="ndw ndw-header"><h1>{escape(title)}</h1>{sub}</div>',
                        layout=widgets.Layout(width="100%"))
    html.add_class("ndw-header-box")
    return html


def ready() -> widgets.HTML:
    """An invisible marker shown by a dashboard's last cell; browser tests wait for ``.ndw-ready``."""
    return widgets.HTML('<span class="ndw-ready"></span>', layout=widgets.Layout(height="0px", margin="0"))
