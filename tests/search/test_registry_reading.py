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
# letters PostgreSQL's lower() leaves alone while Unicode case folding (and SQLite's trigram index) maps them:
# final sigma ς (σ), long s ſ (s), pi symbol ϖ (π), rho symbol ϱ (ρ); next to their folded forms and capitals
FOLDED = ["γιώργος", "γιώργοσ", "ΓΙΏΡΓΟΣ", "ργος", "ργοσ", "ΠΑΠΑΔΌΠΟΥΛΟΣ", "ſtraße", "straße", "ϖϱϖ", "πρπ",
          "ΠΡΠ", "ϖϱο", "ϱυχ", "ρυχ"]
WORDS = ["github", "osf", "visual", "cortex", "bids_dataset", "metalad_core", "datacite_gin", "v1", "master",
         "git-annex", "hexsha", "zürich", "ÜBERARBEITUNG", "a_b", "100", "visual*", "e", "AND", "OR", "NOT",
         "url", "metadata", "tags", "head", "1.0", "neuro-lab-alpha", "@type", "nothing42", *FOLDED]
# a record holding those letters, beside the recorded ones
EXTRA = {"name": "ϖϱϖ ſtraße ϱυχή", "description": "Kurſive ϖϱο study of Σ and ς", "url_tail": "%CF%96%CF%B1-study"}
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


def records_with_folding_letters(folder: Path) -> Path:
    """The recorded records plus one whose name, text and URL hold ς, ſ, ϖ and ϱ."""
    import copy

    records = json.loads((FIXTURES / "records.json").read_text(encoding="utf-8"))
    extra = copy.deepcopy(records[-1])
    extra.update(id=max(r["id"] for r in records) + 1, url="https://example.org/labs/" + EXTRA["url_tail"],
                 ds_id="0f0f0f0f-1111-4222-8333-444455556666")
    top = max(m["id"] for r in records for m in r.get("metadata") or [])
    extra["metadata"] = [dict(extra["metadata"][0], id=top + 1,
                              extracted_metadata={"Name": EXTRA["name"], "Description": EXTRA["description"]})]
    path = folder / "records.json"
    path.write_text(json.dumps(records + [extra], ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    path = records_with_folding_letters(tmp_path_factory.mktemp("records"))
    rows = load_records(path)
    cat = Catalog(tmp_path_factory.mktemp("reading") / "records.sqlite")
    cat.add(json.loads(path.read_text(encoding="utf-8")))
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


@pytest.mark.parametrize("query", [*FOLDED, *(f"metadata:{w}" for w in FOLDED), "url:ϖϱ", "url:πρ"])
def test_letters_compared_as_postgresql_lower_does(both, query):
    rows, cat = both
    assert our_reading(cat, query) == registry_reading(rows, query)


def test_the_folding_letters_are_tried():
    assert sum(any(w in q for w in FOLDED) for q in QUERIES) >= 40


@pytest.mark.parametrize("query", QUERIES)
def test_read_as_the_registry_reads_it(both, query):
    rows, cat = both
    assert our_reading(cat, query) == registry_reading(rows, query)
