"""The dataset explorer: browse a dataset hierarchy, see what is on disk, get and drop content."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import ipywidgets as widgets
from traitlets import List, Unicode, observe

from ..errors import UserError, describe
from ..jobs import Job
from ..portal.defaults import chosen_dataset, default_dataset
from ..preview import NIFTI, absent_preview, preview_file, suffix
from ..user_error import NotADataset
from ..ui.banner import StatusBanner
from ..ui.base import Status, WidgetBase, form_text
from ..ui.html import Markup, badge, escape, format_bytes, table
from ..ui.retire import retire, set_children
from ..ui.progress import JobProgress
from ..ui.table import PagedTable
from ..ui.theme import CSS, COLORS, tint
from . import ops, publish
from .commands import command_line
from .state import DatasetState, repositories

log = logging.getLogger(__name__)

STATE_BADGES = {"present": "ok", "absent": "warn", "partial": "info", "not installed": "warn", "in git": "neutral"}
# Font Awesome ships with ipywidgets (the buttons use it), so these work offline
ICONS = {"directory": '<i class="fa fa-folder"></i>', "subdataset": '<i class="fa fa-database"></i>',
         "annexed": '<i class="fa fa-file-o"></i>', "git": '<i class="fa fa-file-text-o"></i>'}

BAR_CSS = f"""<style>
.ndw-storage-bar .ndw-bar {{ display: flex; height: 14px; border-radius: 7px; overflow: hidden;
  background: {tint(COLORS['muted'], 22)}; margin: 4px 0; }}
.ndw-storage-bar .ndw-bar span {{ display: block; height: 100%; }}
.ndw-bar-present {{ background: {COLORS['ok']}; }}
.ndw-bar-free {{ background: repeating-linear-gradient(45deg, {COLORS['ok']}, {COLORS['ok']} 4px, {tint(COLORS['ok'], 40)} 4px,
  {tint(COLORS['ok'], 40)} 8px); }}
