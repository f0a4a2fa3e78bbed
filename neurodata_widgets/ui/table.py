"""A paged, sortable, escaped table of a DataFrame, with row selection."""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Bool, Int, List, Unicode, observe

from .html import Markup, table
from .theme import CSS


class PagedTable(widgets.VBox):
    """Show a :class:`pandas.DataFrame` a page at a time.

    Parameters
    ----------
    data : DataFrame, optional
    columns : list of str, optional
        Columns shown (default all); the frame keeps the others for code.
    label_column : str, optional
        Column naming a row in the selection list (default the first shown column).
    formatters : dict, optional
        Column -> function(value) returning text (or :class:`~neurodata_widgets.ui.html.Markup`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = PagedTable(pd.DataFrame({"name": list("abc"), "size": [3, 1, 2]}), page_size=2)
    >>> t.sort_by = "size"
    >>> t.page_rows()["name"].tolist()
    ['b', 'c']
    """

    page = Int(0, help="current page, from 0").tag(sync=True)
    page_size = Int(25, help="rows per page").tag(sync=True)
    sort_by = Unicode("", help="column the rows are sorted by ('' keeps the order)").tag(sync=True)
    ascending = Bool(True, help="sort direction").tag(sync=True)
    selected = List(help="index labels of the selected rows").tag(sync=True)

    def __init__(self, data=None, columns=None, label_column=None, formatters=None, page_size=25, **kwargs):
        self._data = None
        self.columns = columns
        self.label_column = label_column
        self.formatters = formatters or {}
        self.html = widgets.HTML()
        self.sort_dropdown = widgets.Dropdown(description="Sort by", options=[("(as listed)", "")],
                                              layout=widgets.Layout(width="220px"))
        self.direction = widgets.ToggleButton(value=False, description="descending", icon="sort",
                                              layout=widgets.Layout(width="110px"))
        self.prev_button = widgets.Button(description="Prev", icon="chevron-left", layout=widgets.Layout(width="80px"))
        self.next_button = widgets.Button(description="Next", icon="chevron-right", layout=widgets.Layout(width="80px"))
        self.page_label = widgets.Label()
        self.selector = widgets.SelectMultiple(description="Select", rows=6, layout=widgets.Layout(width="98%"))
        self.prev_button.on_click(lambda _: self._go(-1))
        self.next_button.on_click(lambda _: self._go(+1))
        widgets.link((self.sort_dropdown, "value"), (self, "sort_by"))
        self.direction.observe(lambda ch: setattr(self, "ascending", not ch["new"]), names="value")
        self.selector.observe(self._on_select, names="value")
        super().__init__(**kwargs)
        self.page_size = page_size
        self.children = [widgets.HTML(CSS, layout=widgets.Layout(height="0px")),
                         widgets.HBox([self.sort_dropdown, self.direction, self.prev_button, self.next_button,
                                       self.page_label], layout=widgets.Layout(flex_flow="row wrap")),
                         self.html, self.selector]
        self.data = data

    # -- data ----------------------------------------------------------------------------------
    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, frame):
        import pandas as pd

        self._data = frame if frame is not None else pd.DataFrame()
        cols = self.shown_columns()
        self.sort_dropdown.options = [("(as listed)", "")] + [(c, c) for c in cols]
        if self.sort_by not in cols:
            self.sort_by = ""
        self.selected = []
        self.page = 0
        self._render()

    def shown_columns(self) -> list:
        if self._data is None:
            return []
        return [c for c in (self.columns or list(self._data.columns)) if c in self._data.columns]

    @property
    def pages(self) -> int:
        n = 0 if self._data is None else len(self._data)
        return max(1, -(-n // max(1, self.page_size)))

    def sorted_data(self):
        frame = self._data
        if self.sort_by and self.sort_by in frame.columns:
            frame = frame.sort_values(self.sort_by, ascending=self.ascending, kind="stable", na_position="last")
        return frame

    def page_rows(self):
        start = self.page * self.page_size
        return self.sorted_data().iloc[start:start + self.page_size]

    # -- view ----------------------------------------------------------------------------------
    @observe("page", "page_size", "sort_by", "ascending")
    def _changed(self, change):
        if change["name"] != "page":
            self.page = min(self.page, self.pages - 1)
        self._render()

    def _go(self, step: int) -> None:
        self.page = max(0, min(self.pages - 1, self.page + step))

    def _render(self) -> None:
        if self._data is None:
            return
        rows = self.page_rows()
        cols = self.shown_columns()
        records = []
        for _, row in rows.iterrows():
            rec = {}
            for c in cols:
                fmt = self.formatters.get(c)
                rec[c] = fmt(row[c]) if fmt else row[c]
            records.append(rec)
        self.html.value = table(records, cols) if records else '<p class="ndw-muted">No rows.</p>'
        self.page_label.value = f"page {self.page + 1} of {self.pages} · {len(self._data)} rows"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1
        label = self.label_column or (cols[0] if cols else None)
        options = [(str(row[label]) if label else str(idx), idx) for idx, row in rows.iterrows()]
        self.selector.unobserve(self._on_select, names="value")
        self.selector.options = options
        self.selector.value = tuple(i for i in self.selected if i in dict((v, k) for k, v in options))
        self.selector.observe(self._on_select, names="value")

    def _on_select(self, change):
        on_page = set(self.page_rows().index)
        keep = [i for i in self.selected if i not in on_page]
        self.selected = keep + list(change["new"])


__all__ = ["PagedTable", "Markup"]
