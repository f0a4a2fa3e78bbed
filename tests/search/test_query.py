"""The query language: what parses into what, and how errors are reported."""
import pytest

from neurodata_widgets.search.query import KNOWN_FIELDS, And, Not, Or, QueryError, Term, parse


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
    ("a AND", 5, "ended early"),
    ("(a OR b", 7, "ended early"),
    ("a )", 2, "')'"),
    ('a "b', 2, "unexpected character"),
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
    with pytest.raises(QueryError, match="Only metadata"):
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
