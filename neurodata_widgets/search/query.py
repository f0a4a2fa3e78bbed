"""DataLad-Registry's search language: grammar (lark), AST and SQL for the embedded catalog.

The language is the registry's: bare words and ``"quoted strings"`` match
case-insensitively as substrings in url, ds_id, head, head_describe, branches,
tags and metadata; ``field:value`` restricts to one field (``:?`` is the same as
``:``); ``metadata[ext1,ext2]:value`` restricts to those extractors' records;
``AND``, ``OR``, ``NOT`` and parentheses combine terms, juxtaposition means AND.
Beyond the registry, the operators ``:=`` (exact, case-insensitive), ``:>``
(greater than; numeric for the annex counts and sizes) and ``:~`` (regular
expression) work too, and ``NOT`` also matches datasets with no value in a field.

Examples
--------
>>> q = parse('haxby AND NOT url:github')
>>> q
And(items=(Term(value='haxby'), Not(item=Term(value='github', field='url'))))
>>> str(q)
'haxby AND NOT url:github'
>>> parse('colour:red')
Traceback (most recent call last):
...
neurodata_widgets.search.query.QueryError: Unknown field: 'colour'. Known are: url, ds_id, head, head_describe, branches, tags, metadata, annex_key_count, annexed_files_in_wt_count, annexed_files_in_wt_size, git_objects_kb
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import UserError

TEXT_FIELDS = ("url", "ds_id", "head", "head_describe", "branches", "tags")
NUMERIC_FIELDS = ("annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size", "git_objects_kb")
KNOWN_FIELDS = TEXT_FIELDS + ("metadata",) + NUMERIC_FIELDS
OPERATORS = {"?": "contains", "=": "equals", ">": "greater than", "~": "matches the regular expression"}
MIN_INDEXED = 3  # the trigram index needs at least three characters

GRAMMAR = r"""
?start: search
?search: orand_exp
?orand_exp: not_exp
        | orand_exp ("OR" not_exp)+ -> or_search
        | orand_exp (("AND"|) not_exp)+ -> and_search
?not_exp: primary
        | "NOT" primary -> not_expr
?primary: "(" search ")"
        | secondary
?secondary: field_select ":" op? (quoted_string | WORD) -> field_matched
        | WORD  -> search_word
        | quoted_string  -> search_string
