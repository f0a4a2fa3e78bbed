"""The DatasetSearch widget: DataLad-Registry's search over a catalog or a remote registry."""
from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
from traitlets import Dict, Int, Unicode

from ..config import setting
from ..datasets import ops
from ..jobs import Job
from ..ui.badge import SandboxBadge
from ..ui.base import Status, WidgetBase
from ..ui.html import escape, format_bytes
from ..ui.progress import JobProgress
from ..ui.theme import CSS
from .query import HELP, ParsedQuery, QueryError
from .backends import backend as default_backend
from .records import (facet_query, facets, match_count, results_frame, summary,
                       used_as_subdataset_query)

ORDER_OPTIONS = [("last update", "last_update_dt"), ("url", "url"), ("annexed files", "annexed_files_in_wt_count"),
                 ("size", "annexed_files_in_wt_size"), ("annex keys", "annex_key_count")]
STYLE = """<style>
.ndw-search-row { border-bottom: 1px solid #eaeef2; align-items: center; }
.ndw-search-row .widget-html { margin: 0 4px; }
.ndw-search-dsid button, .ndw-search-dsid { font-family: monospace; }
.ndw-search-error pre { color: #c62828; margin: 2px 0; }
.ndw-stats b { font-size: 16px; }
</style>"""


class DatasetSearch(WidgetBase):
    """Search datasets with DataLad-Registry's language: results, stats, facets, clones, reuse, install.

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

    value = Unicode("", help="the query last run").tag(sync=True)
    total = Int(0, help="number of dataset URLs matching the query").tag(sync=True)
    page = Int(1, help="current page, from 1").tag(sync=True)
    selected = Dict(help="the chosen result (url, ds_id, ...), {} when none").tag(sync=False)

    def __init__(self, backend=None, query: str = "", per_page: int = 10, install_dir: str | None = None,
                 wait: bool = True, **kwargs):
        self.backend = default_backend(backend)
        self.per_page = per_page
        self._page_data: dict = {}
        self._query = None  # the current query, parsed once (a ParsedQuery; None lists everything)
        self.query_box = widgets.Text(placeholder='e.g. haxby, url:github, metadata[bids_dataset]:bold',
                                      layout=widgets.Layout(flex="1 1 auto", width="auto"))
        self.query_box.add_class("ndw-search-query")
        self.query_box.continuous_update = False
        self.search_button = widgets.Button(description="Search", icon="search", button_style="primary")
        self.search_button.add_class("ndw-search-button")
        self.help_button = widgets.ToggleButton(description="Syntax", icon="question")
        self.help = widgets.HTML(f'<div class="ndw ndw-card">{HELP}</div>', layout=widgets.Layout(display="none"))
        self.help.add_class("ndw-search-help")
        self.error_box = widgets.HTML()
        self.error_box.add_class("ndw-search-error")
        self.stats = widgets.HTML()
        self.stats.add_class("ndw-search-stats")
        self.order = widgets.Dropdown(options=ORDER_OPTIONS, value="last_update_dt", description="Sort by",
                                      layout=widgets.Layout(width="230px"))
        self.direction = widgets.ToggleButtons(options=[("desc", "desc"), ("asc", "asc")], value="desc",
                                               style={"button_width": "50px"})
        self.prev_button = widgets.Button(description="Prev", icon="chevron-left", layout=widgets.Layout(width="80px"))
        self.next_button = widgets.Button(description="Next", icon="chevron-right", layout=widgets.Layout(width="80px"))
        self.page_label = widgets.Label()
        self.rows = widgets.VBox(layout=widgets.Layout(flex="1 1 auto", width="auto"))
        self.rows.add_class("ndw-search-results")
        self.facet_box = widgets.VBox(layout=widgets.Layout(width="240px", flex="0 0 240px"))
        self.facet_box.add_class("ndw-search-facets")
        self.selection = widgets.HTML()
        self.selection.add_class("ndw-search-selection")
        self.reuse_button = widgets.Button(description="Used as subdataset", icon="sitemap", disabled=True,
                                           layout=widgets.Layout(width="auto"),
                                           tooltip="datasets whose core metadata names this one as a subdataset")
        self.reuse_button.add_class("ndw-search-reuse")
        self.install_dir = widgets.Text(value=str(install_dir or setting("install_dir", None, Path.home() / "datasets")),
                                        description="Into", layout=widgets.Layout(width="380px"))
        self.install_button = widgets.Button(description="Install", icon="download", disabled=True,
                                             button_style="success")
        self.install_button.add_class("ndw-search-install")
        self.progress = JobProgress()

        # every request from a click goes to the registry (or catalog) off the kernel's main thread
        self.search_button.on_click(lambda _: self.search(self.query_box.value, wait=False))
        self.query_box.observe(self._typed, names="value")
        self.help_button.observe(lambda ch: setattr(self.help.layout, "display", None if ch["new"] else "none"),
                                 names="value")
        self.prev_button.on_click(lambda _: self.go(self.page - 1, wait=False))
        self.next_button.on_click(lambda _: self.go(self.page + 1, wait=False))
        self.order.observe(lambda _: self.go(1, wait=False), names="value")
        self.direction.observe(lambda _: self.go(1, wait=False), names="value")
        self.reuse_button.on_click(lambda _: self.used_as_subdataset(self.selected.get("ds_id", ""), wait=False))
        self.install_button.on_click(lambda _: self.install())
        self.progress.on_done(self._installed)

        super().__init__(**kwargs)
        self.add_class("ndw-search")
        self.add_class("ndw")
        source = widgets.HTML(f'<span class="ndw-muted">searching {escape(getattr(self.backend, "label", None) or self._label())}</span>')
        self.badge = SandboxBadge(getattr(self.backend, "base_url", None))
        self.children = [
            widgets.HTML(CSS + STYLE, layout=widgets.Layout(height="0px")), self.badge,
            widgets.HBox([self.query_box, self.search_button, self.help_button]), source, self.help,
            self.error_box, self.banner, self.stats,
            widgets.HBox([self.order, self.direction, self.prev_button, self.next_button, self.page_label],
                         layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.rows, self.facet_box]),
            widgets.HBox([self.selection, self.reuse_button], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.install_dir, self.install_button], layout=widgets.Layout(flex_flow="row wrap")),
            self.progress,
        ]
        # an empty box lists every dataset, newest first: the tab never opens blank
        self.search(query, wait=wait)

    def _label(self) -> str:
        return str(getattr(self.backend, "path", None) or getattr(self.backend, "base_url", ""))

    # -- callbacks ------------------------------------------------------------------------------
    def on_select(self, callback, remove: bool = False) -> None:
        """Call ``callback(record)`` when the user chooses a result (a dict with url, ds_id, ...)."""
        self.register("select", callback, remove)

    def on_install(self, callback, remove: bool = False) -> None:
        """Call ``callback(path)`` with the path of a dataset once Install finished cloning it."""
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
        return self.go(1, wait=wait)

    def _typed(self, change) -> None:
        if change["new"] != self.value and not getattr(self, "_typing", False):  # Enter with a new query
            self.search(change["new"], wait=False)

    def go(self, page: int, wait: bool = True):
        """Show page ``page`` of the current query.

        The registry (or catalog) is asked off the kernel's main thread. ``wait=False`` (what clicks do) returns
        at once with the widget ``loading``; an answer to an older request arriving after a newer one is dropped.
        Returns the thread asking (``None`` once answered, with ``wait``).
        """
        self.error_box.value = ""
        try:
            # parsed once: syntax errors are shown before anything is asked; an empty box lists everything,
            # newest first
            query = ParsedQuery(self.value) if self.value.strip() else None
        except QueryError as exc:
            self.__dict__["_ticket"] = self.__dict__.get("_ticket", 0) + 1  # a search still under way is moot
            self._query_failed(exc)
            return None
        backend, asked = self.backend, dict(page=max(1, page), per_page=self.per_page, order_by=self.order.value,
                                            order_dir=self.direction.value, return_metadata="content")

        def ask():
            result = backend.search(query, **asked)
            # the catalog counts facets over every match: also a query, so also off the main thread
            return result, (backend.facets(query) if hasattr(backend, "facets") else None)

        def failed(exc):  # the widget stays usable; the banner says what happened
            if isinstance(exc, QueryError):  # e.g. a registry refusing a catalog-only operator
                self._query_failed(exc)
                return
            self._clear()
            self.fail(exc, "Searching")
            self.activity = "The search failed."

        thread = self.in_background(ask, lambda answer: self._show(query, *answer), "searching", on_error=failed,
                                    latest=True)
        if wait:
            self.wait_background(None)
            return None
        return thread

    def _query_failed(self, exc: QueryError) -> None:
        self._clear()
        self.error_box.value = f'<pre>{escape(exc.marked)}</pre>' if exc.position is not None else ""
        self.banner.show(exc.message.splitlines()[0], "error", exc.hint)
        self.error, self.status, self.activity = exc.message, Status.ERROR, "The query has an error."

    def _show(self, query, result: dict, found_facets) -> None:
        self._page_data = result
        self._query = query
        self._found_facets = found_facets
        self.total = match_count(result)
        self.page = result["cur_pg_num"]
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
        self.total = 0
        self.rows.children = []
        self.facet_box.children = []
        self.stats.value = ""
        self.page_label.value = ""

    @property
    def results(self):
        """The current page of results as a DataFrame (url, ds_id, annexed files, size, last update, ...)."""
        return results_frame(self._page_data or {"dataset_urls": []})

    @property
    def stats_summary(self) -> dict:
        """Unique datasets, dataset URLs, annexed files and their size of everything matching."""
        return summary(self._page_data.get("collection_stats", {})) if self._page_data else {}

    def _render(self) -> None:
        s = self.stats_summary
        self.stats.value = (
            '<div class="ndw ndw-card ndw-stats">'
            f'<b class="ndw-stat-unique">{s["unique_datasets"]}</b> unique datasets · '
            f'<b class="ndw-stat-urls">{s["dataset_urls"]}</b> dataset URLs · '
            f'<b class="ndw-stat-files">{s["annexed_files"]}</b> annexed files · '
            f'<b class="ndw-stat-size">{escape(format_bytes(s["annexed_size"]))}</b></div>')
        pages = max(1, -(-self.total // self.per_page))
        self.page_label.value = f"page {self.page} of {pages} · {self.total} URLs"
        self.prev_button.disabled = self.page <= 1
        self.next_button.disabled = self.page >= pages
        header = widgets.HTML('<div class="ndw ndw-muted" style="display:flex;gap:8px">'
                              "<b style='width:42%'>url</b><b style='width:28%'>ds_id</b><b>files</b><b>size</b>"
                              "<b>last update</b></div>")
        rows = [header] + [self._row(rec) for rec in self._page_data["dataset_urls"]]
        if len(rows) == 1:
            rows.append(widgets.HTML('<p class="ndw-muted ndw-search-empty">No dataset matches.</p>'))
        self.rows.children = rows
        self._render_facets()

    def _row(self, rec: dict):
        ds_id = rec.get("ds_id") or ""
        url = widgets.HTML(f'<span class="ndw-search-url" title="{escape(rec.get("url"))}">{escape(rec.get("url"))}</span>',
                           layout=widgets.Layout(width="42%"))
        dsid = widgets.Button(description=ds_id[:18] + ("…" if len(ds_id) > 18 else "") if ds_id else "(none)",
                              tooltip=f"clones: ds_id:{ds_id}" if ds_id else "", disabled=not ds_id,
                              layout=widgets.Layout(width="28%"))
        dsid.add_class("ndw-search-dsid")
        dsid.on_click(lambda _, d=ds_id: self.click_ds_id(d, wait=False))
        files = rec.get("annexed_files_in_wt_count")
        info = widgets.HTML(f'{escape("" if files is None else files)} · '
                            f'{escape(format_bytes(rec.get("annexed_files_in_wt_size")))} · '
                            f'{escape((rec.get("last_update_dt") or "")[:10])}')
        choose = widgets.Button(description="Select", icon="check", layout=widgets.Layout(width="90px"))
        choose.add_class("ndw-search-select")
        choose.on_click(lambda _, r=rec: self.select(r))
        row = widgets.HBox([url, dsid, info, choose], layout=widgets.Layout(width="100%"))
        row.add_class("ndw-search-row")
        return row

    def _render_facets(self) -> None:
        found = self._facets()
        children = [widgets.HTML("<b>Refine</b>")] if found else []
        for name, counts in found.items():
            children.append(widgets.HTML(f'<span class="ndw-muted">{escape(name)}</span>'))
            buttons = []
            for value, count in list(counts.items())[:6]:
                b = widgets.Button(description=f"{value} ({count})", layout=widgets.Layout(width="auto"))
                b.add_class("ndw-search-facet")
                b.on_click(lambda _, f=name, v=value: self.refine(f, v, wait=False))
                buttons.append(b)
            children.append(widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap")))
        self.facet_box.children = children

    def _facets(self) -> dict:
        if getattr(self, "_found_facets", None) is not None:  # the catalog counts over every match
            return self._found_facets
        return facets(self._page_data.get("dataset_urls", []))  # a remote registry: this page's

    # -- actions --------------------------------------------------------------------------------
    def click_ds_id(self, ds_id: str, wait: bool = True) -> None:
        """Show every URL of this dataset (its clones): runs ``ds_id:<id>``."""
        self.search(f"ds_id:{ds_id}", wait=wait)

    def used_as_subdataset(self, ds_id: str, wait: bool = True) -> None:
        """Show the datasets that use ``ds_id`` as a subdataset."""
        if ds_id:
            self.search(used_as_subdataset_query(ds_id), wait=wait)

    def refine(self, facet: str, value: str, wait: bool = True) -> None:
        """Add a facet's condition to the current query."""
        term = facet_query(facet, value)
        self.search(f"({self.value}) AND {term}" if self.value.strip() else term, wait=wait)

    def select(self, record) -> None:
        """Choose a result (a record dict, or its index on the current page)."""
        if isinstance(record, int):
            record = self._page_data["dataset_urls"][record]
        self.selected = dict(record)
        self.selection.value = (f'<span class="ndw-search-chosen">Selected <code>{escape(record.get("url"))}</code>'
                                f'</span>')
        self.reuse_button.disabled = not record.get("ds_id")
        self.install_button.disabled = False
        self.emit("select", self.selected)

    def install(self, target: str | None = None) -> Job:
        """Clone the selected dataset into ``target`` (default: the folder box / its name) in the background."""
        if not self.selected:
            raise ValueError("select a result first")
        source = self.selected["url"]
        name = Path(source.rstrip("/").removesuffix("/.git").removesuffix(".git")).name or "dataset"
        path = Path(target) if target else Path(self.install_dir.value).expanduser() / name

        def clone(job):
            job.report(done=0, total=1, unit="datasets", message=f"cloning {source}")
            job.check()
            cloned = ops.clone(source, path)
            job.report(done=1, total=1, unit="datasets", message=cloned)
            return cloned

        return self.progress.run(Job(clone, label=f"Install {name}"))

    def _installed(self, job: Job) -> None:
        if job.state != "done":
            return
        self.succeed(f"Installed {job.result()}.", Status.DONE, "Open it in the Explorer tab to get its files.")
        self.emit("install", job.result())
