"""The query language: what parses into what, and how errors are reported."""
import pytest

from neurodata_widgets.search.query import KNOWN_FIELDS, And, Not, Or, QueryError, Term, parse, terms


@pytest.mark.parametrize("text, expected", [
    ("haxby", Term("haxby")),
    ('"visual cortex"', Term("visual cortex")),
    ("url:github", Term("github", "url")),
    ("url:?github", Term("github", "url")),
    ("ds_id:=abc", Term("abc", "ds_id", "=")),
    ("annexed_files_in_wt_size:>100", Term("100", "annexed_files_in_wt_size", ">")),
    ('url:~"^https"', Term("^https", "url", "~")),
    ("metadata:bold", Term("bold", "metadata")),
    ("metadata[bids_dataset]:bold", Term("bold", "metadata", "?", ("bids_dataset",))),
    ("metadata[bids_dataset,metalad_core]:bold", Term("bold", "metadata", "?", ("bids_dataset", "metalad_core"))),
    ('metadata:"\\"License\\": \\"CC0\\""', Term('"License": "CC0"', "metadata")),
    ("a b", And((Term("a"), Term("b")))),
    ("a AND b AND c", And((Term("a"), Term("b"), Term("c")))),
    ("a OR b", Or((Term("a"), Term("b")))),
    ("NOT a", Not(Term("a"))),
    ("a AND NOT url:b", And((Term("a"), Not(Term("b", "url"))))),
    ("(a OR b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
    ("a OR (b c)", Or((Term("a"), And((Term("b"), Term("c")))))),
    ("NOT (a OR b)", Not(Or((Term("a"), Term("b"))))),
    ("\"Ramón y Cajal\"", Term("Ramón y Cajal")),
    ("url", Term("url")),  # a field name alone is a word to search for
    ("  spaced   out  ", And((Term("spaced"), Term("out")))),
    # read as DataLad-Registry reads them (its grammar is ambiguous; see the reference page)
    ("x OR y AND z", And((Or((Term("x"), Term("y"))), Term("z")))),
    ("x y OR z", Or((And((Term("x"), Term("y"))), Term("z")))),
    ("x OR y z", And((Term("x"), Term("OR"), Term("y"), Term("z")))),
    ("NOT NOT x", And((Not(Term("NOT")), Term("x")))),
    ("AND github", And((Term("AND"), Term("github")))),
    ("github OR", And((Term("github"), Term("OR")))),
    ("a AND", And((Term("a"), Term("AND")))),
    ("and or not", And((Term("and"), Term("or"), Term("not")))),
    (r'metadata:"C:\\data"', Term(r"C:\\data", "metadata")),  # only \" is unescaped
    (r'"\d+"', Term(r"\d+")),
    (r'metadata:"\"pilot\""', Term('"pilot"', "metadata")),
])
def test_parses(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["haxby AND NOT url:github", "(a OR b) AND metadata[x,y]:\"q r\"",
                                  'url:~"^h.*$"', "a OR (b AND NOT c)", "NOT (a OR b)", 'tags:="v 1"',
                                  '"Ramón y Cajal"'])
def test_string_form_parses_back_to_the_same_query(text):
    query = parse(text)
    assert parse(str(query)) == query


@pytest.mark.parametrize("text", ["", "   ", "\t\n", None])
def test_empty_query_is_an_error(text):
    with pytest.raises(QueryError, match="empty"):
        parse(text)


def test_unknown_field_lists_the_known_ones():
    with pytest.raises(QueryError) as info:
        parse("haxby colour:red")
    err = info.value
    assert "Unknown field: 'colour'" in err.message
    for name in KNOWN_FIELDS:
        assert name in err.message
    assert err.position == 6


@pytest.mark.parametrize("text, position, what", [
    ("url:", 4, "ended early"),
    ("a OR (b", 7, "ended early"),
    ("(a OR b", 7, "ended early"),
    ("a )", 2, "')'"),
    ('a "b', 2, "never closed"),
    ("url::x", 4, "':'"),
])
def test_syntax_errors_mark_the_position(text, position, what):
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    assert err.position == position
    assert f"position {position + 1}" in err.message
    assert what in err.message
    assert err.marked.splitlines()[1] == " " * position + "^"


def test_extractors_only_for_metadata():
    with pytest.raises(QueryError):  # the registry's grammar has [extractors] for metadata only
        parse("url[a]:b")


def test_greater_than_on_a_number_field_needs_a_number():
    with pytest.raises(QueryError, match="needs a number") as info:
        parse("annex_key_count:>many")
    assert info.value.position == len("annex_key_count:>")


def test_bad_regular_expression():
    with pytest.raises(QueryError, match="regular expression"):
        parse('url:~"("')


def test_string_form_keeps_non_ascii_as_is():
    # DataLad-Registry only unescapes \" in quoted strings, so the form sent to it keeps letters as they are
    assert str(parse('"Ramón y Cajal"')) == '"Ramón y Cajal"'


SHAPES = {
    "5 nested x OR (y AND (...))": "x OR (y AND (" * 5 + "z" + "))" * 5,
    "1000 nested NOTs": "NOT " * 1000 + "x",
    "1000 NOTs in parentheses": "NOT (" * 1000 + "x" + ")" * 1000,
    "a*100000": "a" * 100_000,
    "20k ORs": " OR ".join(["a"] * 20_000),
    "33k terms": " ".join(f"t{i}" for i in range(33_000)),
    "NUL in quotes": 'url:"git\x00hub"',
}


@pytest.mark.parametrize("shape", SHAPES)
def test_hostile_queries_end_in_a_tree_or_a_positioned_error(shape):
    text = SHAPES[shape]
    try:
        tree = parse(text)
    except QueryError as err:
        assert err.position is not None and 0 <= err.position <= len(text)
        assert err.marked.splitlines()[-1].endswith("^")
        assert "Traceback" not in err.message
    else:
        assert list(terms(tree))


def test_the_bounds_themselves_parse():
    from neurodata_widgets.search.query import MAX_DEPTH, MAX_WORDS

    half = (MAX_WORDS + 1) // 2  # AND, OR and NOT count as words too
    assert len(list(terms(parse(" OR ".join(["a"] * half))))) == half
    assert len(list(terms(parse(" ".join(["a"] * MAX_WORDS))))) == MAX_WORDS
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == Term("a")
    with pytest.raises(QueryError, match=f"more than {MAX_WORDS} words") as info:
        parse(" ".join(["a"] * (MAX_WORDS + 1)))
    assert info.value.position == 2 * MAX_WORDS
    with pytest.raises(QueryError, match=f"more than {MAX_WORDS} words"):
        parse(" OR ".join(["a"] * (half + 1)))


@pytest.mark.parametrize("text", ["\nhaxby", "   \nhaxby", "\t\r\nurl:gin OR haxby"])
def test_a_blank_first_line_is_refused_as_the_registry_does(text):
    with pytest.raises(QueryError, match="first line is blank") as info:
        parse(text)
    assert info.value.position == 0
    assert parse("haxby\n\nurl:gin") == parse("haxby url:gin")  # blank lines further down are spaces


def test_long_queries_keep_the_operators():
    # past the Earley bound the reading is deterministic: AND/OR/NOT are always operators
    text = " OR ".join(f"url:u{i}" for i in range(40)) + " AND metadata:bold"
    tree = parse(text)
    assert isinstance(tree, And) and isinstance(tree.items[0], Or) and len(tree.items[0].items) == 40
