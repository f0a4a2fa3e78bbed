"""One search parses its query once and computes its matches once (results, stats and facets share them)."""
from __future__ import annotations

from unittest.mock import Mock

from neurodata_widgets.search import query as query_module
from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.query import ParsedQuery
from neurodata_widgets.search.widgets import DatasetSearch

from .corpus import RECORDS


class CountingCatalog(Catalog):
    """The catalog, counting how often it fills its table of matches."""

    fills = 0

    def _fill_hits(self, conn, query, filters) -> int:
        self.fills += 1
        return super()._fill_hits(conn, query, filters)


def test_a_widget_search_parses_once_and_matches_once(tmp_path, monkeypatch):
    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS)
    w = DatasetSearch(cat, per_page=2)  # an empty box lists everything: that search is not counted
    expected = len(cat.ids("haxby"))
    cat.fills = 0
    parse = Mock(side_effect=query_module.parse)
    monkeypatch.setattr(query_module, "parse", parse)  # a spy: every parse goes through it
    w.search("haxby")
    assert parse.call_count == 1 and cat.fills == 1
    assert w.total == expected > 2 and w.facets.groups  # results, stats and facets are all there
    w.table.page = 1  # the pager's Next (0-based): another request, parsed once more, not matched again
    w.wait_background(60)  # a click works off the kernel's main thread
    # (the request runs on a worker thread with its own SQLite connection: it loads the matches
    # the first page's connection shared with the catalog's other connections)
    assert parse.call_count == 2 and cat.fills == 1 and w.page == 2
    assert w.total == expected


def test_facets_after_a_search_reuse_its_matches(tmp_path):
    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS)
    q = ParsedQuery("haxby")
    cat.search(q, per_page=2)
    cat.search(q, per_page=2, page=2)
    cat.facets(q)
    assert cat.fills == 1


def test_matches_are_recomputed_after_a_write(tmp_path):
    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS[:1])
    q = ParsedQuery("haxby")

    def count():
        return cat.search(q)["collection_stats"]["summary"]["ds_count"]

    assert count() == 1
    cat.facets(q)
    assert cat.fills == 1
    cat.add(RECORDS[1:])
    everything = len(cat.ids("haxby"))
    assert everything > 2 and count() == everything and cat.fills == 2
    other = Catalog(tmp_path / "c.sqlite")  # another connection writing the same file
    other.remove([RECORDS[0]["url"]])
    assert count() == everything - 1 and cat.fills == 3


def on_a_thread(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on a new thread (so on a connection of its own), its result back."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args, **kwargs).result(60)


def urls(page):
    return [r["url"] for r in page["dataset_urls"]]


def test_a_page_on_another_thread_reuses_the_matches(tmp_path):
    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS)
    fresh = Catalog(tmp_path / "c.sqlite", match_cache=0)  # the same file, matching on its own
    q = ParsedQuery("haxby")
    first = cat.search(q, per_page=2)
    second = on_a_thread(cat.search, q, per_page=2, page=2)
    facets = on_a_thread(cat.facets, q)
    assert cat.fills == 1
    assert urls(second) == urls(fresh.search(q, per_page=2, page=2)) and len(urls(second)) == 2
    assert urls(second) != urls(first)
    assert second["collection_stats"] == first["collection_stats"] == fresh.search(q)["collection_stats"]
    assert facets == fresh.facets(q)
    other = on_a_thread(cat.search, ParsedQuery("url:github"), per_page=2)  # another query matches anew
    assert cat.fills == 2 and urls(other) == urls(fresh.search("url:github", per_page=2))


def test_without_sharing_each_connection_matches_again(tmp_path):
    cat = CountingCatalog(tmp_path / "c.sqlite", match_cache=0)
    cat.add(RECORDS)
    q = ParsedQuery("haxby")
    cat.search(q, per_page=2)
    cat.search(q, per_page=2, page=2)  # the same connection still reuses its own table
    assert cat.fills == 1
    on_a_thread(cat.search, q, per_page=2, page=2)
    assert cat.fills == 2


def test_a_write_from_any_connection_drops_the_shared_matches(tmp_path):
    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS)
    q = ParsedQuery("haxby")
    everything = cat.search(q)["collection_stats"]["summary"]["ds_count"]
    Catalog(tmp_path / "c.sqlite").remove([RECORDS[0]["url"]])  # another catalog on the same file
    assert on_a_thread(cat.search, q)["collection_stats"]["summary"]["ds_count"] == everything - 1
    assert cat.fills == 2
    on_a_thread(cat.add, RECORDS[:1])  # a write on a worker thread's connection
    assert cat.search(q)["collection_stats"]["summary"]["ds_count"] == everything  # this thread's table is stale
    assert cat.fills == 3
    assert on_a_thread(cat.search, q)["collection_stats"]["summary"]["ds_count"] == everything
    assert cat.fills == 3


def test_many_threads_turning_pages_at_once_match_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS)
    fresh = Catalog(tmp_path / "c.sqlite", match_cache=0)
    q = ParsedQuery("haxby")
    total = fresh.search(q)["collection_stats"]["summary"]["ds_count"]
    pages = list(range(1, total + 1)) * 3
    with ThreadPoolExecutor(6) as pool:
        found = list(pool.map(lambda n: urls(cat.search(q, per_page=1, page=n)), pages))
    assert found == [urls(fresh.search(q, per_page=1, page=n)) for n in pages]
    assert cat.fills == 1


def test_shared_pages_are_the_pages_of_a_fresh_search_in_every_order(tmp_path):
    from neurodata_widgets.search.catalog import ORDER_KEYS

    cat = CountingCatalog(tmp_path / "c.sqlite")
    cat.add(RECORDS + [{"url": "https://example.org/no-counts-haxby"}])  # missing values sort last both ways
    fresh = Catalog(tmp_path / "c.sqlite", match_cache=0)
    for query in (ParsedQuery("haxby"), ParsedQuery("NOT url:github"), None):
        total = fresh.search(query)["collection_stats"]["summary"]["ds_count"]
        for order_by in ORDER_KEYS:
            for order_dir in ("asc", "desc"):
                for page in range(1, -(-total // 3) + 2):  # one page past the end too
                    asked = dict(per_page=3, page=page, order_by=order_by, order_dir=order_dir)
                    ours = on_a_thread(cat.search, query, **asked) if page % 2 else cat.search(query, **asked)
                    assert ours == fresh.search(query, **asked), (str(query), asked)
    assert cat.fills == 3  # once per search, whatever the order and page
