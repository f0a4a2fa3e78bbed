r"""Facets of search results (datatypes, modalities, licenses, run records) and the queries they stand for.

Pure functions over registry-shaped records: the embedded catalog and a remote registry's
results are counted the same way.

Examples
--------
>>> print(facet_query("datatype", "anat"))
metadata[bids_dataset]:"\"anat\""
"""
from __future__ import annotations

import json
from collections import Counter


def facets(records) -> dict:
    """Counts of BIDS datatypes and modalities, licenses and run records in records with metadata content.

    Examples
    --------
    >>> facets([{"metadata": [{"extractor_name": "bids_dataset", "extracted_metadata": {"datatypes": ["anat"]}}]}])
    {'datatype': {'anat': 1}}
    """
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
