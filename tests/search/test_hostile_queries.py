"""Every query, however hostile, ends in bounded time with results or a positioned, readable error.

The shapes are the ones found trying the catalog as a user would (issue #16): deep nesting,
NOT chains, a catastrophic regular expression on long URLs, huge words, 20k ORs, 33k terms,
NUL characters; plus short non-ASCII words and facet values holding quotes.
"""
import sqlite3

import pytest

from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.query import QueryError
from neurodata_widgets.search.registry import facet_query, match_count
from neurodata_widgets.search.synthetic import synthetic_records

SPECIAL = [
    {"url": "https://example.org/" + "a" * 3000, "ds_id": "11111111-1111-4111-8111-111111111111"},
    {"url": "https://example.org/" + "a" * 4000 + "b"},
    {"url": "https://example.org/café", "metadata": [
        {"extractor_name": "bids_dataset", "extracted_metadata": {"Name": "Étude", "License": 'CC "quoted" 4.0'}}]},
    {"url": "https://example.org/plain", "metadata": [
        {"extractor_name": "metalad_core", "extracted_metadata": {"name": "plain", "license": "PDDL"}}]},
]

SHAPES = {
    "5 nested x OR (y AND (...))": "x OR (y AND (" * 5 + "z" + "))" * 5,
    "16 nested groups": "haxby OR (url:github AND (" * 8 + "metadata:bold" + "))" * 8,
    "1000 nested NOTs": "NOT " * 1000 + "x",
    "1000 NOTs in parentheses": "NOT (" * 1000 + "x" + ")" * 1000,
    "catastrophic regular expression": 'url:~"(a+)+$"',
    "a*100000": "a" * 100_000,
    "20k ORs": " OR ".join(["github"] * 20_000),
    "33k terms": " ".join(f"t{i}" for i in range(33_000)),
    # 50 terms and 49 ORs: within the 100 words a query may have, beyond what one SQL statement holds
    "50 ORed terms": " OR ".join(f"url:u{i}" for i in range(50)),
    "NUL in quotes": 'url:"git\x00hub"',
    "NUL in a word": "git\x00hub",
    "backslashes": r'"\d" OR metadata:"C:\\data" OR "\\"',
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("hostile") / "c.sqlite", time_limit=1.0)
    cat.add(list(synthetic_records(300, seed=3)) + SPECIAL)
    yield cat
    cat.close()


@pytest.mark.parametrize("shape", SHAPES)
def test_results_or_a_positioned_error(catalog, shape):
    query = SHAPES[shape]
    try:
        page = catalog.search(query, per_page=5)
    except QueryError as err:  # readable, with the place of the problem
        assert not isinstance(err, (sqlite3.Error, RecursionError, ValueError))
        assert err.position is not None and 0 <= err.position <= len(query), err.message
        assert err.message and err.hint
    else:
        assert match_count(page) >= 0 and len(page["dataset_urls"]) <= 5


def test_the_catastrophic_regular_expression_is_stopped(catalog):
    with pytest.raises(QueryError, match="took longer than 1 s") as info:
        catalog.search('url:~"(a+)+$"')
    assert info.value.position == 3  # at the :~
    assert match_count(catalog.search('url:~"^https://example.org/a+b$"')) == 1  # a kind pattern still answers


def test_deep_nesting_answers_like_the_scan(catalog):
    query = SHAPES["16 nested groups"]
    assert catalog.ids(query) == catalog.ids(query, scan=True)
    many = SHAPES["50 ORed terms"]
    assert catalog.ids(many) == catalog.ids(many, scan=True)


@pytest.mark.parametrize("query", ["é", "É", "url:é", "metadata:ÉTUDE", "étude"])
def test_short_and_non_ascii_words_fold_case(catalog, query):
    urls = {r["url"] for r in catalog.search(query)["dataset_urls"]}
    assert "https://example.org/café" in urls or query.lower() in ("metadata:étude", "étude") and urls


def test_ss_and_accents_are_not_folded(catalog):
    assert match_count(catalog.search("cafe")) == 0 or all(
        "café" not in r["url"] for r in catalog.search("cafe", per_page=100)["dataset_urls"])


def test_a_facet_value_with_quotes_finds_its_dataset(catalog):
    query = facet_query("license", 'CC "quoted" 4.0')
    assert [r["url"] for r in catalog.search(query)["dataset_urls"]] == ["https://example.org/café"]
    assert [r["url"] for r in catalog.search(facet_query("license", "PDDL"))["dataset_urls"]
            if "example.org" in r["url"]] == ["https://example.org/plain"]


def test_backslashes_stay_as_typed(catalog, tmp_path):
    cat = Catalog(tmp_path / "b.sqlite")
    cat.add([{"url": "https://example.org/win", "metadata": [
        {"extractor_name": "bids_dataset", "extracted_metadata": {"Description": "kept under C:\\data\\raw"}}]}])
    assert match_count(cat.search(r'metadata:"C:\\data"')) == 1    # the JSON text holds C:\\data
    assert match_count(cat.search(r'metadata:"C:\\\\data"')) == 0
    assert match_count(cat.search(r'"\d"')) == 1    # backslash-d, found in C:\\data; no JSON decoding error
    assert match_count(cat.search(r'"\x"')) == 0
