"""A loopback DataLad-Registry (read-only): its API v2, from its own records.

Routes: ``GET /api/v2/dataset-urls``, ``GET /api/v2/dataset-urls/{id}``,
``GET /api/v2/url-metadata/{id}``; ``POST /api/v2/dataset-urls`` answers 405 as a
read-only registry does. The records are ``repo_url`` rows in the format of
``records.json`` (``--registry-records FILE``), else the demo datasets, their clones and
synthetic datasets. It is its own implementation of the registry's behaviour (search in
:mod:`.registry_language`, its own grammar; parameters in :mod:`.registry_params`) and never asks the
toolkit's query parser or :class:`~neurodata_widgets.search.catalog.Catalog`: it is what our client and
catalog are checked against.

Examples
--------
>>> from neurodata_widgets.sandbox.runner import Sandbox
>>> with Sandbox(services=["registry"], demo=False) as sb:
...     print(sb.info()["registry"]["url"])
http://127.0.0.1:...
"""
from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from .registry_language import NotImplementedOperator, UnknownField, compile_search, jsonb_order, prepare
from .registry_params import link, validate
from .runner import Response, Service

ORG = "ndw-lab"
MAX_PER_PAGE = 100
NOT_FOUND = ("The requested URL was not found on the server. If you entered the URL manually please check your "
             "spelling and try again.")
SERVER_ERROR = ("The server encountered an internal error and was unable to complete your request. Either the "
                "server is overloaded or there is an error in the application.")
READ_ONLY = "This method on the requested resource is not available through a read-only server."
DATES = ("last_update_dt", "last_chk_dt")
RECORD_FIELDS = ("url", "id", "ds_id", "head_describe", "annex_key_count", "annexed_files_in_wt_count",
                 "annexed_files_in_wt_size", "last_update_dt", "git_objects_kb", "processed", "last_chk_dt")
METADATA_FIELDS = ("extractor_name", "dataset_describe", "dataset_version", "extractor_version",
                   "extraction_parameter", "extracted_metadata")


def body(obj, status: int = 200, headers=None, sort_keys: bool = False) -> Response:
    """A JSON response, pure ASCII like the registry's (compact when keys are sorted, as Flask's jsonify)."""
    text = json.dumps(obj, sort_keys=sort_keys, separators=(",", ":") if sort_keys else None)
    return Response(status, text.encode("ascii"), "application/json", dict(headers or {}))


def _utc(value):
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def load_records(path) -> list[dict]:
    """Rows from a ``records.json``-format file (a list of ``repo_url`` rows with their ``metadata`` rows)."""
    return [normalise(r) for r in json.loads(Path(path).read_text(encoding="utf-8"))]


def normalise(rec: dict) -> dict:
    """A row as the database holds it: datetimes in UTC, metadata by id, text forms cached for search."""
    rec = copy.deepcopy(rec)
    for f in DATES:
        rec[f] = _utc(rec.get(f))
    rec.setdefault("processed", False)
    rec["metadata"] = sorted(rec.get("metadata") or [], key=lambda m: m["id"])
    return prepare(rec)


def rows_from_pages(records) -> list[dict]:
    """Rows from registry-shaped records (tags a list, metadata content), numbered from 1.

    A URL is unique in the registry: a later record of the same URL replaces the earlier one."""
    rows, md_id = [], 0
    for i, rec in enumerate({r["url"]: r for r in records}.values(), 1):
        tags = rec.get("tags")
        row = {**{k: rec.get(k) for k in ("url", "ds_id", "head", "head_describe", "branches", "annex_key_count",
                                           "annexed_files_in_wt_count", "annexed_files_in_wt_size",
                                           "git_objects_kb", "last_update_dt", "last_chk_dt", "cache_path")},
               "id": i, "processed": True, "tags": json.dumps(tags) if isinstance(tags, list) else tags,
               "metadata": []}
        for m in rec.get("metadata") or []:
            if "extracted_metadata" not in m:
                continue
            md_id += 1
            row["metadata"].append({"id": md_id, "extractor_name": m["extractor_name"],
                                    "extractor_version": m.get("extractor_version", "1"),
                                    "dataset_describe": m.get("dataset_describe", rec.get("head_describe") or ""),
                                    "dataset_version": m.get("dataset_version", rec.get("head") or ""),
                                    "extraction_parameter": m.get("extraction_parameter") or {},
                                    "extracted_metadata": m["extracted_metadata"]})
        rows.append(normalise(row))
    return rows


