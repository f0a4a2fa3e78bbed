"""The portal in Voila + Chromium: the whole journey, search -> install -> explorer -> provenance."""
import subprocess
from urllib.parse import quote

import pytest

from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_portal_opens_on_the_demo_with_every_tab(dashboard, demo):
    page = dashboard.open("portal.ipynb")
    portal = page.locator(".ndw-portal")
    portal.wait_for(timeout=60_000)
    expect(page.locator(".ndw-login-panel")).to_contain_text("XNAT: not logged in")
    # Globus may be logged in already: the session's token file is shared by the tests before this one
    expect(page.locator(".ndw-login-panel")).to_contain_text("Globus: ")
    for title in ("Search", "Explorer", "Provenance", "XNAT", "Globus"):
        expect(page.get_by_role("tab", name=title)).to_be_visible()
    page.get_by_role("tab", name="Explorer").click()
    expect(page.locator(".ndw-explorer .ndw-crumbs").first).to_contain_text("ndw-demo", timeout=60_000)


def test_search_install_get_and_lineage(dashboard, demo, tmp_path, tick_row):
    page = dashboard.open("portal.ipynb")
    search = page.locator(".ndw-search")
    box = search.locator(".ndw-search-query input")
    box.wait_for(timeout=60_000)
    # type a search and open a result: the demo superdataset
    box.fill(f'url:"{demo["superdataset"]}"')  # a substring: the registry has no exact match (':=')
    search.locator(".ndw-search-button").click()
    rows = search.locator(".ndw-dt-table tbody tr").filter(
        has=page.locator(f'.ndw-search-url[title="{demo["superdataset"]}"]'))
    # the superdataset and its two subdatasets (the newest datasets, listed on opening, give way)
    expect(search.locator(".ndw-dt-info")).to_have_text("3 rows", timeout=30_000)
    expect(rows).to_have_count(1)
    rows.first.locator("td").nth(2).click()  # its row: the active row, which Install takes when nothing is ticked
    expect(search.locator(".ndw-search-selection")).to_contain_text(demo["superdataset"], timeout=30_000)
    # install it (a clone without content) and land in the explorer
    search.locator(".widget-text", has_text="Into").locator("input").fill(str(tmp_path))
    search.locator(".ndw-search-install").click()
    explorer = page.locator(".ndw-explorer")
    expect(explorer.locator(".ndw-crumbs").first).to_contain_text("ndw-demo", timeout=120_000)
    expect(page.get_by_role("tab", name="Explorer", selected=True)).to_be_visible()
    storage = explorer.locator(".ndw-storage")
    # get the figure and see the storage bar change
    tick_row(explorer, "figures")
    explorer.locator(".ndw-explorer-open").click()
    expect(explorer.locator(".ndw-crumbs").first).to_contain_text("figures", timeout=30_000)
    expect(storage).to_have_attribute("data-present", "0", timeout=30_000)
    tick_row(explorer, "mean_intensity.png")
    explorer.locator(".ndw-explorer-get").click()
    expect(storage).to_have_attribute("data-present", "407", timeout=60_000)
    assert (tmp_path / "ndw-demo" / "figures" / "mean_intensity.png").read_bytes()[:4] == b"\x89PNG"
    # an account with no git identity: git-annex noted the clone and the get under the identity the page shows
    shown = page.locator(".ndw-identity-line")
    expect(shown).to_contain_text("Changes are saved as")
    noted = subprocess.run(["git", "-C", str(tmp_path / "ndw-demo"), "log", "-1", "--format=%an <%ae>", "git-annex"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert noted and noted in shown.inner_text()
    # open its lineage graph in the provenance tab
    tick_row(explorer, "mean_intensity.png")
    explorer.locator(".ndw-explorer-provenance").click()
    expect(page.get_by_role("tab", name="Provenance", selected=True)).to_be_visible(timeout=30_000)
    focus = page.locator(".ndw-lineage-graph g.ndw-focus")
    expect(focus).to_have_attribute("data-node", "file:figures/mean_intensity.png", timeout=60_000)
    expect(page.locator(".ndw-lineage-graph g.ndw-node-run", has_text="Plot mean intensity")).to_be_visible()


def test_dataset_from_the_url(dashboard, demo_clone):
    page = dashboard.open("portal.ipynb", query="dataset=" + quote(str(demo_clone)))
    page.get_by_role("tab", name="Provenance").click()
    expect(page.locator(".ndw-provenance-runs .ndw-table tbody tr").first).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Explorer").click()
    storage = page.locator(".ndw-explorer .ndw-storage")
    storage.wait_for(timeout=60_000)
    # the clone has its annexed content absent, unlike the demo it came from
    assert int(storage.get_attribute("data-present")) < int(storage.get_attribute("data-total"))


@pytest.mark.parametrize("notebook", ["portal.ipynb", "explorer.ipynb", "search.ipynb", "xnat.ipynb",
                                      "provenance.ipynb", "globus.ipynb"])
def test_narrow_window_has_no_sideways_scrolling(dashboard, notebook):
    dashboard.page.set_viewport_size({"width": 480, "height": 900})
    page = dashboard.open(notebook)
    page.locator(".ndw-header").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 2, f"{notebook} is {overflow}px wider than a 480px window"
    # nothing visible is cut off at the right edge either (boxes hide what overflows them)
    controls = ", ".join(f".jp-OutputArea-output {tag}" for tag in ("input", "button", "select"))
    cut = page.evaluate("""(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null && e.getBoundingClientRect().width > 0
        && e.getBoundingClientRect().right > window.innerWidth + 2).map(e => e.outerHTML.slice(0, 80))""", controls)
    assert not cut, f"{notebook}: controls cut off at the right edge: {cut}"
