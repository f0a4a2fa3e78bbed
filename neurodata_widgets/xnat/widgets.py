"""XNAT widgets: :class:`XnatLogin` and :class:`XnatBrowser` (lazy tree, details, download, track).

Compose them by sharing one client (the browser follows the client's logins and logouts)::

    client = XnatClient()
    login, browser = XnatLogin(client), XnatBrowser(client)

or by handing the login's client over: ``XnatLogin().on_login(browser.set_client)``.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import ipywidgets as widgets
from traitlets import List, Unicode

from ..auth.widgets import LoginForm
from ..config import sandbox_login, setting
from ..jobs import Job
from ..ui.badge import SandboxBadge
from ..ui.base import Status, WidgetBase
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
    >>> xnat = sandbox.info()["xnat"]
    >>> login = XnatLogin()
    >>> login.on_login(lambda client: print(client.user))
    >>> login.url.value, login.user.value = xnat["url"], "demo"
    >>> login.password.value = xnat["password"]; login.login_button.click()
    demo
    """

    def __init__(self, client: XnatClient | None = None, **kwargs):
        self.client = _client(client)
        super().__init__(self.client.url, setting("xnat_user", None, ""), prefix="ndw-xnat", service="XNAT",
                         store=self.client.store, **kwargs)
        self.url.placeholder = "https://xnat.example.org"
        self.badge = SandboxBadge(self.client.url)
        self.url.observe(lambda ch: self._server_changed(ch["new"]), names="value")
        self.children = (self.badge, *self.children)
        self._server_changed(self.client.url)

    def _server_changed(self, url: str) -> None:
        self.badge.update(url.strip())
        demo = sandbox_login("xnat", url.strip())
        if demo:
            self.user.value = demo["user"] or ""
            self.banner.show(f"Demo sandbox: the demo credentials (user {demo['user']}) are filled in for you; "
                             "press Log in.", "info", "They come from the sandbox, never from your credential store.")
        elif not url.strip():
            self.banner.show("Enter your XNAT server's address, then log in.", "info",
                             "Set NDW_XNAT_URL before starting Jupyter or Voila to fill it in for everyone.")

    def connect(self, url, user, password, anonymous, remember) -> str:
        demo = None if anonymous or password else sandbox_login("xnat", url)
        if demo and user in (None, demo["user"]):
            # the sandbox's demo login: the password is read here, never put into a widget
            user, password, remember = demo["user"], demo["password"], False
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
        self.expand.on_click(lambda _: browser.toggle(node, wait=False))  # a click never blocks the kernel
        self.label.on_click(lambda _: browser.show_details(node))
        self.check.observe(lambda ch: browser._on_check(node, ch["new"]), names="value")
        super().__init__([widgets.HTML("", layout=widgets.Layout(width=f"{18 * depth}px")), self.expand,
                          self.check, self.label])
        self.add_class("ndw-xnat-row")
        self.add_class(f"ndw-xnat-{node.level}")


