"""The transfer history: Globus' own task list, searched and filtered as the Globus web app's Activity page does.

A :class:`TaskHistory` is one search of the history: words matched against a task's label, its source and
destination collections' names and the paths it moved; a status (``active``, ``succeeded``, ``failed``,
``cancelled``). Globus filters what its task list can filter (``GET /task_list?filter=...``): the status, a
label pattern (``label:~*words*``), a collection (``endpoint:<id>``, for the collections whose names match)
and task ids (``task_id:...``, for the tasks whose paths match). So a history of thousands of tasks is
searched on Globus and read a page at a time. Task documents carry no paths: the paths of the tasks submitted
from here are remembered in the user's configuration folder (mode 0600), so only those are found by path.
A cancelled task is ``FAILED`` on Globus with the error ``CANCELED``: "failed" and "cancelled" ask Globus for
failed tasks and tell the two apart here.

Examples
--------
>>> from neurodata_widgets.globus import transfer
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> client = GlobusClient()
>>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see the client)
>>> globus = sandbox.info()["globus"]
>>> task_id = transfer.submit(client, globus["source_collection"], globus["destination_collection"],
...                           [("/ds001/README", "/history-doc/README", False)], label="Nightly copy")
>>> transfer.watch(client, task_id).start().result()["status"]
'SUCCEEDED'
>>> rows, total = TaskHistory(client, text="nightly", status="succeeded").page(0, 10)
>>> rows[0]["label"], rows[0]["task_id"] == task_id
('Nightly copy', True)
>>> TaskHistory(client, text="history-doc/READ").page(0, 10)[0][0]["label"]   # found by a path it moved
'Nightly copy'
>>> client.logout()
"""
from __future__ import annotations

import logging

from .transfer import TASK_FIELDS, cancelled, tasks_with_path

# what a user picks, as Globus' status filter (a cancelled task is FAILED on Globus: told apart here)
STATUSES = {"": None, "active": "ACTIVE,INACTIVE", "succeeded": "SUCCEEDED", "failed": "FAILED",
            "cancelled": "FAILED"}
MAX_COLLECTIONS = 5  # collections whose names match: each is one more query to Globus
MAX_IDS = 50  # task ids found by path (the newest), in one task_id filter
CHUNK = 100  # tasks read a request when several queries are merged or refined here
log = logging.getLogger(__name__)


def _pattern(text: str) -> str:
    """``text`` as a label pattern: ``*`` around it; the filter's own separators (``,`` and ``/``) and Globus'
    wildcard become ``*`` (what they matched is checked again here)."""
    for ch in ",/*":
        text = text.replace(ch, "*")
    return f"*{text}*"


class _Query:
    """One filtered task list on Globus, newest first, read :data:`CHUNK` tasks at a time."""

    def __init__(self, client, clauses: list[str]):
        self.client, self.filter = client, "/".join(clauses)
        self.buffer: list = []
        self.offset = 0
        self.total: int | None = None

    def read(self, offset: int, limit: int) -> tuple[list[dict], int]:
        page = self.client.call(self.client.transfer.task_list, limit=limit, offset=offset,
                                orderby="request_time DESC", filter=self.filter)
        return [{k: d.get(k) for k in TASK_FIELDS} for d in page["DATA"]], int(page.get("total") or 0)

    @property
    def exhausted(self) -> bool:
        return not self.buffer and self.total is not None and self.offset >= self.total

    def head(self) -> dict | None:
        if not self.buffer and not self.exhausted:
            found, self.total = self.read(self.offset, CHUNK)
            self.offset += len(found)
            self.buffer = found
            if not found:
                self.total = self.offset
        return self.buffer[0] if self.buffer else None


class TaskHistory:
    """One search of the transfer history; :meth:`page` reads a page of it (newest first) and the count.

    Parameters
    ----------
    client : GlobusClient
        A logged-in client.
    text : str
        Words to find in a task's label, its collections' names or its paths ('' for every task).
    status : str
        ``''`` (any), ``active``, ``succeeded``, ``failed`` or ``cancelled``.
    """

    def __init__(self, client, text: str = "", status: str = ""):
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}")
        self.client, self.text, self.status = client, " ".join((text or "").split()), status
        base = ["type:TRANSFER,DELETE"] + ([f"status:{STATUSES[status]}"] if STATUSES[status] else [])
        self._names: dict = {}  # collection id -> name, for collections whose names match
        self._paths: set = set()
        if not self.text:
            queries = [base]
        else:
            queries = [base + [f"label:~{_pattern(self.text)}"]]
            for cid in self._matching_collections():
                queries.append(base + [f"endpoint:{cid}"])
            ids = tasks_with_path(self.text)[:MAX_IDS]
            self._paths = set(ids)
            if ids:
                queries.append(base + ["task_id:" + ",".join(ids)])
        self.queries = [_Query(client, q) for q in queries]
        self._rows: list = []  # merged and refined rows read so far (several queries, or a refined one)
        self._seen: set = set()

    def _matching_collections(self) -> list[str]:
        """Collections whose names hold the words (Transfer's collection search, checked by name here)."""
        import globus_sdk

        needle = self.text.lower()
        found = []
        try:
            docs = self.client.search(self.text, limit=25)
        except globus_sdk.TransferAPIError:  # words Transfer's collection search refuses: labels and paths only
            log.info("collection search for %r refused; the history is searched by label and path", self.text)
            docs = []
        for doc in docs:
            if needle in (doc.get("display_name") or "").lower() and doc["id"] not in found:
                found.append(doc["id"])
                self._names[doc["id"]] = doc.get("display_name")
        return found[:MAX_COLLECTIONS]

    @property
    def on_globus(self) -> bool:
        """Whether Globus alone answers each page (one query, nothing told apart here): a page is one request."""
        return len(self.queries) == 1 and self.status not in ("failed", "cancelled")

    def wanted(self, doc: dict) -> bool:
        """Whether a task document belongs in this search (what Globus could not decide by itself)."""
        if self.status == "cancelled" and not cancelled(doc):
            return False
        if self.status == "failed" and cancelled(doc):
            return False
        if not self.text:
            return True
        needle = self.text.lower()
        names = (doc.get("label"), doc.get("source_endpoint_display_name"),
                 doc.get("destination_endpoint_display_name"))
        return (any(needle in (n or "").lower() for n in names) or doc["task_id"] in self._paths
                or doc.get("source_endpoint_id") in self._names or doc.get("destination_endpoint_id") in self._names)

    def page(self, number: int, size: int = 10) -> tuple[list[dict], int]:
        """Tasks ``number * size`` to ``(number + 1) * size`` of the search, and how many there are.

        When Globus alone answers, this is one request and the count is Globus' own. Otherwise the queries are
        merged (newest first, each task once) as far as this page and one row beyond; the count is then exact
        once every query is read to its end, else it is the rows found so far plus one (there are more).
        """
        if self.on_globus:
            return self.queries[0].read(number * size, size)
        end = (number + 1) * size
        while len(self._rows) <= end:
            heads = [(q, q.head()) for q in self.queries]
            heads = [(q, h) for q, h in heads if h is not None]
            if not heads:
                break
            query, newest = max(heads, key=lambda qh: qh[1].get("request_time") or "")
            query.buffer.pop(0)
            if newest["task_id"] not in self._seen and self.wanted(newest):
                self._seen.add(newest["task_id"])
                self._rows.append(newest)
        finished = all(q.exhausted for q in self.queries)
        return self._rows[number * size:end], len(self._rows) + (0 if finished else 1)