def demo_records() -> list[dict]:
    """Records of the demo datasets, their clones elsewhere, and studies reusing the demo's raw data."""
    from ..config import demo_dir
    from ..search.extract import extract, walk

    if not (demo_dir() / "info.json").exists():
        return []
    from .demo_data import build_demo_datasets

    info = build_demo_datasets()
    records = [extract(p) for p in walk([info["superdataset"]])]
    by_name = {Path(r["url"]).name: r for r in records}
    out = list(records)
    clones = {"ndw-demo": [f"https://github.com/{ORG}/ndw-demo.git", f"https://gin.g-node.org/{ORG}/ndw-demo"],
              "raw": [f"https://github.com/{ORG}/ndw-demo-raw.git"]}
    for name, urls in clones.items():
        for url in urls if name in by_name else ():
            out.append({**copy.deepcopy(by_name[name]), "url": url})
    raw = by_name.get("raw")
    for i, study in enumerate(("replication-study", "visual-meta-analysis") if raw else ()):
        rec = copy.deepcopy(raw)
        ds_id = "%08x-0000-4000-8000-%012x" % (0xC0FFEE00 + i, i + 1)
        rec.update({"url": f"https://github.com/{ORG}/{study}.git", "ds_id": ds_id,
                    "annexed_files_in_wt_count": 2 + i, "annexed_files_in_wt_size": 4096 * (i + 1)})
        core = {"ds_id": ds_id, "name": study, "description": f"{study.replace('-', ' ').title()} of the NDW demo",
                "authors": ["Grace Hopper"], "license": "CC-BY-4.0", "run_records": 1, "has_run_records": True,
                "subdatasets": [{"ds_id": raw["ds_id"], "path": "inputs/raw", "url": raw["url"]}]}
        rec["metadata"] = [{"extractor_name": "metalad_core", "extractor_version": "1",
                            "extraction_parameter": {}, "extracted_metadata": core}]
        out.append(rec)
    return out


# ----------------------------------------------------------------------------------------
# collection_stats, as the registry's SQL computes them
# ----------------------------------------------------------------------------------------
def _sums(rows) -> dict:
    out = {"ds_count": len(rows)}
    for key, field in (("annexed_files_size", "annexed_files_in_wt_size"),
                       ("annexed_file_count", "annexed_files_in_wt_count")):
        values = [r[field] for r in rows if r.get(field) is not None]
        if values:  # SUM over nothing (or only NULLs) is NULL: left out
            out[key] = sum(values)
    return out


def _unique(hits, table) -> dict:
    """Per ds_id: the largest size among the hits, then the largest file count among ALL rows of that
    ds_id with that size (every distinct size when the largest is NULL)."""
    largest: dict = {}
    for r in hits:
        sizes = largest.setdefault(r.get("ds_id"), [])
        if r.get("annexed_files_in_wt_size") is not None:
            sizes.append(r["annexed_files_in_wt_size"])
    groups: dict = {}
    for r in table:
        ds_id = r.get("ds_id")
        if ds_id is None or ds_id not in largest:
            continue
        top = max(largest[ds_id]) if largest[ds_id] else None
        if top is not None and r.get("annexed_files_in_wt_size") != top:
            continue
        key = (ds_id, r.get("annexed_files_in_wt_size"))
        count = r.get("annexed_files_in_wt_count")
        old = groups.get(key, None)
        groups[key] = count if old is None else old if count is None else max(old, count)
    out = {"ds_count": len(groups)}
    sizes = [size for (_, size) in groups if size is not None]
    counts = [c for c in groups.values() if c is not None]
    if sizes:
        out["annexed_files_size"] = sum(sizes)
    if counts:
        out["annexed_file_count"] = sum(counts)
    return out


