"""The DatasetSearch widget: DataLad-Registry's search over a catalog or a remote registry."""
from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
from traitlets import Dict, Int, Unicode

from ..config import setting
from ..errors import UserError
from ..jobs import Job
from ..ui.badge import SandboxBadge
from ..ui.base import Status, WidgetBase, form_text
from ..ui.buttons import ButtonGroups
from ..ui.colors import COLORS
from ..ui.html import escape, format_bytes
from ..ui.progress import JobProgress
from ..ui.table import PagedTable
from ..ui.theme import style
from .backends import backend as default_backend
from .install import folder_name, install_datasets
from .query import HELP, ParsedQuery, QueryError
from .records import facet_query, facets, match_count, results_frame, summary, used_as_subdataset_query
from .results import ORDER_OPTIONS, SHOWN, SORT_KEYS, detail_html, table_frame  # noqa: F401 - ORDER_OPTIONS: API

STYLE = f"""<style>
.ndw-search-results {{ flex: 1 1 320px; min-width: 0; }}
.ndw-search-url {{ display: inline-block; min-width: 16ch; overflow-wrap: anywhere; }}
.ndw-search-figure, .ndw-search-dsid {{ white-space: nowrap; }}
a.ndw-search-url {{ color: {COLORS['primary']}; text-decoration: underline; }}
.ndw-search-facets {{ margin-left: 12px; }}
.ndw-search-card {{ min-width: 18ch; max-width: 60ch; white-space: normal; line-height: 1.35; }}
.ndw-search-name {{ font-size: 14px; overflow-wrap: anywhere; }}
.ndw-search-badges .ndw-badge {{ margin-right: 4px; }}
.ndw-search-description {{ color: {COLORS['text']}; margin: 2px 0; overflow-wrap: anywhere; }}
.ndw-search-where {{ font-size: 12px; }}
.ndw-search-detail {{ display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 4px 0; }}
.ndw-search-detail dt {{ color: {COLORS['muted']}; }}
.ndw-search-detail dd {{ margin: 0; overflow-wrap: anywhere; }}
.ndw-search-error pre {{ color: {COLORS['error']}; margin: 2px 0; }}
.ndw-stats b {{ font-size: 16px; }}
.ndw-search-actions {{ display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 2px 0; }}
.ndw-search-actions button {{ width: auto; height: 26px; padding: 0 12px; cursor: pointer; color: {COLORS['text']};
                              background: var(--jp-layout-color0, #fff); border: 1px solid {COLORS['border']};
                              border-radius: 2px; }}
.ndw-search-actions button:hover {{ border-color: {COLORS['primary']}; }}
</style>"""


def _figure(value) -> str:
    """A count from the registry, grouped by thousands as the table's cells are (anything else escaped).

    >>> _figure(430423), _figure("<b>")
    ('430,423', '&lt;b&gt;')
    """
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else escape(value)


NO_ROW = '<span class="ndw-muted">Click a row for its details; tick rows to install several at once.</span>'


#: values shown per facet (the most frequent first)
FACET_VALUES_SHOWN = 6


class FacetPanel(ButtonGroups):
    """The "Refine" panel: buttons "value (count)" under each facet's name; a click narrows the query.

    The buttons are drawn in the browser from data (a search runs in the background, and its results must not
    open widgets: see :mod:`neurodata_widgets.ui.buttons`).

    Examples
    --------
    >>> panel = FacetPanel()
    >>> panel.show_facets({"license": {"CC0": 3, "PDDL": 1}})
    >>> panel.labels
    ['CC0 (3)', 'PDDL (1)']
    >>> chosen = []
    >>> panel.on_choose(lambda facet, value: chosen.append((facet, value)))
    >>> panel.click(0, 1); chosen
    [('license', 'PDDL')]
    """

    def __init__(self, **kwargs):
        super().__init__(button_class="ndw-search-facet", **kwargs)
        self.add_class("ndw-search-facets")
        self._values: list[tuple[str, list]] = []
        self._chosen = widgets.CallbackDispatcher()
        self.on_click(lambda group, index: self.choose(self._values[group][0], self._values[group][1][index][0]))

    def show_facets(self, found: dict, note: str = "") -> None:
        """Show ``found`` (``{facet: {value: count}}``, most frequent first), :data:`FACET_VALUES_SHOWN` values
        of each."""
        self._values = [(str(name), list(counts.items())[:FACET_VALUES_SHOWN])
                        for name, counts in found.items() if counts]
        self.heading = "Refine" if self._values else ""
        self.note = note if self._values else ""
        self.show_groups([(name, [f"{value} ({count})" for value, count in values],
                           [f"Add this condition to the query: {name} is {value}" for value, _ in values])
                          for name, values in self._values])

    def on_choose(self, callback, remove: bool = False) -> None:
        """Call ``callback(facet, value)`` when a value's button is clicked (``remove=True``: no longer)."""
        self._chosen.register_callback(callback, remove=remove)

    def choose(self, facet: str, value) -> None:
        """As a click on ``value``'s button of ``facet`` does."""
        self._chosen(facet, value)


