"""A collection folder a page at a time, as the browser's panes show it (no widgets here).

Transfer's ``ls`` pages with ``offset``/``limit`` and sorts with ``orderby``. Most folders are small: the first
request asks for up to :data:`WHOLE` entries, and when that is all of them the folder is kept and sorted and paged
here, with no further request. A larger folder is asked for page by page, sorted by Transfer itself; its first
:data:`WHOLE` entries in Transfer's own order serve the first pages without asking again.

Examples
--------
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> client = GlobusClient()
>>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see the client)
>>> folder = Folder(client, sandbox.info()["globus"]["source_collection"], "/ds001/")
>>> rows, total = folder.page(0, 3, sort_by="name", ascending=False)
>>> rows.index.tolist(), total
(['sub-03', 'sub-02', 'sub-01'], 7)
>>> print(detail_html(folder.path, folder.seen["README"]))          # doctest: +ELLIPSIS
<div class="ndw ndw-globus-entry"><b>/ds001/README</b><br>file · ... bytes ...
>>> client.logout()
"""
from __future__ import annotations

from ..ui.html import escape, format_bytes

WHOLE = 1000  # a folder with at most this many entries is listed in one request and sorted here
COLUMNS = ["name", "type", "size", "last modified"]
# what a header click sorts by, in Transfer's words (its ``orderby`` takes a field and ASC or DESC)
FIELDS = {"name": "name", "type": "type", "size": "size", "last modified": "last_modified"}
_KEPT = ("permissions", "user", "group", "link_target")


def frame(entries):
    """Transfer's file documents as a :class:`pandas.DataFrame` indexed by name (unique in a folder)."""
    import pandas as pd

    # a folder's name ends in "/" (as `globus ls` prints it); its "size" is the file system's, not its content's
    rows = [{"name": e["name"] + ("/" if e["type"] == "dir" else ""), "type": e["type"],
             "size": None if e["type"] == "dir" else e.get("size"),
             "last modified": (e.get("last_modified") or "")[:19].replace("T", " "),
             **{k: e.get(k) for k in _KEPT}} for e in entries]
    return pd.DataFrame(rows, columns=COLUMNS + list(_KEPT), index=[e["name"] for e in entries])


def orderby(sort_by: str, ascending: bool = True) -> str | None:
    """Transfer's ``orderby`` for a column header (``None``: Transfer's own order)."""
    field = FIELDS.get(sort_by)
    return f"{field} {'ASC' if ascending else 'DESC'}" if field else None


def detail_html(folder: str, entry: dict) -> str:
    """What a row's detail shows about an entry (escaped HTML)."""
    path = folder.rstrip("/") + "/" + entry["name"] + ("/" if entry["type"] == "dir" else "")
    size = entry.get("size")
    facts = [entry["type"]]
    if size is not None and entry["type"] != "dir":
        facts.append(f"{size:,} bytes ({format_bytes(size)})")
    if entry.get("last_modified"):
        facts.append(f"modified {entry['last_modified']}")
    if entry.get("permissions"):
        facts.append(f"permissions {entry['permissions']}")
    if entry.get("user") or entry.get("group"):
        facts.append(f"owner {entry.get('user') or '?'}:{entry.get('group') or '?'}")
    if entry.get("link_target"):
        facts.append(f"link to {entry['link_target']}")
    hint = " · double-click or Enter opens it" if entry["type"] == "dir" else ""
    return (f'<div class="ndw ndw-globus-entry"><b>{escape(path)}</b><br>{escape(" · ".join(facts))}'
            f'<span class="ndw-muted">{escape(hint)}</span></div>')


class Folder:
    """One folder of a collection, listed a page at a time (see the module's docstring).

    ``seen`` maps every name listed so far to its file document, so a selection made on several pages can be
    transferred with each entry's type and size.
    """

    def __init__(self, client, collection: str, path: str, show_hidden: bool = False, whole: int = WHOLE):
        self.client, self.collection, self.path, self.show_hidden = client, collection, path, show_hidden
        self.whole = whole
        self.total: int | None = None
        self.entries: list | None = None  # the whole folder, when small
        self._head: list = []  # a large folder's first entries, in Transfer's order
        self.seen: dict = {}

    @property
    def small(self) -> bool:
        return self.entries is not None

    def page(self, number: int, size: int, sort_by: str = "", ascending: bool = True):
        """Rows ``number * size`` onwards (a :class:`pandas.DataFrame`) and the folder's total."""
        if self.total is None:
            self._first()
        start = number * size
        if self.small:
            rows = frame(self.entries)
            if sort_by in FIELDS:
                rows = rows.sort_values(sort_by, ascending=ascending, kind="stable", na_position="last")
            return rows.iloc[start:start + size], self.total
        if not orderby(sort_by) and start + size <= len(self._head):
            return frame(self._head[start:start + size]), self.total
        listing = self.client.ls(self.collection, self.path, show_hidden=self.show_hidden, limit=size,
                                 offset=start, orderby=orderby(sort_by, ascending))
        self._keep(listing)
        return frame(listing.entries), self.total

    def _first(self) -> None:
        listing = self.client.ls(self.collection, self.path, show_hidden=self.show_hidden, limit=self.whole)
        self.path = listing.path
        self._keep(listing)
        if self.total <= len(listing.entries):
            self.entries = listing.entries
        else:
            self._head = listing.entries

    def _keep(self, listing) -> None:
        self.total = listing.total if listing.total is not None else len(listing.entries)
        self.seen.update((e["name"], e) for e in listing.entries)


__all__ = ["Folder", "frame", "orderby", "detail_html", "COLUMNS", "WHOLE"]
