"""The stand-in registry's own reading of DataLad-Registry's search language.

Written from the registry's source (``datalad_registry/search.py`` and the ``dataset-urls``
route), independent of :mod:`neurodata_widgets.search` on purpose: the stand-in is what our
client and catalog are tested against, so it must not share their grammar or their mistakes
(``tests/test_architecture.py`` checks that it imports nothing of the search package's parser).
It parses with lark's Earley parser as the registry does, then turns the tree into a predicate
over one record, the way PostgreSQL evaluates the SQL the registry builds:

* ``ILIKE '%v%'`` (``%``, ``_`` and ``\\`` escaped): a literal substring after per-character
  lower-casing (``C.UTF-8`` ctype: simple case mapping, no ``ß`` → ``ss``, no accent folding);
  a NULL column never matches;
* ``branches`` and ``extracted_metadata`` are searched in their JSONB text form
  (:func:`jsonb_text`: shorter keys first, ``", "`` and ``": "``, non-ASCII kept).

Examples
--------
>>> match = compile_search('url:osf OR metadata[bids_dataset]:bold')
>>> match({"url": "osf://x4bn8", "metadata": []})
True
>>> jsonb_text({"zz": 1, "a": [True, None]})
'{"a": [true, null], "zz": 1}'
"""
from __future__ import annotations

import json
from functools import lru_cache

# The columns a bare word is searched in, in the registry's order: it builds its ``field``
# alternatives from this list, and the order is also the order of lark's terminals.
FIELDS = ("url", "ds_id", "head", "head_describe", "tags", "branches", "metadata")
# ``:`` alone means ``:?`` (contained in); the other operators parse but are not implemented
# (the registry's transformer raises NotImplementedError, which Flask answers with a 500).
OPERATORS = ("?", "=", ">", "~")

# The registry's language as lark reads it. Earley resolves the grammar's ambiguities (an
# upper-case keyword may also be a WORD, a known field name also an unknown one, words side by
# side are an AND) by the order of each rule's alternatives, so that order is the registry's;
# the literals keep lark's own terminal names (URL, COLON, LSQB, ...) because the registry's
# 400 answers list them ("Expected one of: ...").
GRAMMAR = r"""
?start: query
?query: chain

// AND and OR share one level, left to right; a space between two operands is an AND
?chain: operand
    | chain ("OR" operand)+ -> any_of
    | chain ("AND" operand)+ -> all_of
    | chain operand+ -> all_of

?operand: atom
    | "NOT" atom -> negated

?atom: "(" query ")"
    | term

?term: (column | unknown_column) ":" operator? (string | WORD) -> in_column
    | WORD -> anywhere
    | string -> anywhere

?column: named
    | metadata "[" extractors "]" -> in_extractors
?extractors: WORD ("," WORD)*
!named: """ + " | ".join(f'"{f}"' for f in FIELDS) + r"""
!metadata: "metadata"
!unknown_column: WORD
// a rule of its own, not the bare terminal: lark's "Expected one of" lists then name
// ESCAPED_STRING once where a value may follow, as the registry's answers do
?string: ESCAPED_STRING
!operator: """ + " | ".join(f'"{o}"' for o in OPERATORS) + r"""

WORD: /[-_.*?+\w]+/
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
"""


class UnknownField(Exception):
    """A ``field:`` the registry does not know: its 400 "Grammar (syntax) error"."""


class NotImplementedOperator(Exception):
    """``:=``, ``:>``, ``:~``: accepted by the grammar, unimplemented, a 500 on the registry."""


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    return Lark(GRAMMAR, parser="earley")


# ----------------------------------------------------------------------------------------
# PostgreSQL's text forms and case-insensitive matching under C.UTF-8
# ----------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower-case one character at a time (towlower in C.UTF-8): length never changes."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text:
        low = ch.lower()
        out.append(low if len(low) == 1 else ("i" if ch == "\u0130" else ch))
    return "".join(out)


def ilike(haystack, needle: str) -> bool:
    """``haystack ILIKE '%needle%'`` with the needle escaped: NULL never matches."""
    return haystack is not None and fold(needle) in fold(haystack)


def _jsonb_key(key: str):
    raw = key.encode("utf-8")
    return len(raw), raw


