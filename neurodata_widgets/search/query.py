"""DataLad-Registry's search language: grammar (lark), AST and the bounds every query keeps to.

The language is the registry's, read as it reads it: bare words and ``"quoted strings"``
match case-insensitively as substrings in url, ds_id, head, head_describe, branches, tags
and metadata (extractor names too); ``field:value`` restricts to one field (``:?`` is the
same as ``:``); ``metadata[ext1,ext2]:value`` restricts to those extractors' records;
``AND``, ``OR``, ``NOT`` and parentheses combine terms, side by side means AND, and AND and
OR have no precedence (left to right). In quoted strings only ``\\"`` is unescaped. Beyond
the registry, the local catalog knows ``:=`` (exact, case-insensitive), ``:>`` (greater than;
numeric for the counts and sizes), ``:~`` (regular expression) and the numeric fields; a
registry client refuses those before sending. See the handbook's query-language reference.

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
neurodata_widgets.search.query.QueryError: Unknown field: 'colour'. Known are: url, ds_id, head, head_describe, branches, tags, metadata, annex_key_count, annexed_files_in_wt_count, annexed_files_in_wt_size, git_objects_kb (at position 1).
colour:red
^
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import UserError

TEXT_FIELDS = ("url", "ds_id", "head", "head_describe", "branches", "tags")
NUMERIC_FIELDS = ("annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size", "git_objects_kb")
KNOWN_FIELDS = TEXT_FIELDS + ("metadata",) + NUMERIC_FIELDS
OPERATORS = {"?": "contains", "=": "equals", ">": "greater than", "~": "matches the regular expression"}
MIN_INDEXED = 3  # the trigram index needs at least three characters

# DataLad-Registry's grammar, read with Earley as the registry does: the grammar is ambiguous
# (an upper-case keyword may be a plain word) and Earley's choice is the registry's meaning.
REGISTRY_GRAMMAR = r"""
?start: search
?search: orand_exp
?orand_exp: not_exp
        | orand_exp ("OR" not_exp)+ -> or_search
        | orand_exp ("AND" not_exp)+ -> and_search
        | orand_exp not_exp+ -> and_search
?not_exp: primary
        | "NOT" primary -> not_expr
?primary: "(" search ")"
        | secondary
?secondary: (field_select | unknown_field_error) ":" op? (quoted_string | WORD) -> field_matched
        | WORD  -> search_word
        | quoted_string  -> search_string
?field_select: field
    | metadata_field "[" metadata_extractors "]" -> field_select
?metadata_extractors: WORD (","WORD)*
!field: "url" | "ds_id" | "head" | "head_describe" | "tags" | "branches" | "metadata"
!metadata_field: "metadata"
!unknown_field_error: WORD
?quoted_string: ESCAPED_STRING
WORD: /[-_.*?+\w]+/
!op: "?" | "=" | ">" | "~"
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
"""

# Earley's time grows with the cube of the query's length: beyond this many words a query is
# read deterministically (LALR), with AND, OR and NOT always operators, left to right.
EARLEY_WORDS = 24
LONG_GRAMMAR = r"""
?start: search
?search: orand_exp
?orand_exp: not_exp
        | orand_exp ("OR" not_exp)+ -> or_search
        | orand_exp (("AND"|) not_exp)+ -> and_search
?not_exp: primary
        | "NOT" primary -> not_expr
?primary: "(" search ")"
        | secondary
?secondary: field_select ":" op? (ESCAPED_STRING | WORD) -> field_matched
        | WORD  -> search_word
        | ESCAPED_STRING  -> search_string
