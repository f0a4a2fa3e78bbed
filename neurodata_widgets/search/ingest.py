"""Fill a catalog: scan local datasets (incrementally) or import a registry's records.

Examples
--------
>>> from neurodata_widgets.search.catalog import Catalog
>>> cat = Catalog(tmp / "lab.sqlite")
>>> build(cat, [demo["superdataset"]])
{'scanned': 3, 'extracted': 3, 'unchanged': 0}
>>> build(cat, [demo["superdataset"]])        # nothing changed since: nothing is read again
{'scanned': 3, 'extracted': 0, 'unchanged': 3}
"""
from __future__ import annotations

import json
from pathlib import Path

from ..config import cache_dir, setting
from .catalog import Catalog
from .extract import extract, head, walk
from .registry import RegistryClient, match_count


def catalog_path(value=None) -> Path:
    """The user's catalog file: argument, ``$NDW_CATALOG``, else ``~/.cache/neurodata-widgets/catalog.sqlite``."""
    return Path(setting("catalog", value, cache_dir() / "catalog.sqlite")).expanduser()


def default_catalog(value=None) -> Catalog:
    """The user's catalog (empty until they build or import something: the search widget then says how)."""
    return Catalog(catalog_path(value))


def build(catalog: Catalog, paths, recursive: bool = True, job=None) -> dict:
    """Scan datasets (and their installed subdatasets) into ``catalog``.

    Incremental: a dataset whose HEAD is the one already catalogued is not read again.
    ``job`` (a :class:`neurodata_widgets.jobs.Job`) gets progress and can cancel between datasets.
    """
    known = catalog.heads()
    found = list(walk(paths, recursive))
    extracted = 0
    for i, path in enumerate(found):
        if job is not None:
            job.check()
            job.report(done=i, total=len(found), unit="datasets", message=path.name)
        if known.get(str(path)) == head(path) and known.get(str(path)):
            continue
        catalog.add([extract(path)], source="scan")
        extracted += 1
    if job is not None:
        job.report(done=len(found), total=len(found), unit="datasets", message="")
    return {"scanned": len(found), "extracted": extracted, "unchanged": len(found) - extracted}


def load_records(source) -> list[dict]:
    """Registry records from a JSON file: a page (``{"dataset_urls": [...]}``), a list of pages, or a list."""
    data = json.loads(Path(source).read_text())
    if isinstance(data, dict):
        data = [data]
    records = []
    for item in data:
        if isinstance(item, dict) and "dataset_urls" in item:
            records.extend(item["dataset_urls"])
        elif isinstance(item, dict) and "url" in item:
            records.append(item)
        else:
            raise ValueError(f"{source}: expected records with 'url' or pages with 'dataset_urls'")
    return records


def import_source(catalog: Catalog, source: str, query: str | None = None, job=None) -> dict:
    """Import records from a registry base URL (every page, metadata content) or a JSON file.

    The records keep the registry's ids (a dataset's and its metadata's) where the catalog has no other URL under
    that id, so ``catalog search`` ids work with the registry's ``/dataset-urls/{id}``; ``renumbered`` counts those
    that had to take a new id (the catalog held another dataset under theirs).
    """
    if str(source).startswith(("http://", "https://")):
        client = RegistryClient(source)
        records = []
        for page in client.pages(query, return_metadata="content"):
            if job is not None:
                job.check()
                job.report(done=len(records) + len(page["dataset_urls"]), total=match_count(page), unit="records")
            records.extend(page["dataset_urls"])
        label = source
    else:
        records = load_records(source)
        label = str(Path(source).resolve())
    # records whose id is free go first: one that must take a new id then takes it beyond theirs
    held = dict(catalog.conn.execute("SELECT id, url FROM datasets"))
    records.sort(key=lambda r: held.get(r.get("id"), str(r["url"])) != str(r["url"]))
    add = catalog.bulk_add if len(records) > 1000 else catalog.add
    n = add(records, source=label, keep_ids=True)
    ids = dict(catalog.conn.execute("SELECT url, id FROM datasets")) if records else {}
    renumbered = sum(1 for r in records if isinstance(r.get("id"), int) and ids.get(str(r["url"])) != r["id"])
    return {"imported": n, "source": label, "renumbered": renumbered}
