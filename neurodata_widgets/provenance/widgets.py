"""The provenance viewer: runs table with filters, run detail, lineage graph, rerun, exports."""
from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import anywidget
import ipywidgets as widgets
from traitlets import Unicode, observe

from ..jobs import Job
from ..portal.defaults import chosen_dataset, default_dataset
from ..ui.base import Status, WidgetBase, form_text
from ..ui.html import Markup, badge, escape, table
from ..ui.progress import JobProgress
from ..ui.table import PagedTable
from ..user_error import NotADataset
from ..ui.theme import CSS
from .graph import to_svg
from .lineage import Provenance, file_id
from .history import diff_stats, filter_runs, runs_csv
from .rerun import plan, rerun_many, update_plan

STALE_STATES = {"stale": "stale", "changed": "changed since its run", "upstream": "downstream"}


def _count(items, noun: str) -> str:
    """``1 stale result`` / ``2 stale results``."""
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


TABLE_COLUMNS = ["date", "message", "cmd", "kind", "exit", "inputs", "outputs", "author", "dataset"]


def _exit_badge(value):
    """Exit code as a badge (a record may lack one: pandas then holds NaN)."""
    try:
        code = int(value)
    except (TypeError, ValueError):
        return Markup(badge("?", "neutral", "no exit code recorded"))
    return Markup(badge(str(code), "ok" if code == 0 else "error"))


class LineageGraph(anywidget.AnyWidget):
    """An interactive lineage graph: SVG laid out in Python, drawn by a tiny front end shipped here.

    Clicking a node focuses it (:attr:`focus`) and calls the ``on_click`` callbacks;
    :meth:`click` does the same from Python.

    Examples
    --------
    >>> from neurodata_widgets.provenance.lineage import Lineage
    >>> g = LineageGraph()
    >>> g.show(Lineage("file:a", {"file:a": {"kind": "file", "label": "a", "stale": False}}, []))
    >>> g.click("file:a"); g.focus
    'file:a'
    """

    _esm = (Path(__file__).with_name("lineage_graph.js")).read_text()
    svg = Unicode("", help="the laid-out graph as SVG (labels escaped)").tag(sync=True)
    focus = Unicode("", help="id of the focused node (file:<path> or run:<commit>)").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lineage = None
        self._clicks = widgets.CallbackDispatcher()
        self.on_msg(self._on_front_end)

    def on_click(self, callback, remove: bool = False) -> None:
        """Call ``callback(node_id)`` when a node is clicked."""
        self._clicks.register_callback(callback, remove=remove)

    def show(self, lineage) -> None:
        self.lineage = lineage
        self.focus = lineage.focus
        self.svg = to_svg(lineage, self.focus)

    def click(self, node: str) -> None:
        """Focus ``node`` as a click in the browser would."""
        if self.lineage is None or node not in self.lineage.nodes:
            return
        self.focus = node
        self.svg = to_svg(self.lineage, node)
        for callback in list(self._clicks.callbacks):
            callback(node)

    def _on_front_end(self, _widget, content, _buffers):
        if isinstance(content, dict) and content.get("event") == "click":
            self.click(str(content.get("node", "")))


