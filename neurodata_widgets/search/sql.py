"""Compile a query AST to SQLite for the embedded catalog.

Two ways: :func:`to_sql` (the catalog's) turns every term into a set of dataset ids
read from the FTS5 trigram indexes and combines them with INTERSECT / UNION /
EXCEPT, so ``NOT`` is a true complement (it also matches datasets with no value);
:func:`to_scan_sql` is DataLad-Registry's way, a ``LIKE '%v%'`` condition checked
on every row, kept as the baseline the benchmark compares with.

Examples
--------
>>> from neurodata_widgets.search.query import parse
>>> sql, params = to_sql(parse("url:github"))
>>> sql
'SELECT rowid AS id FROM ds_fts WHERE ds_fts MATCH ?'
>>> params
['url : "github"']
"""
from __future__ import annotations

from .query import MIN_INDEXED, NUMERIC_FIELDS, TEXT_FIELDS, And, Not, Or, Term, terms

ALL_IDS = "SELECT id FROM datasets"
ONE_STATEMENT_DEPTH = 4    # deeper queries overflow SQLite's parser stack as one statement
ONE_STATEMENT_TERMS = 48   # more terms near SQLite's 500 compound SELECTs


def _depth(node) -> int:
    if isinstance(node, Term):
        return 0
    if isinstance(node, Not):
        return 1 + _depth(node.item)
    return 1 + max(_depth(i) for i in node.items)


def fits_one_statement(node) -> bool:
    """Whether :func:`to_sql` of ``node`` stays well inside SQLite's limits (else the catalog splits it)."""
    return _depth(node) <= ONE_STATEMENT_DEPTH and sum(1 for _ in terms(node)) <= ONE_STATEMENT_TERMS


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _contains(column: str, value: str, params) -> str:
    """``column`` contains ``value``, case-insensitively as DataLad-Registry (PostgreSQL, C.UTF-8) compares:
    SQLite's LIKE folds ASCII letters only, so other values go through the catalog's ``ndw_contains``."""
    if value.isascii():
        params.append(_like(value))
        return f"{column} LIKE ? ESCAPE '\\'"
    params.append(value)
    return f"ndw_contains({column}, ?)"


def _operand(sql: str) -> str:
    """A set expression usable as one side of a compound SELECT."""
    return sql if " INTERSECT " not in sql and " UNION " not in sql and " EXCEPT " not in sql \
        else f"SELECT id FROM ({sql})"


class Params(list):
    """Query parameters, carrying the catalog's ``rarity(table, trigrams) -> {trigram: records}`` along."""

    rarity = None


def to_sql(node, rarity=None) -> tuple[str, list]:
    """SQL selecting the ids (column ``id``) of the datasets matching ``node``.

    ``rarity`` (the catalog's estimate of how common trigrams are) lets long values be found
    through their three rarest trigrams and checked with ``LIKE``, instead of a phrase whose
    common trigrams (``"na``, ``": "``) occur in every record.
    """
    params = Params()
    params.rarity = rarity
    return _set(node, params), list(params)


def _set(node, params) -> str:
    if isinstance(node, Term):
        return _term(node, params)
    if isinstance(node, Not):
        return f"{ALL_IDS} EXCEPT {_operand(_set(node.item, params))}"
    if isinstance(node, Or):
        return " UNION ".join(_operand(_set(i, params)) for i in node.items)
    if isinstance(node, And):
        positive = [i for i in node.items if not isinstance(i, Not)]
        if not positive:
            sql = ALL_IDS
            for item in node.items:
                sql += " EXCEPT " + _operand(_set(item.item, params))
            return sql
        # the most selective-looking part is read from the index; the rest is checked on its rows
        # only, so a selective query never materialises a big set (``a AND NOT url:github``)
        driver = min(positive, key=lambda i: _estimate(i, params))
        rest = [i for i in node.items if i is not driver]
        driver_sql = _set(driver, params)
        checks = " AND ".join(_cond(i, params, null_safe=True) for i in rest)
        return f"SELECT d.id FROM datasets d WHERE d.id IN ({driver_sql}) AND {checks}"
    raise TypeError(f"not a query node: {node!r}")


BIG = 10 ** 9  # "everything": a scan, or no index to ask


def _estimate(node, params) -> float:
    """How many records a part may match: the fewest records holding one of its trigrams.

    Without the catalog's counts, longer literals are taken to be rarer.
    """
    if isinstance(node, Not):
        return BIG
    if isinstance(node, Or):
        return sum(_estimate(i, params) for i in node.items)
    if isinstance(node, And):
        return min(_estimate(i, params) for i in node.items)
    if node.op in (">", "~") or len(node.value) < MIN_INDEXED:
        return BIG
    rarity = getattr(params, "rarity", None)
    if rarity is None:
        return BIG / (len(node.value) + (1 if node.field else 0))
    tables = ("md",) if node.field == "metadata" else ("ds",) if node.field else ("ds", "md")
    if node.field in NUMERIC_FIELDS:
        return BIG
    low = node.value.lower()
    grams = {low[i:i + 3] for i in range(len(low) - 2)}
    return sum(min(rarity(t, grams).values()) for t in tables)


