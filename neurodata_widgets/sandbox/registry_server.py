"""A loopback DataLad-Registry: ``/api/v2/dataset-urls``, ``/api/v2/dataset-urls/{id}``, ``/api/v2/url-metadata/{id}``.

It answers from an embedded :class:`~neurodata_widgets.search.catalog.Catalog`
holding the demo datasets (when built) plus synthetic records: more URLs of the
demo datasets (clones on GitHub and GIN), studies that reuse the demo's raw data
as a subdataset, and a few dozen generated datasets. Errors come in the shape
Flask gives the registry's API: ``{"code", "name", "description"}``.

Examples
--------
>>> from neurodata_widgets.sandbox.runner import Sandbox
>>> with Sandbox(services=["registry"], demo=False) as sb:          # doctest: +SKIP
...     print(sb.info()["registry"]["url"])
"""
from __future__ import annotations

import copy
import re
import tempfile
from http import HTTPStatus
from pathlib import Path

from .runner import Service, json_response

ORG = "ndw-lab"


def _strip_none(obj):
    """The registry answers with ``exclude_none=True``: fields without a value are left out."""
    if isinstance(obj, dict):
        return {k: _strip_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_strip_none(v) for v in obj]
    return obj


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
        if name not in by_name:
            continue
        for url in urls:
            clone = copy.deepcopy(by_name[name])
            clone["url"] = url
            out.append(clone)
    raw = by_name.get("raw")
    if raw:
        for i, study in enumerate(("replication-study", "visual-meta-analysis")):
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


class RegistryServer(Service):
    """DataLad-Registry's read API over an embedded catalog.

    Parameters
    ----------
    seed : int
        Seed of the synthetic records (and of fault injection).
    synthetic : int
        How many generated records to add to the demo ones.
    catalog : path, optional
        Serve this catalog file instead of building one.
    """

    name = "registry"
    routes = [
        ("GET", r"^/api/v2/dataset-urls$", "_dataset_urls"),
        ("GET", r"^/api/v2/dataset-urls/(\d+)$", "_dataset_url"),
        ("GET", r"^/api/v2/url-metadata/(\d+)$", "_url_metadata"),
    ]

    def __init__(self, seed: int = 0, synthetic: int = 60, catalog=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.seed = seed
        self.synthetic = synthetic
        self.catalog_path = catalog
        self.catalog = None
        self._tmp = None

    def start(self) -> "RegistryServer":
        if self.catalog is None:
            self.catalog = self._build_catalog()
        return super().start()

    def _build_catalog(self):
        from ..search.catalog import Catalog
        from ..search.synthetic import synthetic_records

        if self.catalog_path:
            return Catalog(self.catalog_path)
        self._tmp = tempfile.TemporaryDirectory(prefix="ndw-registry-")
        cat = Catalog(Path(self._tmp.name) / "registry.sqlite")
        cat.add(demo_records(), source="demo")
        cat.add(synthetic_records(self.synthetic, seed=self.seed), source="synthetic")
        return cat

    def info(self) -> dict:
        return {"url": self.url, "api": self.url + "/api/v2", "datasets": len(self.catalog) if self.catalog else 0}

    def environ(self) -> dict:
        return {"NDW_REGISTRY_URL": self.url}

    def error_response(self, status, req, message=None, headers=None):
        phrase = HTTPStatus(status).phrase
        return json_response({"code": status, "name": phrase, "description": message or phrase}, status, headers)

    # -- routes ------------------------------------------------------------------------------------
    def _dataset_urls(self, req):
        from ..search.query import QueryError

        q = req.query
        try:
            page = self._positive(q, "page", 1)
            per_page = self._positive(q, "per_page", 20)
        except ValueError as exc:
            return self._invalid(req, str(exc))
        search = q.get("search")
        if search is not None and not re.match(r".*\S.*", search):
            return self._invalid(req, "search: string does not match regex \".*\\S.*\"")
        order_by = q.get("order_by", "last_update_dt")
        order_dir = q.get("order_dir", "desc")
        metadata = q.get("return_metadata")
        if metadata not in (None, "reference", "content"):
            return self._invalid(req, "return_metadata: value is not a valid enumeration member")
        filters = {k: v for k, v in q.items() if k.startswith(("min_", "max_")) or k in ("url", "ds_id")}
        try:
            result = self.catalog.search(search, page=page, per_page=per_page, order_by=order_by,
                                         order_dir=order_dir, return_metadata=metadata, **filters)
        except QueryError as exc:
            return self.error_response(400, req, f"Invalid search string: {exc.message}")
        except ValueError as exc:
            return self._invalid(req, str(exc))
        return json_response(_strip_none(result))

    def _dataset_url(self, req):
        rec = self.catalog.dataset_url(int(req.match.group(1)))
        if rec is None:
            return self.error_response(404, req)
        return json_response(_strip_none(rec))

    def _url_metadata(self, req):
        rec = self.catalog.url_metadata(int(req.match.group(1)))
        if rec is None:
            return self.error_response(404, req)
        return json_response(rec)

    @staticmethod
    def _positive(q, name, default) -> int:
        try:
            value = int(q.get(name, default))
        except ValueError:
            raise ValueError(f"{name}: value is not a valid integer") from None
        if value < 1:
            raise ValueError(f"{name}: ensure this value is greater than 0")
        return value

    def _invalid(self, req, message):
        # flask-openapi3 answers a request that fails validation with 422
        return json_response([{"loc": ["query"], "msg": message, "type": "value_error"}], 422)