class XnatBrowser(WidgetBase):
    """Browse an XNAT lazily: each node expands with one request; select, inspect, download or track.

    Parameters
    ----------
    client : XnatClient, optional
        A logged-in client; without one the browser waits for :meth:`set_client` (e.g. from ``XnatLogin.on_login``).

    Examples
    --------
    >>> xnat = sandbox.info()["xnat"]
    >>> client = XnatClient(xnat["url"])
    >>> client.login("demo", xnat["password"])
    'demo'
    >>> browser = XnatBrowser(client)
    >>> browser.toggle(browser.roots[0]); browser.select(browser.roots[0])
    >>> browser.to_dataframe().loc[0, ["subject", "session", "name"]].tolist()
    ['sub-001', 'sub-001_MR1', 'sub-001_MR1_1_0001.dcm']
    """

    selected = List(Unicode(), help="keys of the selected nodes (project/subject/experiment/scan/resource/file)"
                    ).tag(sync=True)

    def __init__(self, client: XnatClient | None = None, **kwargs):
        self.client = client
        self.roots: list = []
        self.children_of: dict = {}  # node key -> list[Node]
        self.expanded: set = set()
        self.nodes: dict = {}  # key -> Node
        self._rows: dict = {}
        self._loading: dict = {}  # node key -> the thread listing its children
        self.loading = widgets.HTML()
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", layout=widgets.Layout(width="auto",
                                                                                                      display="none"))
        self.cancel_button.add_class("ndw-xnat-cancel")
        self.cancel_button.on_click(lambda _: self.cancel_loading())
        self.filter = widgets.Text(placeholder="filter by name…", description="Filter",
                                   layout=widgets.Layout(width="300px"), continuous_update=False)
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.tree = widgets.VBox(layout=widgets.Layout(max_height="420px", overflow_y="auto", flex="3 1 320px",
                                                       min_width="0"))
        self.details = widgets.HTML('<p class="ndw-muted">Click a name to see its details.</p>',
                                    layout=widgets.Layout(flex="2 1 240px", min_width="0"))
        self.folder = widgets.Text(value=str(setting("xnat_download_dir", None, Path.home() / "xnat-downloads")),
                                   description="Folder", layout=widgets.Layout(width="420px", max_width="100%"))
        self.download_button = widgets.Button(description="Download", icon="download", button_style="primary")
        self.dataset = widgets.Text(value=str(setting("xnat_dataset", None, Path.home() / "xnat-dataset")),
                                    description="Dataset", layout=widgets.Layout(width="420px", max_width="100%"))
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
        self.badge = SandboxBadge(client.url if client is not None else None)
        wrap = {"flex_flow": "row wrap", "align_items": "center"}
        super().__init__([widgets.HTML(CSS, layout=widgets.Layout(height="0px")), self.badge, self.banner,
                          widgets.HBox([self.filter, self.refresh_button, self.selection_label], layout=wrap),
                          widgets.HBox([self.loading, self.cancel_button], layout=wrap),
                          widgets.HBox([self.tree, self.details], layout={"flex_flow": "row wrap"}),
                          widgets.HBox([self.folder, self.download_button], layout=wrap),
                          widgets.HBox([self.dataset, self.pathfmt], layout=wrap),
                          widgets.HBox([self.register_only, self.track_button], layout=wrap), self.progress],
                         **kwargs)
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
        self.badge.update(client.url)
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
            self.succeed()
            self.activity = f"{len(self.roots)} projects"
        self.render()

    def _run(self, fn, context):
        """Run ``fn``; on error show it (the widget stays usable) and return ``None``."""
        try:
            result = fn()
        except Exception as exc:
            self.fail(exc, context)
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
    def toggle(self, node: Node, wait: bool = True) -> None:
        """Expand (listing its children with one request the first time) or collapse a node.

        ``wait=False`` (a click) lists in a background thread: the page stays live, the node shows that it
        is loading, and Cancel gives up waiting on a slow or hanging server.
        """
        if node.key in self.expanded:
            self.expanded.discard(node.key)
        elif node.key in self.children_of:
            self.expanded.add(node.key)
            self.succeed()
        elif not wait:
            if node.key not in self._loading:
                self._start_loading(node)
            return
        else:
            if self._run(lambda: self._list(node), f"Listing {node.key}") is None:
                return
            self._listed(node)
        self.render()

    def _listed(self, node: Node) -> None:
        self.expanded.add(node.key)
        count, noun = len(self.children_of[node.key]), NOUN[CHILD[node.level]]
        if not count and node.level == "project":  # XNAT lists only what this account may read
            who = "as a guest" if self.client.user == "guest" else f"as {self.client.user}"
            self.succeed(f"No {noun} you may read in {node.key} (logged in {who}).", kind="info",
                         hint="Ask the project's owner for access if you expected data.")
        else:
            self.succeed()
            self.activity = f"{count} {noun} in {node.key}"

    def _start_loading(self, node: Node) -> None:
        self.busy(f"listing {node.key}")

        def work():
            try:
                self._list(node)
                error = None
            except Exception as exc:  # shown below, unless the user gave up on it
                error = exc
            if self._loading.pop(node.key, None) is not threading.current_thread():
                return  # cancelled: the user has moved on
            self._show_loading()
            if error is not None:
                self.fail(error, f"Listing {node.key}")
            else:
                self._listed(node)
            self.render()

        thread = threading.Thread(target=work, name=f"ndw-xnat-list-{node.key}", daemon=True)
        self._loading[node.key] = thread
        self._show_loading()
        thread.start()

    def _show_loading(self) -> None:
        keys = list(self._loading)
        if keys:
            self.loading.value = (f'<span class="ndw ndw-muted ndw-xnat-loading"><i class="fa fa-spinner fa-spin">'
                                  f'</i> Listing {escape(", ".join(keys))}…</span>')
        else:
            self.loading.value = ""
        self.cancel_button.layout.display = None if keys else "none"
        for key, row in self._rows.items():
            row.expand.disabled = key in self._loading or row.node.level == "file"

    def cancel_loading(self) -> None:
        """Stop waiting for the listings under way (the server's late answers are ignored)."""
        given_up = list(self._loading)
        self._loading.clear()
        self._show_loading()
        if given_up:
            self.succeed(f"Stopped waiting for {', '.join(given_up)}.", kind="info",
                         hint="The server was slow to answer; expand again to retry.")

    def wait_loading(self, timeout: float = 30) -> None:
        """Wait for listings started by clicks (tests and scripts)."""
        for thread in list(self._loading.values()):
            thread.join(timeout)

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
        self.status, self.activity = job.state, f"{job.label}: {job.state}"
        self.error = self.progress.banner.message if job.state == "failed" else ""
        if job.state == "done":  # say where the files went
            where = self.folder.value.strip() if job.label == "Download" else self.dataset.value.strip()
            self.progress.banner.show(f"{job.label}: done", "ok", f"The files are in {where}.")

    def download(self) -> Job | None:
        """Download the selection into the folder box's path (a background job with progress and Cancel)."""
        from .download import download

        target, pathfmt = self.folder.value.strip(), self.pathfmt.value.replace("//", "/")
        self.busy("downloading", Status.RUNNING)
        return self._start("Download", lambda job, files: download(self.client, files, target, pathfmt=pathfmt,
                                                                   job=job), target)

    def track(self) -> Job | None:
        """Register the selection in the DataLad dataset of the dataset box (created if missing)."""
        from .track import track

        target, pathfmt, fast = self.dataset.value.strip(), self.pathfmt.value, self.register_only.value
        self.busy("tracking", Status.RUNNING)
        return self._start("Track in dataset", lambda job, files: track(self.client, files, target,
                                                                        pathfmt=pathfmt, register_only=fast, job=job),
                           target)
