"""Our parser and catalog read every query as the registry's own grammar does.

The stand-in registry (``sandbox/registry_language.py``) carries a grammar and an evaluation
written from DataLad-Registry's source, sharing no code with ``search/query.py``. Hundreds of
generated queries of at most 24 words (the Earley range of our parser), made of the language's
pieces (bare words, quoted strings, fields, extractor lists, keywords used as operators and as
words, parentheses, stray tokens), are run on both over ``fixtures/registry/records.json``:
each must be refused by both or match the same datasets in both.
"""
import json
import random
import re
from pathlib import Path

import pytest

from neurodata_widgets.sandbox.registry_language import FIELDS, UnknownField, compile_search
from neurodata_widgets.sandbox.registry_server import load_records
from neurodata_widgets.search.catalog import Catalog
from neurodata_widgets.search.query import EARLEY_WORDS, QueryError

FIXTURES = Path(__file__).parent / "fixtures" / "registry"
WORDS = ["github", "osf", "visual", "cortex", "bids_dataset", "metalad_core", "datacite_gin", "v1", "master",
         "git-annex", "hexsha", "zürich", "ÜBERARBEITUNG", "a_b", "100", "visual*", "e", "AND", "OR", "NOT",
         "url", "metadata", "tags", "head", "1.0", "neuro-lab-alpha", "@type", "nothing42"]
STRINGS = ['"visual cortex"', '"\\"pilot\\""', '"100%"', '"a b"', '"AND"', '"_"', '"C:\\\\data"', '""',
           '"\\"v1.0.0\\""', '"%"']
EXTRACTORS = ["bids_dataset", "metalad_core", "datacite_gin", "no_such"]
WORDLIKE = re.compile(r'"(?:[^"\\]|\\.)*"|[-_.*?+\w]+')  # words and quoted strings
STRAY = ["(", ")", ":", "[", "]", ",", '"open', "url:", "metadata[]:x", "colour:red", "URL:github"]


def term(rnd: random.Random) -> str:
    value = rnd.choice(WORDS + STRINGS)
    kind = rnd.random()
    if kind < 0.4:
        return value
    if kind < 0.8:
        return f"{rnd.choice(FIELDS)}:{rnd.choice(['', '?'])}{value}"
    if kind < 0.9:
        return f"metadata[{','.join(rnd.sample(EXTRACTORS, rnd.randint(1, 3)))}]:{value}"
    return rnd.choice(STRAY)


def expression(rnd: random.Random, depth: int = 0) -> str:
    parts = [term(rnd) if depth > 2 or rnd.random() < 0.7 else f"({expression(rnd, depth + 1)})"
             for _ in range(rnd.randint(1, 3))]
    out = parts[0]
    for part in parts[1:]:
        out += rnd.choice([" ", " AND ", " OR ", " AND NOT ", " OR NOT "]) + part
    return ("NOT " + out) if rnd.random() < 0.15 else out


def queries(count: int = 400, seed: int = 16) -> list[str]:
    rnd = random.Random(seed)
    found = []
    while len(found) < count:
        q = expression(rnd)
        if len(WORDLIKE.findall(q)) <= EARLEY_WORDS:  # field and extractor names counted too: within Earley
            found.append(q)
    return found


QUERIES = queries()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    rows = load_records(FIXTURES / "records.json")
    cat = Catalog(tmp_path_factory.mktemp("reading") / "records.sqlite")
    cat.add(json.loads((FIXTURES / "records.json").read_text(encoding="utf-8")))
    yield rows, cat
    cat.close()


def registry_reading(rows, query: str):
    from lark.exceptions import UnexpectedInput

    try:
        match = compile_search(query)
    except (UnexpectedInput, UnknownField):
        return "refused"
    return sorted(r["url"] for r in rows if match(r))


def our_reading(cat: Catalog, query: str):
    try:
        page = cat.search(query, per_page=100)
    except QueryError:
        return "refused"
    return sorted(r["url"] for r in page["dataset_urls"])


def test_the_generated_queries_cover_the_language(both):
    rows, cat = both
    readings = [registry_reading(rows, q) for q in QUERIES]
    refused = sum(r == "refused" for r in readings)
    assert 20 <= refused <= len(QUERIES) - 200  # errors and matches both well represented
    assert sum(1 for r in readings if r not in ("refused", [])) >= 100
    assert any(" OR " in q for q, r in zip(QUERIES, readings) if r != "refused")


@pytest.mark.parametrize("query", QUERIES)
def test_read_as_the_registry_reads_it(both, query):
    rows, cat = both
    assert our_reading(cat, query) == registry_reading(rows, query)