RARE_MIN = 6  # shorter values are found as a phrase
FTS = {"ds": ("ds_fts", "datasets", TEXT_FIELDS), "md": ("md_fts", "metadata", ("extractor_name", "extracted_metadata"))}


def _rarest(table: str, value: str, rarity) -> list | None:
    if rarity is None or len(value) < RARE_MIN or not value.isascii():
        return None  # beyond ASCII: a phrase, then the exact check of _fts_ids
    low = value.lower()
    counts = rarity(table, {low[i:i + 3] for i in range(len(low) - 2)})
    return sorted(counts, key=lambda t: (counts[t], t))[:3]


def _fts_ids(table: str, value: str, params, column: str | None) -> str:
    """SQL selecting the ids of rows of ``table`` (``ds`` or ``md``) whose ``column`` (``None``: any) contains ``value``.

    Long values are looked up by their three rarest trigrams and checked with ``LIKE``: a phrase
    would visit every record holding its common trigrams (``": "``, ``htt``).
    """
    fts, base, columns = FTS[table]
    rare = _rarest(table, value, getattr(params, "rarity", None))
    if rare is None:
        params.append(f"{column} : {_fts_phrase(value)}" if column else _fts_phrase(value))
        found = f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH ?"
        if value.isascii():
            return found
        # the trigram tokenizer folds more than PostgreSQL's lower() does (ς->σ, ſ->s, ϖ->π, ϱ->ρ, ...): beyond
        # ASCII the index only narrows the rows, and each is checked letter by letter as the registry compares
        checked = [column] if column else list(columns)
        params.extend([value] * len(checked))
        check = " OR ".join(f"ndw_contains(r.{c}, ?)" for c in checked)
        return f"SELECT r.id AS id FROM {base} r WHERE r.id IN ({found}) AND ({check})"
    expr = "(" + " AND ".join(_fts_phrase(t) for t in rare) + ")"
    params.append(f"{column} : {expr}" if column else expr)
    like = _like(value)
    checked = [column] if column else list(columns)
    params.extend([like] * len(checked))
    check = " OR ".join(f"r.{c} LIKE ? ESCAPE '\\'" for c in checked)
    return f"SELECT r.id AS id FROM {base} r WHERE r.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) AND ({check})"


def _metadata_fts(value: str, params, column: str | None = "extracted_metadata") -> str:
    return _fts_ids("md", value, params, column)


def _extractor_filter(term: Term, params) -> str:
    if term.extractors is None:
        return ""
    params.extend(term.extractors)
    return f" AND m.extractor_name IN ({','.join('?' * len(term.extractors))})"


def _term(term: Term, params) -> str:
    v, op = term.value, term.op
    if term.field is None:  # any searchable field, metadata included (extractor names too)
        if len(v) >= MIN_INDEXED:
            first = _fts_ids("ds", v, params, None)
            return f"{first} UNION SELECT m.url_id AS id FROM metadata m WHERE m.id IN ({_metadata_fts(v, params, None)})"
        ors = " OR ".join(_contains(f, v, params) for f in TEXT_FIELDS)
        md = " OR ".join(_contains(f"m.{c}", v, params) for c in ("extractor_name", "extracted_metadata"))
        return f"SELECT id FROM datasets WHERE {ors} UNION SELECT m.url_id AS id FROM metadata m WHERE {md}"
    if term.field == "metadata":
        return _metadata_term(term, params)
    f = term.field
    if f in NUMERIC_FIELDS:
        if op in ("=", ">"):
            params.append(float(v))
            return f"SELECT id FROM datasets WHERE {f} {op} ?"
        params.append(_like(v) if op == "?" else v)
        return f"SELECT id FROM datasets WHERE CAST({f} AS TEXT) {'LIKE' if op == '?' else 'REGEXP'} ?" + \
            (" ESCAPE '\\'" if op == "?" else "")
    if op == "?":
        if len(v) >= MIN_INDEXED:
            return _fts_ids("ds", v, params, f)
        return f"SELECT id FROM datasets WHERE {_contains(f, v, params)}"
    if op == "~":
        params.append(v)
        return f"SELECT id FROM datasets WHERE {f} REGEXP ?"
    params.append(v)
    cmp = "=" if op == "=" else ">"
    if f == "branches":  # a JSON object: branch name -> head
        return f"SELECT d.id FROM datasets d, json_each(d.branches) j WHERE j.key {cmp} ? COLLATE NOCASE"
    if f == "tags":  # a JSON list of tag names
        return f"SELECT d.id FROM datasets d, json_each(d.tags) j WHERE j.value {cmp} ? COLLATE NOCASE"
    return f"SELECT id FROM datasets WHERE {f} {cmp} ? COLLATE NOCASE"