def collection_stats(hits, table) -> dict:
    """The ``collection_stats`` block of a result set (``hits``) within the whole table."""
    unique = _unique(hits, table)

    def annex(r):
        return r.get("branches") is not None and isinstance(r["branches"], dict) and "git-annex" in r["branches"]
    return {"datalad_ds_stats": {"unique_ds_stats": unique,
                                 "stats": _sums([r for r in hits if r.get("ds_id") is not None])},
            "pure_annex_ds_stats": _sums([r for r in hits if annex(r) and r.get("ds_id") is None]),
            "non_annex_ds_stats": {"ds_count": sum(1 for r in hits if r.get("branches") is not None
                                                   and not annex(r))},
            "summary": {"unique_ds_count": unique["ds_count"], "ds_count": len(hits)}}


# ----------------------------------------------------------------------------------------
# response objects
# ----------------------------------------------------------------------------------------
def dataset_object(row: dict, metadata: str | None) -> dict:
    """A ``repo_url`` row as the API shows it: fields in the model's order, nulls left out."""
    out = {}
    for f in RECORD_FIELDS:
        v = row.get(f)
        if v is None:
            continue
        out[f] = v.isoformat() if isinstance(v, datetime) else v
    if metadata == "reference":
        out["metadata"] = [{"extractor_name": m["extractor_name"], "link": f"/api/v2/url-metadata/{m['id']}"}
                           for m in row["metadata"]]
    elif metadata == "content":
        out["metadata"] = [metadata_object(m) for m in row["metadata"]]
    return out


def metadata_object(m: dict) -> dict:
    return {"extractor_name": m["extractor_name"], "dataset_describe": m["dataset_describe"],
            "dataset_version": m["dataset_version"], "extractor_version": m["extractor_version"],
            "extraction_parameter": jsonb_order(m["extraction_parameter"]),
            "extracted_metadata": jsonb_order(m["extracted_metadata"])}


def _sort_key(field):
    def key(row):
        v = row.get(field)
        return v.timestamp() if isinstance(v, datetime) else v
    return key