// field names are words checked after parsing, so a bare "url" still searches for "url"
field_select: WORD ("[" metadata_extractors "]")?
metadata_extractors: WORD ("," WORD)*
?quoted_string: ESCAPED_STRING
WORD: /[-_.*?+\w]+/
!op: OP
OP.2: "?" | "=" | ">" | "~"
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
"""

HELP = """\
<b>Search syntax</b> (DataLad-Registry's language)
<ul>
<li><code>haxby</code> or <code>"visual cortex"</code>: substring, any field (url, ds_id, head, head_describe,
branches, tags, metadata), case-insensitive</li>
<li><code>url:github</code>, <code>ds_id:2a0b</code>: only that field (<code>:?</code> is the same as <code>:</code>)</li>
<li><code>metadata[bids_dataset]:bold</code>: only those extractors' records;
<code>metadata:"\\"License\\": \\"CC0\\""</code> matches a key-value pair of the JSON</li>
<li><code>a b</code> = <code>a AND b</code>; <code>a OR b</code>; <code>NOT a</code>; parentheses group</li>
<li>operators: <code>ds_id:=&lt;id&gt;</code> exact, <code>annexed_files_in_wt_count:&gt;10</code> greater,
<code>url:~"^https://"</code> regular expression</li>
</ul>
Fields: """ + ", ".join(KNOWN_FIELDS)


class QueryError(UserError):
    """A query that cannot be run: empty, unknown field, bad syntax (``position`` is 0-based)."""

    def __init__(self, message: str, query: str = "", position: int | None = None, hint: str = ""):
        super().__init__(message, hint or "Check the query; see the syntax help.")
        self.query = query
        self.position = position

    @property
    def marked(self) -> str:
        """The query with a caret under the position of the error."""
        if self.position is None:
            return self.query
        return f"{self.query}\n{' ' * self.position}^"


# ----------------------------------------------------------------------------------------
# the AST
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One match: ``value`` in ``field`` (``None``: any searchable field) with ``op``."""

    value: str
    field: str | None = None
    op: str = "?"
    extractors: tuple | None = None

    def __repr__(self):
        extra = "".join(f", {k}={getattr(self, k)!r}" for k, d in (("field", None), ("op", "?"), ("extractors", None))
                        if getattr(self, k) != d)
        return f"Term(value={self.value!r}{extra})"

    def __str__(self):
        value = self.value if re.fullmatch(r"[-_.*+\w]+", self.value) and self.value not in ("AND", "OR", "NOT") \
            else json.dumps(self.value, ensure_ascii=False)  # the registry only unescapes \"
        if self.field is None:
            return value
        name = self.field
        if self.extractors is not None:
            name += "[" + ",".join(self.extractors) + "]"
        return f"{name}:{'' if self.op == '?' else self.op}{value}"


@dataclass(frozen=True)
class And:
    items: tuple

    def __str__(self):
        return " AND ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True)
class Or:
    items: tuple

    def __str__(self):
        return " OR ".join(_wrap(i) for i in self.items)


@dataclass(frozen=True)
class Not:
    item: object

    def __str__(self):
        return "NOT " + _wrap(self.item, Term)


def _wrap(node, *plain) -> str:
    # AND and OR share one precedence in this language (left to right), so nested groups keep parentheses
    plain = plain or (Term, Not)
    return str(node) if isinstance(node, plain) else f"({node})"


# ----------------------------------------------------------------------------------------
# parsing
# ----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    return Lark(GRAMMAR, parser="lalr", propagate_positions=True)


def parse(text: str):
    """Parse a query into an AST of :class:`Term`, :class:`And`, :class:`Or` and :class:`Not`.

    Raises
    ------
    QueryError
        Empty query, unknown field (listing the known ones), bad syntax (with the position).
    """
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if text is None or not str(text).strip():
        raise QueryError("The query is empty.", text or "", None, "Type a word to search for, e.g. haxby.")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        pos = getattr(exc, "pos_in_stream", None)
        if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
            pos, what = len(text), "the query ended early"
        elif isinstance(exc, UnexpectedToken):
            what = f"unexpected {exc.token.value!r}"
        elif isinstance(exc, UnexpectedCharacters) and pos is not None and pos < len(text) and text[pos] == '"' \
                and '"' not in text[pos + 1:].replace('\\"', ""):
            what = "a quote opened here is never closed (add the closing \")"
        elif isinstance(exc, UnexpectedCharacters):
            what = f"unexpected character {text[pos]!r}" if pos is not None and pos < len(text) else "unexpected input"
        else:  # pragma: no cover - lark has no other kinds today
            what = "unexpected input"
        col = (pos or 0) + 1
        err = QueryError(f"Syntax error at position {col}: {what}.", text, pos)
        err.message = f"{err.message}\n{err.marked}"
        err.args = (err.message,)
        raise err from None
    return _build(tree, text)


def _build(node, text: str):
    from lark import Token, Tree

    if isinstance(node, Token):  # a bare start symbol collapsed to a token
        return Term(_token_value(node))
    kind = node.data
    if kind == "or_search":
        return Or(tuple(_flatten(Or, [_build(c, text) for c in node.children])))
    if kind == "and_search":
        return And(tuple(_flatten(And, [_build(c, text) for c in node.children])))
    if kind == "not_expr":
        return Not(_build(node.children[0], text))
    if kind in ("search_word", "search_string"):
        return Term(_token_value(node.children[0]))
    if kind == "field_matched":
        children = list(node.children)
        target, value_tok = children[0], children[-1]
        op = "?"
        if len(children) == 3:
            op = str(children[1].children[0])
        name = str(target.children[0])
        if name not in KNOWN_FIELDS:
            raise QueryError(f"Unknown field: '{name}'. Known are: {', '.join(KNOWN_FIELDS)}", text,
                             target.children[0].start_pos,
                             "Use one of the known fields, or drop the field to search them all.")
        value = _token_value(value_tok)
        extractors = None
        if len(target.children) > 1:
            if name != "metadata":
                raise QueryError(f"Only metadata takes [extractors], not {name}.", text, target.children[0].start_pos)
            extractors = tuple(str(t) for t in target.children[1].children if isinstance(t, Token))
        term = Term(value, name, op, extractors)
        _check(term, text, value_tok)
        return term
    if isinstance(node, Tree) and len(node.children) == 1:  # pragma: no cover - defensive
        return _build(node.children[0], text)
    raise QueryError(f"Cannot understand {kind!r} in the query.", text)  # pragma: no cover


def _check(term: Term, text: str, token) -> None:
    pos = getattr(token, "start_pos", None)
    if term.op in ("=", ">") and term.field in NUMERIC_FIELDS:
        try:
            float(term.value)
        except ValueError:
            raise QueryError(f"{term.field}:{term.op} needs a number, not {term.value!r}.", text, pos) from None
    if term.op == "~":
        try:
            re.compile(term.value)
        except re.error as exc:
            raise QueryError(f"Not a valid regular expression {term.value!r}: {exc}.", text, pos) from None


def _flatten(kind, items):
    for item in items:
        if isinstance(item, kind):
            yield from item.items
        else:
            yield item


def _token_value(tok) -> str:
    if tok.type == "ESCAPED_STRING":
        return json.loads(tok.value) if "\\" in tok.value else tok.value[1:-1]
    return str(tok.value)


def terms(node):
    """Every :class:`Term` in an AST (for highlighting, facets and tests)."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.item)
    else:
        for item in node.items:
            yield from terms(item)
