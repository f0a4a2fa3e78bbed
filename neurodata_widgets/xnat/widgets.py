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

from .. import errors
from ..auth.widgets import LoginForm
from ..config import sandbox_login, setting
from ..jobs import Job
from ..ui.badge import SandboxBadge
from ..ui.base import Status, WidgetBase, form_text
from ..ui.html import escape, format_bytes
from ..ui.progress import JobProgress
from ..ui.theme import style
from ..ui.table import PagedTable
from .client import Node, XnatClient, ensure_url
from .tree import CHILD, COLUMNS, NOUN, detail_html, details, name, path, tree_frame

log = logging.getLogger(__name__)



def _where(node: Node | None) -> str:
    """A node as a user reads it in a message: DEMO/sub-01/sub-01_MR1/2 (session labels, not XNAT IDs)."""
    return "/".join(path(node)) if node is not None else "projects"


def _records(frame) -> list:
    return frame.to_dict("records")


def _size(n) -> str:
    return "" if n is None or str(n) in ("<NA>", "nan") else format_bytes(n)


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
    >>> login.password.value = xnat["password"]; login.login_button.click(); login.wait_background()
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
        return self.client.login(user, password, anonymous=anonymous, remember=remember, url=url,
                                 still_wanted=self.still_wanted)

    def disconnect(self) -> None:
        self.client.logout()

    def login_result(self):
        return self.client

    def saved_login(self, url: str) -> dict | None:
        if url.rstrip("/") != self.client.url:
            return super().saved_login(url)
        return self.client.saved_login()