class RegistryServer(Service):
    """DataLad-Registry's read-only API over its own rows.

    Parameters
    ----------
    seed : int
        Seed of the synthetic records (and of fault injection).
    synthetic : int
        How many generated records to add to the demo ones.
    records : path, optional
        Serve exactly the rows of this ``records.json``-format file instead.
    """

    name = "registry"
    routes = [
        ("GET", r"^/api/v2/dataset-urls$", "_dataset_urls"),
        ("POST", r"^/api/v2/dataset-urls$", "_read_only"),
        ("GET", r"^/api/v2/dataset-urls/(\d+)$", "_dataset_url"),
        ("GET", r"^/api/v2/url-metadata/(\d+)$", "_url_metadata"),
    ]

    def __init__(self, seed: int = 0, synthetic: int = 60, records=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.seed = seed
        self.synthetic = synthetic
        self.records_path = records
        self.rows: list | None = None

    def start(self) -> "RegistryServer":
        if self.rows is None:
            self.rows = self._load()
        self._by_id = {r["id"]: r for r in self.rows}
        self._metadata = {m["id"]: m for r in self.rows for m in r["metadata"]}
        return super().start()

    def _load(self) -> list[dict]:
        if self.records_path:
            return load_records(self.records_path)
        from ..search.synthetic import synthetic_records

        return rows_from_pages(demo_records() + list(synthetic_records(self.synthetic, seed=self.seed)))

    def __len__(self) -> int:
        return len(self.rows or ())

    def info(self) -> dict:
        return {"url": self.url, "api": self.url + "/api/v2", "datasets": len(self)}

    def environ(self) -> dict:
        return {"NDW_REGISTRY_URL": self.url}

    def error_response(self, status, req, message=None, headers=None):
        from http import HTTPStatus

        text = message or {404: NOT_FOUND, 500: SERVER_ERROR}.get(status) or HTTPStatus(status).phrase
        if status == 405 and not message:
            text = "The method is not allowed for the requested URL."
        return body({"code": status, "name": HTTPStatus(status).phrase, "description": text}, status, headers)

    # -- routes ------------------------------------------------------------------------------------
    def _read_only(self, req):
        return self.error_response(405, req, READ_ONLY, {"Allow": "HEAD, GET, OPTIONS"})

    def _dataset_urls(self, req):
        from lark.exceptions import UnexpectedInput

        query = {k: v[0] for k, v in req.query_lists.items()}  # Flask reads the first of repeated parameters
        values, errors = validate(query)
        if errors:
            return body(errors, 422)
        try:
            match = compile_search(values["search"]) if values.get("search") is not None else None
        except UnknownField as exc:
            return self.error_response(400, req, f"Grammar (syntax) error in the search string: {exc}")
        except UnexpectedInput as exc:
            return self.error_response(400, req, f"Invalid search string: {exc}")
        except NotImplementedOperator:
            return self.error_response(500, req)
        hits = [r for r in self.rows if self._passes(r, values) and (match is None or match(r))]
        field = values["order_by"]
        present = sorted((r for r in hits if r.get(field) is not None), key=_sort_key(field),
                         reverse=values["order_dir"] == "desc")
        ordered = present + [r for r in hits if r.get(field) is None]  # NULLS LAST both ways
        page, per_page = values["page"], min(values["per_page"], MAX_PER_PAGE)
        items = ordered[(page - 1) * per_page: page * per_page]
        if not items and page != 1:
            return self.error_response(404, req)
        pages = math.ceil(len(hits) / per_page)
        out = {"cur_pg_num": page}
        if page > 1:
            out["prev_pg"] = link(values, page - 1)
        if page < pages:
            out["next_pg"] = link(values, page + 1)
        out.update({"first_pg": link(values, 1), "last_pg": link(values, pages or 1),
                    "dataset_urls": [dataset_object(r, values.get("return_metadata")) for r in items],
                    "collection_stats": collection_stats(hits, self.rows)})
        return body(out)

    @staticmethod
    def _passes(row, values) -> bool:
        """The column filters: equality, inclusive bounds (a NULL column passes none)."""
        for name in ("url", "ds_id", "processed"):
            if values.get(name) is not None and row.get(name) != values[name]:
                return False
        if values.get("cache_path") is not None:
            path = PurePosixPath(values["cache_path"])
            wanted = str(PurePosixPath(*path.parts[-3:])) if path.is_absolute() else str(path)
            if row.get("cache_path") != wanted:
                return False
        bounds = [(f, values.get(f"min_{f}"), values.get(f"max_{f}"))
                  for f in ("annex_key_count", "annexed_files_in_wt_count", "annexed_files_in_wt_size",
                            "git_objects_kb")]
        bounds.append(("last_update_dt", _utc(values.get("earliest_last_update")),
                       _utc(values.get("latest_last_update"))))
        for f, low, high in bounds:
            if low is None and high is None:
                continue
            v = row.get(f)
            if v is None or (low is not None and v < low) or (high is not None and v > high):
                return False
        return True

    def _dataset_url(self, req):
        row = self._by_id.get(int(req.match.group(1)))
        if row is None:
            return self.error_response(404, req)
        return body(dataset_object(row, "content"))

    def _url_metadata(self, req):
        m = self._metadata.get(int(req.match.group(1)))
        if m is None:
            return self.error_response(404, req)
        return body({k: m[k] for k in METADATA_FIELDS}, sort_keys=True)
