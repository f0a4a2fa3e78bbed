"""WCAG 2.1 A/AA, checked by axe-core in the browser: the portal, each tab open, light and dark, 1280 and 480 px.

axe-core (npm, installed by ``make test`` into ``.venv/node``) runs inside the page over our widgets only (Voila's
and JupyterLab's own chrome are not ours to fix). A serious or critical violation fails the test; the list names
the rule, the element and axe's own summary, and is saved to ``test-artifacts/axe-*.json``.
"""
import json
from pathlib import Path

import pytest

from .axe import PORTAL_TABS, axe_problems

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TABS = list(PORTAL_TABS)
SHOWN = PORTAL_TABS


def _open_tab(page, title: str) -> None:
    page.locator(".ndw-portal .lm-TabBar-tab", has_text=title).first.click()
    page.locator(f".ndw-portal {SHOWN[title]}").first.wait_for(timeout=120_000)
    page.wait_for_timeout(600)  # anywidget front ends draw after the kernel answered


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_portal_passes_axe_in_every_tab_at_both_widths(dashboard, demo, theme):
    page = dashboard.open("portal.ipynb", query="theme=dark" if theme == "dark" else "")
    found = {}
    for title in TABS:
        _open_tab(page, title)
        for width in (1280, 480):
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(300)
            problems = axe_problems(page)
            if problems:
                found[f"{title} {width}px"] = problems
        page.set_viewport_size({"width": 1280, "height": 800})
    (ARTIFACTS / f"axe-portal-{theme}.json").write_text(json.dumps(found, indent=2))
    assert not found, "\n".join(f"{where}: {p}" for where, ps in found.items() for p in ps)
