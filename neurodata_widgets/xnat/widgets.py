"""XNAT widgets: :class:`XnatLogin` and :class:`XnatBrowser` (lazy tree, details, download, track).

Compose them by sharing one client (the browser follows the client's logins and logouts)::

    client = XnatClient()
    login, browser = XnatLogin(client), XnatBrowser(client)

or by handing the login's client over: ``XnatLogin().on_login(browser.set_client)``.
"""
from __future__ import annotations

import logging
from pathlib import Path

import ipywidgets as widgets
from traitlets import List, Unicode

from ..auth.widgets import LoginForm
from ..config import setting
from ..jobs import Job
from ..ui.banner import StatusBanner
from ..ui.html import escape, format_bytes
from ..ui.progress import JobProgress
from ..ui.theme import CSS
from .client import Node, XnatClient, ensure_url

log = logging.getLogger(__name__)

CHILD = {"project": "subject", "subject": "experiment", "experiment": "scan", "scan": "resource", "resource": "file"}
NOUN = {"subject": "subjects", "experiment": "sessions", "scan": "scans", "resource": "resources", "file": "files"}
MAX_ROWS = 200  # children shown per node; the filter narrows larger listings


def _client(client) -> XnatClient:
    return client if client is not None else XnatClient(ensure_url())


class XnatLogin(LoginForm):
    """Log in to XNAT: URL, user, password or anonymous, remember in DataLad's credential store, logout.

    Parameters
    ----------
    client : XnatClient, optional
        Default: one for the configured server (the sandbox when nothing is configured).

    Examples
    --------
    >>> login = XnatLogin()                                           # doctest: +SKIP
    >>> login.on_login(lambda client: print(client.user))             # doctest: +SKIP
    >>> login.url.value, login.user.value = url, "demo"               # doctest: +SKIP
    >>> login.password.value = "..."; login.login_button.click()      # doctest: +SKIP
    """

    def __init__(self, client: XnatClient | None = None, **kwargs):
        self.client = _client(client)
        super().__init__(self.client.url, setting("xnat_user", None, ""), prefix="ndw-xnat", service="XNAT",
                         store=self.client.store, **kwargs)
        self.url.placeholder = "https://xnat.example.org"

    def connect(self, url, user, password, anonymous, remember) -> str:
        return self.client.login(user, password, anonymous=anonymous, remember=remember, url=url)

    def disconnect(self) -> None:
        self.client.logout()

    def login_result(self):
        return self.client

    def saved_login(self, url: str) -> dict | None:
        if url.rstrip("/") != self.client.url:
            return super().saved_login(url)
        return self.client.saved_login()


class _Row(widgets.HBox):
    def __init__(self, browser, node: Node, depth: int):
        self.node = node
        leaf = node.level == "file"
        self.expand = widgets.Button(description="" if leaf else "▸", layout=widgets.Layout(width="32px"),
                                     disabled=leaf, tooltip="expand")
        self.check = widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="24px"))
        self.label = widgets.Button(description=browser.label(node), tooltip=node.key,
                                    layout=widgets.Layout(width="auto", max_width="520px"))
        self.label.style.button_color = "transparent"
        self.expand.add_class("ndw-xnat-expand")
        self.check.add_class("ndw-xnat-check")
        self.label.add_class("ndw-xnat-label")
        self.expand.on_click(lambda _: browser.toggle(node))
        self.label.on_click(lambda _: browser.show_details(node))
        self.check.observe(lambda ch: browser._on_check(node, ch["new"]), names="value")
        super().__init__([widgets.HTML("", layout=widgets.Layout(width=f"{18 * depth}px")), self.expand,
                          self.check, self.label])
        self.add_class("ndw-xnat-row")
        self.add_class(f"ndw-xnat-{node.level}")