field_select: WORD ("[" metadata_extractors "]")?
metadata_extractors: WORD ("," WORD)*
WORD: /[-_.*?+\w]+/
!op: OP
OP.2: "?" | "=" | ">" | "~"
%import common.ESCAPED_STRING
%import common.WS
%ignore WS
"""

# bounds that keep every query's time and memory small (and SQLite's limits out of reach), the same for the
# catalog and the registry, checked before anything is sent. DataLad-Registry's parser slows sharply with
# length (50 words 1.6 s, 100 words 3.7 s, 256 words over 200 s while it keeps a CPU busy): at 100 words
# its longest answer stays far inside our 60 s wait, so no request is left running after we stop waiting.
MAX_LENGTH = 4000     # characters
MAX_WORDS = 100       # words and quoted strings, the keywords AND, OR, NOT counted too
MAX_DEPTH = 16        # nested parentheses
FIRST_LINE = re.compile(r".*\S.*")  # the registry's own check of its search parameter (a 422 otherwise)
TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[-_.*?+\w]+|\S')

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
            else '"' + self.value.replace('"', '\\"') + '"'  # the registry only unescapes \"
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
@lru_cache(maxsize=2)
def _parser(kind: str = "registry"):
    from lark import Lark

    if kind == "registry":
        return Lark(REGISTRY_GRAMMAR, parser="earley")
    return Lark(LONG_GRAMMAR, parser="lalr", propagate_positions=True)


def _limits(text: str) -> int:
    """Check the bounds before parsing (positioned errors); returns the number of words, keywords included."""
    if len(text) > MAX_LENGTH:
        raise _positioned(f"The query is longer than {MAX_LENGTH} characters.", text, MAX_LENGTH,
                          "Shorten it, or split it into several searches.")
    nul = text.find("\x00")
    if nul >= 0:
        raise _positioned("The query contains a NUL character, which cannot be searched for.", text, nul,
                          "Remove it.")
    if not FIRST_LINE.match(text):
        raise _positioned("The query's first line is blank, and DataLad-Registry refuses such a query.", text, 0,
                          "Remove the empty line at the top: start the query on its first line.")
    words = depth = 0
    for m in TOKENS.finditer(text):
        tok = m.group()
        if tok == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise _positioned(f"The query nests parentheses more than {MAX_DEPTH} deep.", text, m.start(),
                                  "Flatten the query: AND and OR chains need no parentheses.")
        elif tok == ")":
            depth -= 1
        elif tok[0] == '"' or (tok[0] not in "()[]:," and text[m.end():m.end() + 1] not in (":", "[")):
            words += 1  # a field name before : or [ is part of its term
            if words > MAX_WORDS:
                raise _positioned(f"The query has more than {MAX_WORDS} words (AND, OR and NOT count too), and "
                                  "DataLad-Registry takes minutes to read longer ones.", text, m.start(),
                                  "Split it into several searches of up to 100 words each.")
    return words


def _positioned(message: str, text: str, position: int, hint: str = "") -> QueryError:
    err = QueryError(f"{message[:-1]} (at position {position + 1}).", text, position, hint)
    err.message = f"{err.message}\n{err.marked}"
    err.args = (err.message,)
    return err


@lru_cache(maxsize=256)
def parse(text: str):
    """Parse a query into an AST of :class:`Term`, :class:`And`, :class:`Or` and :class:`Not`.

    Queries are read as DataLad-Registry reads them (its grammar, with Earley); the result is
    cached, so a search parses its query once wherever it is passed along.

    Raises
    ------
    QueryError
        Empty query, unknown field (listing the known ones), bad syntax or a query beyond the
        bounds (length, words, nesting), each with the position.
    """
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    if text is None or not str(text).strip():
        raise QueryError("The query is empty.", text or "", None, "Type a word to search for, e.g. haxby.")
    words = _limits(text)
    try:
        tree = _parser("registry" if words <= EARLEY_WORDS else "long").parse(text)
    except UnexpectedInput as exc:
        pos = getattr(exc, "pos_in_stream", None)
        if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
            pos, what = len(text.rstrip()), "the query ended early"
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


class ParsedQuery(str):
    """A query's text carrying its parsed tree (``.tree``): passed along to a catalog or a registry
    client, it is not parsed again. It is a ``str``, so anything taking the text takes it.

    >>> q = ParsedQuery("haxby OR url:gin")
    >>> q, type(q.tree).__name__
    ('haxby OR url:gin', 'Or')
    """

    def __new__(cls, text: str):
        self = super().__new__(cls, text)
        self.tree = parse(text)
        return self


def tree_of(query):
    """The parsed tree of a query text, of a :class:`ParsedQuery` (its tree), or of a tree (itself)."""
    if isinstance(query, ParsedQuery):
        return query.tree
    return parse(query) if isinstance(query, str) else query


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
        op = str(children[1].children[0]) if len(children) == 3 else "?"
        name_tok, extractors = _target(target)
        name = str(name_tok)
        if name not in KNOWN_FIELDS:
            raise _positioned(f"Unknown field: '{name}'. Known are: {', '.join(KNOWN_FIELDS)}.", text,
                              name_tok.start_pos, "Use one of the known fields, or drop the field to search them all.")
        if extractors is not None and name != "metadata":
            raise _positioned(f"Only metadata takes [extractors], not {name}.", text, name_tok.start_pos)
        term = Term(_token_value(value_tok), name, op, extractors)
        _check(term, text, value_tok)
        return term
    if isinstance(node, Tree) and len(node.children) == 1:  # pragma: no cover - defensive
        return _build(node.children[0], text)
    raise QueryError(f"Cannot understand {kind!r} in the query.", text)  # pragma: no cover


def _target(node):
    """``(field name token, extractors or None)`` of a ``field:`` prefix, in either grammar's tree."""
    from lark import Token

    first = node.children[0]
    if node.data == "field_select" and len(node.children) > 1:
        name = first if isinstance(first, Token) else first.children[0]
        ext = node.children[1]
        return name, (ext.value,) if isinstance(ext, Token) else tuple(str(t) for t in ext.children
                                                                          if isinstance(t, Token))
    return (first if isinstance(first, Token) else first.children[0]), None


def _check(term: Term, text: str, token) -> None:
    pos = getattr(token, "start_pos", None)
    if term.op in ("=", ">") and term.field in NUMERIC_FIELDS:
        try:
            float(term.value)
        except ValueError:
            raise QueryError(f"{term.field}:{term.op} needs a number, not {term.value!r}.", text, pos) from None
    if term.op == "~":
        import regex

        try:
            regex.compile(term.value)
        except (regex.error, OverflowError, RecursionError) as exc:
            raise QueryError(f"Not a valid regular expression {term.value!r}: {exc}.", text, pos) from None


def _flatten(kind, items):
    for item in items:
        if isinstance(item, kind):
            yield from item.items
        else:
            yield item


def _token_value(tok) -> str:
    if tok.type == "ESCAPED_STRING":  # like the registry: \" is a quote, every other backslash stays
        return tok.value[1:-1].replace('\\"', '"')
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