def _metadata_term(term: Term, params) -> str:
    v, op = term.value, term.op
    if op == "?":
        # metadata:v also matches extractor names; metadata[ext]:v only the records' text
        column = "extracted_metadata" if term.extractors is not None else None
        if len(v) >= MIN_INDEXED:
            sql = f"SELECT m.url_id AS id FROM metadata m WHERE m.id IN ({_metadata_fts(v, params, column)})"
        elif column:
            sql = f"SELECT m.url_id AS id FROM metadata m WHERE {_contains('m.extracted_metadata', v, params)}"
        else:
            sql = (f"SELECT m.url_id AS id FROM metadata m WHERE ({_contains('m.extractor_name', v, params)} "
                   f"OR {_contains('m.extracted_metadata', v, params)})")
        return sql + _extractor_filter(term, params)
    if op == "~":
        params.append(v)
        return "SELECT m.url_id AS id FROM metadata m WHERE m.extracted_metadata REGEXP ?" + \
            _extractor_filter(term, params)
    # = and > look at the leaf values of the JSON record
    if op == "=":
        pre = ""
        if len(v) >= MIN_INDEXED:  # narrow with the index first: exact values are substrings too
            pre = f" AND m.id IN ({_metadata_fts(v, params)})"
        params.append(v)
        sql = ("SELECT m.url_id AS id FROM metadata m, json_tree(m.extracted_metadata) j WHERE j.atom IS NOT NULL"
               f"{pre} AND CAST(j.atom AS TEXT) = ? COLLATE NOCASE")
    else:
        try:
            number = float(v)
        except ValueError:
            params.append(v)
            sql = ("SELECT m.url_id AS id FROM metadata m, json_tree(m.extracted_metadata) j "
                   "WHERE j.type = 'text' AND j.atom > ? COLLATE NOCASE")
        else:
            params.append(number)
            sql = ("SELECT m.url_id AS id FROM metadata m, json_tree(m.extracted_metadata) j "
                   "WHERE j.type IN ('integer', 'real') AND j.atom > ?")
    return sql + _extractor_filter(term, params)


# ----------------------------------------------------------------------------------------
# the registry's way: a LIKE condition checked on every row (the benchmark's baseline)
# ----------------------------------------------------------------------------------------
def to_scan_sql(node) -> tuple[str, list]:
    """SQL selecting matching ids by scanning with ``LIKE '%v%'`` like DataLad-Registry does."""
    params: list = []
    return f"SELECT d.id FROM datasets d WHERE {_cond(node, params)}", params


def _cond(node, params, null_safe: bool = False) -> str:
    """A condition on the row ``d``; ``null_safe`` makes NOT match missing values too."""
    if isinstance(node, Not):
        return f"NOT ({_cond(node.item, params, null_safe)})"
    if isinstance(node, (And, Or)):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(_cond(i, params, null_safe) for i in node.items) + ")"
    leaf = _leaf(node, params)
    return f"coalesce({leaf}, 0)" if null_safe else leaf


def _leaf(node: Term, params) -> str:
    v, op = node.value, node.op
    if node.field is None:
        if op != "?":  # pragma: no cover - the grammar gives bare words no operator
            raise NotImplementedError(f"Operation {op} is not implemented")
        parts = [f"(d.{f} IS NOT NULL AND {_contains('d.' + f, v, params)})" for f in TEXT_FIELDS]
        parts.append(f"EXISTS (SELECT 1 FROM metadata m WHERE m.url_id = d.id AND "
                     f"({_contains('m.extractor_name', v, params)} OR {_contains('m.extracted_metadata', v, params)}))")
        return "(" + " OR ".join(parts) + ")"
    if node.field == "metadata":
        if op not in ("?", "~"):  # = and >: the same leaf tests as the indexed form
            return f"d.id IN ({_metadata_term(node, params)})"
        # the extractor's name is compared before the JSON text is searched
        sql = "EXISTS (SELECT 1 FROM metadata m WHERE m.url_id = d.id" + _extractor_filter(node, params)
        if op == "~":
            params.append(v)
            return f"{sql} AND m.extracted_metadata REGEXP ?)"
        test = _contains("m.extracted_metadata", v, params)
        if node.extractors is None:  # metadata:v also matches extractor names
            test = f"({_contains('m.extractor_name', v, params)} OR {test})"
        return f"{sql} AND {test})"
    f = node.field
    if op == "?":
        return _contains(f"CAST(d.{f} AS TEXT)", v, params)
    if op == "~":
        params.append(v)
        return f"CAST(d.{f} AS TEXT) REGEXP ?"
    if f in NUMERIC_FIELDS:
        params.append(float(v))
        return f"d.{f} {op} ?"
    params.append(v)
    if f in ("branches", "tags"):
        col = "key" if f == "branches" else "value"
        return f"EXISTS (SELECT 1 FROM json_each(d.{f}) j WHERE j.{col} {op} ? COLLATE NOCASE)"
    return f"d.{f} {op} ? COLLATE NOCASE"
