r"""Facets of search results (datatypes, modalities, licenses, run records) and the queries they stand for.

Pure functions over registry-shaped records: the embedded catalog and a remote registry's
results are counted the same way.

Examples
--------
>>> print(facet_query("datatype", "anat"))
metadata[bids_dataset]:"\"anat\""
"""
from __future__ import annotations

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
    """The query term a facet value stands for (works on the catalog and on a remote registry)."""
    def quoted(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    if facet in ("datatype", "modality"):
        return "metadata[bids_dataset]:" + quoted(f'"{value}"')
    if facet == "license":
        return "metadata[bids_dataset,metalad_core]:" + quoted(f'"license": "{value}"')
    if facet == "run records":
        return "metadata[metalad_core]:" + quoted(f'"has_run_records": {"true" if value == "yes" else "false"}')
    raise ValueError(f"unknown facet {facet!r}")


def used_as_subdataset_query(ds_id: str) -> str:
    """Datasets whose core metadata names ``ds_id`` (as a subdataset) and that are not it."""
    return f'metadata[metalad_core]:"{ds_id}" AND NOT ds_id:{ds_id}'
