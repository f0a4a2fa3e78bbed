"""The handbook builds with warnings as errors, every code cell executed, and every internal link resolving."""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

HANDBOOK = Path(__file__).resolve().parents[2] / "handbook"


@pytest.fixture(scope="module")
def built(built_handbook):
    """``make docs`` run from a plain shell (tests/conftest.py), shared with tests/test_readme_commands.py."""
    return built_handbook


def test_builds_without_warnings(built):
    out, proc = built
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert (out / "index.html").exists()


def _source_code_cells():
    count = 0
    for page in HANDBOOK.rglob("*.md"):
        if "_build" in page.parts:
            continue
        count += len(re.findall(r"^```\{code-cell\}", page.read_text(), flags=re.M))
    return count


def test_every_code_cell_executed(built):
    out, proc = built
    executed = 0
    for nb_path in (out.parent / "jupyter_execute").rglob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.get("execution_count"), f"cell not executed in {nb_path.name}: {cell.source[:80]}"
                assert not [o for o in cell.get("outputs", []) if o.output_type == "error"]
                executed += 1
    assert executed == _source_code_cells() > 0


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.hrefs.append(attrs[key])


def test_internal_links_resolve(built):
    out, _ = built
    pages = {p: _parse(p) for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts}
    broken = []
    for page, parsed in pages.items():
        for href in parsed.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(out)} -> {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(out)} -> {href} (no such anchor)")
    assert not broken, broken[:20]


def _parse(path):
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


@pytest.mark.browser
def test_widgets_render_offline(built, browser):
    """A built page shows its widgets with the network blocked: the widget manager is served with the pages."""
    out, proc = built
    assert proc.returncode == 0, proc.stderr[-3000:]
    page_path = out / "codealong/search.html"
    assert "application/vnd.jupyter.widget-state+json" in page_path.read_text()
    blocked, failed = [], []
    context = browser.new_context()
    try:
        # the network is blocked: only the built files themselves load
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else (blocked.append(route.request.url), route.abort())[1])
        page = context.new_page()
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(page_path.as_uri())
        search_button = page.locator(".ndw-search .widget-button", has_text="Search").first
        search_button.wait_for(state="visible", timeout=60_000)
        search_button.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "test-artifacts/handbook-offline.png"))
    finally:
        context.close()
    assert not blocked, blocked
    assert not failed, failed
