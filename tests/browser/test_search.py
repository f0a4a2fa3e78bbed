"""The search dashboard in Voila + Chromium: query, results, stats, clones."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_then_click_a_ds_id_to_see_its_clones(dashboard, demo):
    page = dashboard.open("search.ipynb")
    box = page.locator(".ndw-search-query input")
    box.wait_for(timeout=60_000)
    box.fill("url:ndw-demo-raw")
    page.locator(".ndw-search-button").click()
    rows = page.locator(".ndw-search-row")
    expect(rows).to_have_count(1, timeout=30_000)  # the newest datasets listed on opening give way
    assert "github.com/ndw-lab/ndw-demo-raw.git" in rows.first.inner_text()
    assert page.locator(".ndw-stat-urls").inner_text() == "1"
    page.locator(".ndw-search-dsid").first.click()
    # ds_id:<id> lists every URL of the dataset: the demo's raw folder and its GitHub clone
    page.locator(".ndw-stat-urls", has_text="2").wait_for(timeout=30_000)
    rows.nth(1).wait_for(timeout=30_000)
    assert rows.count() == 2
    text = page.locator(".ndw-search-results").inner_text()
    assert demo["subdatasets"][0] in text and "ndw-demo-raw.git" in text
    assert page.locator(".ndw-stat-unique").inner_text() == "1"
    assert page.locator(".ndw-search-query input").input_value().startswith("ds_id:")


def test_a_bad_query_shows_where_the_error_is(dashboard):
    page = dashboard.open("search.ipynb")
    box = page.locator(".ndw-search-query input")
    box.wait_for(timeout=60_000)
    box.fill("colour:red")
    page.locator(".ndw-search-button").click()
    page.locator(".ndw-banner-error").wait_for(timeout=30_000)
    assert "Unknown field: 'colour'" in page.locator(".ndw-banner-error").inner_text()
