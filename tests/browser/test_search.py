"""The search dashboard in Voila + Chromium: the results table (tick, sort, page), a row's detail and clones,
Cancel during a slow registry, a bad query."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

ROWS = ".ndw-search-results .ndw-dt-table tbody tr:not(.ndw-dt-detail)"
# true once a full page of URLs is drawn in ascending order (the registry's answer to a header click)
SORTED = """(selector) => {
  const t = [...document.querySelectorAll(selector)].map((e) => e.textContent);
  return t.length === 10 && t.every((x, i) => i === 0 || t[i - 1] <= x);
}"""


def _open(dashboard):
    page = dashboard.open("search.ipynb")
    box = page.locator(".ndw-search-query input")
    box.wait_for(timeout=60_000)
    expect(page.locator(".ndw-search-results .ndw-dt-info")).to_contain_text("rows", timeout=60_000)
    return page, box


def _search(page, box, query):
    box.fill(query)
    page.locator(".ndw-search-button").click()


def test_a_row_detail_shows_the_metadata_and_leads_to_the_clones(dashboard, demo):
    page, box = _open(dashboard)
    _search(page, box, "url:ndw-demo-raw")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(1, timeout=30_000)  # the newest datasets listed on opening give way
    assert "github.com/ndw-lab/ndw-demo-raw.git" in rows.first.inner_text()
    assert page.locator(".ndw-stat-urls").inner_text() == "1"
    link = rows.first.locator("a.ndw-search-url")  # a web address is a real link, opening a new tab
    assert link.get_attribute("href") == "https://github.com/ndw-lab/ndw-demo-raw.git"
    assert link.get_attribute("target") == "_blank"
    rows.first.locator("td").nth(2).click()  # the row (not its link): its detail opens under it
    detail = page.locator(".ndw-search-results .ndw-dt-detail")
    expect(detail).to_contain_text("BIDS datatypes", timeout=30_000)
    ds_id = detail.locator(".ndw-search-detail-dsid").inner_text()
    page.screenshot(path=str(ARTIFACTS / "search-row-detail.png"), full_page=True)
    detail.locator(".ndw-search-clones").click()  # the row's own action, inside its detail
    # ds_id:<id> lists every URL of the dataset: the demo's raw folder and its GitHub clone
    page.locator(".ndw-stat-urls", has_text="2").wait_for(timeout=30_000)
    expect(rows).to_have_count(2, timeout=30_000)
    text = page.locator(".ndw-search-results").inner_text()
    assert demo["subdatasets"][0] in text and "ndw-demo-raw.git" in text
    assert page.locator(".ndw-stat-unique").inner_text() == "1"
    assert page.locator(".ndw-search-query input").input_value() == f"ds_id:{ds_id}"


def test_tick_rows_on_two_pages_sort_by_a_header_and_page(dashboard, demo):
    page, box = _open(dashboard)
    table = page.locator(".ndw-search-results")
    info = table.locator(".ndw-dt-info")
    expect(info).to_contain_text("page 1 of", timeout=30_000)  # more datasets than one page holds
    header = table.locator("th", has_text="dataset")
    header.click()  # the registry sorts by url (shown under each name), from page 1
    expect(header).to_have_attribute("aria-sort", "ascending", timeout=30_000)
    page.wait_for_function(SORTED, arg=f"{ROWS} .ndw-search-url", timeout=30_000)  # its answer is drawn
    urls = page.locator(f"{ROWS} .ndw-search-url")
    first = urls.all_inner_texts()
    assert len(first) == 10 and table.locator(".ndw-dt-busy").is_hidden()
    page.locator(ROWS).first.locator("input[type=checkbox]").click()
    table.locator(".ndw-dt-next").click()
    expect(info).to_contain_text("page 2 of", timeout=30_000)
    expect(urls.first).not_to_have_text(first[0], timeout=30_000)  # page 2 has arrived
    second = urls.all_inner_texts()
    assert second and second[0] >= first[-1]  # the next page of the same order
    page.locator(ROWS).first.locator("input[type=checkbox]").click()
    expect(info).to_contain_text("2 selected")  # the tick on page 1 outlived its page
    expect(page.locator(".ndw-search-install")).to_contain_text("Install 2")
    table.locator(".ndw-dt-prev").click()
    expect(urls.first).to_have_text(first[0], timeout=30_000)
    expect(page.locator(ROWS).first.locator("input[type=checkbox]")).to_be_checked()


def test_cancel_while_the_registry_hangs_leaves_a_usable_page(dashboard, faults):
    page, box = _open(dashboard)
    faults["registry"].faults.set(hang=20, pattern="dataset-urls")
    _search(page, box, "replication")
    busy = page.locator(".ndw-search-results .ndw-dt-busy")
    expect(busy).to_contain_text("Searching the registry", timeout=30_000)
    busy.locator(".ndw-dt-cancel").click()
    expect(busy).to_be_hidden(timeout=10_000)
    expect(page.locator(".ndw-banner-info")).to_contain_text("Stopped waiting for the registry")
    faults["registry"].faults.clear()
    _search(page, box, "url:ndw-demo-raw")  # at once, while the registry still sits on the first request
    expect(page.locator(ROWS)).to_have_count(1, timeout=30_000)
    expect(page.locator(".ndw-banner-info")).to_have_count(0)


def test_a_bad_query_shows_where_the_error_is(dashboard):
    page, box = _open(dashboard)
    _search(page, box, "colour:red")
    page.locator(".ndw-banner-error").wait_for(timeout=30_000)
    assert "Unknown field: 'colour'" in page.locator(".ndw-banner-error").inner_text()


def test_a_facet_button_narrows_the_query_to_as_many_rows_as_it_counts(dashboard):
    page, box = _open(dashboard)
    facet = page.locator('.ndw-search-facets .ndw-buttons-row[role="group"] button.ndw-search-facet').first
    facet.wait_for(timeout=30_000)
    label = facet.inner_text()  # "value (count)"
    count = int(label.rsplit("(", 1)[1].rstrip(")"))
    facet.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard works as a click
    expect(box).to_have_value(re.compile(r"metadata\["), timeout=30_000)
    info = page.locator(".ndw-search-results .ndw-dt-info")
    expect(info).to_have_text(re.compile(rf"^{count} rows?( · page 1 of \d+)?$"), timeout=30_000)