.ndw-bar-get {{ background: {COLORS['accent']}; }}
.ndw-crumbs {{ font-family: monospace; }}
</style>"""


def _share(part, whole) -> float:
    return 0.0 if not whole else max(0.0, min(100.0, 100.0 * part / whole))


class DatasetExplorer(WidgetBase):
    """Browse a DataLad dataset hierarchy; get, drop and install with progress and cancel.

    Parameters
    ----------
    dataset : path or DatasetState, optional
        The top dataset (default: ``?dataset=``, ``$NDW_DATASET``, else the demo superdataset).
    wait : bool
        Wait for the first listing (code and tests). ``wait=False`` (what dashboards do) returns at once: the
        table shows "Listing …" with Cancel until git has answered, and the page stays live meanwhile. The
        first listing starts once the browser has drawn the table (git and the page being built would compete
        for the machine's cores), or after two seconds without a browser.

    Examples
    --------
    >>> import datalad.api as dl
    >>> clone = dl.clone(demo["superdataset"], tmp / "clone", result_renderer="disabled")   # content absent
    >>> ex = DatasetExplorer(clone.path)
    >>> ex.open_folder("figures")
    >>> ex.selected = ["figures/mean_intensity.png"]
    >>> job = ex.get()
    >>> ex.wait(120), ex.status
    (True, 'done')
    >>> ex.listing.set_index("path").loc["figures/mean_intensity.png", "state"]
    'present'
    """

    value = Unicode("", help="path of the top dataset shown").tag(sync=True)
    path = Unicode("", help="folder shown, relative to the top dataset").tag(sync=True)
    selected = List(help="paths (relative to the top dataset) that get/drop/install act on").tag(sync=True)

    def __init__(self, dataset=None, page_size: int = 25, wait: bool = True, **kwargs):
        self.state: DatasetState | None = None
        self.listing = None
        self.totals: dict = {}
        self.results: list = []
        self._pending_unsafe: tuple | None = None
        self._idle = threading.Event()
        self._idle.set()

        self.banner = StatusBanner()
        self.banner.add_class("ndw-explorer-banner")
        self.crumbs = widgets.HTML()
        self.crumbs.add_class("ndw-crumbs")
        self.up_button = widgets.Button(description="Up", icon="arrow-up", layout=widgets.Layout(width="70px"))
        self.open_button = widgets.Button(description="Open", icon="folder-open", layout=widgets.Layout(width="80px"))
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", layout=widgets.Layout(width="90px"))
        self.storage = widgets.HTML()
        self.storage.add_class("ndw-storage-bar")
        self.table = PagedTable(columns=["item", "size", "on disk"], page_size=page_size,
                                caption="files, folders and subdatasets")
        self.table.on_open(self._open_row)
        self.table.cancellable = True
        self.table.on_cancel(self._cancel_listing)
        self.get_button = widgets.Button(description="Get", icon="download", button_style="primary")
        self.drop_button = widgets.Button(description="Drop", icon="trash")
        self.install_button = widgets.Button(description="Install", icon="plus")
        self.whereis_button = widgets.Button(description="Where is", icon="map-marker")
        self.provenance_button = widgets.Button(description="Open provenance", icon="history",
                                                layout=widgets.Layout(width="150px"))
        self.unsafe = widgets.Checkbox(description="allow dropping last copies (asks first)", indent=False,
                                       layout=widgets.Layout(width="auto"))
        self.confirm_text = widgets.HTML()
        self.confirm_button = widgets.Button(description="Drop anyway", button_style="danger", icon="warning")
        self.keep_button = widgets.Button(description="Keep", icon="times")
        self.confirm_box = widgets.VBox([self.confirm_text, widgets.HBox([self.confirm_button, self.keep_button])],
                                        layout=widgets.Layout(display="none"))
        self.confirm_box.add_class("ndw-confirm")
        self.progress = JobProgress()
        self.progress.banner.layout.display = "none"  # one banner: the explorer words the outcome itself
        self.report = widgets.HTML()
        self.detail = widgets.HTML()
        self.detail.add_class("ndw-whereis")
        self.preview_area = widgets.HTML()
        self.preview_area.add_class("ndw-explorer-preview")
        self.viewer_button = widgets.Button(description="Open viewer", icon="eye", disabled=True,
                                            tooltip="Open the selected NIfTI image in an interactive viewer")
        self.viewer_area = widgets.VBox()
        self.viewer_area.add_class("ndw-explorer-viewer-area")
        self._preview_ticket = 0
        self._preview_thread: threading.Thread | None = None
        self.provenance_area = widgets.Output()
        self.datasets_dropdown = widgets.Dropdown(description="Dataset", layout=widgets.Layout(width="320px"))
        self.datasets_dropdown.add_class("ndw-explorer-datasets")
        self.datasets_dropdown.observe(self._on_dataset_pick, names="value")
        self.jobs = widgets.BoundedIntText(value=1, min=1, max=16, description="parallel",
                                           layout=widgets.Layout(width="150px"))
        self.clone_source = form_text(placeholder="dataset URL or path", description="Clone",
                                      layout=widgets.Layout(width="45%"))
        self.clone_target = form_text(placeholder="into folder", layout=widgets.Layout(width="30%"))
        self.clone_button = widgets.Button(description="Clone", icon="clone")
        self.clone_button.on_click(lambda _: self._guard(self.clone))
        # sharing what was done: save the changes, push them to a sibling
        self.save_message = form_text(placeholder="what changed (the save's message)", description="Save",
                                      layout=widgets.Layout(width="340px"))
        self.save_button = widgets.Button(description="Save", icon="floppy-o", tooltip="datalad save")
        self.push_to = widgets.Dropdown(description="Push to", options=[], layout=widgets.Layout(width="240px"))
        self.push_button = widgets.Button(description="Push", icon="upload", tooltip="datalad push --to <sibling>")
        self.changes = widgets.HTML()
        self.changes.add_class("ndw-explorer-changes")
        self.save_button.on_click(lambda _: self._guard(self.save))
        self.push_button.on_click(lambda _: self._guard(self.push))
        # git-annex asks before it pushes through a special remote it has not been told to trust
        self.verify_text = widgets.HTML()
        self.trust_button = widgets.Button(description="Trust it and push", button_style="warning", icon="check",
                                           layout=widgets.Layout(width="auto"))
        self.distrust_button = widgets.Button(description="Not now", icon="times")
        self.verify_box = widgets.VBox([self.verify_text, widgets.HBox([self.trust_button, self.distrust_button])],
                                       layout=widgets.Layout(display="none"))
        self.verify_box.add_class("ndw-explorer-verify")
        self.trust_button.on_click(lambda _: self._guard(self._trust_and_push))
        self.distrust_button.on_click(lambda _: self._close_verify())
        self._pending_verify: tuple | None = None
        # what the last action did, as the datalad command a terminal or a script would run
        self.command = widgets.HTML()
        self.command.add_class("ndw-explorer-command")
        self.last_command = ""  # the datalad command line of the last action (shown in ``command``)
        self._after_job = None

        for name in ("clone", "up", "open", "refresh", "get", "drop", "install", "whereis", "provenance", "confirm",
                     "keep", "viewer", "save", "push", "trust", "distrust"):
            getattr(self, f"{name}_button").add_class(f"ndw-explorer-{name}")  # stable hooks for browser tests
        # clicks list folders and check last copies off the kernel's main thread: git and git-annex can be slow
        self.up_button.on_click(lambda _: self.up(wait=False))
        self.open_button.on_click(lambda _: self.open_folder(wait=False))
        # re-reading the disk (git, git-annex) happens off the kernel's main thread: the page stays live
        self.refresh_button.on_click(lambda _: self.refresh(rescan=True, wait=False))
        self.get_button.on_click(lambda _: self._guard(self.get))
        self.drop_button.on_click(lambda _: self._guard(lambda: self.drop(wait=False)))
        self.install_button.on_click(lambda _: self._guard(self.install))
        self.whereis_button.on_click(lambda _: self._guard(lambda: self.show_whereis(wait=False)))
        self.provenance_button.on_click(lambda _: self._guard(self.open_provenance))
        self.confirm_button.on_click(lambda _: self._guard(self._confirm_unsafe))
        self.keep_button.on_click(lambda _: self._cancel_unsafe())
        self.viewer_button.on_click(lambda _: self._guard(self.open_viewer))
        self.table.observe(self._on_table_select, names="selected")
        self.progress.on_done(self._job_done)

        actions = widgets.HBox([self.get_button, self.drop_button, self.install_button, self.whereis_button,
                                self.provenance_button, self.viewer_button, self.jobs, self.unsafe],
                              layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([widgets.HTML(CSS + BAR_CSS, layout=widgets.Layout(height="0px")),
                          widgets.HBox([self.clone_source, self.clone_target, self.clone_button],
                                       layout=widgets.Layout(flex_flow="row wrap")),
                          widgets.HBox([self.datasets_dropdown, self.up_button, self.open_button, self.refresh_button,
                                        self.crumbs], layout=widgets.Layout(flex_flow="row wrap")),
                          self.storage, self.banner, self.table, actions, self.confirm_box, self.progress,
                          self.command, self.report, self.detail, self.preview_area, self.viewer_area,
                          widgets.HBox([self.save_message, self.save_button, self.push_to, self.push_button,
                                        self.changes], layout=widgets.Layout(flex_flow="row wrap")), self.verify_box,
                          self.provenance_area], **kwargs)
        self.add_class("ndw-explorer")
        self.observe(self._show_busy, names="status")
        if isinstance(dataset, DatasetState):
            self.state = dataset
        # nothing named a dataset: the current folder is tried, and if it is none the explorer asks for one calmly
        unchosen = not dataset and chosen_dataset() is None
        self.first_request_waits_for_page()  # the dataset opened now, only it, waits for the page (see below)
        self.open_dataset(dataset.root if isinstance(dataset, DatasetState) else dataset or default_dataset(), wait,
                          chosen=not unchosen)

    # -- public hooks -----------------------------------------------------------------------
    def on_open_provenance(self, callback, remove: bool = False) -> None:
        """Call ``callback(dataset_path, file_path)`` when the user asks for a file's provenance.

        ``dataset_path`` is the top dataset shown, ``file_path`` is relative to it.
        """
        self.register("open_provenance", callback, remove)

    def on_dataset_change(self, callback, remove: bool = False) -> None:
        """Call ``callback(dataset_path)`` when another dataset is shown."""
        self.register("dataset_change", callback, remove)

    # -- navigation ---------------------------------------------------------------------------
    def open_dataset(self, dataset, wait: bool = True, chosen: bool = True) -> None:
        """Show the dataset at path ``dataset`` (what setting :attr:`value` does).

        ``wait=False`` (the portal handing a dataset over) returns at once; the listing follows when git has
        answered, and a dataset asked for later wins over one that answers late.
        """
        self._wait_for_listing = wait
        self._unchosen = not chosen
        try:
            self.value = str(Path(dataset).expanduser().resolve())
        finally:
            self._wait_for_listing = True
            self._unchosen = False

    @observe("value")
    def _dataset_changed(self, change) -> None:
        self._open(change["new"], getattr(self, "_wait_for_listing", True))

    def _open(self, root: str, wait: bool) -> None:
        calm = getattr(self, "_unchosen", False)  # opened on the current folder because nothing named a dataset
        known = self.state if self.state is not None and str(self.state.root) == root else None
        self.state = None  # until the new one answers, clicks have no old dataset to act on
        self.path = ""

        def read():
            state = known or DatasetState(root)  # asks git whether this is a repository
            self.stop_if_cancelled()
            return state, self._read(state, "", rescan=False)

        def show(answer):
            self.state, listing = answer
            self._show_listing(listing)
            self.emit("dataset_change", root)

        def failed(exc):
            self.listing = None
            self.table.data = None
            self._show_error(exc, f"Opening {root}", calm)

        activity = f"listing {Path(root).name}"
        if self.page_comes_first(wait):
            # a dashboard opening: the page is built first, then git is asked (both need the machine's cores)
            self.start_when_drawn(self.table, read, show, activity, on_error=failed)
            return
        self.in_background(read, show, activity, on_error=failed, latest=True)
        if wait:
            self.wait_background(None)

    def _show_busy(self, change) -> None:
        """While git is asked for a listing, the table says so (with Cancel); a running job has its own bar."""
        self.table.busy = change["new"] == Status.LOADING
        if self.table.busy:
            self.table.busy_text = f"{self.activity[:1].upper()}{self.activity[1:]} …"

    def _cancel_listing(self) -> None:
        if self.abandon_background():
            self.status = Status.READY
            self.banner.show("Listing cancelled.", "info", "Press Refresh to list the folder again.")

    @observe("path")
    def _path_changed(self, change) -> None:
        wait = getattr(self, "_wait_for_listing", True)
        if self.state is not None:
            self.refresh(wait=wait)

    def _show_path(self, path: str, wait: bool) -> None:
        self._wait_for_listing = wait
        try:
            self.path = path
        finally:
            self._wait_for_listing = True

    def open_folder(self, path: str | None = None, wait: bool = True) -> None:
        """Show folder ``path`` (default: the one selected row, if it is a folder or subdataset).

        ``wait=False`` (what the Open button does) returns at once; the listing follows when git has answered.
        """
        if path is None:
            rows = self._selected_rows()
            if len(rows) != 1 or rows[0]["kind"] not in ("directory", "subdataset"):
                self.banner.show("Select one folder or subdataset to open.", "info")
                return
            path = rows[0]["path"]
        self._show_path(path.strip("/"), wait)

    def _open_row(self, path) -> None:
        """A double-click (or Enter) on a folder or subdataset opens it."""
        row = next((r for r in self._selected_rows_of([path])), None)
        if row is not None and row["kind"] in ("directory", "subdataset"):
            self.open_folder(row["path"], wait=False)

    def up(self, wait: bool = True) -> None:
        self._show_path(self.path.rpartition("/")[0], wait)

    def refresh(self, rescan: bool = False, wait: bool = True):
        """Re-read the listing and totals (``rescan`` re-reads the disk).

        git and git-annex are asked off the kernel's main thread; ``wait=False`` returns at once (the widget is
        ``loading`` until the listing shows) and a listing asked for later wins over one that answers late.
        """
        if self.state is None:  # the dataset never opened (cancelled, failed): try again
            return self._open(self.value, wait) if self.value else None
        state, path = self.state, self.path
        where = path or state.root.name

        def read():
            return self._read(state, path, rescan)

        def failed(exc):
            self._show_error(exc, f"Listing {where}")

        thread = self.in_background(read, self._show_listing, f"listing {where}", on_error=failed, latest=True)
        if wait:
            self.wait_background(None)
            return None
        return thread

    def _read(self, state: DatasetState, path: str, rescan: bool):
        """What a listing shows, asked of git and git-annex step by step (a Cancel stops between steps)."""
        if rescan:
            state.refresh()
        answer = [state.dataset_info(path)]
        for step in (state.listing, state.totals):  # fill the state's caches: showing asks git nothing more
            self.stop_if_cancelled()
            answer.append(step(path))
        state.datasets()
        self.stop_if_cancelled()
        answer.append((publish.changes(state.root), publish.siblings(state.root)))  # for Save and Push
        return tuple(answer)

    def _show_listing(self, answer) -> None:
        info, frame, self.totals, sharing = answer
        self._render_sharing(*sharing)
        self.listing = frame
        self.table.data = self._display_frame(frame)
        self.selected = []
        self._render_crumbs()
        self._render_datasets()
        self._render_storage()
        if info is not None and not info["installed"]:
            self.banner.show(f"Subdataset {self.path} is not installed.", "warn",
                             "Press Install to clone it (cheap: no content is downloaded).")
        else:  # the listing worked: an error shown before no longer holds
            self.succeed()
            return
        self.error = ""
        self.status = Status.READY

    def _display_frame(self, frame):
        shown = frame.copy()
        shown.index = frame["path"]
        shown["item"] = [Markup(f"{ICONS.get(k, '')} {escape(n)} " + badge(s, STATE_BADGES.get(s, "neutral"))
                                + (badge(k) if k in ("annexed", "subdataset") else ""))
                         for n, k, s in zip(frame["name"], frame["kind"], frame["state"])]
        shown["size"] = frame["size"].to_numpy()  # positional: the shown frame is indexed by path
        shown["on disk"] = frame["on_disk"].to_numpy()
        self.table.formatters = {"size": format_bytes_or_blank, "on disk": format_bytes_or_blank}
        return shown

    def _render_crumbs(self) -> None:
        parts = [self.state.root.name] + ([p for p in self.path.split("/")] if self.path else [])
        # the dataset's full path on hover: two clones of one dataset have the same name
        self.crumbs.value = (f'<span class="ndw ndw-crumbs" title="{escape(str(self.state.root))}">'
                             f'{" / ".join(escape(p) for p in parts)}</span>')
        self.up_button.disabled = not self.path

    def _render_datasets(self) -> None:
        options = []
        for d in self.state.datasets():
            depth = d["path"].count("/") + (1 if d["path"] else 0)
            name = d["path"].rpartition("/")[2] or self.state.root.name
            label = "\u2003" * depth + name + ("" if d["installed"] else " (not installed)")
            options.append((label, d["path"]))
        current, _ = self.state.locate(self.path)
        info = self.state.dataset_info(self.path)
        if info is not None:
            current = info["path"]
        self._picking = True
        try:
            self.datasets_dropdown.options = options
            self.datasets_dropdown.value = current
        finally:
            self._picking = False

    def _on_dataset_pick(self, change) -> None:
        if getattr(self, "_picking", False) or change["new"] is None:
            return
        self._show_path(change["new"], wait=False)

    def _render_storage(self) -> None:
        t = self.totals or {}
        total, present = t.get("total_bytes", 0), t.get("present_bytes", 0)
        effect = self.state.selection_effect(self.selected) if self.selected else {}
        get_b, drop_b = effect.get("get_bytes", 0), effect.get("drop_bytes", 0)
        bar = (f'<span class="ndw-bar-present" style="width:{_share(present - drop_b, total):.2f}%"></span>'
               f'<span class="ndw-bar-free" style="width:{_share(drop_b, total):.2f}%"></span>'
               f'<span class="ndw-bar-get" style="width:{_share(get_b, total):.2f}%"></span>')
        where = escape(self.path or self.state.root.name)
        text = (f'<b class="ndw-present-bytes">{format_bytes(present)}</b> of {format_bytes(total)} on disk in '
                f'<code>{where}</code> ({t.get("present_files", 0)} of {t.get("files", 0)} files)')
        missing = [d for d in self.state.datasets() if not d["installed"]
                   and (not self.path or d["path"].startswith(self.path + "/"))]
        if missing:
            text += f' · <span class="ndw-muted">{len(missing)} subdataset(s) not installed, sizes unknown</span>'
        if self.selected:
            text += (f' · get selection adds <b class="ndw-get-bytes">{format_bytes(get_b)}</b>'
                     f' ({effect.get("get_files", 0)} files) · drop selection frees '
                     f'<b class="ndw-drop-bytes">{format_bytes(drop_b)}</b> ({effect.get("drop_files", 0)} files)')
        self.storage.value = (f'<div class="ndw ndw-storage" data-present="{present}" data-total="{total}">'
                              f'<div class="ndw-bar" title="on disk / would be freed / would be added">{bar}</div>'
                              f'{text}</div>')

    # -- selection ------------------------------------------------------------------------------
    def _on_table_select(self, change) -> None:
        self.selected = list(change["new"])

    @observe("selected")
    def _selection_changed(self, change) -> None:
        if self.state is not None and self.listing is not None:
            self._render_storage()
            self.show_preview(wait=False)
        if list(self.table.selected) != list(change["new"]):
            known = set(self.table.data.index) if self.table.data is not None else set()
            if all(p in known for p in change["new"]):
                self.table.selected = list(change["new"])

    def _selected_rows(self) -> list[dict]:
        if self.listing is None:
            return []
        return self._selected_rows_of(self.selected)

    def _selected_rows_of(self, paths) -> list[dict]:
        rows = {r["path"]: r for r in self.listing.to_dict("records")} if self.listing is not None else {}
        return [rows.get(p) or {"path": p, "kind": "file"} for p in paths]

    def _targets(self) -> list[str]:
        return list(self.selected) or [self.path]

    # -- actions ----------------------------------------------------------------------------------
    def get(self) -> Job:
        """Get the content of the selection (or of the folder shown) in a background job."""
        paths = self._targets()
        root, state = self.state.root, self.state
        jobs = self.jobs.value if self.jobs.value > 1 else None
        return self._run(Job(lambda job: ops.get(root, paths, jobs=jobs, job=job, state=state), label="Get"),
                         command=command_line("get", root, paths, jobs=jobs))

    def clone(self, source: str | None = None, target: str | None = None) -> Job:
        """Clone a dataset (no content) in the background, then show it."""
        source = (source or self.clone_source.value).strip()
        target = (target or self.clone_target.value).strip()
        if not source or not target:
            raise UserError("Give a dataset to clone and a folder to clone it into.",
                            "For example a path, an SSH or HTTPS URL, or a ria+ URL; the folder must not exist yet.")

        def show(result):
            self.value = str(result)
        return self._run(Job(lambda job: ops.clone(source, target, job=job), label="Clone"), then=show,
                         command=command_line("clone", source=source, target=target))

    def install(self) -> Job:
        """Install the selected (or shown) not-installed subdatasets."""
        paths = self._targets()
        root = self.state.root
        state = self.state
        return self._run(Job(lambda job: ops.install(root, paths, job=job, state=state), label="Install"),
                         command=command_line("install", root, paths))

    def drop(self, wait: bool = True) -> Job | None:
        """Drop the selection's content; with the unsafe box ticked, first ask about last copies.

        Finding last copies asks git-annex (off the kernel's main thread); with ``wait=False`` (the Drop button)
        this returns ``None`` at once and the question or the drop job follows.
        """
        paths = self._targets()
        root, state = self.state.root, self.state
        if not self.unsafe.value:
            return self._run(Job(lambda job: ops.drop(root, paths, job=job, state=state), label="Drop"),
                             command=command_line("drop", root, paths))
        started = []

        def ask_or_drop(lost):
            if not lost:
                started.append(self._run(Job(lambda job: ops.drop(root, paths, job=job, state=state), label="Drop"),
                                         command=command_line("drop", root, paths)))
                return
            self._pending_unsafe = (paths, lost)
            names = "".join(f"<li><code>{escape(p)}</code></li>" for p in lost[:20])
            more = f"<li>… and {len(lost) - 20} more</li>" if len(lost) > 20 else ""
            self.confirm_text.value = (f'<div class="ndw ndw-banner ndw-banner-error">Dropping would lose the '
                                       f'only copy of {len(lost)} file(s):<ul>{names}{more}</ul></div>')
            self.confirm_box.layout.display = None
            self.busy("asking before dropping last copies", Status.WAITING)

        self.in_background(lambda: ops.last_copies(root, paths, state), ask_or_drop, "checking for last copies",
                           on_error=lambda exc: self._show_error(exc, "Checking for last copies"), latest=True)
        if wait:
            self.wait_background(None)
        return started[0] if started else None

    def _confirm_unsafe(self) -> Job | None:
        if self._pending_unsafe is None:
            return None
        paths, lost = self._pending_unsafe
        self._cancel_unsafe()
        root, state = self.state.root, self.state
        return self._run(Job(lambda job: ops.drop(root, paths, unsafe=True, confirm=lost, job=job, state=state),
                             label="Drop (last copies)"))

    def _cancel_unsafe(self) -> None:
        self._pending_unsafe = None
        self.confirm_box.layout.display = "none"
        self.confirm_text.value = ""

    def show_whereis(self, wait: bool = True) -> None:
        """Show where the selected file's content is (or which repositories hold a folder's content).

        git-annex is asked off the kernel's main thread; ``wait=False`` (the button) returns at once.
        """
        rows = self._selected_rows()
        if len(rows) != 1:
            self.banner.show("Select one file or folder to see where its content is.", "info")
            return
        row, state = rows[0], self.state

        def ask() -> str:
            if row["kind"] == "annexed":
                locations = state.whereis(row["path"])
                body = table([{"repository": w["description"], "here": "yes" if w["here"] else "",
                               "urls": " ".join(w["urls"])} for w in locations], ["repository", "here", "urls"])
                title = f"{len(locations)} cop{'y' if len(locations) == 1 else 'ies'} of"
            elif row["kind"] == "git":
                body, title = "<p>Stored in git: every clone has it.</p>", "In git:"
            else:
                dataset, inner = state.locate(row["path"])
                repos = repositories(state.root / dataset, inner)
                body = table([{"repository": r["description"], "here": "yes" if r["here"] else "",
                               "holds": format_bytes(r["bytes"])} for r in repos], ["repository", "here", "holds"])
                title = "Repositories holding content of"
            return (f'<div class="ndw ndw-card"><b>{escape(title)}</b> <code>{escape(row["path"])}</code>'
                    f'{body}</div>')

        def show(html: str) -> None:
            self.detail.value = html
            self.succeed()

        self.in_background(ask, show, f"asking where {row['path']} is", latest=True,
                           on_error=lambda exc: self._show_error(exc, f"Where is {row['path']}"))
        if wait:
            self.wait_background(None)

    # -- previews ---------------------------------------------------------------------------------
    def _previewed_row(self) -> dict | None:
        rows = self._selected_rows()
        return rows[0] if len(rows) == 1 and rows[0].get("kind") in ("annexed", "git") else None

    def show_preview(self, wait: bool = True) -> None:
        """Preview the selected file (an image's middle slices, a table's first rows, a text's start), or say
        what getting it would cost. Rendered off the kernel's main thread; a newer selection wins."""
        row, state = self._previewed_row(), self.state
        self._preview_ticket += 1
        ticket = self._preview_ticket
        is_nifti = bool(row) and row.get("state") == "present" and suffix(row["path"]) in NIFTI
        self.viewer_button.disabled = not is_nifti
        if row is None:
            self.preview_area.value = ""
            return
        self.preview_area.value = f'<p class="ndw-muted">Previewing {escape(row["path"])}…</p>'

        def work():
            try:
                html = self._preview_of(state, row)
            except Exception as exc:  # a file no reader understands: say so, keep the explorer usable
                log.info("preview of %s failed", row["path"], exc_info=True)
                html = f'<p class="ndw-muted">No preview of {escape(row["path"])}: {escape(describe(exc)[0])}</p>'
            if ticket == self._preview_ticket:
                self.preview_area.value = f'<div class="ndw ndw-card ndw-preview">{html}</div>'

        self._preview_thread = threading.Thread(target=work, name="ndw-explorer-preview", daemon=True)
        self._preview_thread.start()
        if wait:
            self._preview_thread.join(60)

    @staticmethod
    def _preview_of(state, row: dict) -> str:
        import pandas as pd

        path = state.root / row["path"]
        name = Path(row["path"]).name
        if row.get("state") == "absent":
            sources = [w["description"] or w["uuid"] for w in state.whereis(row["path"])]
            size = row.get("size")
            return absent_preview(name, None if pd.isna(size) else int(size), sources).html
        return preview_file(path, name).html

    def open_viewer(self):
        """Open the selected NIfTI image in an interactive viewer (NiiVue, in the page: works offline)."""
        row = self._previewed_row()
        if row is None or suffix(row["path"]) not in NIFTI or row.get("state") != "present":
            self.banner.show("Select one NIfTI image whose content is here to open the viewer.", "info",
                             "Get it first if it is absent.")
            return None
        from ipyniivue import NiiVue

        viewer = NiiVue(height=360)
        viewer.load_volumes([{"path": str(self.state.root / row["path"])}])
        close = widgets.Button(description="Close viewer", icon="times")
        close.add_class("ndw-explorer-viewer-close")
        close.on_click(lambda _: set_children(self.viewer_area, ()))
        label = widgets.HTML(f'<p>Viewer: <code>{escape(row["path"])}</code> (drag to move the crosshair, '
                             "scroll to change slices)</p>")
        set_children(self.viewer_area, (label, viewer, close))
        return viewer

    def open_provenance(self) -> None:
        """Ask whoever listens (the portal's provenance viewer) to show the selected file's history."""
        rows = self._selected_rows()
        if len(rows) != 1 or rows[0]["kind"] in ("directory", "subdataset"):
            self.banner.show("Select one file to see how it came to be.", "info")
            return
        dataset, file_path = str(self.state.root), rows[0]["path"]
        if self.listening("open_provenance"):
            self.emit("open_provenance", dataset, file_path)
            return
        try:
            from ..provenance.widgets import ProvenanceViewer
        except ImportError:
            self.banner.show("The provenance viewer is not available in this installation.", "info")
            return
        viewer = ProvenanceViewer(dataset, wait=False)
        retire(getattr(self, "_provenance_viewer", None))  # the one shown until now may still be drawn
        self._provenance_viewer = viewer
        self.provenance_area.clear_output()
        with self.provenance_area:
            from IPython.display import display

            display(viewer)
        viewer.show_file(file_path, wait=False)

    # -- plumbing ----------------------------------------------------------------------------------
    def save(self, message: str | None = None) -> Job:
        """Save the dataset's changes (``datalad save``, subdatasets included) with the message box's text."""
        message = (self.save_message.value if message is None else message).strip()
        root = self.state.root

        def saved(_):
            self.save_message.value = ""
        return self._run(Job(lambda job: publish.save(root, message, job=job), label="Save"), then=saved,
                         command=command_line("save", root, message=message))

    def push(self, to: str | None = None) -> Job:
        """Push the saved history (and wanted content) to a sibling (``datalad push --to``)."""
        to = to or self.push_to.value or ""
        if not to:
            raise UserError("This dataset has no sibling to push to.",
                            "Add one with `datalad siblings add -d <dataset> -s <name> --url <url>`, or "
                            "`datalad create-sibling-ria`/`create-sibling-github`, then press Refresh.")
        root = self.state.root
        self._close_verify()

        def push(job):
            try:
                return publish.push(root, to, job=job)
            except Exception as exc:
                name = publish.unverified_remote(exc)
                if name:  # show what git-annex asks the user to confirm, with the push's error
                    self._pending_verify = (to, name, *publish.remote_configuration(root, name))
                raise
        return self._run(Job(push, label="Push"), command=command_line("push", root, to=to))

    def _ask_to_verify(self) -> None:
        to, name, config, _ = self._pending_verify
        self.verify_text.value = (
            '<div class="ndw ndw-banner ndw-banner-warn">git-annex pushes through the special remote '
            f'<b>{escape(name)}</b> only once you trust it. Its configuration (from the dataset):'
            f'<pre>{escape(config)}</pre>Is this a location you expected this dataset to use?</div>')
        self.verify_box.layout.display = None

    def _close_verify(self) -> None:
        self.verify_box.layout.display = "none"

    def _trust_and_push(self) -> Job | None:
        if self._pending_verify is None:
            return None
        to, name, _, safe_id = self._pending_verify
        self._pending_verify = None
        self._close_verify()
        publish.verify_remote(self.state.root, name, safe_id)
        return self.push(to)

    def _render_sharing(self, pending: int, names: list) -> None:
        """How many changes wait for a save, and which siblings a push can go to."""
        self.changes.value = ('<span class="ndw-muted">nothing to save</span>' if not pending else
                              f'<span class="ndw-badge ndw-badge-warn">{pending} unsaved '
                              f'change{"s" if pending != 1 else ""}</span>')
        if list(self.push_to.options) != names:
            self.push_to.options = names
        self.push_button.disabled = not names

    def _run(self, job: Job, then=None, command: str = "") -> Job:
        self._after_job = then
        self.error = ""
        self.report.value = ""
        self._command = command
        self.command.value = ""
        self.busy(job.label, Status.RUNNING)
        self._idle.clear()
        self.progress.run(job)
        return job

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the running get/drop/install finished and the view shows its outcome."""
        return self._idle.wait(timeout)

    def _job_done(self, job: Job) -> None:
        try:
            outcome = job.result(timeout=0)
        except BaseException:  # failed or cancelled before any result: the banner says why
            outcome = None
        self.results = outcome if isinstance(outcome, list) else []
        self.detail.value = ""  # a where-is shown before the operation may no longer be true
        # the operations re-read only the datasets they changed; a failure may leave anything
        self.refresh(rescan=job.state == "failed")
        summary = ops.summarize(self.results)
        if job.state == "failed":
            self._show_error(job.error, job.label)
            if self._pending_verify is not None and job.label == "Push":
                self._ask_to_verify()
        elif summary["problems"]:
            self.report.value = ('<div class="ndw ndw-results">' + table(
                [{"path": r["path"], "status": r["status"], "message": r["message"]} for r in summary["problems"]],
                ["path", "status", "message"]) + "</div>")
            first = summary["problems"][0]
            self.banner.show(f"{job.label}: {len(summary['problems'])} of {len(self.results)} paths not done.",
                             "warn", "The list below says why for each path; the others are done.",
                             details=f"{first['path']}: {first['message']}")
        elif job.state == "cancelled":
            self.banner.show(f"{job.label}: cancelled", "warn",
                             "What arrived completely is kept; nothing partial is left in the dataset.")
        elif job.state == "done":
            counts = ", ".join(f"{n} {s}" for s, n in sorted(summary["counts"].items())) or "nothing to do"
            folder = outcome if job.label == "Clone" and isinstance(outcome, str) else self.value
            where = f"The files are in {folder}." if job.label in ("Get", "Install", "Clone") else ""
            self.banner.show(f"{job.label}: done ({counts}; {format_bytes(summary['bytes'])})", "ok", where)
        if getattr(self, "_command", "") and job.state in ("done", "failed"):
            self.last_command = self._command
            self.command.value = ('<div class="ndw ndw-command"><span class="ndw-muted">The same in a terminal:'
                                  f'</span> <code>{escape(self._command)}</code></div>')
        if job.state == "done" and self._after_job is not None:
            self._after_job(outcome)
        self._after_job = None
        self.status = job.state
        self._idle.set()

    def _guard(self, action) -> None:
        try:
            action()
        except Exception as exc:
            self._show_error(exc, "")

    def _show_error(self, exc, context, calm: bool = False) -> None:
        if calm and isinstance(exc, NotADataset):  # nothing chosen (opened in a plain folder): ask for one calmly
            self.state = None
            self.crumbs.value = ""
            self.storage.value = ""
            self.error = ""
            self.status = Status.READY
            self.banner.show(f"No dataset is open: {exc.path} is not a DataLad dataset.", "info",
                             NotADataset.WELCOME_HINT)
            return
        self.fail(exc, context, Status.FAILED)


def format_bytes_or_blank(value) -> str:
    try:
        import pandas as pd

        if value is None or pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    return format_bytes(value)
