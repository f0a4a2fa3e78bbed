"""The embedded catalog: DataLad-Registry's records in SQLite with trigram indexes.

One row per dataset URL with the registry's fields, one row per extractor record
(``metadata``), and two FTS5 trigram indexes (``ds_fts`` over the text fields,
``md_fts`` over extractor names and the JSON text of each record) that make
substring search fast. :meth:`Catalog.search` answers with the same JSON shape as
the registry's ``GET /api/v2/dataset-urls``, so the sandbox serves it as is and
the widget treats a catalog and a remote registry alike.

Examples
--------
>>> cat = Catalog(":memory:")
>>> cat.add([{"url": "https://example.org/ds", "ds_id": "6eeadb86-84be-11e6-b24c-002590f97d84",
...           "metadata": [{"extractor_name": "bids_dataset", "extracted_metadata": {"Name": "haxby"}}]}])
1
>>> page = cat.search("haxby")
>>> page["collection_stats"]["summary"]["ds_count"], page["dataset_urls"][0]["url"]
(1, 'https://example.org/ds')
"""
from __future__ import annotations

import copy
import json
import sqlite3
import threading
import time
from array import array
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from .matches import SharedMatches
from .query import Not, Or, QueryError, tree_of
from .records import facets, jsonb_order, metadata_text, now_iso  # noqa: F401 - now_iso kept importable here
from .sql import fits_one_statement, to_scan_sql, to_sql

FIELDS = ("url", "ds_id", "head", "head_describe", "branches", "tags", "annex_key_count",
          "annexed_files_in_wt_count", "annexed_files_in_wt_size", "git_objects_kb", "last_update_dt")
ORDER_KEYS = ("url", "annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size",
              "last_update_dt", "git_objects_kb")
RANGE_FILTERS = {"annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size", "git_objects_kb"}
MAX_PER_PAGE = 100  # the registry's cap

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
  id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, ds_id TEXT, head TEXT, head_describe TEXT,
  branches TEXT, tags TEXT, annex_key_count INTEGER, annexed_files_in_wt_count INTEGER,
  annexed_files_in_wt_size INTEGER, git_objects_kb INTEGER, last_update_dt TEXT, source TEXT);
