"""Registry-shaped records and pages, whichever backend gave them: counts, tables, statistics, facets.

Pure functions on the JSON of DataLad-Registry's ``GET /api/v2/dataset-urls`` (which the
local catalog answers with too), and the JSON text records are searched in. Nothing here
imports another part of the search package, so catalog, registry client, ingest and
extraction all use it without importing each other.

Examples
--------
>>> match_count({"collection_stats": {"summary": {"ds_count": 3, "unique_ds_count": 2}}})
3
>>> metadata_text({"zz": 1, "a": ["é"]})
'{"a": ["é"], "zz": 1}'
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

COLUMNS = ["url", "ds_id", "annexed_files_in_wt_count", "annexed_files_in_wt_size", "last_update_dt"]


def match_count(page: dict) -> int:
    """How many dataset URLs match in all: the registry's page has no ``total``, only the stats' ``ds_count``."""
    return int(page.get("collection_stats", {}).get("summary", {}).get("ds_count", 0))


def results_frame(page: dict):
    """The records of a page as a DataFrame (registry fields; ``metadata`` kept when returned)."""
    import pandas as pd

    rows = page.get("dataset_urls", [])
    frame = pd.DataFrame(rows)
    for col in ["id"] + COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    front = ["id"] + COLUMNS
    return frame[front + [c for c in frame.columns if c not in front]]


def summary(stats: dict) -> dict:
    """The four figures of the registry's "Show details": unique datasets, URLs, annexed files, size."""
    def part(d, key):
        value = d.get(key) if isinstance(d, dict) else None
        return value if isinstance(value, dict) else {}

    unique = part(part(stats, "datalad_ds_stats"), "unique_ds_stats")
    pure = part(stats, "pure_annex_ds_stats")

    def pick(d, *names):
        for n in names:  # the registry renamed these once; accept both
            value = d.get(n) if isinstance(d, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value  # a figure that is not a number (a broken or hostile server) counts as none
        return 0

    total = part(stats, "summary")
    return {"unique_datasets": pick(total, "unique_ds_count") or pick(unique, "ds_count"),
            "dataset_urls": pick(total, "ds_count"),
            "annexed_files": pick(unique, "annexed_file_count") + pick(pure, "annexed_file_count"),
            "annexed_size": pick(unique, "annexed_files_size", "size_of_annexed_files")
            + pick(pure, "annexed_files_size", "size_of_annexed_files")}


def facets(records) -> dict:
    """Counts of BIDS datatypes and modalities, licenses and run records in records with metadata content."""
    from collections import Counter

    out = {"datatype": Counter(), "modality": Counter(), "license": Counter(), "run records": Counter()}
    for rec in records:
        by_name = {m.get("extractor_name"): m.get("extracted_metadata") or {} for m in rec.get("metadata") or []
                   if isinstance(m, dict)}
        bids, core = by_name.get("bids_dataset") or {}, by_name.get("metalad_core") or {}
        for t in bids.get("datatypes") or []:
            out["datatype"][str(t)] += 1
        for m in bids.get("modalities") or []:
            out["modality"][str(m)] += 1
        lic = bids.get("License") or core.get("license")
        if lic:
            out["license"][str(lic)] += 1
        if core:
            out["run records"]["yes" if core.get("has_run_records") else "no"] += 1
    return {k: dict(v.most_common()) for k, v in out.items() if v}


def facet_query(facet: str, value: str) -> str:
    """The query term a facet value stands for (works on the catalog and on a remote registry).

    It searches the JSON text of the records, where a ``"`` inside a value is stored as ``\\"``.
    The language cannot write a backslash right before a quote inside a quoted string (the string
    would end there), so such a value is searched as its pieces around each ``\\"``, all ANDed.
    """
    import json

    def text(key_value):
        pieces = [p.rstrip("\\") for p in key_value.split('\\"') if p.rstrip("\\")]
        return " AND ".join(f"{prefix}" + '"' + p.replace('"', '\\"') + '"' for p in pieces)

    def js(v):
        return json.dumps(v, ensure_ascii=False)

    if facet in ("datatype", "modality"):
        prefix = "metadata[bids_dataset]:"
        key_value = js(value)
    elif facet == "license":
        prefix = "metadata[bids_dataset,metalad_core]:"
        key_value = f'"license": {js(value)}'
    elif facet == "run records":
        prefix = "metadata[metalad_core]:"
        key_value = f'"has_run_records": {"true" if value == "yes" else "false"}'
    else:
        raise ValueError(f"unknown facet {facet!r}")
    return text(key_value)


def used_as_subdataset_query(ds_id: str) -> str:
    """Datasets whose core metadata names ``ds_id`` (as a subdataset) and that are not it."""
    return f'metadata[metalad_core]:"{ds_id}" AND NOT ds_id:{ds_id}'


def jsonb_order(value):
    """The same JSON with object keys in PostgreSQL JSONB's order (shorter keys first, then bytewise):
    the registry searches the JSONB text, so a search across keys only matches in that order."""
    if isinstance(value, dict):
        return {k: jsonb_order(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list):
        return [jsonb_order(v) for v in value]
    return value


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def metadata_text(obj) -> str:
    """The JSON text a record is searched in, as PostgreSQL prints JSONB: ``"key": "value"``, its key order."""
    return json.dumps(jsonb_order(obj), ensure_ascii=False)