class XnatBrowser(widgets.VBox):
    """Browse an XNAT lazily: each node expands with one request; select, inspect, download or track.

    Parameters
    ----------
    client : XnatClient, optional
        A logged-in client; without one the browser waits for :meth:`set_client` (e.g. from ``XnatLogin.on_login``).

    Examples
    --------
    >>> browser = XnatBrowser(client)                                   # doctest: +SKIP
    >>> browser.toggle(browser.roots[0]); browser.select(browser.roots[0])   # doctest: +SKIP
    >>> browser.to_dataframe()[["subject", "session", "name"]].head()   # doctest: +SKIP
    """

    selected = List(Unicode(), help="keys of the selected nodes (project/subject/experiment/scan/resource/file)"
                    ).tag(sync=True)
    status = Unicode("", help="what the browser is doing or did last").tag(sync=True)
    error = Unicode("", help="the last error message ('' if none)").tag(sync=True)

    def __init__(self, client: XnatClient | None = None, **kwargs):
        self.client = client
        self.roots: list = []
        self.children_of: dict = {}  # node key -> list[Node]
        self.expanded: set = set()
        self.nodes: dict = {}  # key -> Node
        self._rows: dict = {}
        self.banner = StatusBanner()
        self.filter = widgets.Text(placeholder="filter by name…", description="Filter",
                                   layout=widgets.Layout(width="300px"), continuous_update=False)
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.tree = widgets.VBox(layout=widgets.Layout(max_height="420px", overflow_y="auto", width="60%"))
        self.details = widgets.HTML('<p class="ndw-muted">Click a name to see its details.</p>',
                                    layout=widgets.Layout(width="38%"))
        self.folder = widgets.Text(value=str(setting("xnat_download_dir", None, Path.home() / "xnat-downloads")),
                                   description="Folder", layout=widgets.Layout(width="420px"))
        self.download_button = widgets.Button(description="Download", icon="download", button_style="primary")
        self.dataset = widgets.Text(value=str(setting("xnat_dataset", None, Path.home() / "xnat-dataset")),
                                    description="Dataset", layout=widgets.Layout(width="420px"))
        self.pathfmt = widgets.Text(value="{subject}/{session}/{scan}/", description="Layout",
                                    layout=widgets.Layout(width="300px"))
        self.register_only = widgets.Checkbox(value=True, description="register only (fetch later with datalad get)",
                                              indent=False)
        self.track_button = widgets.Button(description="Track in dataset", icon="database")
        self.selection_label = widgets.HTML("0 selected")
        self.progress = JobProgress()
        self.filter.observe(lambda _: self.render(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.download_button.on_click(lambda _: self.download())
        self.track_button.on_click(lambda _: self.track())
        for w, cls in ((self.filter, "ndw-xnat-filter"), (self.tree, "ndw-xnat-tree"),
                       (self.details, "ndw-xnat-details"), (self.folder, "ndw-xnat-folder"),
                       (self.download_button, "ndw-xnat-download"), (self.dataset, "ndw-xnat-dataset"),
                       (self.track_button, "ndw-xnat-track"), (self.selection_label, "ndw-xnat-selection")):
            w.add_class(cls)
        super().__init__([widgets.HTML(CSS, layout=widgets.Layout(height="0px")), self.banner,
                          widgets.HBox([self.filter, self.refresh_button, self.selection_label]),
                          widgets.HBox([self.tree, self.details]),
                          widgets.HBox([self.folder, self.download_button]),
                          widgets.HBox([self.dataset, self.pathfmt]),
                          widgets.HBox([self.register_only, self.track_button]), self.progress], **kwargs)
        self.add_class("ndw-xnat-browser")
        self.progress.on_done(self._job_done)
        if client is not None:
            client.on_session(self._session_changed)
        if client is not None and client.connected:
            self.refresh()
        else:
            self.banner.show("Log in to browse XNAT.", "info")

    # -- data -------------------------------------------------------------------------------------------
    def set_client(self, client: XnatClient) -> None:
        """Browse with ``client`` (use as ``XnatLogin.on_login(browser.set_client)``)."""
        if client is self.client and self.roots:
            return  # already following this client's session
        if client is not self.client:
            self.client = client
            client.on_session(self._session_changed)
        self.refresh()

    def _session_changed(self, client) -> None:
        # the client logged in or out elsewhere (a login widget sharing it): follow, once per change
        if client is self.client:
            self.refresh()

    def refresh(self) -> None:
        """Reload the project list (collapses the tree; keeps nothing stale)."""
        self.children_of.clear()
        self.expanded.clear()
        self.nodes.clear()
        self._rows.clear()
        self.selected = []
        self.roots = []
        if self.client is None or not self.client.connected:
            self.render()
            self.banner.show("Log in to browse XNAT.", "info")
            return
        if self._run(lambda: self._list(None), "Listing projects") is not None:
            self.roots = self.children_of[""]
            self.status = f"{len(self.roots)} projects"
            self.banner.clear()
        self.render()

    def _run(self, fn, context):
        """Run ``fn``; on error show it (the widget stays usable) and return ``None``."""
        try:
            result = fn()
        except Exception as exc:
            self.banner.show_error(exc, context)
            self.error, self.status = self.banner.message, "error"
            return None
        self.error = ""
        return result

    def _list(self, node: Node | None) -> list:
        c = self.client
        if node is None:
            frame, make = c.projects(), lambda r: Node("project", r["id"], info=r)
        elif node.level == "project":
            frame, make = c.subjects(node.project), lambda r: Node("subject", node.project, r["label"], info=r)
        elif node.level == "subject":
            frame = c.experiments(node.project, node.subject)
            make = lambda r: Node("experiment", node.project, node.subject, r["id"], r["label"], info=r)  # noqa: E731
        elif node.level == "experiment":
            frame = c.scans(node.experiment)
            make = lambda r: Node("scan", node.project, node.subject, node.experiment, node.session, r["id"],  # noqa
                                  info=r)
        elif node.level == "scan":
            frame = c.resources(node.experiment, node.scan)
            make = lambda r: Node("resource", node.project, node.subject, node.experiment, node.session,  # noqa
                                  node.scan, r["label"], info=r)
        else:
            frame = c.files(node.experiment, node.scan, node.resource)
            make = lambda r: Node("file", node.project, node.subject, node.experiment, node.session,  # noqa
                                  node.scan, node.resource, r["name"], info=r)
        children = [make(r) for r in frame.to_dict("records")]
        for child in children:
            self.nodes[child.key] = child
        self.children_of["" if node is None else node.key] = children
        return children

    def label(self, node: Node) -> str:
        info = node.info
        text = {"project": node.project, "subject": node.subject, "experiment": node.session or node.experiment,
                "scan": f"{node.scan} · {info.get('type', '')}", "resource": node.resource,
                "file": f"{node.name} ({format_bytes(info.get('size'))})"}[node.level]
        kids = self.children_of.get(node.key)
        if kids is not None and node.level != "file":
            text += f"  ({len(kids)} {NOUN[CHILD[node.level]]})"
        return text

    # -- interaction ------------------------------------------------------------------------------------
    def toggle(self, node: Node) -> None:
        """Expand (listing its children with one request the first time) or collapse a node."""
        if node.key in self.expanded:
            self.expanded.discard(node.key)
        else:
            if node.key not in self.children_of:
                if self._run(lambda: self._list(node), f"Listing {node.key}") is None:
                    return
                count, noun = len(self.children_of[node.key]), NOUN[CHILD[node.level]]
                self.status = f"{count} {noun} in {node.key}"
                if not count and node.level == "project":  # XNAT lists only what this account may read
                    who = "as a guest" if self.client.user == "guest" else f"as {self.client.user}"
                    self.status = (f"No {noun} you may read in {node.key} (logged in {who}); "
                                   "ask the project's owner for access if you expected data.")
            self.expanded.add(node.key)
            self.banner.clear()
        self.render()

    def expand_path(self, *names: str) -> Node:
        """Expand down a path of labels (project, subject, session label, scan id, ...) and return the last node."""
        level = self.roots
        node = None
        for name in names:
            node = next(n for n in level if name in (n.project if n.level == "project" else "",
                                                     n.subject if n.level == "subject" else "",
                                                     n.session if n.level == "experiment" else "",
                                                     n.experiment if n.level == "experiment" else "",
                                                     n.scan if n.level == "scan" else "",
                                                     n.resource if n.level == "resource" else "",
                                                     n.name if n.level == "file" else ""))
            if node.key not in self.expanded and node.level != "file":
                self.toggle(node)
            level = self.children_of.get(node.key, [])
        return node

    def select(self, node: Node, value: bool = True) -> None:
        """Select (or unselect) a node, as ticking its box does."""
        row = self._rows.get(node.key)
        if row is not None:
            row.check.value = value
        else:
            self._on_check(node, value)

    def _on_check(self, node: Node, value: bool) -> None:
        keys = [k for k in self.selected if k != node.key]
        self.selected = keys + [node.key] if value else keys
        self.selection_label.value = f"{len(self.selected)} selected"

    @property
    def selected_nodes(self) -> list:
        return [self.nodes[k] for k in self.selected if k in self.nodes]

    def show_details(self, node: Node) -> None:
        """Details of a node in the side pane (scans: type, quality, file count, size: one request)."""
        info = {k: v for k, v in node.info.items() if str(v) not in ("", "nan", "<NA>", "None")}
        rows = [("level", node.level), ("path", node.key)] + list(info.items())
        if node.level == "scan":
            res = self._run(lambda: self.client.resources(node.experiment, node.scan), f"Details of {node.key}")
            if res is not None:
                rows += [("files", int(res["file_count"].fillna(0).sum())),
                         ("size", format_bytes(int(res["file_size"].fillna(0).sum())))]
        body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        self.details.value = f'<table class="ndw-table ndw-xnat-details-table">{body}</table>'

    def render(self) -> None:
        """Rebuild the visible rows (filter applied, row widgets reused)."""
        needle = self.filter.value.strip().lower()
        visible = []

        def walk(nodes, depth):
            shown = 0
            for node in nodes:
                kids = self.children_of.get(node.key, [])
                match = not needle or needle in self.label(node).lower()
                below = []
                if node.key in self.expanded:
                    mark = len(visible)
                    visible.append(None)  # placeholder for this node
                    walk(kids, depth + 1)
                    below = visible[mark + 1:]
                    if not match and not any(below):
                        del visible[mark:]
                        continue
                    visible[mark] = self._row(node, depth)
                elif match:
                    visible.append(self._row(node, depth))
                else:
                    continue
                shown += 1
                if shown >= MAX_ROWS:
                    visible.append(widgets.HTML(f'<span class="ndw-muted">… {len(nodes) - MAX_ROWS} more; '
                                                f'use the filter</span>'))
                    break

        walk(self.roots, 0)
        self.tree.children = [w for w in visible if w is not None]

    def _row(self, node: Node, depth: int) -> _Row:
        row = self._rows.get(node.key)
        if row is None:
            row = self._rows[node.key] = _Row(self, node, depth)
        row.label.description = self.label(node)
        row.expand.description = "" if node.level == "file" else ("▾" if node.key in self.expanded else "▸")
        return row

    # -- actions ----------------------------------------------------------------------------------------
    def to_dataframe(self):
        """The file manifest of the selection (a couple of requests per session, none per file)."""
        return self.client.manifest(self.selected_nodes)

    def _start(self, label, fn, target: str) -> Job | None:
        if not self.selected:
            self.banner.show("Select something first (tick a box in the tree).", "warn")
            return None
        if not target:
            self.banner.show(f"{label}: enter a folder first.", "warn")
            return None
        if self.progress.job is not None and not self.progress.job.done:
            self.banner.show("Wait for the running job to finish, or cancel it.", "warn")
            return None
        self.banner.clear()
        nodes = self.selected_nodes
        return self.progress.run(Job(lambda job: fn(job, self.client.manifest(nodes)), label=label))

    def _job_done(self, job) -> None:
        self.status = f"{job.label}: {job.state}"
        self.error = self.progress.banner.message if job.state == "failed" else ""

    def download(self) -> Job | None:
        """Download the selection into the folder box's path (a background job with progress and Cancel)."""
        from .download import download

        target, pathfmt = self.folder.value.strip(), self.pathfmt.value.replace("//", "/")
        self.status = "downloading"
        return self._start("Download", lambda job, files: download(self.client, files, target, pathfmt=pathfmt,
                                                                   job=job), target)

    def track(self) -> Job | None:
        """Register the selection in the DataLad dataset of the dataset box (created if missing)."""
        from .track import track

        target, pathfmt, fast = self.dataset.value.strip(), self.pathfmt.value, self.register_only.value
        self.status = "tracking"
        return self._start("Track in dataset", lambda job, files: track(self.client, files, target,
                                                                        pathfmt=pathfmt, register_only=fast, job=job),
                           target)
