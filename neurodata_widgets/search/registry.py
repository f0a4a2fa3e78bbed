"""Client of a DataLad-Registry instance's API (``/api/v2/...``), and the backend helpers both share.

:class:`RegistryClient` and :class:`~neurodata_widgets.search.catalog.Catalog` answer
``search(...)`` with the same page shape (the registry's ``GET /api/v2/dataset-urls``),
so the widget and scripts use either. The base URL is an argument, else
``$NDW_REGISTRY_URL``, else the chosen sandbox's registry, else the public instance.

Examples
--------
>>> client = RegistryClient(sandbox.info()["registry"]["url"])   # the sandbox's stand-in registry
>>> page = client.search("haxby", per_page=5)
>>> page["collection_stats"]["summary"]
{'unique_ds_count': 1, 'ds_count': 2}
"""
from __future__ import annotations

import threading

from .. import errors
from ..config import running_sandbox, setting
from ..http import session
from .query import NUMERIC_FIELDS, QueryError, terms, tree_of
from .records import (facet_query, facets, match_count, results_frame, summary,  # noqa: F401 - kept importable here
                      used_as_subdataset_query)

PUBLIC_REGISTRY = "https://registry.datalad.org"
API = "/api/v2"


class RegistryError(errors.UserError):
    """The registry refused a request (its own words in the message)."""

    def __init__(self, message, status: int, hint: str = ""):
        super().__init__(message, hint)
        self.status = status


def registry_error(resp, base_url: str) -> RegistryError:
    """A readable error from a registry's error answer: 400/404/405/500 ``{code, name, description}``
    or 422, pydantic's list of ``{loc, msg, type}``."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    status = resp.status_code
    if isinstance(body, list):  # 422: which parameter, and what is wrong with it
        text = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg', '')}" for e in body
                         if isinstance(e, dict)) or resp.text[:300]
        return RegistryError(f"The registry refused the request: {text}.", status,
                             "Check the search options (page, per page, order, filters).")
    text = body.get("description") if isinstance(body, dict) else None
    if status == 400:
        return RegistryError(f"The registry could not read the query: {text or resp.text[:300]}", status,
                             "Check the query and its syntax (Syntax shows the language).")
    if status == 404:
        return RegistryError(f"The registry has no such page or record ({resp.url}).", status,
                             "Go back to the first page, or search again.")
    message, hint = errors.describe_status(status, base_url)
    if text:
        message = f"{message} It said: {text}"
    return RegistryError(message, status, hint)


def refuse_extensions(tree, query: str, base_url: str) -> None:
    """Stop the local catalog's extensions from reaching a registry, which answers them with an error 500."""
    for term in terms(tree):
        if term.op != "?" or term.field in NUMERIC_FIELDS:
            what = f"the operator ':{term.op}'" if term.op != "?" else f"the field '{term.field}'"
            raise QueryError(f"The registry at {base_url} does not support {what} in {term}: it is an "
                             "extension of neurodata-widgets' local catalog.", query, None,
                             "Use field:value (a substring match) on url, ds_id, head, head_describe, tags, "
                             "branches or metadata, or search a local catalog.")


def registry_url(value=None) -> str:
    """Which registry: argument, ``$NDW_REGISTRY_URL``, the chosen sandbox's, else the public instance."""
    sandbox = running_sandbox()  # first: a chosen sandbox that stopped says so (SandboxGone)
    found = setting("registry_url", value) or sandbox.get("registry", {}).get("url")
    return (found or PUBLIC_REGISTRY).rstrip("/")


class RegistryClient:
    """A DataLad-Registry instance over HTTP.

    Parameters
    ----------
    base_url : str, optional
        The base that ``/api/v2/...`` hangs from (default :func:`registry_url`).
    """

    def __init__(self, base_url: str | None = None, http=None):
        self.base_url = registry_url(base_url)
        self._http = http
        self._http_lock = threading.Lock()

    @property
    def http(self):
        """The HTTP session, made for the first request: importing requests would slow a search page's first draw."""
        with self._http_lock:
            if self._http is None:
                self._http = session()
            return self._http

    def __repr__(self):
        return f"RegistryClient({self.base_url!r})"

    @property
    def label(self) -> str:
        return self.base_url

    def _get(self, path: str, params=None) -> dict:
        resp = self.http.get(self.base_url + API + path, params=params)
        if resp.status_code >= 400:
            raise registry_error(resp, self.base_url)
        try:
            return resp.json()
        except ValueError:  # a login page, a proxy's notice or a web site: not a registry's API
            kind = resp.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
            raise RegistryError(f"{self.base_url} answered with a web page ({kind}), not a registry's data.",
                                resp.status_code, "Check the registry address (NDW_REGISTRY_URL): it is the "
                                "address /api/v2 hangs from. A login page or a proxy in between answers like "
                                "this too.") from None

    def search(self, query: str | None = None, page: int = 1, per_page: int = 20, order_by: str = "last_update_dt",
               order_dir: str = "desc", return_metadata: str | None = None, **filters) -> dict:
        """One page of ``GET /api/v2/dataset-urls`` (same parameters and answer as the registry's).

        The query is checked here first: a syntax error, or one of the local catalog's
        extensions (``:=``, ``:>``, ``:~``, the numeric fields) that the registry does not
        have, is reported before any request. The query is sent as typed.
        """
        params = {}
        if query is not None:
            refuse_extensions(tree_of(query), query, self.base_url)
            params["search"] = str(query)
        params.update({k: v for k, v in filters.items() if v is not None})
        if return_metadata:
            params["return_metadata"] = return_metadata
        params.update({"per_page": per_page, "order_by": order_by, "order_dir": order_dir, "page": page})
        return self._get("/dataset-urls", params)

    def pages(self, query: str | None = None, per_page: int = 100, **kwargs):
        """Every page of a search, one after the other."""
        page = 1
        while True:
            result = self.search(query, page=page, per_page=per_page, **kwargs)
            yield result
            if not result.get("next_pg"):
                return
            page += 1

    #: a registry has no facet endpoint: facets are counted over at most this many matches (pages of 100)
    FACET_LIMIT = 500

    def facets(self, query=None, limit: int = FACET_LIMIT) -> dict:
        """Facet counts (datatype, modality, license, run records) over every match of ``query``.

        Read in one fixed order, so sorting or paging the results changes no count. A search with more than
        ``limit`` matches is counted over its first ``limit``; the answer then says so under ``"_counted"``
        (``{"matches": n, "counted": limit}``).
        """
        records, total = [], 0
        for page in self.pages(query, per_page=100, order_by="url", order_dir="asc", return_metadata="content"):
            total = match_count(page)
            records.extend(r for r in page.get("dataset_urls") or [] if isinstance(r, dict))
            if len(records) >= limit:
                break
        found = facets(records[:limit])
        if total > limit:
            found["_counted"] = {"matches": total, "counted": limit}
        return found

    def collection_stats(self, query: str | None = None) -> dict:
        """The registry's statistics of everything matching (``collection_stats``)."""
        return self.search(query, per_page=1)["collection_stats"]

    def dataset_url(self, id: int) -> dict:
        """``GET /api/v2/dataset-urls/{id}``."""
        return self._get(f"/dataset-urls/{int(id)}")

    def url_metadata(self, id: int) -> dict:
        """``GET /api/v2/url-metadata/{id}``."""
        return self._get(f"/url-metadata/{int(id)}")
