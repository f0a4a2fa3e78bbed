"""Exact result sets on the fixed corpus, stats, paging and the registry's page shape."""
import pytest

from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.query import QueryError, parse
from neurodata_widgets.search.registry import match_count

from .corpus import EXPECTED, RECORDS


def urls(cat, query):
    return {r["url"] for r in cat.search(query, per_page=100)["dataset_urls"]}


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_exact_matches(corpus, query):
    assert urls(corpus, query) == {corpus.url_of[i] for i in EXPECTED[query]}


@pytest.mark.parametrize("query", [q for q in sorted(EXPECTED)
                                   if "NOT" not in q and all(t.op == "?" for t in __import__(
                                       "neurodata_widgets.search.query", fromlist=["terms"]).terms(parse(q)))])
def test_index_agrees_with_the_registrys_like_scan(corpus, query):
    assert corpus.ids(query) == corpus.ids(query, scan=True)


def test_not_over_missing_values_differs_from_the_registry(corpus):
    # the registry's NOT (SQL NOT over NULL) drops datasets without tags; ours keeps them
    assert set(corpus.ids("NOT tags:v1")) - set(corpus.ids("NOT tags:v1", scan=True)) == {3}


def test_short_values_fall_back_to_a_scan(corpus):
    assert corpus.ids("gi") == corpus.ids("gi", scan=True)
    assert len(corpus.ids("gi")) >= 3


def test_collection_stats(corpus):
    stats = corpus.search("haxby")["collection_stats"]
    # 1 and 2 are one dataset (aaaa-1); 3 and 5 have no annex counts
    assert stats["summary"] == {"unique_ds_count": 3, "ds_count": 4}
    assert stats["datalad_ds_stats"]["unique_ds_stats"] == {"ds_count": 3, "annexed_files_size": 1000,
                                                            "annexed_file_count": 10}
    assert stats["datalad_ds_stats"]["stats"] == {"ds_count": 4, "annexed_files_size": 2000,
                                                  "annexed_file_count": 20}
    assert stats["non_annex_ds_stats"] == {"ds_count": 2}
    everything = corpus.search(None)["collection_stats"]
    assert everything["pure_annex_ds_stats"] == {"ds_count": 1, "annexed_files_size": 50000, "annexed_file_count": 5}


def test_paging_and_order(corpus):
    first = corpus.search(None, page=1, per_page=2, order_by="url", order_dir="asc")
    assert match_count(first) == 5
    assert first["cur_pg_num"] == 1
    assert first["prev_pg"] is None
    assert "page=2" in first["next_pg"] and "page=3" in first["last_pg"]
    seen = [r["url"] for p in (1, 2, 3)
            for r in corpus.search(None, page=p, per_page=2, order_by="url", order_dir="asc")["dataset_urls"]]
    assert seen == sorted(r["url"] for r in RECORDS)
    newest = corpus.search(None, per_page=1)["dataset_urls"][0]  # default: last update, newest first
    assert newest["url"] == RECORDS[0]["url"]
    by_size = corpus.search(None, order_by="annexed_files_in_wt_size", order_dir="desc")["dataset_urls"]
    assert by_size[0]["url"] == "/data/local/study"
    assert by_size[-1]["annexed_files_in_wt_size"] is None  # missing values last


def test_min_max_filters(corpus):
    page = corpus.search(None, min_annexed_files_in_wt_count=6)
    assert {r["url"] for r in page["dataset_urls"]} == {corpus.url_of[1], corpus.url_of[2]}
    assert match_count(corpus.search("haxby", max_annexed_files_in_wt_size=10)) == 0


def test_return_metadata(corpus):
    rec = corpus.search("gump", return_metadata="content")["dataset_urls"][0]
    assert [m["extractor_name"] for m in rec["metadata"]] == ["metalad_core", "bids_dataset"]
    assert rec["metadata"][1]["extracted_metadata"]["Name"] == "Forrest Gump"
    ref = corpus.search("gump", return_metadata="reference")["dataset_urls"][0]["metadata"][0]
    assert ref["link"].startswith("/api/v2/url-metadata/")
    md_id = int(ref["link"].rsplit("/", 1)[1])
    assert corpus.url_metadata(md_id)["extracted_metadata"]["ds_id"] == "bbbb-2"
    assert "metadata" not in corpus.search("gump")["dataset_urls"][0]
    assert corpus.dataset_url(rec["id"])["url"] == "https://github.com/other/forrest.git"
    assert corpus.dataset_url(999) is None


def test_bad_arguments(corpus):
    with pytest.raises(QueryError):
        corpus.search("url:")
    with pytest.raises(ValueError, match="order_by"):
        corpus.search(None, order_by="colour")
    with pytest.raises(ValueError, match="filter"):
        corpus.search(None, min_colour=3)


def test_updating_a_url_replaces_its_record_and_index_entries(corpus):
    changed = dict(RECORDS[2], metadata=[], url=RECORDS[2]["url"])
    changed["tags"] = ["renamed-tag"]
    corpus.add([changed])
    assert len(corpus) == 5
    assert urls(corpus, "gump") == set()
    assert urls(corpus, "renamed") == {RECORDS[2]["url"]}
    corpus.remove([RECORDS[2]["url"]])
    assert urls(corpus, "renamed") == set() and len(corpus) == 4


def test_facets(corpus):
    found = corpus.facets("haxby")
    assert found["datatype"] == {"func": 3, "anat": 3}
    assert found["license"] == {"CC0": 3, "PDDL": 1}
    assert found["run records"] == {"yes": 1, "no": 1}


def test_bulk_add_indexes_like_add(tmp_path):
    cat = Catalog(tmp_path / "bulk.sqlite")
    cat.bulk_add(RECORDS)
    for query, expected in EXPECTED.items():
        assert {r["url"] for r in cat.search(query, per_page=100)["dataset_urls"]} == \
            {RECORDS[i - 1]["url"] for i in expected}, query
    cat.add([dict(RECORDS[0], url="https://example.org/late")])  # triggers are back after a bulk load
    assert "https://example.org/late" in {r["url"] for r in cat.search("url:late")["dataset_urls"]}


@pytest.mark.parametrize("query", sorted(EXPECTED) + ["url:zzzzzzz", "zzzzzzz", 'metadata:"Haxby visual"'])
def test_rarest_trigram_lookup_agrees_with_phrase_matching(corpus, query):
    from neurodata_widgets.search.sql import to_sql

    plain_sql, params = to_sql(parse(query))  # no trigram counts: phrases, and no reordering of AND
    plain = sorted(r[0] for r in corpus.conn.execute(plain_sql, params))
    assert corpus.ids(query) == plain


def test_and_reads_its_rarest_part_from_the_index(corpus):
    from neurodata_widgets.search.sql import to_sql

    sql, _ = to_sql(parse("metadata:func AND url:example.org"), rarity=corpus.rarity)
    driver = sql.split(") AND ")[0]
    assert "ds_fts" in driver and "md_fts" not in driver  # example.org is in one record, func in three
    assert corpus.ids("metadata:func AND url:example.org") == []


def test_bulk_add_keeps_the_last_of_a_url_given_twice(tmp_path):
    cat = Catalog(tmp_path / "twice.sqlite")
    cat.bulk_add([RECORDS[0], dict(RECORDS[0], tags=["v2.0"], metadata=[])])
    assert len(cat) == 1
    assert cat.search("url:haxby")["dataset_urls"][0]["tags"] == ["v2.0"]
    assert match_count(cat.search("metadata:visual")) == 0