class DatasetSearch(WidgetBase):
    """Search datasets with DataLad-Registry's language: results, stats, facets, clones, reuse, install.

    The results are one table (:class:`~neurodata_widgets.ui.table.PagedTable`) that the registry (or catalog)
    pages and sorts on its side: a header click sorts by that field, a page turn asks for that page, each
    in the background with a loading bar and Cancel. Tick rows to install several datasets; click a row to
    see its metadata, its clones and where it is used as a subdataset.

    Parameters
    ----------
    backend : Catalog or RegistryClient or str, optional
        What to search (a catalog file path or a registry URL works too); default: the sandbox
        registry when one runs, else the user's catalog.
    query : str, optional
        Run this query at once.
    per_page : int
        Results per page (the registry caps it at 100).
    install_dir : str, optional
        Where Install clones to (default ``$NDW_INSTALL_DIR`` or ``~/datasets``).
    wait : bool
        Wait for the first results; ``False`` (dashboards) shows the widget at once, ``loading`` until they come.

    Facets count over every match on a catalog, over the page shown on a remote registry
    (its API returns metadata a page at a time).

    Examples
    --------
    >>> from neurodata_widgets.search.catalog import Catalog
    >>> w = DatasetSearch(Catalog(":memory:"))
    >>> w.search("haxby")
    >>> w.total, w.status, w.activity
    (0, 'ready', 'No dataset matches.')
    """

    value = Unicode("", help="the query whose results are shown").tag(sync=True)
    total = Int(0, help="number of dataset URLs matching the query").tag(sync=True)
    page = Int(1, help="page shown, from 1").tag(sync=True)
    selected = Dict(help="the active result (url, ds_id, ...: the row clicked), {} when none").tag(sync=False)

    def __init__(self, backend=None, query: str = "", per_page: int = 10, install_dir: str | None = None,
                 wait: bool = True, **kwargs):
        self.backend = default_backend(backend)
        self.per_page = per_page
        self._page_data: dict = {}
        self._records: dict = {}  # id -> record of every page of this search seen (checked rows outlive their page)
        self._shown = ("", 0, "last update", False)  # query, page, sort header, ascending of what the table shows
        self._driving = 0  # > 0 while this widget (not a user) sets the table's page or order
        self._in_flight = None  # the query of the new search under way
        self._query = None  # the current query, parsed once (a ParsedQuery; None lists everything)
        self.query_box = form_text(placeholder='e.g. haxby, url:github, metadata[bids_dataset]:bold',
                                   layout=widgets.Layout(flex="1 1 auto", width="auto"))
        self.query_box.add_class("ndw-search-query")
        self.search_button = widgets.Button(description="Search", icon="search", button_style="primary")
        self.search_button.add_class("ndw-search-button")
        self.help_button = widgets.ToggleButton(description="Syntax", icon="question")
        self.help = widgets.HTML(f'<div class="ndw ndw-card">{HELP}</div>', layout=widgets.Layout(display="none"))
        self.help.add_class("ndw-search-help")
        self.error_box = widgets.HTML()
        self.error_box.add_class("ndw-search-error")
        self.stats = widgets.HTML()
        self.stats.add_class("ndw-search-stats")
        self.table = PagedTable(remote=True, columns=SHOWN, page_size=per_page, detail=self._detail,
                                sortable=list(SORT_KEYS), caption="datasets found", cancellable=True,
                                layout=widgets.Layout(flex="1 1 320px", min_width="0", width="auto"))
        self.table.empty_text = "No dataset matches."
        self.table.add_class("ndw-search-results")
        self._set_view(0, "last update", False)  # newest first, as the registry lists
        self.facets = FacetPanel(layout=widgets.Layout(width="240px", flex="0 1 240px"))
        self.facets.on_choose(lambda facet, value: self.refine(facet, value, wait=False))
        self.selection = widgets.HTML(NO_ROW)
        self.selection.add_class("ndw-search-selection")
        self.install_dir = form_text(value=str(install_dir or setting("install_dir", None, Path.home() / "datasets")),
                                     description="Into", layout=widgets.Layout(width="380px", max_width="100%"))
        self.install_dir.add_class("ndw-search-into")
        self.install_button = widgets.Button(description="Install", icon="download", disabled=True,
                                             button_style="success", tooltip="clone the ticked datasets (or the "
                                             "row clicked) into the folder")
        self.install_button.add_class("ndw-search-install")
        self.progress = JobProgress()

        # every request from a click goes to the registry (or catalog) off the kernel's main thread
        self.search_button.on_click(lambda _: self._search_clicked())
        self.query_box.observe(self._typed, names="value")
        self.help_button.observe(lambda ch: setattr(self.help.layout, "display", None if ch["new"] else "none"),
                                 names="value")
        self.table.on_request(self._requested)
        self.table.on_cancel(self.cancel)
        self.table.observe(self._activated, names="active")
        self.table.observe(self._checked, names="selected")
        self.table.on_action(self._row_action)  # Clones / Used as subdataset, in the row's detail
        self.install_button.on_click(lambda _: self._install_clicked())
        self.progress.on_done(self._installed)

        super().__init__(**kwargs)
        self.add_class("ndw-search")
        self.add_class("ndw")
        label = getattr(self.backend, "label", None) or self._label()
        source = widgets.HTML(f'<span class="ndw-muted">searching {escape(label)}</span>')
        self.badge = SandboxBadge(getattr(self.backend, "base_url", None))
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        self.children = [
            style(), widgets.HTML(STYLE, layout=widgets.Layout(height="0px")), self.badge,
            widgets.HBox([self.query_box, self.search_button, self.help_button]), source, self.help,
            self.error_box, self.banner, self.stats,
            widgets.HBox([self.table, self.facets], layout=widgets.Layout(flex_flow="row wrap",
                                                                              align_items="flex-start")),
            self.selection,
            widgets.HBox([self.install_dir, self.install_button], layout=wrap),
            self.progress,
        ]
        # an empty box lists every dataset, newest first: the tab never opens blank
        self.first_request_waits_for_page()  # this first search only waits for the page (see _fetch)
        self.search(query, wait=wait)

    def _label(self) -> str:
        return str(getattr(self.backend, "path", None) or getattr(self.backend, "base_url", ""))

    # -- callbacks ------------------------------------------------------------------------------
    def on_select(self, callback, remove: bool = False) -> None:
        """Call ``callback(record)`` when the user clicks a result (a dict with url, ds_id, ...)."""
        self.register("select", callback, remove)

    def on_install(self, callback, remove: bool = False) -> None:
        """Call ``callback(path)`` with the path of each dataset Install cloned, once it is there."""
        self.register("install", callback, remove)

    # -- searching ------------------------------------------------------------------------------
    def search(self, query: str | None = None, wait: bool = True):
        """Run ``query`` (default: the text in the box) from its first page (``wait``: see :meth:`go`)."""
        query = self.query_box.value if query is None else query
        self.value = query  # first, so that setting the box below does not search twice
        self._typing = True
        try:
            self.query_box.value = query
        finally:
            self._typing = False
        return self._fetch(1, fresh=True, wait=wait)

    def _search_clicked(self) -> None:
        # leaving the box (to click Search) already sent the query: searching it twice would, on the second
        # answer, reset the row a quick user has clicked meanwhile
        running = self.__dict__.get("_background")
        if not (self.query_box.value == self.value == self._in_flight and running is not None and running.is_alive()):
            self.search(self.query_box.value, wait=False)

    def _typed(self, change) -> None:
        if change["new"] != self.value and not getattr(self, "_typing", False):  # Enter with a new query
            self.search(change["new"], wait=False)

    def go(self, page: int, wait: bool = True):
        """Show page ``page`` (from 1) of the current query, as a click on the table's pager does.

        The registry (or catalog) is asked off the kernel's main thread. ``wait=False`` (what clicks do) returns
        at once with the table busy (Cancel stops waiting); an answer to an older request arriving after a newer
        one is dropped. Returns the thread asking (``None`` once answered, with ``wait``).
        """
        page = max(1, int(page))
        self._set_view(page - 1, self.table.sort_by, self.table.ascending, busy=True)
        return self._fetch(page, wait=wait)

    def sort(self, by: str, ascending: bool = False, wait: bool = True):
        """Sort by a column (``"size"``) or a registry field (``"annexed_files_in_wt_size"``), from page 1,
        as a click on that column's header does."""
        header = next((h for h, key in ORDER_OPTIONS if by in (h, key)), None)
        if header is None:
            raise UserError(f"The registry cannot sort by {by!r}.",
                            f"Sort by one of: {', '.join(h for h, _ in ORDER_OPTIONS)}.")
        self._set_view(0, header, ascending, busy=True)
        return self._fetch(1, wait=wait)

    def _requested(self, page, _page_size, _sort_by, _ascending) -> None:
        """A page turn or a header click in the table (the table is already busy)."""
        if not self._driving:
            self._fetch(page + 1, wait=False)

    def _set_view(self, page: int, sort_by: str, ascending: bool, busy: bool = False) -> None:
        """Set the table's page and order without it asking for rows (this widget asks itself)."""
        self._driving += 1
        try:
            self.table.sort_by, self.table.ascending, self.table.page = sort_by, bool(ascending), page
        finally:
            self._driving -= 1
        self.table.busy = busy

    def _order(self) -> tuple[str, str]:
        return SORT_KEYS.get(self.table.sort_by, "last_update_dt"), "asc" if self.table.ascending else "desc"

    def _fetch(self, page: int, fresh: bool = False, wait: bool = True):
        after_page = self.page_comes_first(wait)
        if fresh:
            self.error_box.value = ""
        try:
            # parsed once: syntax errors are shown before anything is asked; an empty box lists everything,
            # newest first
            query = ParsedQuery(self.value) if self.value.strip() else None
        except QueryError as exc:
            self.abandon_background()  # a search still under way is moot
            self._query_failed(exc)
            return None
        order_by, order_dir = self._order()
        self._in_flight = self.value if fresh else self._in_flight
        backend, asked = self.backend, dict(page=page, per_page=self.per_page, order_by=order_by,
                                            order_dir=order_dir, return_metadata="content")
        shown_query = self.value

        def ask():
            result = backend.search(query, **asked)
            # the catalog counts facets over every match: also a query, so also off the main thread
            return result, (backend.facets(query) if fresh and hasattr(backend, "facets") else None)

        def failed(exc):  # the widget stays usable; the banner says what happened
            if isinstance(exc, QueryError):  # e.g. a registry refusing a catalog-only operator
                self._query_failed(exc)
                return
            if fresh:  # the last results stay on screen under the error (the query typed stays in the box)
                _, shown_page, sort_by, ascending = self._shown
                self._set_view(shown_page, sort_by, ascending)
            else:
                self._restore_view()
            self.fail(exc, "Searching" if fresh else f"Loading page {page}")
            self.activity = "The search failed."

        self.table.busy_text = (f"Searching {self._where()}…" if fresh else f"Loading page {page}…")
        self.table.busy = True

        def show(answer):
            self._show(shown_query, query, *answer, fresh=fresh)

        if after_page:
            # a dashboard opening: the page is built first, then the backend is asked (its imports and its
            # answer need the kernel too); a query the user asks meanwhile replaces this one
            self.start_when_drawn(self.table, ask, show, "searching", on_error=failed)
            return None
        thread = self.in_background(ask, show, "searching", on_error=failed, latest=True)
        if wait:
            self.wait_background(None)
            return None
        return thread

    def _where(self) -> str:
        return "the catalog" if getattr(self.backend, "path", None) is not None else "the registry"

    def cancel(self) -> None:
        """Stop waiting for the search or page under way (the loading bar's Cancel).

        The table stays as it was and is usable at once; the registry's answer, should it still come, is ignored.
        """
        was_waiting = self.abandon_background()
        self._restore_view()
        if was_waiting:
            self.succeed(f"Stopped waiting for {self._where()}.", kind="info",
                         hint="It was slow to answer; search again, or turn the page, to retry.")
            self.activity = f"Stopped waiting for {self._where()}."

    def _restore_view(self) -> None:
        """Put the table's page, order and query back to what its rows are (after a Cancel or a failure)."""
        query, page, sort_by, ascending = self._shown
        self.value = query
        self._set_view(page, sort_by, ascending)

    def _query_failed(self, exc: QueryError) -> None:
        self._clear()
        self.error_box.value = f'<pre>{escape(exc.marked)}</pre>' if exc.position is not None else ""
        self.banner.show(exc.message.splitlines()[0], "error", exc.hint)
        self.error, self.status, self.activity = exc.message, Status.ERROR, "The query has an error."

    def _show(self, shown_query: str, query, result: dict, found_facets, fresh: bool) -> None:
        self._page_data = result
        self._query = query
        records = [r for r in result.get("dataset_urls") or [] if isinstance(r, dict)]
        frame = table_frame(records)
        if fresh:
            self._records = {}
            self._found_facets = found_facets
            self.table.data = frame  # a new search: nothing ticked, first page
        self._records.update(zip(frame.index, records))
        self.total = match_count(result)
        self.page = int(result.get("cur_pg_num") or 1)
        self.table.show_page(frame, self.total)  # ends the busy state
        self._shown = (shown_query, self.table.page, self.table.sort_by, self.table.ascending)
        self.succeed()
        if not self.value.strip():
            self.activity = f"{self.total} dataset URL{'s' if self.total != 1 else ''} in the catalog."
        else:
            self.activity = (f"{self.total} dataset URL{'s' if self.total != 1 else ''} match." if self.total
                             else "No dataset matches.")
        self._render()
        if not self.value.strip() and not self.total and getattr(self.backend, "path", None) is not None:
            # nothing configured and nothing catalogued yet: say what to configure
            self.banner.show("Nothing to search yet: your catalog is empty.", "info",
                             "Catalog your datasets with `neurodata-widgets catalog build PATH`, or set "
                             "NDW_REGISTRY_URL to a DataLad-Registry (or NDW_CATALOG to a catalog file).")

    def _clear(self) -> None:
        self._page_data = {}
        self._records = {}
        self._found_facets = None
        self.total = 0
        self.table.data = table_frame([])
        self.table.busy = False
        self._shown = (self.value, 0, self.table.sort_by, self.table.ascending)
        self.facets.show_facets({})
        self.stats.value = ""

    @property
    def results(self):
        """The current page of results as a DataFrame (url, ds_id, annexed files, size, last update, ...)."""
        return results_frame(self._page_data or {"dataset_urls": []})

    @property
    def checked(self) -> list[dict]:
        """The results whose boxes are ticked (on any page of this search), in the order they were ticked."""
        return [self._records[label] for label in self.table.selected if label in self._records]

    @property
    def stats_summary(self) -> dict:
        """Unique datasets, dataset URLs, annexed files and their size of everything matching."""
        return summary(self._page_data.get("collection_stats", {})) if self._page_data else {}

    def _render(self) -> None:
        s = self.stats_summary
        self.stats.value = (
            '<div class="ndw ndw-card ndw-stats">'
            f'<b class="ndw-stat-unique">{_figure(s["unique_datasets"])}</b> unique datasets · '
            f'<b class="ndw-stat-urls">{_figure(s["dataset_urls"])}</b> dataset URLs · '
            f'<b class="ndw-stat-files">{_figure(s["annexed_files"])}</b> annexed files · '
            f'<b class="ndw-stat-size">{escape(format_bytes(s["annexed_size"]))}</b></div>')
        self._render_facets()

    def _detail(self, label, _row) -> str:
        record = self._records.get(label)
        return detail_html(record) if record is not None else ""

    def _render_facets(self) -> None:
        found = dict(self._facets())
        counted = found.pop("_counted", None)
        note = (f'counted over the first {_figure(counted["counted"])} of {_figure(counted["matches"])} matches'
                if counted else "")
        self.facets.show_facets(found, note)

    def _facets(self) -> dict:
        if getattr(self, "_found_facets", None) is not None:  # counted over every match, whichever backend
            return self._found_facets
        return facets(self._page_data.get("dataset_urls", []))  # a backend that cannot count them: this page's

    # -- choosing rows --------------------------------------------------------------------------
    def _activated(self, change) -> None:
        self._choose(self._records.get(change["new"]) if change["new"] is not None else None)

    def _choose(self, record) -> None:
        self.selected = dict(record) if record else {}
        self.selection.value = (f'<span class="ndw-search-chosen">{escape(self.selected.get("url"))}</span>'
                                if record else NO_ROW)
        self._checked(None)
        if record:
            self.emit("select", self.selected)

    def _checked(self, _change) -> None:
        n = len(self.table.selected)
        self.install_button.description = f"Install {n}" if n > 1 else "Install"
        self.install_button.disabled = not (n or self.selected)

    def select(self, record) -> None:
        """Make a result the active row, as a click on it does (a record dict, or its index on the page)."""
        if isinstance(record, int):
            record = self._page_data["dataset_urls"][record]
        label = next((k for k in self.table.data.index if self._records.get(k, {}).get("url") == record.get("url")),
                     None)
        if label is None:  # not on this page (a record from elsewhere): chosen without a row
            self._choose(record)
        elif self.table.active == label:
            self._choose(self._records[label])
        else:
            self.table.active = label

    # -- actions --------------------------------------------------------------------------------
    def _row_action(self, action: str, label) -> None:
        ds_id = (self._records.get(label) or {}).get("ds_id") or ""
        if action == "clones":
            self.click_ds_id(ds_id, wait=False)
        elif action == "reuse":
            self.used_as_subdataset(ds_id, wait=False)

    def click_ds_id(self, ds_id: str, wait: bool = True) -> None:
        """Show every URL of this dataset (its clones): runs ``ds_id:<id>``."""
        if ds_id:
            self.search(f"ds_id:{ds_id}", wait=wait)

    def used_as_subdataset(self, ds_id: str, wait: bool = True) -> None:
        """Show the datasets that use ``ds_id`` as a subdataset."""
        if ds_id:
            self.search(used_as_subdataset_query(ds_id), wait=wait)

    def refine(self, facet: str, value: str, wait: bool = True) -> None:
        """Add a facet's condition to the current query."""
        term = facet_query(facet, value)
        self.search(f"({self.value}) AND {term}" if self.value.strip() else term, wait=wait)

    def chosen(self) -> list[dict]:
        """What Install acts on: the ticked results, else the active one."""
        return self.checked or ([self.selected] if self.selected else [])

    def install(self, into: str | None = None) -> Job:
        """Clone the ticked datasets (else the active one) into the folder ``into`` (default: the Into box),
        in the background, with progress and Cancel. The job's result is the list of paths."""
        records = self.chosen()
        if not records:
            raise UserError("Choose a dataset to install first.", "Tick its box in the results, or click its row.")
        urls = [r["url"] for r in records]
        folder = Path(into or self.install_dir.value).expanduser()
        self._kept: list = []
        label = f"Install {folder_name(urls[0])}" if len(urls) == 1 else f"Install {len(urls)} datasets"
        job = Job(lambda job: install_datasets(urls, folder, job, self._kept), label=label)
        if self.progress.job is not None and not self.progress.job.done:
            raise UserError("An install is still running.", "Wait for it to finish, or cancel it.")
        self.busy(f"installing {len(urls)} dataset{'s' if len(urls) > 1 else ''}", Status.RUNNING)
        return self.progress.run(job)  # its end reaches _installed

    def _install_clicked(self) -> None:
        try:
            self.install()
        except Exception as exc:  # e.g. a clone still running: say so, lose nothing
            self.fail(exc, "Install")

    def _installed(self, job: Job) -> None:
        if job.state == "cancelled":
            kept = getattr(self, "_kept", [])
            self.status, self.activity = Status.CANCELLED, f"{job.label}: cancelled."
            if kept:
                self.banner.show(f"{job.label}: cancelled. Kept the {len(kept)} already cloned: "
                                 f"{', '.join(kept)}.", "warn", "The one being cloned was removed.")
            return
        if job.state != "done":
            self.status, self.error = Status.FAILED, self.progress.banner.message
            self.activity = f"{job.label}: failed."
            return
        paths = job.result()
        where = f"{paths[0]}" if len(paths) == 1 else f"{len(paths)} datasets in {Path(paths[0]).parent}"
        self.succeed(f"Installed {where}.", Status.DONE, "Open it in the Explorer tab to get its files.")
        for path in paths:
            self.emit("install", path)
