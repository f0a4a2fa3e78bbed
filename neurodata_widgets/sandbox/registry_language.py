"""The stand-in registry's own reading of DataLad-Registry's search language.

Apart from the grammar (a fact of the registry's language), independent of
:mod:`neurodata_widgets.search` on purpose: the stand-in is what our client and catalog are
tested against. It parses with lark's Earley parser as the registry does, then turns the tree
into a predicate over one record, the way PostgreSQL evaluates the registry's SQL:

* ``ILIKE '%v%'``: a literal substring after per-character lower-casing (``C.UTF-8``
  ctype: simple case mapping, no ``ß`` → ``ss``, no accent folding);
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

# The registry's grammar is a fact shared with the toolkit's parser (the recorded cases check it
# through this stand-in): its rules and their order decide Earley's choice between ambiguous
# readings and name the terminals of lark's "Expected one of" lists.
from ..search.query import REGISTRY_GRAMMAR as GRAMMAR

FIELDS = ("url", "ds_id", "head", "head_describe", "tags", "branches", "metadata")

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


def _build(node):
    """Post-order, left to right, like lark's Transformer: the first error met is the one raised."""
    from lark import Token

    if isinstance(node, Token):  # the start rule collapsed to a single word or string
        v = _value(node)
        return lambda rec: any(t(rec, v) for t in FIELD_TESTS.values())
    kind = node.data
    if kind == "unknown_field_error":
        raise UnknownField(f"Unknown field: '{node.children[0]}'. Known are: {', '.join(FIELDS)}")
    children = [c if isinstance(c, Token) else _build(c) if c.data not in ("field", "field_select", "op",
                                                                              "metadata_field")
                else c for c in node.children]
    if kind == "or_search":
        return lambda rec: any(c(rec) for c in children)
    if kind == "and_search":
        return lambda rec: all(c(rec) for c in children)
    if kind == "not_expr":
        inner = children[0]
        return lambda rec: not inner(rec)
    if kind in ("search_word", "search_string"):
        return _build(children[0])
    if kind == "field_matched":
        target, value = children[0], _value(children[-1])
        op = children[1].children[0].value if len(children) == 3 else "?"
        if target.data == "field_select":
            extractors = _extractors(target.children[1])
            test = None
        else:
            test = FIELD_TESTS[target.children[0].value]
        if op != "?":
            raise NotImplementedOperator(f"Operation {op} is not implemented")
        if test is not None:
            return lambda rec: test(rec, value)
        return lambda rec: any(m["extractor_name"] in extractors and ilike(m["_text"], value)
                               for m in rec.get("metadata") or ())
    raise AssertionError(f"unexpected rule {kind}")  # pragma: no cover - the grammar has no other


def _extractors(node) -> tuple:
    from lark import Token

    if isinstance(node, Token):
        return (node.value,)
    return tuple(t.value for t in node.children)


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