class XnatBrowser(WidgetBase):
    """Browse an XNAT lazily: each node expands with one request; select, inspect, download or track.

    The tree is the one table component in tree mode: ▸/▾ expands a row, its checkbox (shift-click for a
    range) chooses what to download or track, and the active row shows every detail XNAT gave. A session's
    rows hold its scans and its own (session-level) resources.

    Parameters
    ----------
    client : XnatClient, optional
        A logged-in client; without one the browser waits for :meth:`set_client` (e.g. from ``XnatLogin.on_login``).
    page_size : int
        Rows of the (expanded) tree per page.

    Examples
    --------
    >>> xnat = sandbox.info()["xnat"]
    >>> client = XnatClient(xnat["url"])
    >>> client.login("demo", xnat["password"])
    'demo'
    >>> browser = XnatBrowser(client)
    >>> browser.toggle(browser.roots[0]); browser.select(browser.roots[0])
    >>> browser.table.data.loc["DEMO_PUBLIC", ["name", "kind", "details"]].tolist()  # the row the table draws
    ['DEMO_PUBLIC', 'project', 'Demo Public · 3 subjects']
    >>> browser.to_dataframe().loc[0, ["subject", "session", "name"]].tolist()
    ['sub-001', 'sub-001_MR1', 'sub-001_MR1_1_0001.dcm']
    """

    selected = List(Unicode(), help="keys of the selected nodes (project/subject/experiment/scan/resource/file)"
                    ).tag(sync=True)

    def __init__(self, client: XnatClient | None = None, page_size: int = 25, **kwargs):
        self.client = client
        self.roots: list = []
        self.children_of: dict = {}  # node key -> list[Node]
        self.expanded: set = set()
        self.nodes: dict = {}  # key -> Node
        self._loading: dict = {}  # node key -> the thread listing its children
        self._answering: set = set()  # listing threads showing what they got (wait_loading waits for them too)
        self.previews: dict = {}  # scan key -> its ScanPreview (or an error's message): fetched once, kept
        self._previewing: dict = {}  # scan key -> the thread fetching its preview
        self._drawing = threading.RLock()  # one redraw at a time (listings finish on their own threads)
        self._syncing = False  # True while the browser itself sets the table's selection
        self.table = PagedTable(tree=True, columns=COLUMNS, page_size=page_size, sortable=[], stack=["details"],
                                formatters={"size": _size},
                                detail=self._detail, caption="XNAT projects, subjects, sessions, scans and files",
                                empty_text="Log in to list the projects.")
        self.table.empty_headers = list(COLUMNS)  # shown before anything is listed
        self.table.add_class("ndw-xnat-tree")
        self.table.on_toggle(self._toggled)
        self.table.on_cancel(lambda *_: self.cancel_loading())
        self.table.observe(self._table_selected, names="selected")
        self.filter = form_text(placeholder="filter by name…", description="Filter",
                                layout=widgets.Layout(width="300px", max_width="100%"))
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.folder = form_text(value=str(setting("xnat_download_dir", None, Path.home() / "xnat-downloads")),
                                description="Folder", layout=widgets.Layout(width="420px", max_width="100%"))
        self.download_button = widgets.Button(description="Download", icon="download", button_style="primary")
        self.dataset = form_text(value=str(setting("xnat_dataset", None, Path.home() / "xnat-dataset")),
                                 description="Dataset", layout=widgets.Layout(width="420px", max_width="100%"))
        self.pathfmt = form_text(value="{subject}/{session}/{scan}/", description="Layout",
                                 layout=widgets.Layout(width="300px", max_width="100%"))
        self.register_only = widgets.Checkbox(value=True, description="register only (fetch later with datalad get)",
                                              indent=False)
        self.track_button = widgets.Button(description="Track in dataset", icon="database")
        self.selection_label = widgets.HTML("0 selected")
        # XNAT's search: sessions across projects in one request; the results open in the tree
        self.search_project = widgets.Text(placeholder="e.g. DEMO_* ", description="Project",
                                           layout=widgets.Layout(width="220px", max_width="100%"))
        self.search_subject = widgets.Text(placeholder="label or ID", description="Subject",
                                           layout=widgets.Layout(width="220px", max_width="100%"))
        self.search_modality = widgets.Combobox(options=["MR", "PET", "CT", "EEG", "MEG", "US"], placeholder="any",
                                                description="Modality", ensure_option=False,
                                                layout=widgets.Layout(width="200px", max_width="100%"))
        self.search_from = widgets.Text(placeholder="YYYY-MM-DD", description="From",
                                        layout=widgets.Layout(width="200px", max_width="100%"))
        self.search_to = widgets.Text(placeholder="YYYY-MM-DD", description="To",
                                      layout=widgets.Layout(width="200px", max_width="100%"))
        self.search_button = widgets.Button(description="Search sessions", icon="search")
        self.search_clear = widgets.Button(description="All projects", icon="times",
                                           tooltip="Leave the search: list every project again")
        self.search_button.on_click(lambda _: self.search(wait=False))
        self.search_clear.on_click(lambda _: self.refresh())
        for w, cls in ((self.search_button, "ndw-xnat-search"), (self.search_project, "ndw-xnat-search-project"),
                       (self.search_subject, "ndw-xnat-search-subject"),
                       (self.search_modality, "ndw-xnat-search-modality"), (self.search_from, "ndw-xnat-search-from"),
                       (self.search_to, "ndw-xnat-search-to"), (self.search_clear, "ndw-xnat-search-clear")):
            w.add_class(cls)
        self.progress = JobProgress()
        self.filter.observe(lambda _: self.render(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh(wait=False))
        self.download_button.on_click(lambda _: self.download())
        self.track_button.on_click(lambda _: self.track())
        for w, cls in ((self.filter, "ndw-xnat-filter"), (self.folder, "ndw-xnat-folder"),
                       (self.download_button, "ndw-xnat-download"), (self.dataset, "ndw-xnat-dataset"),
                       (self.track_button, "ndw-xnat-track"), (self.selection_label, "ndw-xnat-selection")):
            w.add_class(cls)
        self.badge = SandboxBadge(client.url if client is not None else None)
        wrap = {"flex_flow": "row wrap", "align_items": "center"}
        super().__init__([style(), self.badge, self.banner,
                          widgets.HBox([self.search_project, self.search_subject, self.search_modality,
                                        self.search_from, self.search_to, self.search_button, self.search_clear],
                                       layout=wrap),
                          widgets.HBox([self.filter, self.refresh_button, self.selection_label], layout=wrap),
                          self.table,
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
            self.render(reset=True)
            self.banner.show("Log in to browse XNAT.", "info")

    # -- data -------------------------------------------------------------------------------------------
    def login_in_progress(self, text: str | None) -> None:
        """Say that a login is under way elsewhere (``text``, e.g. "Logging in to XNAT…"); ``None``: it ended,
        and without a session the browser asks for a login again (a session lists the projects itself)."""
        if self.client is not None and self.client.connected:
            return
        self.table.empty_text = text or "Log in to list the projects."
        self.banner.show(text or "Log in to browse XNAT.", "info")

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

    def refresh(self, wait: bool = True) -> None:
        """Reload the project list (collapses the tree; keeps nothing stale).

        ``wait=False`` (the Refresh button) lists in the background, with the table's busy bar and Cancel.
        """
        self._loading.clear()
        self._show_loading()
        self.children_of.clear()
        self.expanded.clear()
        self.nodes.clear()
        self.selected = []
        self.roots = []
        connected = self.client is not None and self.client.connected
        self.table.empty_text = "No projects you may read." if connected else "Log in to list the projects."
        self.render(reset=True)
        if not connected:
            self.banner.show("Log in to browse XNAT.", "info")
        elif not wait:
            self._start_loading(None)
        elif self._run(lambda: self._store(None, self._list(None)), "Listing projects") is not None:
            self._listed(None)
            self.render()

    def search(self, project=None, subject=None, modality=None, date_from=None, date_to=None, wait: bool = True):
        """Find sessions with XNAT's search (arguments default to the search box's fields) and show them in the
        tree: their projects and subjects, expanded, holding only the sessions found (each lists its scans,
        resources and assessors when opened). "All projects" (or :meth:`refresh`) leaves the search.

        Returns the sessions found (a DataFrame, see :meth:`XnatClient.search_sessions`), ``None`` on error.
        ``wait=False`` (the button) searches in the background and returns its thread.
        """
        wanted = {"project": project if project is not None else self.search_project.value.strip(),
                  "subject": subject if subject is not None else self.search_subject.value.strip(),
                  "modality": modality if modality is not None else self.search_modality.value.strip(),
                  "date_from": date_from if date_from is not None else self.search_from.value.strip(),
                  "date_to": date_to if date_to is not None else self.search_to.value.strip()}
        if self.client is None or not self.client.connected:
            self.banner.show("Log in to search XNAT.", "info")
            return None
        if not wait:
            return self.in_background(lambda: self.client.search_sessions(**wanted),
                                      lambda found: self._show_found(found, wanted), "searching sessions",
                                      "Searching sessions")
        found = self._run(lambda: self.client.search_sessions(**wanted), "Searching sessions")
        return None if found is None else self._show_found(found, wanted)

    def _show_found(self, found, wanted: dict):
        """The sessions of a search as the tree: projects > subjects > sessions, expanded."""
        self._loading.clear()
        self.children_of.clear()
        self.expanded.clear()
        self.nodes.clear()
        self.selected = []
        projects: dict = {}
        for r in _records(found):
            subjects = projects.setdefault(r["project"], {})
            subjects.setdefault(r["subject_label"] or r["subject_id"], []).append(r)
        self.roots = self._store(None, [Node("project", p, info={"name": p}) for p in projects])
        for pnode in self.roots:
            subjects = [Node("subject", pnode.project, s, info={"label": s}) for s in projects[pnode.project]]
            self._store(pnode, subjects)
            self.expanded.add(pnode.key)
            for snode in subjects:
                self._store(snode, [Node("experiment", pnode.project, snode.subject, r["id"], r["label"], info=r)
                                    for r in projects[pnode.project][snode.subject]])
                self.expanded.add(snode.key)
        criteria = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in wanted.items() if v) or "no criteria"
        self.table.empty_text = f"No sessions match {criteria}."
        self.succeed(f"{len(found)} session{'' if len(found) == 1 else 's'} found ({criteria}).", kind="info",
                     hint="Open a session to see its scans and assessors; All projects leaves the search.")
        self.activity = f"{len(found)} sessions found"
        self.render(reset=True)
        return found

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
        """``node``'s children, with one request (a session: its scans and its own resources, at once)."""
        c = self.client
        if node is None:
            children = [Node("project", r["id"], info=r) for r in _records(c.projects())]
        elif node.level == "project":
            children = [Node("subject", node.project, r["label"], info=r) for r in _records(c.subjects(node.project))]
        elif node.level == "subject":
            children = [Node("experiment", node.project, node.subject, r["id"], r["label"], info=r)
                        for r in _records(c.experiments(node.project, node.subject))]
        elif node.level == "experiment":
            scans, resources, assessors = c.session_contents(node.experiment)
            children = [Node("scan", node.project, node.subject, node.experiment, node.session, r["id"], info=r)
                        for r in _records(scans)]
            children += [Node("resource", node.project, node.subject, node.experiment, node.session, "",
                              r["label"] or str(r["id"]), info=r) for r in _records(resources)]
            children += [Node("assessor", node.project, node.subject, node.experiment, node.session,
                              assessor=r["id"], info=r) for r in _records(assessors)]
        elif node.level == "assessor":
            label = node.info.get("label") or node.assessor
            children = [Node("resource", node.project, node.subject, node.experiment, node.session, "",
                             r["label"] or str(r["id"]), assessor=node.assessor, info=dict(r, assessor_label=label))
                        for r in _records(c.resources(node.experiment, assessor=node.assessor))]
        elif node.level == "scan":
            children = [Node("resource", node.project, node.subject, node.experiment, node.session, node.scan,
                             r["label"] or str(r["id"]), info=r) for r in _records(c.resources(node.experiment,
                                                                                                node.scan))]
        else:
            extra = {"assessor_label": node.info.get("assessor_label")} if node.assessor else {}
            children = [Node("file", node.project, node.subject, node.experiment, node.session, node.scan,
                             node.resource, r["name"], assessor=node.assessor, info=dict(r, **extra))
                        for r in _records(c.files(node.experiment, node.scan or None, node.resource,
                                                  node.assessor or None))]
        return children

    def _store(self, node: Node | None, children: list) -> list:
        for child in children:
            self.nodes[child.key] = child
        self.children_of["" if node is None else node.key] = children
        return children

    def label(self, node: Node) -> str:
        """The node's row as one line of text: its name and details (what the filter searches)."""
        text = details(node, self.children_of.get(node.key))
        return f"{name(node)}  ({text})" if text else name(node)

    # -- interaction ------------------------------------------------------------------------------------
    def toggle(self, node: Node, wait: bool = True) -> None:
        """Expand (listing its children with one request the first time) or collapse a node.

        ``wait=False`` (a click) lists in a background thread: the page stays live, the table shows that it
        is listing, and its Cancel gives up waiting on a slow or hanging server.
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
            if self._run(lambda: self._store(node, self._list(node)), f"Listing {_where(node)}") is None:
                return
            self._listed(node)
        self.render()

    def _toggled(self, label) -> None:
        # ▸/▾, ArrowRight/ArrowLeft in the table: never blocks the kernel
        node = self.nodes.get(label)
        if node is not None and node.level != "file":
            self.toggle(node, wait=False)

    def _listed(self, node: Node | None) -> None:
        if node is None:
            self.roots = self.children_of[""]
            self.succeed()
            self.activity = f"{len(self.roots)} projects"
            return
        self.expanded.add(node.key)
        count, noun = len(self.children_of[node.key]), NOUN[CHILD[node.level]] + "s"
        if not count and node.level == "project":  # XNAT lists only what this account may read
            who = "as a guest" if self.client.user == "guest" else f"as {self.client.user}"
            self.succeed(f"No {noun} you may read in {_where(node)} (logged in {who}).", kind="info",
                         hint="Ask the project's owner for access if you expected data.")
        else:
            self.succeed()
            self.activity = f"{count} {'items' if node.level == 'experiment' else noun} in {_where(node)}"

    def _start_loading(self, node: Node | None, expand: bool = True) -> None:
        """List ``node``'s children (``None``: the projects) on a thread; ``expand`` it when they arrive."""
        self.busy(f"listing {_where(node)}")
        key = "" if node is None else node.key

        def work():
            children, error = None, None
            try:
                children = self._list(node)
            except Exception as exc:  # shown below, unless the user gave up on it
                error = exc
            me = threading.current_thread()
            self._answering.add(me)  # before leaving _loading: wait_loading always finds it in one of them
            try:
                if self._loading.pop(key, None) is not me:
                    return  # cancelled, or the tree was reloaded (another login): the answer is stale
                show(children, error)
            finally:
                self._answering.discard(me)

        def show(children, error):
            self._show_loading()
            if children is not None:
                self._store(node, children)
            if error is not None:
                self.fail(error, f"Listing {_where(node)}")
            elif expand:
                self._listed(node)
            else:
                self.succeed()
            self.render()
            self.table.refresh_detail()

        thread = threading.Thread(target=work, name=f"ndw-xnat-list-{key or 'projects'}", daemon=True)
        self._loading[key] = thread
        self._show_loading()
        if expand:  # its row says "listing…" (a detail's listing may start while the table draws: no redraw)
            self.render()
        thread.start()

    def _show_loading(self) -> None:
        keys = list(self._loading)
        with self.table.hold_sync():
            self.table.busy_text = f"Listing {', '.join(self._key_where(k) for k in keys)}…" if keys else ""
            self.table.cancellable = bool(keys)
            self.table.busy = bool(keys)

    def _key_where(self, key: str) -> str:
        return _where(self.nodes.get(key)) if key else "projects"

    def cancel_loading(self) -> None:
        """Stop waiting for the listings under way (the server's late answers are ignored)."""
        given_up = list(self._loading)
        self._loading.clear()
        self._show_loading()
        if given_up:
            self.succeed(f"Stopped waiting for {', '.join(self._key_where(k) for k in given_up)}.", kind="info",
                         hint="The server was slow to answer; expand again to retry.")
            self.render()

    def wait_loading(self, timeout: float = 30) -> None:
        """Wait for listings started by clicks, until what they got is shown (tests and scripts)."""
        for thread in list(self._loading.values()) + list(self._answering):
            if thread is not threading.current_thread():  # a listing's own callbacks may wait for the others
                thread.join(timeout)

    def expand_path(self, *names: str) -> Node:
        """Expand down a path of names (project, subject, session label or ID, scan id, resource, file) and
        return the last node."""
        level = self.roots
        node = None
        for wanted in names:
            node = next(n for n in level if wanted in (name(n), n.experiment if n.level == "experiment" else ""))
            if node.key not in self.expanded and node.level != "file":
                self.toggle(node)
            level = self.children_of.get(node.key, [])
        return node

    def select(self, node: Node, value: bool = True) -> None:
        """Select (or unselect) a node, as ticking its box does."""
        with self._drawing:
            keys = [k for k in self.selected if k != node.key]
            self._set_selected(keys + [node.key] if value else keys)

    def _set_selected(self, keys: list) -> None:
        self.selected = keys
        self.selection_label.value = f"{len(keys)} selected"
        shown = self.table.data.index if self.table.data is not None else []
        self._syncing = True
        try:
            self.table.selected = [k for k in keys if k in shown]
        finally:
            self._syncing = False

    def _table_selected(self, change) -> None:
        # a tick in the table: rows not shown (under a collapsed node, filtered out) stay selected.
        # A tick made while a listing's thread redraws waits for it, then wins over the redraw.
        with self._drawing:
            if self._syncing:
                return
            shown = set(self.table.data.index)
            ticked = [k for k in change["new"] if k in shown]
            self._set_selected([k for k in self.selected if k not in shown] + ticked)

    @property
    def selected_nodes(self) -> list:
        return [self.nodes[k] for k in self.selected if k in self.nodes]

    def show_details(self, node: Node) -> None:
        """Make ``node`` the active row; its detail lists every field (a scan: its files and size too)."""
        if node.level == "scan" and node.key not in self.children_of:
            self._run(lambda: self._store(node, self._list(node)), f"Details of {_where(node)}")
        self.table.active = node.key
        self.table.refresh_detail()

    def _detail(self, label, _row) -> str:
        node = self.nodes.get(label)
        if node is None:
            return ""
        if node.level == "scan" and node.key not in self.children_of and node.key not in self._loading:
            self._start_loading(node, expand=False)  # its files and size: one request, in the background
        html = detail_html(node, self.children_of.get(node.key))
        return html + self._preview_html(node) if node.level == "scan" else html

    # -- scan previews ------------------------------------------------------------------------------------
    def preview(self, node: Node, wait: bool = True):
        """The scan's preview (its snapshot, else its middle DICOM instance), fetched once off the main thread.

        Returns the :class:`~.preview.ScanPreview` once there (``None`` while fetching with ``wait=False``).
        """
        if node.key not in self.previews and node.key not in self._previewing:
            self._start_preview(node)
        thread = self._previewing.get(node.key)
        if wait and thread is not None:
            thread.join(60)
        answer = self.previews.get(node.key)
        return answer if not isinstance(answer, str) else None

    def _start_preview(self, node: Node) -> None:
        client = self.client

        def work():
            from .preview import scan_preview

            try:
                answer = scan_preview(client, node.experiment, node.scan, node.session)
            except Exception as exc:  # the detail says so; the tree stays usable
                log.info("preview of %s failed", node.key, exc_info=True)
                answer = "No preview: " + " ".join(errors.describe(exc))
            if self._previewing.pop(node.key, None) is threading.current_thread() and client is self.client:
                self.previews[node.key] = answer
                if self.table.active == node.key:
                    self.table.refresh_detail()

        thread = threading.Thread(target=work, name=f"ndw-xnat-preview-{node.key}", daemon=True)
        self._previewing[node.key] = thread
        thread.start()

    def _preview_html(self, node: Node) -> str:
        answer = self.previews.get(node.key)
        if answer is None:
            if node.key not in self._previewing:
                self._start_preview(node)
            body = '<p class="ndw-muted">Loading preview…</p>'
        elif isinstance(answer, str):
            body = f'<p class="ndw-muted">{escape(answer)}</p>'
        else:
            body = answer.html
        return f'<div class="ndw-xnat-preview" aria-live="polite">{body}</div>'

    def render(self, reset: bool = False) -> None:
        """Redraw the tree's rows (filter applied; selection, active row and page kept)."""
        with self._drawing:
            if reset and not self.roots:  # nothing listed yet: the column headers alone, no frame to build
                self._syncing = True
                try:
                    self.table.data = None
                    self.table.selected = []
                finally:
                    self._syncing = False
                self.selection_label.value = f"{len(self.selected)} selected"
                return
            frame = tree_frame(self.roots, self.children_of, self.expanded, self.filter.value, self._loading)
            self._syncing = True
            try:
                if reset:
                    self.table.data = frame
                else:
                    self.table.update(frame)
                self.table.selected = [k for k in self.selected if k in frame.index]
            finally:
                self._syncing = False
            self.selection_label.value = f"{len(self.selected)} selected"

    # -- actions ----------------------------------------------------------------------------------------
    def to_dataframe(self):
        """The file manifest of the selection (a couple of requests per session, none per file)."""
        return self.client.manifest(self.selected_nodes)

    def _start(self, label, fn, target: str) -> Job | None:
        if not self.selected:
            self.banner.show("Select something first (tick a box in the tree).", "warn", reveal=True)
            return None
        if not target:
            self.banner.show(f"{label}: enter a folder first.", "warn", reveal=True)
            return None
        if self.progress.job is not None and not self.progress.job.done:
            self.banner.show("Wait for the running job to finish, or cancel it.", "warn", reveal=True)
            return None
        self.banner.clear()
        nodes = self.selected_nodes
        return self.progress.run(Job(lambda job: fn(job, self.client.manifest(nodes)), label=label))

    def _job_done(self, job) -> None:
        self.status, self.activity = job.state, f"{job.label}: {job.state}"
        self.error = self.progress.banner.message if job.state == "failed" else ""
        if job.state == "done":  # say where the files went
            if job.label == "Download":
                hint = f"The files are in {self.folder.value.strip()}."
            else:  # tracked files are links whose content DataLad fetches on demand
                hint = (f"The files are registered in {self.dataset.value.strip()}; their content is not "
                        "downloaded yet: `datalad get <path>` (or Get in the Explorer) fetches it when needed.")
            self.progress.banner.show(f"{job.label}: done", "ok", hint)

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
