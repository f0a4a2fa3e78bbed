"""The one table every listing uses: row checkboxes (shift-click for a range), sorting, paging, keys, row detail.

Python keeps the :class:`pandas.DataFrame`, sorts it and cuts the page; the front end (``table.js``, shipped
inside the package) draws that page, whose cells Python has already escaped, and reports clicks back. So a
table of a hundred thousand rows sends 25 rows to the browser, and a test drives the same traits a click does.

Three shapes of listing share it:

* a frame held in memory (the explorer, provenance runs): Python sorts and pages;
* a listing a server pages (``remote=True``: a registry search, a Globus ``ls``): a page turn or a header click
  asks the owner through :meth:`PagedTable.on_request`, which answers with :meth:`PagedTable.show_page`;
* a tree (``tree=True``: XNAT projects to files): hidden ``_depth``/``_expanded`` columns give the indent and the
  ▸/▾ toggle, which asks the owner through :meth:`PagedTable.on_toggle`.

While the owner waits, ``busy`` shows a loading bar, with Cancel when ``cancellable``.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import anywidget
import ipywidgets as widgets
from traitlets import Any, Bool, Int, List, Unicode, observe

from .html import Markup, escape, table
from .theme import TABLE_CSS


class _PageHTML:
    """The current page as an escaped HTML table (what a screen reader, a test or a printout reads)."""

    def __init__(self, owner):
        self._owner = owner

    @property
    def value(self) -> str:
        return self._owner.page_html()


class PagedTable(anywidget.AnyWidget):
    """Show a :class:`pandas.DataFrame` a page at a time; select rows in the table itself.

    Parameters
    ----------
    data : DataFrame, optional
        The rows; its index labels are what :attr:`selected` and :attr:`active` hold.
    columns : list of str, optional
        Columns shown (default all); the frame keeps the others for code.
    formatters : dict, optional
        Column -> function(value) returning text (or :class:`~neurodata_widgets.ui.html.Markup`).
    detail : callable, optional
        ``detail(label, row)`` returning the HTML shown under the active row (escape what came from outside).
    checkable : bool
        Show a checkbox per row (off for tables where one active row is all there is to choose).
    remote : bool
        The rows come a page at a time from the owner (see :meth:`on_request` and :meth:`show_page`).
    tree : bool
        Rows are tree nodes (see :meth:`on_toggle`); sorting is off unless ``sortable`` names columns.
    sortable : list of str, optional
        Columns a header click may sort by (default: every shown column; ``[]``: none).
    stack : list of str, optional
        Columns that move under the first column's text while the table is narrow (the XNAT tree's details).

    Examples
    --------
    >>> import pandas as pd
    >>> t = PagedTable(pd.DataFrame({"name": list("abc"), "size": [3, 1, 2]}), page_size=2)
    >>> t.sort_by = "size"
    >>> t.page_rows()["name"].tolist()
    ['b', 'c']
    >>> t.click_row(0); t.click_row(1, shift=True); sorted(t.selected)  # a shift-click ticks the range
    [1, 2]

    A listing a server pages: the owner answers each request with that page's rows.

    >>> words = pd.DataFrame({"word": [f"w{i}" for i in range(95)]}, index=[f"k{i}" for i in range(95)])
    >>> r = PagedTable(remote=True, page_size=10)
    >>> r.on_request(lambda page, size, sort_by, ascending: r.show_page(words[page * size:(page + 1) * size], 95))
    >>> r.page = 9; r.pages, r.page_rows()["word"].tolist(), r.busy
    (10, ['w90', 'w91', 'w92', 'w93', 'w94'], False)
    """

    _esm = Path(__file__).with_name("table.js").read_text()
    _css = TABLE_CSS

    page = Int(0, help="current page, from 0").tag(sync=True)
    page_size = Int(25, help="rows per page").tag(sync=True)
    pages = Int(1, help="number of pages").tag(sync=True)
    total = Int(0, help="number of rows").tag(sync=True)
    sort_by = Unicode("", help="column the rows are sorted by ('' keeps the order)").tag(sync=True)
    ascending = Bool(True, help="sort direction").tag(sync=True)
    selected = List(help="index labels of the checked rows").tag(sync=True)
    active = Any(None, allow_none=True, help="index label of the row with the keyboard focus and the detail"
                 ).tag(sync=True)
    checkable = Bool(True, help="rows have checkboxes").tag(sync=True)
    headers = List(Unicode(), help="column titles shown").tag(sync=True)
    rows = List(help="the page drawn: [{key, cells: [escaped HTML]}]").tag(sync=True)
    detail = Unicode("", help="HTML shown under the active row").tag(sync=True)
    caption = Unicode("", help="what the table lists (read by screen readers)").tag(sync=True)
    empty_text = Unicode("No rows.", help="shown when there are no rows").tag(sync=True)
    busy = Bool(False, help="the owner is fetching rows: a loading bar shows").tag(sync=True)
    busy_text = Unicode("Loading…", help="what the loading bar says").tag(sync=True)
    cancellable = Bool(False, help="the loading bar has a Cancel button").tag(sync=True)
    remote = Bool(False, help="rows come a page at a time from the owner").tag(sync=True)
    tree = Bool(False, help="rows are tree nodes with a toggle").tag(sync=True)
    sortable = List(None, allow_none=True, help="columns a header click sorts by (None: all)").tag(sync=True)
    stack = List(Unicode(), help="columns shown under the first column's text while the table is narrow "
                 "(under 560 px: a half laptop screen) instead of beside it").tag(sync=True)

    def __init__(self, data=None, columns=None, formatters=None, page_size=25, detail=None, checkable=True,
                 caption="", remote=False, tree=False, sortable=None, **kwargs):
        self._data = None
        self.empty_headers: list = []  # the column titles shown while there are no rows (data None)
        self._keys: dict = {}
        self._seen: dict = {}  # remote mode: label -> row of every page shown, so a selection outlives its page
        self.columns = columns
        self.formatters = formatters or {}
        self.detail_renderer = detail
        self._opened = widgets.CallbackDispatcher()
        self._toggled = widgets.CallbackDispatcher()
        self._requested = widgets.CallbackDispatcher()
        self._cancelled = widgets.CallbackDispatcher()
        self._acted = widgets.CallbackDispatcher()
        self.drawn = False  # a browser has drawn this table (it says so once it has)
        self._when_drawn: list = []
        if tree and sortable is None:
            sortable = []  # sorting a tree would tear children from their parents
        self._hush = 1  # the initial page size and order are not a user's request for a page
        self._shown_view = (0, "", True)  # remote mode: the page, order and direction the rows drawn are of
        super().__init__(page_size=page_size, checkable=checkable, caption=caption, remote=remote, tree=tree,
                         sortable=sortable, **kwargs)
        self._hush = 0
        self.html = _PageHTML(self)
        self.on_msg(self._on_front_end)
        self.data = data

    # -- data ----------------------------------------------------------------------------------
    @property
    def data(self):
        return self._frame()

    def _frame(self):
        """The rows; an empty frame when there are none (pandas is imported only then: an empty table opens fast)."""
        if self._data is None:
            import pandas as pd

            return pd.DataFrame()
        return self._data

    @data.setter
    def data(self, frame):
        self._data = frame  # None: no rows yet
        self._seen = {}
        with self._quietly():
            if self.sort_by not in self.shown_columns() and not self.remote:
                self.sort_by = ""
            self.selected = []
            self.active = None
            self.page = 0
            if self.remote:
                self.total = 0 if self._data is None else len(self._data)
        self._remember_page()
        self._render()

    def update(self, frame) -> None:
        """Replace the rows, keeping the checked rows and the active row that are still there, and the page."""
        import pandas as pd

        self._data = frame if frame is not None else pd.DataFrame()
        present = set(self._data.index)
        with self._quietly():
            self.selected = [label for label in self.selected if label in present]
            if self.active is not None and self.active not in present:
                self.active = None
            self.page = min(self.page, self._pages() - 1)
        self._render()
        self._render_detail()

    def show_page(self, frame, total: int) -> None:
        """Remote mode: draw ``frame`` (this page's rows) of ``total`` rows, and end the busy state.

        Checked rows stay checked across pages; the active row stays when it is on this page.
        """
        import pandas as pd

        self._data = frame if frame is not None else pd.DataFrame()
        with self._quietly():
            self.total = int(total)
            self.page = min(self.page, self._pages() - 1)
            if self.active is not None and self.active not in set(self._data.index):
                self.active = None
            self.busy = False
        self._shown_view = (self.page, self.sort_by, self.ascending)
        self._remember_page()
        self._render()
        self._render_detail()

    def _remember_page(self) -> None:
        if self.remote and self._data is not None:
            for label, row in self._data.iterrows():
                self._seen[label] = row

    def selected_rows(self):
        """The checked rows as a frame (in remote mode, from every page seen), in the order they were checked."""
        import pandas as pd

        if self.remote:
            rows = [self._seen[label] for label in self.selected if label in self._seen]
            return pd.DataFrame(rows) if rows else self._frame().iloc[0:0]
        if self._data is None:
            return pd.DataFrame()
        return self._data.loc[[label for label in self.selected if label in self._data.index]]

    def shown_columns(self) -> list:
        if self._data is None:
            return []
        names = self.columns or [c for c in self._data.columns if not str(c).startswith("_")]
        return [c for c in names if c in self._data.columns]

    def _pages(self) -> int:
        n = self.total if self.remote else (0 if self._data is None else len(self._data))
        return max(1, -(-n // max(1, self.page_size)))

    def sorted_data(self):
        frame = self._frame()
        if not self.remote and self.sort_by and self.sort_by in frame.columns:
            frame = frame.sort_values(self.sort_by, ascending=self.ascending, kind="stable", na_position="last")
        return frame

    def page_rows(self):
        if self.remote:  # the owner sent exactly this page
            return self._frame()
        start = self.page * self.page_size
        return self.sorted_data().iloc[start:start + self.page_size]

    # -- what a user does, callable from Python ----------------------------------------------------
    def click_row(self, position: int, shift: bool = False) -> None:
        """Tick the checkbox of row ``position`` on the page, as a click (``shift``: the range from the last)."""
        labels = list(self.page_rows().index)
        chosen = list(self.selected)
        turn_on = labels[position] not in chosen
        anchor = getattr(self, "_anchor", None)
        span = range(min(anchor, position), max(anchor, position) + 1) if shift and anchor is not None else [position]
        for i in span:
            if turn_on and labels[i] not in chosen:
                chosen.append(labels[i])
            elif not turn_on and labels[i] in chosen:
                chosen.remove(labels[i])
        self._anchor = position
        self.selected = chosen

    def open_row(self, label) -> None:
        """Open a row (double-click or Enter in the browser): the ``on_open`` callbacks get its label."""
        for callback in list(self._opened.callbacks):
            callback(label)

    def on_open(self, callback, remove: bool = False) -> None:
        """Call ``callback(label)`` when a row is double-clicked or Enter is pressed on it."""
        self._opened.register_callback(callback, remove=remove)

    def toggle_row(self, label) -> None:
        """Tree mode: expand or collapse a node, as a click on its ▸/▾ (the ``on_toggle`` callbacks get its label)."""
        for callback in list(self._toggled.callbacks):
            callback(label)

    def on_toggle(self, callback, remove: bool = False) -> None:
        """Tree mode: call ``callback(label)`` when a node's ▸/▾ is clicked or ArrowRight/ArrowLeft pressed on it."""
        self._toggled.register_callback(callback, remove=remove)

    def on_request(self, callback, remove: bool = False) -> None:
        """Remote mode: call ``callback(page, page_size, sort_by, ascending)`` when the user turns a page or sorts.

        The table turns busy; the owner fetches that page (off the main thread) and calls :meth:`show_page`,
        or sets ``busy = False`` when the fetch failed.
        """
        self._requested.register_callback(callback, remove=remove)

    def act(self, action: str, label=None) -> None:
        """Press the element marked ``data-action="<action>"`` in row ``label``'s cells or detail (default: the
        active row): the ``on_action`` callbacks get ``(action, label)``."""
        label = self.active if label is None else label
        for callback in list(self._acted.callbacks):
            callback(action, label)

    def on_action(self, callback, remove: bool = False) -> None:
        """Call ``callback(action, label)`` when a ``data-action`` button in a cell or in the detail is pressed.

        Cells and details are HTML built by the owner; ``<button data-action="clones">`` in them is how a row
        offers actions of its own.
        """
        self._acted.register_callback(callback, remove=remove)

    def cancel(self) -> None:
        """Press the loading bar's Cancel: the ``on_cancel`` callbacks run and the table stops being busy.

        In remote mode the page number and order go back to those of the rows still shown.
        """
        with self._quietly():
            self.busy = False
            if self.remote:
                self.page, self.sort_by, self.ascending = self._shown_view
        for callback in list(self._cancelled.callbacks):
            callback()

    def on_cancel(self, callback, remove: bool = False) -> None:
        """Call ``callback()`` when Cancel is pressed on the loading bar."""
        self._cancelled.register_callback(callback, remove=remove)

    def _on_front_end(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        label = self._keys.get(_key(content.get("key")), content.get("key"))
        event = content.get("event")
        if event == "active":
            self.active = label
        elif event == "open":
            self.open_row(label)
        elif event == "toggle":
            self.toggle_row(label)
        elif event == "cancel":
            self.cancel()
        elif event == "action" and isinstance(content.get("action"), str):
            self.act(content["action"], label)
        elif event == "drawn":
            self.drawn = True
            waiting, self._when_drawn = self._when_drawn, []
            for callback in waiting:
                callback()

    def on_drawn(self, callback) -> None:
        """Call ``callback()`` once a browser has drawn this table (at once if one has)."""
        if self.drawn:
            callback()
        else:
            self._when_drawn.append(callback)

    # -- view ----------------------------------------------------------------------------------
    @contextmanager
    def _quietly(self):
        """Change paging traits without asking the owner for a page or redrawing (the caller draws once after)."""
        self._hush = getattr(self, "_hush", 0) + 1
        try:
            yield
        finally:
            self._hush -= 1

    @observe("page", "page_size", "sort_by", "ascending")
    def _changed(self, change):
        if getattr(self, "_hush", 0):
            return
        if self.remote:
            with self._quietly():
                if change["name"] != "page":
                    self.page = 0  # a new order or page size starts over
            self.busy = True
            for callback in list(self._requested.callbacks):
                callback(self.page, self.page_size, self.sort_by, self.ascending)
            return
        if change["name"] != "page":
            self.page = min(self.page, self._pages() - 1)
        self._render()

    @observe("active")
    def _active_changed(self, change):
        self._render_detail()

    def refresh_detail(self) -> None:
        """Redraw the active row's detail (after what it shows changed)."""
        self._render_detail()

    def _render_detail(self) -> None:
        label = self.active
        if self.detail_renderer is None or label is None or self._data is None or label not in self._data.index:
            self.detail = ""
            return
        self.detail = self.detail_renderer(label, self._data.loc[label])

    def _cells(self, rows) -> list:
        cols = self.shown_columns()
        out = []
        for _, row in rows.iterrows():
            rec = {}
            for c in cols:
                fmt = self.formatters.get(c)
                rec[c] = fmt(row[c]) if fmt else row[c]
            out.append(rec)
        return out

    def page_html(self) -> str:
        records = self._cells(self.page_rows()) if self._data is not None else []
        return table(records, self.shown_columns()) if records else '<p class="ndw-muted">No rows.</p>'

    def _render(self) -> None:
        if self._data is None:  # no rows: nothing to sort or format
            self._keys = {}
            with self.hold_sync():
                if not self.remote:
                    self.total = 0
                self.pages = self._pages()
                self.headers, self.rows = list(self.empty_headers), []
            return
        rows = self.page_rows()
        cols = self.shown_columns()
        self._keys = {_key(label): label for label in rows.index}
        drawn = []
        for (label, row), rec in zip(rows.iterrows(), self._cells(rows)):
            cells = [str(v) if isinstance(v, Markup) else escape(v) for v in (rec[c] for c in cols)]
            item = {"key": _key(label), "cells": cells}
            if self.tree:
                expanded = row.get("_expanded")
                item["depth"] = int(row.get("_depth", 0) or 0)
                item["kids"] = None if expanded is None or expanded != expanded else bool(expanded)  # NaN: leaf
            drawn.append(item)
        with self.hold_sync():
            if not self.remote:
                self.total = len(self._data)
            self.pages = self._pages()
            self.headers = cols
            self.rows = drawn


def _key(label):
    """A JSON-safe key for an index label (numbers stay numbers, anything else becomes its text)."""
    if isinstance(label, bool) or not isinstance(label, (int, float, str)):
        return str(label)
    try:
        return label.item()  # numpy scalars
    except AttributeError:
        return label


__all__ = ["PagedTable", "Markup"]
