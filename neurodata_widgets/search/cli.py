"""``neurodata-widgets catalog build | import | search``: the embedded catalog from the command line.

Examples
--------
::

    neurodata-widgets catalog build ~/studies           # scan datasets (incremental)
    neurodata-widgets catalog import http://127.0.0.1:8765
    neurodata-widgets catalog search 'haxby AND NOT url:github' --json
"""
from __future__ import annotations

import json
import sys


def add_catalog_parser(sub) -> None:
    """Add the ``catalog`` command and its subcommands to the main parser's subparsers."""
    p = sub.add_parser("catalog", help="build, import into and search the embedded dataset catalog")
    csub = p.add_subparsers(dest="catalog_command", required=True)

    def common(q):
        q.add_argument("--catalog", default=None, help="catalog file (default $NDW_CATALOG or the user's own)")

    q = csub.add_parser("build", help="scan DataLad datasets (and installed subdatasets) into the catalog")
    q.add_argument("paths", nargs="+", metavar="PATH")
    q.add_argument("--no-recursive", action="store_true", help="skip subdatasets")
    common(q)
    q.set_defaults(func=cmd_build)

    q = csub.add_parser("import", help="import records from a registry base URL or a JSON file of dataset_urls")
    q.add_argument("source", metavar="SOURCE")
    q.add_argument("--search", default=None, help="only records matching this query (registry sources)")
    common(q)
    q.set_defaults(func=cmd_import)

    q = csub.add_parser("search", help="search the catalog with DataLad-Registry's query language")
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--json", action="store_true", help="one JSON record per line (url, ds_id, fields)")
    q.add_argument("--limit", type=int, default=None, help="at most this many records")
    common(q)
    q.set_defaults(func=cmd_search)


def _fail(exc) -> int:
    from ..errors import describe

    message, hint = describe(exc)
    print(f"error: {message}" + (f"\n{hint}" if hint else ""), file=sys.stderr)
    return 2


def cmd_build(args) -> int:
    from .catalog import Catalog
    from .ingest import build, catalog_path

    try:
        cat = Catalog(catalog_path(args.catalog))
        result = build(cat, args.paths, recursive=not args.no_recursive)
    except Exception as exc:
        return _fail(exc)
    print(f"{cat.path}: {result['scanned']} datasets scanned, {result['extracted']} extracted, "
          f"{result['unchanged']} unchanged")
    return 0


def cmd_import(args) -> int:
    from .catalog import Catalog
    from .ingest import catalog_path, import_source

    try:
        cat = Catalog(catalog_path(args.catalog))
        result = import_source(cat, args.source, query=args.search)
    except Exception as exc:
        return _fail(exc)
    print(f"{cat.path}: imported {result['imported']} records from {result['source']}")
    if result.get("renumbered"):
        print(f"{result['renumbered']} records took a new id: the catalog already held other datasets under "
              "theirs (a fresh catalog keeps every registry id).")
    return 0


def cmd_search(args) -> int:
    from .ingest import default_catalog
    from .registry import match_count

    try:
        cat = default_catalog(args.catalog)
        shown, page = 0, 1
        while True:
            result = cat.search(args.query, page=page, per_page=100, order_by="url", order_dir="asc")
            for rec in result["dataset_urls"]:
                if args.limit is not None and shown >= args.limit:
                    return 0
                if args.json:
                    print(json.dumps(rec))
                else:
                    print(f"{rec['url']}\t{rec['ds_id'] or '-'}")
                shown += 1
            if not result.get("next_pg"):
                break
            page += 1
    except Exception as exc:
        return _fail(exc)
    if not args.json:
        print(f"{match_count(result)} match", file=sys.stderr)
    return 0
