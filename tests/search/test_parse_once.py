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
    assert w.total == expected > 2 and w.facet_box.children  # results, stats and facets are all there
    w.table.page = 1  # the pager's Next: another request, parsed once more, matched at most once more
    w.wait_background(60)  # a click works off the kernel's main thread
    # (the request runs on a worker thread with its own SQLite connection, so the first page's
    # match table, kept per connection, is not at hand there)
    assert parse.call_count == 2 and cat.fills <= 2 and w.page == 2


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