CREATE INDEX IF NOT EXISTS datasets_ds_id ON datasets(ds_id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS datasets_url_nocase ON datasets(url COLLATE NOCASE);
-- the unique-dataset statistics join the hits to every URL of their ds_id (exact, not NOCASE)
CREATE INDEX IF NOT EXISTS datasets_ds_id_size ON datasets(ds_id, annexed_files_in_wt_size);
CREATE TABLE IF NOT EXISTS metadata (
  id INTEGER PRIMARY KEY, url_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  extractor_name TEXT NOT NULL, extractor_version TEXT, extraction_parameter TEXT, extracted_metadata TEXT,
  dataset_describe TEXT, dataset_version TEXT);
CREATE INDEX IF NOT EXISTS metadata_url_id ON metadata(url_id);
CREATE VIRTUAL TABLE IF NOT EXISTS ds_fts USING fts5(url, ds_id, head, head_describe, branches, tags,
  content='datasets', content_rowid='id', tokenize='trigram', columnsize=0);
CREATE VIRTUAL TABLE IF NOT EXISTS md_fts USING fts5(extractor_name, extracted_metadata,
  content='metadata', content_rowid='id', tokenize='trigram', columnsize=0);
CREATE TABLE IF NOT EXISTS catalog_writes (
  id INTEGER PRIMARY KEY CHECK (id = 1), file TEXT NOT NULL, generation INTEGER NOT NULL);
INSERT OR IGNORE INTO catalog_writes VALUES (1, lower(hex(randomblob(8))), 0);
"""

# the indexes follow the tables through triggers; a bulk load drops them and rebuilds the indexes once
TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS datasets_ai AFTER INSERT ON datasets BEGIN
  INSERT INTO ds_fts(rowid, url, ds_id, head, head_describe, branches, tags)
  VALUES (new.id, new.url, new.ds_id, new.head, new.head_describe, new.branches, new.tags); END;
CREATE TRIGGER IF NOT EXISTS datasets_ad AFTER DELETE ON datasets BEGIN
  INSERT INTO ds_fts(ds_fts, rowid, url, ds_id, head, head_describe, branches, tags)
  VALUES ('delete', old.id, old.url, old.ds_id, old.head, old.head_describe, old.branches, old.tags); END;
CREATE TRIGGER IF NOT EXISTS metadata_ai AFTER INSERT ON metadata BEGIN
  INSERT INTO md_fts(rowid, extractor_name, extracted_metadata)
  VALUES (new.id, new.extractor_name, new.extracted_metadata); END;
CREATE TRIGGER IF NOT EXISTS metadata_ad AFTER DELETE ON metadata BEGIN
  INSERT INTO md_fts(md_fts, rowid, extractor_name, extracted_metadata)
  VALUES ('delete', old.id, old.extractor_name, old.extracted_metadata); END;
"""


TIME_LIMIT = 10.0  # seconds a search may take before it is stopped
_running = threading.local()  # the current search's deadline, per thread


def _regexp(pattern, value) -> bool:
    """``value REGEXP pattern``, case-insensitive; gives up when the search's deadline has passed
    (a pattern such as ``(a+)+$`` can take exponential time on one value)."""
    if value is None:
        return False
    deadline = getattr(_running, "deadline", None)
    left = None if deadline is None else deadline - time.monotonic()
    if left is not None and left <= 0:
        _running.timed_out = True
        raise TimeoutError("regular expression")
    try:
        return _compiled(pattern).search(str(value), timeout=left) is not None
    except TimeoutError:
        _running.timed_out = True
        raise


def fold(text: str) -> str:
    """Lower-case one character at a time, as PostgreSQL under C.UTF-8 (no ß -> ss, no accent folding)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := ch.lower()) == 1 else ("i" if ch == "\u0130" else ch) for ch in text)


def _contains(value, needle) -> bool:
    return value is not None and fold(needle) in fold(str(value))


@lru_cache(maxsize=64)
def _compiled(pattern):
    import regex

    return regex.compile(pattern, regex.IGNORECASE)


class Catalog:
    """An embedded, searchable catalog of dataset URLs in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The SQLite file (created when missing); ``":memory:"`` for a throwaway one.
    match_cache : int
        How many searches' matches are kept for every thread's connection to reuse (a page turn
        on another thread then matches nothing again); 0 keeps them per connection only.
    """

    def __init__(self, path, time_limit: float = TIME_LIMIT, match_cache: int = 8):
        self.path = str(path)
        self.time_limit = time_limit
        self._local = threading.local()
        self._shared = None
        if self.path == ":memory:":  # one connection, shared (and serialised) across threads
            self._shared = self._open()
        self._lock = threading.RLock()
        self._samples: dict = {}  # table -> trigram counts in a sample of rows (cleared on writes)
        self.matches = SharedMatches(match_cache)  # what searches matched, for every connection
        self._hits: dict = {}  # id(connection) -> which query's matches its temp.hits table holds
        with self._lock:
            fresh = not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'md_fts'").fetchone()
            self.conn.executescript(SCHEMA + TRIGGERS)
            if fresh:
                # a large in-memory buffer and merging 16 segments at a time halve the time to index
                for fts in ("ds_fts", "md_fts"):
                    self.conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 16)")
                    self.conn.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('hashsize', {64 * 1024 * 1024})")

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.create_function("regexp", 2, _regexp)
        conn.create_function("ndw_contains", 2, _contains, deterministic=True)
        conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None) or self._shared
        if conn is not None:
            conn.close()
        self._local.conn = None

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM datasets").fetchone()[0]

    # -- writing --------------------------------------------------------------------------------
    def add(self, records, source: str = "", keep_ids: bool = False) -> int:
        """Insert or replace registry-shaped records (``url``, fields, ``metadata`` list); returns the count.

        ``keep_ids``: a record's ``id`` (and its metadata's) is kept when no other URL holds it, so ids read from a
        registry work with its ``/dataset-urls/{id}`` and ``/url-metadata/{id}``.
        """
        n = 0
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN")
            try:
                self._written(conn)
                for rec in records:
                    self._upsert(conn, rec, source, keep_ids=keep_ids)
                    n += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return n

    def bulk_add(self, records, source: str = "", batch: int = 5000, progress=None, reindex: bool = True,
                 keep_ids: bool = False) -> int:
        """Load many records fast: rows first, then each trigram index built in one pass.

        Meant for imports and fresh catalogs (the indexes are rebuilt over everything).
        ``progress(n)`` is called after each batch of rows. With ``reindex=False`` the
        indexes are left stale until :meth:`reindex` (the benchmark times the two apart).
        """
        n = 0
        with self._lock:
            conn = self.conn
            conn.executescript("DROP TRIGGER IF EXISTS datasets_ai; DROP TRIGGER IF EXISTS datasets_ad;"
                               "DROP TRIGGER IF EXISTS metadata_ai; DROP TRIGGER IF EXISTS metadata_ad;")
            with self._bulk_mode(conn):
                try:
                    conn.execute("BEGIN")
                    self._written(conn)
                    # into an empty catalog nothing needs replacing, unless a URL comes twice
                    replace = conn.execute("SELECT 1 FROM datasets LIMIT 1").fetchone() is not None
                    for rec in records:
                        try:
                            self._upsert(conn, rec, source, replace, keep_ids)
                        except sqlite3.IntegrityError:
                            self._upsert(conn, rec, source, keep_ids=keep_ids)
                        n += 1
                        if progress and n % batch == 0:
                            progress(n)
                    if reindex:
                        self._reindex(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                finally:
                    conn.executescript(TRIGGERS)
        return n

    @contextmanager
    def _bulk_mode(self, conn):
        """A big page cache and a rollback journal while loading: index merges stay in memory and
        a fresh file's new pages are written once (in WAL they would be written twice)."""
        wal = self.path != ":memory:"
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute("PRAGMA cache_size = -262144")  # 256 MB
        if wal:
            wal = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
            if wal:
                conn.execute("PRAGMA journal_mode = WAL")

    def reindex(self) -> None:
        """Rebuild both trigram indexes from the tables."""
        with self._lock:
            conn = self.conn
            with self._bulk_mode(conn):
                conn.execute("BEGIN")
                self._written(conn)
                self._reindex(conn)
                conn.execute("COMMIT")

    def _written(self, conn) -> None:
        """Called in every write transaction: moves the write generation on (in the file, so every
        connection and process sees it when the transaction commits) and forgets derived counts."""
        self._samples.clear()
        conn.execute("UPDATE catalog_writes SET generation = generation + 1")

    @staticmethod
    def _generation(conn) -> tuple:
        """``(file's random name, write count)``: names what the catalog holds, for every connection."""
        return tuple(conn.execute("SELECT file, generation FROM catalog_writes").fetchone())

    @staticmethod
    def _reindex(conn) -> None:
        conn.execute("INSERT INTO ds_fts(ds_fts) VALUES ('rebuild')")
        conn.execute("INSERT INTO md_fts(md_fts) VALUES ('rebuild')")

    @staticmethod
    def _free_id(conn, table: str, wanted, keep: bool):
        """``wanted`` when it is to be kept and no row of ``table`` holds it, else ``None`` (a new id)."""
        if not keep or not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
            return None
        taken = conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (wanted,)).fetchone()
        return None if taken else wanted

    def _upsert(self, conn, rec: dict, source: str, replace: bool = True, keep_ids: bool = False) -> int:
        url = str(rec["url"])
        if replace:
            conn.execute("DELETE FROM metadata WHERE url_id IN (SELECT id FROM datasets WHERE url = ?)", (url,))
            conn.execute("DELETE FROM datasets WHERE url = ?", (url,))
        branches = rec.get("branches")
        tags = rec.get("tags")
        values = [url, rec.get("ds_id"), rec.get("head"), rec.get("head_describe"),
                  metadata_text(branches) if isinstance(branches, (dict, list)) else branches,
                  json.dumps(tags) if isinstance(tags, (dict, list)) else tags,
                  rec.get("annex_key_count"), rec.get("annexed_files_in_wt_count"),
                  rec.get("annexed_files_in_wt_size"), rec.get("git_objects_kb"),
                  rec.get("last_update_dt") or now_iso(), rec.get("source", source)]
        cur = conn.execute("INSERT INTO datasets (id, url, ds_id, head, head_describe, branches, tags, annex_key_count,"
                           " annexed_files_in_wt_count, annexed_files_in_wt_size, git_objects_kb, last_update_dt,"
                           " source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           [self._free_id(conn, "datasets", rec.get("id"), keep_ids), *values])
        url_id = cur.lastrowid
        rows = []
        for md in rec.get("metadata") or []:
            if "extracted_metadata" not in md:  # a reference (return_metadata=reference) holds no content
                continue
            rows.append((self._free_id(conn, "metadata", md.get("id"), keep_ids), url_id, md["extractor_name"],
                         md.get("extractor_version", ""),
                         json.dumps(md.get("extraction_parameter") or {}), metadata_text(md["extracted_metadata"]),
                         md.get("dataset_describe", rec.get("head_describe") or ""),
                         md.get("dataset_version", rec.get("head") or "")))
        # one at a time: a kept id must be seen as taken by the next record's check
        for row in rows:
            conn.execute("INSERT INTO metadata (id, url_id, extractor_name, extractor_version, extraction_parameter,"
                         " extracted_metadata, dataset_describe, dataset_version) VALUES (?,?,?,?,?,?,?,?)", row)
        return url_id

    def remove(self, urls) -> int:
        """Drop these URLs (and their metadata)."""
        urls = list(urls)
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN")
            self._written(conn)
            for url in urls:
                conn.execute("DELETE FROM metadata WHERE url_id IN (SELECT id FROM datasets WHERE url = ?)", (url,))
                conn.execute("DELETE FROM datasets WHERE url = ?", (url,))
            conn.execute("COMMIT")
        return len(urls)

    def heads(self, source: str | None = None) -> dict:
        """``url -> head`` of what is in the catalog (from one source, or all)."""
        sql, args = "SELECT url, head FROM datasets", ()
        if source is not None:
            sql, args = sql + " WHERE source = ?", (source,)
        return {r["url"]: r["head"] for r in self.conn.execute(sql, args)}

    # -- reading --------------------------------------------------------------------------------
    def rarity(self, table: str, trigrams) -> dict:
        """How common each trigram is in ``table`` (``ds``: dataset URLs, ``md``: metadata records).

        Counted in a random sample of rows (kept until the next write): asking the index itself
        costs as much as walking the trigram's whole posting list. 0 means rare, not absent.
        """
        sample = self._samples.get(table)
        if sample is None:
            sample = self._samples[table] = self._sample(table)
        return {t: sample.get(t, 0) for t in trigrams}

    def _sample(self, table: str, size: int = 2000):
        import random
        from collections import Counter

        base, cols = ("datasets", "url, ds_id, head, head_describe, branches, tags") if table == "ds" else \
            ("metadata", "extractor_name, extracted_metadata")
        lo, hi = self.conn.execute(f"SELECT min(id), max(id) FROM {base}").fetchone()
        counts: Counter = Counter()
        if lo is None:
            return counts
        ids = random.Random(0).sample(range(lo, hi + 1), min(size, hi - lo + 1))
        for row in self.conn.execute(f"SELECT {cols} FROM {base} WHERE id IN ({','.join(map(str, ids))})"):
            grams = set()
            for text in row:
                if text:
                    low = text.lower()
                    grams.update(low[i:i + 3] for i in range(len(low) - 2))
            counts.update(grams)
        return counts

    def _tree(self, query):
        """The parsed query: a text is parsed (once, cached), a tree passed along is used as is."""
        return tree_of(query)

    def ids(self, query=None, scan: bool = False) -> list[int]:
        """Ids of matching dataset URLs (``scan=True``: the registry's LIKE scan, for comparison)."""
        if query is None:
            return [r[0] for r in self.conn.execute("SELECT id FROM datasets ORDER BY id")]
        tree = self._tree(query)
        with self._lock, self._bounded(self.conn, query):
            if scan:
                sql, params = to_scan_sql(tree)
                return sorted(r[0] for r in self.conn.execute(sql, params))
            return sorted(self._match(self.conn, tree))

    def _match(self, conn, node) -> set:
        """Ids matching ``node``. A small query is one SQL statement; a deep or long one is split into
        parts combined here, so no statement nears SQLite's limits (parser depth, compound SELECTs)."""
        if fits_one_statement(node):
            sql, params = to_sql(node, rarity=self.rarity)
            return {r[0] for r in conn.execute(sql, params)}
        if isinstance(node, Or):
            out: set = set()
            for item in node.items:
                out |= self._match(conn, item)
            return out
        if isinstance(node, Not):
            return self._all_ids(conn) - self._match(conn, node.item)
        positive = [i for i in node.items if not isinstance(i, Not)]
        out = None
        for item in positive:
            found = self._match(conn, item)
            out = found if out is None else out & found
            if not out:
                return set()
        if out is None:
            out = self._all_ids(conn)
        for item in node.items:
            if isinstance(item, Not):
                out -= self._match(conn, item.item)
        return out

    @staticmethod
    def _all_ids(conn) -> set:
        return {r[0] for r in conn.execute("SELECT id FROM datasets")}

    @contextmanager
    def _bounded(self, conn, query):
        """Stop a search that runs past :data:`TIME_LIMIT`; SQLite's own errors become readable ones."""
        deadline = time.monotonic() + self.time_limit
        _running.deadline, _running.timed_out = deadline, False
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 20000)
        text = query if isinstance(query, str) else str(query)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if _running.timed_out or "interrupted" in str(exc):
                at = text.find(":~")
                raise QueryError(f"The search took longer than {self.time_limit:g} s and was stopped.", text,
                                 at if at >= 0 else 0,  # at the regular expression, else the whole query
                                 "A regular expression such as (a+)+$ can take very long; simplify it, or "
                                 "narrow the search with more words.") from None
            raise QueryError(f"The catalog could not run this query: {exc}.", text, None,
                             "Simplify the query.") from None
        finally:
            conn.set_progress_handler(None, 0)
            _running.deadline = None

    def search(self, query: str | None = None, page: int = 1, per_page: int = 20, order_by: str = "last_update_dt",
               order_dir: str = "desc", return_metadata: str | None = None, **filters) -> dict:
        """One page of matches in the shape of the registry's ``GET /api/v2/dataset-urls``.

        Parameters
        ----------
        query : str, optional
            A query in the registry's language (``None``: everything).
        page, per_page : int
            From 1; ``per_page`` is capped at 100 like the registry.
        order_by : str
            One of url, annex_key_count, annexed_files_in_wt_count, annexed_files_in_wt_size,
            last_update_dt (or last_update), git_objects_kb.
        order_dir : str
            ``asc`` or ``desc`` (missing values last either way).
        return_metadata : {None, "reference", "content"}
        **filters
            ``min_<field>`` / ``max_<field>`` for the counts and sizes, ``url``, ``ds_id``.
        """
        order_by = "last_update_dt" if order_by == "last_update" else order_by
        if order_by not in ORDER_KEYS:
            raise ValueError(f"order_by must be one of {', '.join(ORDER_KEYS)}")
        if order_dir not in ("asc", "desc"):
            raise ValueError("order_dir must be asc or desc")
        page, per_page = max(1, int(page)), max(1, min(MAX_PER_PAGE, int(per_page)))
        order = f"d.{order_by} {order_dir.upper()} NULLS LAST, d.id"
        with self._lock:
            conn = self.conn
            with self._bounded(conn, query):
                total, found = self._collect(conn, query, filters, table=False)
                ordered = None if found is None else found.orders.get(order)
                if found is None or (ordered is None and page == 1):  # the page from this connection's table:
                    if found is not None:  # the first page of a shared search orders its top rows only, the
                        self._collect(conn, query, filters)  # full order waits for a page turn to need it
                    rows = conn.execute(f"SELECT d.* FROM datasets d JOIN temp.hits h ON h.id = d.id ORDER BY "
                                        f"{order} LIMIT ? OFFSET ?", (per_page, (page - 1) * per_page)).fetchall()
                    stats = self._stats(conn) if found is None or found.stats is None else found.stats
                    if found is not None:
                        found.stats, stats = stats, copy.deepcopy(stats)
                else:  # shared: ordered and counted once per search, then any page is a slice
                    if ordered is None or found.stats is None:
                        self._collect(conn, query, filters)  # the matches into this connection's table
                        if ordered is None:
                            ordered = found.orders[order] = array("q", (r[0] for r in conn.execute(
                                f"SELECT d.id FROM datasets d JOIN temp.hits h ON h.id = d.id ORDER BY {order}")))
                        if found.stats is None:
                            found.stats = self._stats(conn)
                    rows = self._rows(conn, ordered[(page - 1) * per_page: page * per_page])
                    stats = copy.deepcopy(found.stats)
            items = [self._record(conn, r, return_metadata) for r in rows]
        pages = max(1, -(-total // per_page))
        base = {k: v for k, v in {"search": None if query is None else str(query), "per_page": per_page, "order_by": order_by,
                                  "order_dir": order_dir, "return_metadata": return_metadata,
                                  **filters}.items() if v is not None}

        def link(n):
            return "/api/v2/dataset-urls?" + urlencode({**base, "page": n})

        return {"cur_pg_num": page, "prev_pg": link(page - 1) if page > 1 else None,
                "next_pg": link(page + 1) if page < pages else None, "first_pg": link(1), "last_pg": link(pages),
                "dataset_urls": items, "collection_stats": stats}

    @staticmethod
    def _rows(conn, ids) -> list:
        """The datasets rows of these ids, in this order."""
        if not len(ids):
            return []
        found = {r["id"]: r for r in conn.execute(
            f"SELECT * FROM datasets WHERE id IN ({','.join('?' * len(ids))})", list(ids))}
        return [found[i] for i in ids if i in found]

    def _collect(self, conn, query, filters, table: bool = True):
        """Fill ``temp.hits`` with the matches; returns ``(count, shared Matches or None)``.

        A search matches once: its next pages and facets on this connection reuse ``temp.hits``;
        another connection (a page turn on a worker thread) loads the ids this one shared, or with
        ``table=False`` only gets them (what it needs may be in them already: order, statistics).
        """
        tree = self._tree(query) if query is not None else None
        key = (tree, tuple(sorted((k, v) for k, v in filters.items() if v is not None)))
        generation = self._generation(conn)
        shared = self.matches.get(generation, key)
        held = self._hits.get(id(conn))
        if held is not None and held[0] == (generation, key) and conn.execute(
                "SELECT 1 FROM temp.sqlite_master WHERE name = 'hits'").fetchone():  # not a new connection's id
            return held[1], shared
        if shared is not None and not table:
            return shared.count, shared
        self._hits.pop(id(conn), None)
        if shared is not None:
            conn.execute("DROP TABLE IF EXISTS temp.hits")
            conn.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY)")
            conn.execute("INSERT INTO temp.hits SELECT value FROM json_each(?)", (shared.ids,))
            count = shared.count
        else:
            count = self._fill_hits(conn, tree, filters)
            if self.matches.size > 0 and self._generation(conn) == generation:  # nothing written meanwhile
                ids = conn.execute("SELECT json_group_array(id) FROM temp.hits").fetchone()[0]
                shared = self.matches.put(generation, key, ids, count)
        if len(self._hits) > 64:  # mostly connections of finished worker threads: forget them
            self._hits.clear()
        self._hits[id(conn)] = ((generation, key), count)
        return count, shared

    def _fill_hits(self, conn, query, filters) -> int:
        conn.execute("DROP TABLE IF EXISTS temp.hits")
        conn.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY)")
        if query is None:
            conn.execute("INSERT INTO temp.hits SELECT id FROM datasets")
        else:
            tree = self._tree(query)
            if fits_one_statement(tree):
                sql, params = to_sql(tree, rarity=self.rarity)
                conn.execute(f"INSERT OR IGNORE INTO temp.hits {sql}", params)
            else:
                conn.executemany("INSERT INTO temp.hits VALUES (?)", ((i,) for i in self._match(conn, tree)))
        where, args = [], []
        for key, value in filters.items():
            if value is None:
                continue
            kind, _, name = key.partition("_")
            if kind in ("min", "max") and name in RANGE_FILTERS:
                where.append(f"d.{name} {'>=' if kind == 'min' else '<='} ?")
                args.append(int(value))
            elif key in ("url", "ds_id"):
                where.append(f"d.{key} = ?")
                args.append(str(value))
            else:
                raise ValueError(f"unknown filter {key!r}")
        if where:
            conn.execute(f"DELETE FROM temp.hits WHERE id NOT IN (SELECT d.id FROM datasets d "
                         f"WHERE {' AND '.join(where)})", args)
        return conn.execute("SELECT count(*) FROM temp.hits").fetchone()[0]

    def _stats(self, conn) -> dict:
        """The registry's ``collection_stats`` of the current hits, computed its way.

        Sums over nothing are left out; unique datasets take, per ds_id, the largest size among
        the hits and then the largest file count among all URLs of that ds_id with that size
        (every distinct size when the largest is unknown); URLs never processed (no branches)
        are in no category but in ``ds_count``.
        """
        annexed = "json_type(d.branches, '$.\"git-annex\"') IS NOT NULL"
        r = conn.execute(f"""
            SELECT count(*),
              sum(d.ds_id IS NOT NULL), sum(CASE WHEN d.ds_id IS NOT NULL THEN d.annexed_files_in_wt_size END),
              sum(CASE WHEN d.ds_id IS NOT NULL THEN d.annexed_files_in_wt_count END),
              sum(d.ds_id IS NULL AND {annexed}),
              sum(CASE WHEN d.ds_id IS NULL AND {annexed} THEN d.annexed_files_in_wt_size END),
              sum(CASE WHEN d.ds_id IS NULL AND {annexed} THEN d.annexed_files_in_wt_count END),
              sum(d.branches IS NOT NULL AND NOT {annexed})
            FROM datasets d JOIN temp.hits h ON h.id = d.id""").fetchone()
        u = conn.execute("""
            WITH g AS (SELECT d.ds_id, max(d.annexed_files_in_wt_size) AS top FROM datasets d
                       JOIN temp.hits h ON h.id = d.id WHERE d.ds_id IS NOT NULL GROUP BY d.ds_id),
                 u AS (SELECT r.annexed_files_in_wt_size AS size, max(r.annexed_files_in_wt_count) AS n
                       FROM datasets r JOIN g ON r.ds_id = g.ds_id
                       AND (g.top IS NULL OR r.annexed_files_in_wt_size = g.top)
                       GROUP BY r.ds_id, r.annexed_files_in_wt_size)
            SELECT count(*), sum(size), sum(n) FROM u""").fetchone()

        def annex(count, size, files):
            out = {"ds_count": count or 0}
            if size is not None:
                out["annexed_files_size"] = size
            if files is not None:
                out["annexed_file_count"] = files
            return out

        unique = annex(*u)
        return {"datalad_ds_stats": {"unique_ds_stats": unique, "stats": annex(r[1], r[2], r[3])},
                "pure_annex_ds_stats": annex(r[4], r[5], r[6]),
                "non_annex_ds_stats": {"ds_count": r[7] or 0},
                "summary": {"unique_ds_count": unique["ds_count"], "ds_count": r[0] or 0}}

    def _record(self, conn, row, return_metadata=None) -> dict:
        rec = {"id": row["id"]}
        for f in FIELDS:
            rec[f] = row[f]
        for f in ("branches", "tags"):
            if rec[f]:
                try:
                    rec[f] = json.loads(rec[f])
                except ValueError:
                    pass
        rec["processed"] = True
        if return_metadata == "reference":
            rec["metadata"] = [{"extractor_name": m["extractor_name"], "link": f"/api/v2/url-metadata/{m['id']}"}
                               for m in conn.execute("SELECT id, extractor_name FROM metadata WHERE url_id = ? "
                                                     "ORDER BY id", (row["id"],))]
        elif return_metadata == "content":
            rec["metadata"] = [self._metadata(m) for m in conn.execute(
                "SELECT * FROM metadata WHERE url_id = ? ORDER BY id", (row["id"],))]
        return rec

    @staticmethod
    def _metadata(m) -> dict:
        return {"dataset_describe": m["dataset_describe"] or "", "dataset_version": m["dataset_version"] or "",
                "extractor_name": m["extractor_name"], "extractor_version": m["extractor_version"] or "",
                "extraction_parameter": json.loads(m["extraction_parameter"] or "{}"),
                "extracted_metadata": json.loads(m["extracted_metadata"] or "{}")}

    def dataset_url(self, id: int, return_metadata: str | None = "reference") -> dict | None:
        """One dataset URL record (``GET /api/v2/dataset-urls/{id}``), or ``None``."""
        row = self.conn.execute("SELECT * FROM datasets WHERE id = ?", (int(id),)).fetchone()
        return None if row is None else self._record(self.conn, row, return_metadata)

    def url_metadata(self, id: int) -> dict | None:
        """One metadata record (``GET /api/v2/url-metadata/{id}``), or ``None``."""
        row = self.conn.execute("SELECT * FROM metadata WHERE id = ?", (int(id),)).fetchone()
        return None if row is None else self._metadata(row)

    def facets(self, query: str | None = None, limit: int = 5000) -> dict:
        """Facet counts (BIDS datatypes and modalities, license, run records) over the matches."""
        with self._lock:
            conn = self.conn
            with self._bounded(conn, query):
                self._collect(conn, query, {})
            rows = conn.execute("SELECT m.url_id, m.extractor_name, m.extracted_metadata FROM metadata m "
                                "JOIN (SELECT id FROM temp.hits LIMIT ?) h ON h.id = m.url_id WHERE m.extractor_name"
                                " IN ('bids_dataset', 'metalad_core')", (limit,)).fetchall()
        records: dict = {}
        for url_id, name, text in rows:
            records.setdefault(url_id, []).append({"extractor_name": name, "extracted_metadata": json.loads(text)})
        return facets({"metadata": md} for md in records.values())

    def scan_count(self, query: str) -> int:
        """How many match, the registry's way (``LIKE`` over every row): the benchmark's baseline."""
        return len(self.ids(query, scan=True))