class ProvenanceViewer(WidgetBase):
    """How did this file come to be, what came from it, is it stale, recompute it.

    Parameters
    ----------
    dataset : path or Provenance, optional
        The dataset (default: ``?dataset=``, ``$NDW_DATASET``, else the demo superdataset).
    wait : bool
        Wait until the run records are read (code and tests). ``wait=False`` (what dashboards do) returns at
        once: the runs table shows "Reading the history …" with Cancel, and the page stays live meanwhile.

    Git is asked off the kernel's main thread, one request after the other in the order asked: reading the
    history, a refresh, the lineage of a file, a run's detail. The Python methods wait for their answer
    (``wait=True``); clicks do not.

    Examples
    --------
    >>> viewer = ProvenanceViewer(demo["superdataset"])
    >>> viewer.show_file("figures/mean_intensity.png")
    >>> len(viewer.graph.lineage.runs)     # the plot and the smoothing it was computed from
    2
    >>> later = ProvenanceViewer(demo["superdataset"], wait=False)   # returns at once
    >>> later.show_file("figures/mean_intensity.png", wait=False)  # drawn once the history is read
    >>> later.wait_background(); later.graph.focus
    'file:figures/mean_intensity.png'
    """

    value = Unicode("", help="path of the dataset shown").tag(sync=True)
    selected = Unicode("", help="commit of the selected run").tag(sync=True)
    file = Unicode("", help="path (relative to the dataset) whose lineage is shown").tag(sync=True)

    def __init__(self, dataset=None, wait: bool = True, **kwargs):
        super().__init__(**kwargs)
        self._queue: list = []  # git requests waiting their turn (see _in_turn)
        self._queue_lock = threading.Lock()
        self._turn = False  # a request is being answered
        self.add_class("ndw-provenance")
        self.text_filter = form_text(placeholder="message, command, author", description="Search",
                                     layout=widgets.Layout(width="280px"))
        self.path_filter = form_text(placeholder="path or glob", description="Path",
                                     layout=widgets.Layout(width="260px"))
        self.since = widgets.DatePicker(description="From", layout=widgets.Layout(width="210px"))
        self.until = widgets.DatePicker(description="To", layout=widgets.Layout(width="210px"))
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh",
                                             layout=widgets.Layout(width="100px"))
        # one run at a time is looked at: a click (or the arrow keys) makes a row active, no checkboxes
        self.table = PagedTable(columns=TABLE_COLUMNS, page_size=10, formatters={"exit": _exit_badge},
                                checkable=False, caption="runs, newest first")
        self.table.add_class("ndw-provenance-runs")
        self.table.cancellable = True
        self.table.on_cancel(self.cancel)
        self.detail = widgets.HTML()
        self.detail.add_class("ndw-run-detail")
        self.rerun_button = widgets.Button(description="Rerun…", icon="repeat", disabled=True)
        self.rerun_button.add_class("ndw-rerun")
        self.confirm = widgets.HTML()
        self.confirm_button = widgets.Button(description="Recompute", button_style="danger", icon="check")
        self.confirm_button.add_class("ndw-rerun-confirm")
        self.cancel_confirm = widgets.Button(description="Keep as is", icon="times")
        self.confirm_box = widgets.VBox([self.confirm, widgets.HBox([self.confirm_button, self.cancel_confirm])],
                                        layout=widgets.Layout(display="none"))
        self.confirm_box.add_class("ndw-rerun-confirmation")
        self.progress = JobProgress()
        self.results = widgets.HTML()
        self.results.add_class("ndw-rerun-results")
        self.file_box = widgets.Combobox(placeholder="path of a file in the dataset", description="File",
                                         ensure_option=False, layout=widgets.Layout(width="480px"))
        self.file_button = widgets.Button(description="Show lineage", icon="sitemap")
        self.legend = widgets.HTML()
        self.scan_button = widgets.Button(description="Find stale results", icon="search",
                                          layout=widgets.Layout(width="170px"))
        self.scan_button.add_class("ndw-scan-stale")
        self.scan_progress = JobProgress()
        self.stale_list = widgets.Select(description="Stale", rows=6, layout=widgets.Layout(width="98%",
                                                                                           display="none"))
        self.stale_list.add_class("ndw-stale-list")
        self.update_button = widgets.Button(description="Bring up to date…", icon="refresh", disabled=True,
                                            layout=widgets.Layout(width="180px"))
        self.update_button.add_class("ndw-update-stale")
        self.graph = LineageGraph()
        self.export = widgets.HTML()
        self.export.add_class("ndw-provenance-export")
        self.csv_button = widgets.Button(description="Runs as CSV", icon="download",
                                         layout=widgets.Layout(width="130px"))
        self.csv_link = widgets.HTML()
        self.csv_link.add_class("ndw-runs-export")

        self.text_filter.observe(self._apply_filters, names="value")
        self.path_filter.observe(self._apply_filters, names="value")
        self.since.observe(self._apply_filters, names="value")
        self.until.observe(self._apply_filters, names="value")
        self.refresh_button.on_click(lambda _: self.refresh(wait=False))
        self.csv_button.on_click(lambda _: self.export_runs())
        self.table.observe(self._on_table_select, names="active")
        self.rerun_button.on_click(lambda _: self.ask_rerun())
        self.update_button.on_click(lambda _: self.ask_update(wait=False))
        self.scan_button.on_click(lambda _: self.find_stale())
        self.scan_progress.on_done(self._scan_done)
        self._listing = False  # the stale list is being filled: its value changes are not picks
        self.stale_list.observe(lambda ch: self.show_file(ch["new"], wait=False)
                                if ch["new"] and not self._listing else None, names="value")
        self.confirm_button.on_click(lambda _: self.start_rerun())
        self.cancel_confirm.on_click(lambda _: self._hide_confirm())
        self.file_button.on_click(lambda _: self.show_file(self.file_box.value, wait=False))
        self.file_box.observe(lambda ch: self.show_file(ch["new"], wait=False)
                              if ch["new"] in self.file_box.options and ch["new"] != self.file else None,
                              names="value")
        self.graph.on_click(self._on_graph_click)
        self.progress.on_done(self._rerun_done)

        self.children = [
            widgets.HTML(CSS, layout=widgets.Layout(height="0px")), self.banner,
            widgets.HTML("<h3>Runs</h3>"),
            widgets.HBox([self.text_filter, self.path_filter, self.since, self.until, self.refresh_button,
                          self.csv_button, self.csv_link], layout=widgets.Layout(flex_flow="row wrap")),
            self.table, self.detail, self.rerun_button, self.confirm_box, self.progress, self.results,
            widgets.HTML("<h3>Lineage</h3>"), widgets.HBox([self.file_box, self.file_button, self.update_button, self.scan_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.scan_progress, self.stale_list,
            self.legend,
            self.graph, self.export]
        self.provenance: Provenance | None = None
        self.pending: list = []  # runs waiting for the user's confirmation
        self.stale_found: list | None = None  # the last answer of "Find stale results" (None: not asked)
        self.shown_runs: list = []  # the runs the filters let through, newest first
        self.observe(self._show_busy, names="status")
        if isinstance(dataset, Provenance):
            self.provenance = dataset
        # nothing named a dataset: the current folder is tried, and if it is none the viewer asks for one calmly
        unchosen = not isinstance(dataset, Provenance) and chosen_dataset(dataset) is None
        self.open_dataset(dataset.history.path if isinstance(dataset, Provenance) else default_dataset(dataset),
                          wait, chosen=not unchosen)

    # -- data ---------------------------------------------------------------------------------------
    @property
    def runs(self) -> list:
        """The run records shown (all of them, newest first)."""
        return self.provenance.history.runs if self.provenance else []

    def to_dataframe(self):
        """The runs as a DataFrame (one row per run)."""
        return self.provenance.history.to_dataframe()

    def export_runs(self) -> str:
        """Offer the runs shown (filters applied) as a CSV download link; return the CSV text.

        Built on request only: a long history would otherwise ride along with every redraw.
        """
        shown = self.shown_runs
        text = runs_csv(shown)  # full dates and paths, not the table's short forms
        data = base64.b64encode(text.encode()).decode()
        self.csv_link.value = (f'<a class="ndw-csv-download" download="runs.csv" href="data:text/csv;base64,{data}">'
                               f'runs.csv ({len(shown)} runs)</a>')
        return text

    def to_prov(self) -> dict:
        """The lineage graph shown, as W3C PROV-JSON."""
        return self.graph.lineage.to_prov() if self.graph.lineage else {}

    # -- git off the main thread, one request after the other ---------------------------------------
    def _in_turn(self, work, then, activity: str, context: str, wait: bool) -> None:
        """Run ``work()`` off the kernel's main thread after the requests asked before it; ``then(answer)``.

        In order, because each builds on the one before (the lineage of a file needs the history read).
        ``wait`` waits for this answer (and those before it).
        """
        with self._queue_lock:
            self._queue.append((work, then, activity, context))
        self._next_turn()
        if wait:
            self.wait_background(None)

    def _next_turn(self) -> None:
        with self._queue_lock:
            if self._turn or not self._queue:
                return
            self._turn = True
            work, then, activity, context = self._queue.pop(0)

        def done(answer):
            try:
                then(answer)
                if self.status == Status.LOADING:
                    self.status = Status.READY
            finally:
                self._turn = False
                self._next_turn()

        def failed(exc):
            try:
                self._fail(exc, context)
            finally:
                self._turn = False
                self._next_turn()

        self.in_background(work, done, activity, on_error=failed, latest=True)

    def cancel(self) -> None:
        """Stop waiting for git (the Cancel of the runs table): what was asked is dropped, the widget is usable."""
        with self._queue_lock:
            self._queue.clear()
            self._turn = False
        if self.abandon_background():
            self.status = Status.READY
            self.banner.show("Stopped reading the history.", "info", "Press Refresh to read it again.")

    def _show_busy(self, change) -> None:
        """While git is asked, the runs table says what for (with Cancel); a rerun has its own progress bar."""
        self.table.busy = change["new"] == Status.LOADING
        if self.table.busy:
            self.table.busy_text = f"{self.activity[:1].upper()}{self.activity[1:]} …"

    # -- opening and refreshing ------------------------------------------------------------------
    def open_dataset(self, dataset, wait: bool = True, chosen: bool = True) -> None:
        """Show the runs of the dataset at path ``dataset`` (what setting :attr:`value` does).

        ``wait=False`` (the portal handing a dataset over) returns at once; the runs follow. ``chosen=False``:
        nothing named this folder (a dashboard tries the current one), so "not a dataset" asks for one calmly.
        """
        self._wait_for_open = wait
        self._unchosen = not chosen
        try:
            self.value = str(dataset)
        finally:
            self._wait_for_open = True
            self._unchosen = False

    @observe("value")
    def _open(self, change) -> None:
        path, known = self.value, self.provenance
        calm = getattr(self, "_unchosen", False)
        if known is not None and str(known.history.path) != str(Path(path).resolve()):
            known = None
        self.provenance = None  # until the new history is read, nothing acts on the old one

        def failed_to_read():
            self.selected = self.file = ""
            self.detail.value = self.legend.value = self.export.value = self.graph.svg = ""
            self._apply_filters()

        def read():
            try:
                return known or Provenance(path)
            except NotADataset as exc:
                failed_to_read()
                if calm:  # nothing named a dataset and the current folder is none: ask for one, calmly
                    return exc
                raise
            except Exception:
                failed_to_read()
                raise

        def show(provenance):
            if isinstance(provenance, NotADataset):
                self.error, self.status = "", Status.READY
                self.banner.show(f"No dataset is open: {provenance.path} is not a DataLad dataset.", "info",
                                 "Open a dataset in the Explorer or install one from Search; its runs show here.")
                return
            if provenance is not known:
                self.stale_found = None  # asked about another dataset
                self.stale_list.layout.display = "none"
                self.scan_progress.banner.clear()
            self.provenance = provenance
            self.succeed()  # an error about an earlier dataset no longer holds
            self._reload()

        self._in_turn(read, show, f"reading the history of {Path(path).name}", f"Reading the history of {path}",
                      getattr(self, "_wait_for_open", True))

    def refresh(self, wait: bool = True) -> int:
        """Read new commits (only those) and redraw; return the number of new runs (``0`` with ``wait=False``)."""
        if self.provenance is None:  # the history was never read (cancelled, failed): read it again
            if self.value:
                self._wait_for_open = wait
                try:
                    self._open(None)
                finally:
                    self._wait_for_open = True
            return 0
        added = []

        def read():
            before = self._heads()
            new = self.provenance.history.refresh()
            return new, self._heads() != before

        def show(answer):
            new, moved = answer
            added.append(new)
            self.succeed()  # an error of an earlier refresh no longer holds
            if new or moved:  # a plain commit can make results stale
                self._reload()

        self._in_turn(read, show, "reading new commits", "Refreshing the history", wait)
        return added[0] if added else 0

    def _heads(self) -> dict:
        return {p: log.head for p, log in self.provenance.history.logs.items()}

    def _read_new(self) -> int | None:
        try:
            return self.provenance.history.refresh()
        except Exception as exc:
            self._fail(exc, "Refreshing the history")
            return None

    def _reload(self) -> None:
        runs = self.runs
        outputs = sorted({p for r in runs for p in r.blobs})
        self.file_box.options = tuple(outputs)
        self._apply_filters()
        problems = self.provenance.history.problems
        if problems:
            self.banner.show(f"{len(problems)} run commit(s) skipped: {problems[0]['problem']} "
                             f"({problems[0]['commit'][:8]})", "warn", "The other runs are shown.")
        else:  # e.g. the sidecar records it named have been fetched since
            self.banner.clear()
        self._rescan()
        if self.file:
            self._show_lineage()
        if self.selected:
            self._show_detail()
        self.status = "ready"

    def _apply_filters(self, change=None) -> None:
        import pandas as pd

        self.csv_link.value = ""  # it described the rows shown before
        runs = filter_runs(self.runs, self.text_filter.value, self.path_filter.value, self.since.value,
                           self.until.value)
        self.shown_runs = runs
        rows = [r.as_row() for r in runs]
        for row in rows:
            row["date"] = row["date"].strftime("%Y-%m-%d %H:%M")
        frame = pd.DataFrame(rows, columns=TABLE_COLUMNS + ["commit"])
        self.table.data = frame.set_index("commit", drop=False)

    def _on_table_select(self, change) -> None:
        if change["new"] and change["new"] != self.selected:
            self.select_run(change["new"], wait=False)

    # -- run detail and rerun -----------------------------------------------------------------------
    def select_run(self, commit: str, wait: bool = True) -> None:
        """Show the detail of the run whose commit starts with ``commit``.

        The detail counts the changed lines with git, off the main thread; ``wait=False`` (a click on a row
        or a run node) returns at once.
        """
        def select(_):
            run = self.provenance.history.find(commit) if commit and self.provenance else None
            self.selected = run.commit if run else ""
            self._show_run_in_table()
            self._show_detail()

        self._in_turn(lambda: None, select, "reading the run", "Showing the run", wait)

    def _show_run_in_table(self) -> None:
        """Make the selected run the table's active row, turning to its page (a graph click lands here too)."""
        data = self.table.data
        if not self.selected or data is None or self.selected not in data.index:
            self.table.active = None
            return
        position = list(self.table.sorted_data().index).index(self.selected)
        self.table.page = position // self.table.page_size
        self.table.active = self.selected

    def _show_detail(self) -> None:
        self._hide_confirm()
        run = self.provenance.history.find(self.selected) if self.selected and self.provenance else None
        self.rerun_button.disabled = run is None or not run.rerunnable
        if run is None:
            self.detail.value = ""
            return
        counts = {}
        for status, _ in run.files:
            counts[status] = counts.get(status, 0) + 1
        stats = ", ".join(f"{n} {dict(A='added', M='modified', D='deleted', T='type changed').get(s, s)}"
                          for s, n in sorted(counts.items())) or "no files changed"
        lines = diff_stats(self.provenance.history, run)
        stats += f"; +{lines['insertions']} −{lines['deletions']} lines in git"
        others = [f"{lines[k]} {k}" for k in ("annexed", "binary") if lines[k]]
        stats += f" ({', '.join(others)})" if others else ""
        exit_badge = badge(f"exit {run.exit}", "ok" if run.exit == 0 else "error")
        items = lambda xs: "".join(f"<li><code>{escape(x)}</code></li>" for x in xs) or "<li>none</li>"
        files = table([{"status": s, "path": p} for s, p in run.files[:100]], ["status", "path"])
        extra = f"<p>Other record keys: <code>{escape(json.dumps(run.extra))}</code></p>" if run.extra else ""
        links = ""
        if run.chain:
            links += f"<p>Rerun of {', '.join(f'<code>{escape(c[:8])}</code>' for c in run.chain)}</p>"
        if run.container:
            image = run.container_image
            shown = f" (image <code>{escape(image)}</code>)" if run.container_name and image else ""
            links += f"<p>Container: <code>{escape(run.container)}</code>{shown}</p>"
        if run.super_commit:
            links += f"<p>Recorded in the superdataset by <code>{escape(run.super_commit[:8])}</code></p>"
        if run.subcommits:
            links += "<p>Subdataset parts: " + ", ".join(
                f"<code>{escape(d)}@{escape(c[:8])}</code>" for d, c in run.subcommits) + "</p>"
        self.detail.value = (
            f'<div class="ndw ndw-card"><h4 class="ndw-run-title">{escape(run.message)}</h4>'
            f'<p>{badge(run.kind, "info")}{exit_badge} <code>{escape(run.commit)}</code> in '
            f'<code>{escape(run.dataset or ".")}</code> · {escape(run.author)} · '
            f'{escape(run.date.strftime("%Y-%m-%d %H:%M UTC"))}</p>'
            f'<p>Command:</p><pre class="ndw-run-cmd">{escape(run.cmd)}</pre>'
            f'<p>Inputs:</p><ul>{items(run.inputs + run.extra_inputs)}</ul><p>Outputs:</p><ul>{items(run.outputs)}</ul>'
            f'{links}{extra}<details class="ndw-run-files"><summary>Changed: {escape(stats)}</summary>{files}'
            f'</details>{self._rerun_note(run)}</div>')

    @staticmethod
    def _rerun_note(run) -> str:
        if run.foreign:  # DataLad's own words in `datalad rerun`, which skips or cherry-picks such a commit
            return (f'<p class="ndw-foreign-run">{badge("other dataset", "warn")} This commit was ran from a '
                    f'different dataset (<code>{escape(run.dsid)}</code>): this is its part in this dataset. '
                    'Rerun it from the dataset that ran it.</p>')
        if run.shape_reason:  # a root commit or an octopus merge: DataLad lists it and runs nothing
            return (f'<p class="ndw-not-rerun">{badge("not re-executed", "warn")} DataLad: '
                    f'{escape(run.shape_reason)}.</p>')
        return (f'<p>Recompute from a terminal: <code class="ndw-rerun-line" style="user-select:all">'
                f'{escape(run.rerun_command)}</code></p>')

    def ask_rerun(self) -> None:
        """Show what a rerun of the selected run will recompute, with Recompute / Keep buttons."""
        run = self.provenance.history.find(self.selected) if self.selected else None
        if run is not None:
            self._ask([run], f"Rerun <code>{escape(run.short)}</code> ({escape(run.message)})?")

    def ask_update(self, wait: bool = True) -> None:
        """Show the runs that bring the current file up to date (upstream first), with a confirmation.

        Finding them traces the file's lineage with git, off the main thread (``wait=False``: the button).
        """
        path, provenance = self.file, self.provenance

        def ask(runs):
            if runs:
                self._ask(runs, f"Bring <code>{escape(path)}</code> up to date with {len(runs)} rerun(s)?")
            elif path:
                self.banner.show(f"{path} cannot be recomputed from this dataset.", "warn",
                                 "DataLad would not execute the runs that made it here (ran from a different "
                                 "dataset, or recorded on a root or octopus merge commit).")

        self._in_turn(lambda: update_plan(provenance, path) if path and provenance else [], ask,
                      f"finding what brings {path} up to date", "Finding the reruns", wait)

    def _ask(self, runs: list, question: str) -> None:
        self.pending = runs
        parts = []
        for run in runs:
            p = plan(self.provenance.history, run)
            listing = "".join(f"<li><code>{escape(f)}</code></li>" for f in (p["files"] or p["outputs"]))
            parts.append(f'<li><code>{escape(run.short)}</code> {escape(run.message)}: runs '
                         f'<code>{escape(p["command"])}</code> in <code>{escape(p["dataset"])}</code> and '
                         f'recomputes<ul>{listing}</ul></li>')
        self.confirm.value = (f'<div class="ndw ndw-card"><b>{question}</b><ol>{"".join(parts)}</ol>'
                              '<p class="ndw-muted">Each rerun records a new commit; nothing is lost.</p></div>')
        self.confirm_box.layout.display = None

    def _hide_confirm(self) -> None:
        self.pending = []
        self.confirm_box.layout.display = "none"

    def start_rerun(self) -> Job | None:
        """Start the confirmed rerun(s) in the background (default: the selected run); returns the job."""
        if self.progress.job is not None and not self.progress.job.done:
            return self.progress.job  # one rerun at a time in a dataset
        runs = self.pending or [r for r in [self.provenance.history.find(self.selected)] if r and self.selected]
        self.pending = []
        if not runs:
            return None
        self._hide_confirm()
        self.results.value = ""
        label = f"Rerun {runs[0].short}" if len(runs) == 1 else f"Rerun {len(runs)} runs"
        self.busy(label, Status.RUNNING)
        history = self.provenance.history
        return self.progress.run(Job(lambda job: rerun_many(history, runs, job), label=label))

    def _rerun_done(self, job: Job) -> None:
        rows = job._result if job.state == "done" else getattr(job.error, "rows", [])
        if rows:
            self.results.value = table(rows, ["action", "path", "status", "message"])
        if job.state == "failed":
            self.error = self.progress.banner.message
        added = self._read_new()
        if added is None:
            return
        if not added and job.state == "done":
            self.progress.banner.show(
                f"{job.label}: done, outputs unchanged", "info",
                "The command reproduced identical files, so DataLad recorded no new run; the older record stays.")
        self._reload()  # last: sets the status back to ready

    # -- lineage ------------------------------------------------------------------------------------
    def show_file(self, path: str, wait: bool = True) -> None:
        """Select ``path`` (relative to the dataset, or absolute inside it) and show its lineage.

        ``wait=False`` (a pick in the page) returns at once; the graph follows when git has answered.
        """
        path = str(path or "").strip()
        if not path:
            return
        root = str(Path(self.value).resolve()) if self.value else ""
        if root and path.startswith(root + "/"):
            path = path[len(root) + 1:]
        if self.file == path:
            self._show_lineage(wait)
            return
        self._wait_for_lineage = wait
        try:
            self.file = path
        finally:
            self._wait_for_lineage = True

    def show_a_result(self, wait: bool = True) -> None:
        """Show the lineage of a computed file: a figure if there is one, else the newest run's first output.

        What a dashboard opens on; with ``wait=False`` it follows once the history is read.
        """
        def pick(_):
            computed = list(self.file_box.options)
            start = next((f for f in computed if f.startswith("figures/")), computed[0] if computed else "")
            if start:
                self.file = start  # drawn here, off the main thread
        self._in_turn(lambda: None, pick, "choosing a result", "Showing a result", wait)

    @observe("file")
    def _file_changed(self, change) -> None:
        if self.file_box.value != self.file:
            self.file_box.value = self.file
        self._show_lineage(getattr(self, "_wait_for_lineage", True))

    def _show_lineage(self, wait: bool = True) -> None:
        if not self.file:
            return
        if self._background_thread_is_mine():
            self._draw_lineage()  # already off the main thread (a reload after reading the history)
            return
        self._in_turn(lambda: None, lambda _: self._draw_lineage(), f"tracing {self.file}", f"Tracing {self.file}",
                      wait)

    def _background_thread_is_mine(self) -> bool:
        return threading.current_thread() is self.__dict__.get("_background")

    def _draw_lineage(self) -> None:
        if not self.provenance or not self.file:
            return
        try:
            graph = self.provenance.lineage(self.file)
        except Exception as exc:
            self._fail(exc, f"Tracing {self.file}")
            return
        self.graph.show(graph)
        node = graph.nodes[file_id(self.file)]
        if not node["exists"]:
            note = badge("not in the dataset", "warn") + " no such file at the current state."
        elif node["stale"]:
            note = badge("stale", "error") + " " + escape("; ".join(node["reasons"]))
        elif node.get("changed"):
            note = (badge("changed since its run", "warn") + " " + escape(node["reasons"][-1]) +
                    ": its content is no longer what the run produced.")
        elif node["computed"]:
            note = badge("up to date", "ok") + " computed by a run; its inputs are unchanged."
        else:
            note = badge("source", "neutral") + " not produced by a run (raw data, code or a hand edit)."
        self.update_button.disabled = not (node["stale"] or node["stale_upstream"])
        stale = graph.stale
        more = f" · {len(stale)} stale file(s) in this graph" if stale else ""
        self.legend.value = (f'<div class="ndw ndw-lineage-legend"><b>{escape(self.file)}</b>: {note}{escape(more)}'
                             '<br><span class="ndw-muted">Click a file to trace it, a run to see its detail. '
                             'Red: stale; amber: changed since its run; dashed orange: something upstream is stale; '
                             'grey: superseded run.</span>'
                             '</div>')
        data = base64.b64encode(json.dumps(graph.to_prov(), indent=1).encode()).decode()
        self.export.value = (f'<a class="ndw-prov-download" download="lineage.prov.json" '
                             f'href="data:application/json;base64,{data}">Download the graph as PROV-JSON</a>')

    def find_stale(self) -> Job | None:
        """Check every computed file of the dataset for staleness in the background; returns the job."""
        if self.provenance is None:
            return None
        if self.scan_progress.job is not None and not self.scan_progress.job.done:
            return self.scan_progress.job  # a second click while it runs changes nothing
        provenance = self.provenance
        self.stale_list.layout.display = "none"
        return self.scan_progress.run(Job(lambda job: provenance.stale_files(job), label="Looking for stale results"))

    def _scan_done(self, job: Job) -> None:
        if job.state != "done":
            return
        self._show_stale(job.result())

    def _show_stale(self, found: list) -> None:
        self.stale_found = found
        self._listing = True
        try:
            self.stale_list.options = [(f"{s['path']}  ({STALE_STATES[s['state']]}: {s['reasons'][0]})",
                                        s["path"]) for s in found]
            self.stale_list.value = None
        finally:
            self._listing = False
        self.stale_list.layout.display = None if found else "none"
        self.scan_progress.banner.show(
            f"{_count(found, 'stale result')}: pick one to see why." if found
            else "Every computed result is up to date.", "warn" if found else "ok")

    def _rescan(self) -> None:
        """After a rerun or a refresh, the list of stale results answers again (if it was asked for)."""
        if self.stale_found is not None and self.provenance is not None:
            self._show_stale(self.provenance.stale_files())

    def _on_graph_click(self, node: str) -> None:
        kind, _, ident = node.partition(":")
        if kind == "file":
            self.show_file(ident, wait=False)
        elif kind == "run":
            self.select_run(ident, wait=False)

    def _fail(self, exc, context) -> None:
        self.fail(exc, context)


__all__ = ["ProvenanceViewer", "LineageGraph"]