def jsonb_order(value):
    """The same JSON with object keys in JSONB's order (shorter first, then bytewise)."""
    if isinstance(value, dict):
        return {k: jsonb_order(value[k]) for k in sorted(value, key=_jsonb_key)}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jsonb_string(text: str) -> str:
    out = ['"']
    for ch in text:
        esc = _ESCAPES.get(ch)
        out.append(esc if esc else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 else ch)
    out.append('"')
    return "".join(out)


def jsonb_text(value) -> str:
    """``value::jsonb::text`` as PostgreSQL prints it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _jsonb_string(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_jsonb_string(k)}: {jsonb_text(value[k])}"
                               for k in sorted(value, key=_jsonb_key)) + "}"
    raise TypeError(f"not JSON: {value!r}")


# ----------------------------------------------------------------------------------------
# from the parse tree to a predicate over a record
# ----------------------------------------------------------------------------------------
def _value(token) -> str:
    if token.type == "ESCAPED_STRING":
        return token.value[1:-1].replace('\\"', '"')  # the registry unescapes \" and nothing else
    return token.value


def _text_field(name):
    def test(rec, v):
        return ilike(rec.get(name), v)
    return test


def _branches(rec, v):
    return rec.get("branches") is not None and ilike(rec["_branches_text"], v)


def _metadata(rec, v):
    return any(ilike(m["extractor_name"], v) or ilike(m["_text"], v) for m in rec.get("metadata") or ())


FIELD_TESTS = {**{f: _text_field(f) for f in ("url", "ds_id", "head", "head_describe", "tags")},
               "branches": _branches, "metadata": _metadata}
assert tuple(FIELD_TESTS) == FIELDS  # a bare word ORs the fields in this order


def _is_token(node) -> bool:
    from lark import Token

    return isinstance(node, Token)


def _anywhere(value):
    return lambda rec: any(test(rec, value) for test in FIELD_TESTS.values())


def _in_extractors(names, value):
    # extractor names compare exactly (=), the JSON text case-insensitively
    return lambda rec: any(m["extractor_name"] in names and ilike(m["_text"], value)
                           for m in rec.get("metadata") or ())


def _in_column(column, operator, value_token):
    """``column:value``: the column is read first, so an unknown one is the error raised."""
    value = _value(value_token)
    if column.data == "unknown_column":
        raise UnknownField(f"Unknown field: '{column.children[0]}'. Known are: {', '.join(FIELDS)}")
    if column.data == "in_extractors":  # children: the metadata rule, then one WORD or the extractors
        found = column.children[1]
        names = (found.value,) if _is_token(found) else tuple(t.value for t in found.children)
        match = _in_extractors(names, value)
    else:
        test = FIELD_TESTS[column.children[0].value]
        match = lambda rec: test(rec, value)  # noqa: E731 - a closure over this term's value
    if operator != "?":
        raise NotImplementedOperator(f"Operation {operator} is not implemented")
    return match


def _build(node):
    """A predicate for a parse tree, built bottom-up and left to right as the registry's lark
    Transformer does: of several bad terms, the first one (in that order) gives the error."""
    if _is_token(node):  # a query of one bare word or string
        return _anywhere(_value(node))
    kind, children = node.data, node.children
    if kind == "in_column":
        operator = children[1].children[0].value if len(children) == 3 else "?"
        return _in_column(children[0], operator, children[-1])
    if kind == "anywhere":
        return _anywhere(_value(children[0]))
    parts = [_build(child) for child in children]
    if kind == "any_of":
        return lambda rec: any(part(rec) for part in parts)
    if kind == "all_of":
        return lambda rec: all(part(rec) for part in parts)
    if kind == "negated":
        return lambda rec: not parts[0](rec)
    raise AssertionError(f"unexpected rule {kind}")  # pragma: no cover - the grammar has no other


def compile_search(text: str):
    """A predicate ``match(record) -> bool`` for a search string.

    Raises lark's ``UnexpectedInput`` for syntax errors, :class:`UnknownField` and
    :class:`NotImplementedOperator` as the registry would.
    """
    tree = _parser().parse(text)
    match = _build(tree)

    def prepared(rec):
        if "_branches_text" not in rec:
            prepare(rec)
        return match(rec)
    return prepared


def prepare(rec: dict) -> dict:
    """Cache the JSONB text forms a record is searched in (done once per record)."""
    rec["_branches_text"] = None if rec.get("branches") is None else jsonb_text(rec["branches"])
    for m in rec.get("metadata") or ():
        m["_text"] = jsonb_text(m.get("extracted_metadata"))
    return rec
