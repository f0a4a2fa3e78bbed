"""How the dashboards look and feel: reference images, the dark theme, the table, the lineage graph."""
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .axe import axe_problems
from .conftest import save_screenshot

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DASHBOARDS = ["portal", "explorer", "provenance", "search", "xnat", "globus"]

# a node's box fill and its label's fill, as computed by the browser (rgb(...) or color(srgb ...))
_NODE_COLOURS = """(g) => [getComputedStyle(g.querySelector('rect')).fill,
                          getComputedStyle(g.querySelector('text')).fill]"""


def _luminance(css: str) -> float:
    numbers = [float(x) for x in re.findall(r"[\d.]+", css.split("(", 1)[1])][:3]
    channels = numbers if css.startswith("color(") else [n / 255 for n in numbers]
    return sum(w * c for w, c in zip((0.2126, 0.7152, 0.0722), channels))


# what a dashboard shows once its first answer arrived (listings come from the background after "ready")
SHOWN = {"explorer": ".ndw-explorer .ndw-dt-table tbody tr", "provenance": ".ndw-lineage-graph g.ndw-node-run"}


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_matches_its_reference_image_and_holds_at_480_px(logged_out, dashboard, demo, reference_image,
                                                                   layout_check, name):
    page = dashboard.open(f"{name}.ipynb")
    if name in SHOWN:
        page.locator(SHOWN[name]).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # anywidget front ends draw after the kernel said ready
    assert page.locator(".ndw-header").first.bounding_box()["y"] < 60  # the page starts with its header
    reference_image(page, name)
    # the same page, not run again, at 1280 px and on a half laptop screen: nothing cut, wrapped or unreadable
    problems = {1280: layout_check(page) + axe_problems(page)}
    page.set_viewport_size({"width": 480, "height": 800})
    page.wait_for_timeout(400)
    save_screenshot(page, ARTIFACTS / f"looks-{name}-480.png")
    problems[480] = layout_check(page) + axe_problems(page)
    page.set_viewport_size({"width": 1280, "height": 800})  # the page's own screenshot at the end
    assert not problems[1280] and not problems[480], "\n".join(
        f"{width}px: {p}" for width, found in problems.items() for p in found)


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_in_voila_dark_theme_holds_at_both_widths(dashboard, demo, layout_check, name):
    """Voila's dark theme (``?theme=dark``), at 1280 px and 480 px: nothing cut, wrapped or unreadable, and no
    serious WCAG 2.1 A/AA violation (axe-core)."""
    page = dashboard.open(f"{name}.ipynb", query="theme=dark")
    if name in SHOWN:
        page.locator(SHOWN[name]).first.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # anywidget front ends draw after the kernel said ready
    assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false", "the dark theme is not on"
    problems = {1280: layout_check(page) + axe_problems(page)}
    page.set_viewport_size({"width": 480, "height": 800})
    page.wait_for_timeout(400)
    save_screenshot(page, ARTIFACTS / f"looks-{name}-dark-480.png")
    problems[480] = layout_check(page) + axe_problems(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not problems[1280] and not problems[480], "\n".join(
        f"{width}px: {p}" for width, found in problems.items() for p in found)


def test_dark_theme_lineage_graph_fits_and_a_run_node_selects_its_row(dashboard, demo, contrast):
    page = dashboard.open("provenance.ipynb", query="theme=dark")
    header = page.locator(".ndw-provenance-runs .ndw-table th").first
    header.wait_for(timeout=60_000)
    assert contrast(header) >= 4.5, "table headers are hard to read on the dark theme"
    cell = page.locator(".ndw-provenance-runs .ndw-table td").nth(1)
    assert contrast(cell) >= 4.5
    # the whole graph is inside its panel: no node cut off at the right
    view = page.locator(".ndw-lineage-graph .ndw-lg-view")
    view.wait_for(timeout=60_000)
    box = view.bounding_box()
    nodes = page.locator(".ndw-lineage-graph g[data-node]")
    for i in range(nodes.count()):
        b = nodes.nth(i).bounding_box()
        assert box["x"] - 1 <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    # the nodes are drawn in the dark theme's colours: dark boxes with light words, not light boxes
    run = page.locator(".ndw-lineage-graph g.ndw-node-run").first
    box_fill, words = run.evaluate(_NODE_COLOURS)
    assert _luminance(box_fill) < 0.2 and _luminance(words) > 0.5, (box_fill, words)
    page.locator(".ndw-lineage-graph .ndw-lg-zoom-in").click()  # zoom works and Fit brings it all back
    page.locator(".ndw-lineage-graph .ndw-lg-fit").click()
    # a click on a run node makes that run the active row of the runs table
    node = page.locator(".ndw-lineage-graph g.ndw-node-run", has_text="Plot mean intensity")
    node.click()
    expect(page.locator(".ndw-provenance-runs tr.ndw-dt-active")).to_contain_text("Plot mean intensity",
                                                                                 timeout=30_000)
    # rerun on one line
    button = page.locator(".ndw-rerun button, button.ndw-rerun").first
    assert button.evaluate("(b) => b.scrollHeight <= b.clientHeight + 2 && getComputedStyle(b).whiteSpace") \
        == "nowrap"


def test_table_ranges_sorting_and_keys(dashboard, demo_clone, tick_row):
    page = dashboard.open("explorer.ipynb", query="dataset=" + quote(str(demo_clone)))
    explorer = page.locator(".ndw-explorer")
    rows = explorer.locator(".ndw-dt-table tbody tr")
    rows.first.wait_for(timeout=60_000)
    n = rows.count()
    assert n >= 4
    rows.nth(0).locator("input[type=checkbox]").click()
    rows.nth(3).locator("input[type=checkbox]").click(modifiers=["Shift"])  # a range
    expect(explorer.locator(".ndw-dt-info")).to_contain_text("4 selected", timeout=30_000)
    expect(explorer.locator(".ndw-storage")).to_contain_text("get selection adds", timeout=30_000)
    # sorting by a header, both ways
    header = explorer.locator(".ndw-dt-table th", has_text="item")
    header.click()
    expect(header).to_have_attribute("aria-sort", "ascending", timeout=30_000)
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending", timeout=30_000)
    # the keyboard: arrows move the active row, Enter opens a folder
    explorer.locator(".ndw-dt-table").focus()
    page.keyboard.press("ArrowDown")
    expect(explorer.locator("tr.ndw-dt-active")).to_have_count(1, timeout=30_000)
    tick_row(explorer, "figures")  # leaves no trace when opened below
    explorer.locator(".ndw-dt-table tbody tr", has_text="figures").first.dblclick()
    expect(explorer.locator(".ndw-crumbs").first).to_contain_text("figures", timeout=30_000)


@pytest.mark.parametrize("width", [1280, 480])
def test_xnat_tree_with_a_detail_holds_on_a_narrow_window(dashboard, layout_check, width):
    """The XNAT tree logged in, expanded and with a row's detail open: its words readable, nothing cut, the
    table's hidden columns announced by a cue."""
    page = dashboard.open("xnat.ipynb")
    page.set_viewport_size({"width": width, "height": 800})
    page.locator(".ndw-xnat-anonymous input").check()
    page.locator(".ndw-xnat-login-button").click()
    page.locator(".ndw-xnat-user-name", has_text="guest").wait_for(timeout=30_000)
    rows = page.locator(".ndw-xnat-tree .ndw-dt-table tbody tr:not(.ndw-dt-detail)")
    for name in ("DEMO_PUBLIC", "sub-001", "sub-001_MR1", "scan"):  # down to a scan's resources
        row = rows.filter(has_text=name).last if name == "scan" else rows.filter(has_text=name).first
        row.locator(".ndw-dt-twist").click()
        expect(row.locator(".ndw-dt-twist")).to_have_attribute("aria-expanded", "true", timeout=30_000)
    rows.filter(has_text="scan").last.locator("td").nth(2).click()  # the deepest scan's detail
    page.locator(".ndw-xnat-tree .ndw-dt-detail").wait_for(timeout=30_000)
    page.wait_for_timeout(400)
    save_screenshot(page, ARTIFACTS / f"looks-xnat-tree-{width}.png")
    problems = layout_check(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["globus", "xnat", "portal", "search"])
def test_one_sandbox_badge_per_page(dashboard, name):
    """Several widgets on one stand-in (a login and a browser) say "demo sandbox" once per page."""
    page = dashboard.open(f"{name}.ipynb")
    badges = page.locator(".ndw-sandbox-badge:visible")
    expect(badges).to_have_count(1, timeout=30_000)
    page.wait_for_timeout(500)  # no second one follows
    expect(badges).to_have_count(1)
    # it sits at the top, under the header, not further down the page
    assert badges.first.bounding_box()["y"] < page.locator(".ndw-header").first.bounding_box()["y"] + 200
