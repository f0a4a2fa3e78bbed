"""Globus widgets: :class:`GlobusLogin`, :class:`GlobusBrowser` (two panes) and :class:`TransferPanel`.

All three take a :class:`~neurodata_widgets.globus.client.GlobusClient` (one is built
from configuration when omitted) and share it, so logging in once serves them all.
Tokens never reach a trait: the front end sees user names, paths and task ids only.

Examples
--------
>>> from neurodata_widgets.globus.client import GlobusClient
>>> globus = sandbox.info()["globus"]                             # here: the sandbox's Globus
>>> client = GlobusClient(globus["auth_url"], globus["transfer_url"], globus["client_id"])
>>> login, browser = GlobusLogin(client), GlobusBrowser(client)
>>> panel = TransferPanel(client, browser=browser)
>>> login.on_login(lambda user: browser.search())
>>> login.login_button.click()                                    # shows the link; open it, paste the code
>>> login.status
'waiting'
"""
from __future__ import annotations

import ipywidgets as widgets
from traitlets import Bool, Int, List, Unicode

from ..ui.badge import SandboxBadge
from ..ui.banner import link_button
from ..ui.base import Status, WidgetBase
from ..ui.html import escape, format_bytes
from ..ui.progress import JobProgress
from ..ui.theme import style
from . import transfer as transfer_ops
from .client import ConsentRequired, GlobusClient

PAGE_SIZE = 100


def _client(client):
    return client if client is not None else GlobusClient()


class GlobusLogin(WidgetBase):
    """Log in to Globus (copy-paste code or automatic loopback callback), see who is logged in, log out.

    Examples
    --------
    >>> from neurodata_widgets.globus.client import GlobusClient
    >>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    >>> globus = sandbox.info()["globus"]                             # here: the sandbox's Globus
    >>> login = GlobusLogin(GlobusClient(globus["auth_url"], globus["transfer_url"], globus["client_id"]))
    >>> url = login.start()                   # what Login does: show the link
    >>> login.code_box.value = code_shown(press_consent(url))   # you: open it, press Allow, paste the code
    >>> login.submit_button.click()
    >>> login.user
    'demo@globusid.org'
    >>> login.logout_button.click()
    """

    logged_in = Bool(False, help="whether a Globus login is stored").tag(sync=True)
    user = Unicode("", help="the logged-in identity's user name").tag(sync=True)
    mode = Unicode("code", help="'code' (paste a code) or 'callback' (loopback redirect)").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, **kwargs):
        self.client = _client(client)
        self.who = widgets.HTML()
        self.who.add_class("ndw-globus-user")
        self.mode_toggle = widgets.ToggleButtons(options=[("Paste a code", "code"), ("Automatic", "callback")],
                                                 value="code", style={"button_width": "110px"})
        self.login_button = widgets.Button(description="Log in", icon="sign-in", button_style="primary")
        self.login_button.add_class("ndw-globus-login")
        self.logout_button = widgets.Button(description="Log out", icon="sign-out")
        self.logout_button.add_class("ndw-globus-logout")
        self.link = widgets.HTML()
        self.code_box = widgets.Text(placeholder="paste the code from the Globus page", layout={"width": "320px"})
        self.code_box.add_class("ndw-globus-code")
        self.submit_button = widgets.Button(description="Submit code", icon="check")
        self.submit_button.add_class("ndw-globus-submit-code")
        self.code_row = widgets.HBox([self.code_box, self.submit_button], layout={"flex_flow": "row wrap"})
        self.login_button.on_click(lambda _: self.start())
        self.submit_button.on_click(lambda _: self.submit(self.code_box.value))
        self.code_box.on_submit(lambda _: self.submit(self.code_box.value))
        self.logout_button.on_click(lambda _: self.logout())
        self.mode_toggle.observe(lambda ch: setattr(self, "mode", ch["new"]), names="value")
        self.badge = SandboxBadge(self.client.service.get("auth_url"))
        super().__init__([style(), self.badge,
                          widgets.HBox([self.who, self.mode_toggle, self.login_button, self.logout_button],
                                       layout={"flex_flow": "row wrap", "align_items": "center"}),
                          self.link, self.code_row, self.banner], **kwargs)
        self.add_class("ndw-globus-login-widget")
        if not self.client.client_id:  # nothing configured: say what to configure, start nothing
            self.login_button.disabled = True
            self.banner.show("Globus needs this app's client id before you can log in.", "info",
                             "Register a native app (\"thick client\") at https://app.globus.org/settings/developers "
                             "and set NDW_GLOBUS_CLIENT_ID to its client id before starting Jupyter or Voila.")
        self.client.on_login(self._logged_in)
        self.client.on_flow(self._flow_started)
        self.client.on_login_error(lambda exc: self._fail(exc, "Logging in"))
        self._restore()

    def on_login(self, callback, remove: bool = False) -> None:
        """Call ``callback(userinfo)`` after each successful login."""
        self.register("login", callback, remove)

    def start(self) -> str:
        """Begin a login in the selected mode and show its link."""
        self.busy("starting a Globus login")
        try:
            return self.client.start_login(self.mode)
        except Exception as exc:
            self._fail(exc, "Starting the login")
            return ""

    def _flow_started(self, url, mode):
        self.status = Status.WAITING
        asked = "".join(f"<li>{_scope_words(s)}</li>" for s in getattr(self.client, "pending_scopes", []))
        # a button, not the address: an authorize URL is a wall of parameters
        self.link.value = (link_button("Open the Globus login page", url, "ndw-globus-login-link")
                           + (f'<div class="ndw-globus-scopes">It asks you to allow:<ul>{asked}</ul></div>'
                              if asked else ""))
        self.code_row.layout.display = None if mode == "code" else "none"
        if mode == "callback":
            self.banner.show("Waiting for the login to finish in the other tab…", "info")

    def submit(self, code: str) -> None:
        """Finish a copy-paste login with ``code``."""
        self.code_box.value = ""  # the code is single-use; never leave it in the page
        try:
            self.client.finish_login(code)
        except Exception as exc:
            self._fail(exc, "Logging in")

    def logout(self) -> None:
        self.client.logout()
        self._show(None)
        self.succeed("Logged out; your Globus tokens were revoked.", Status.LOGGED_OUT, kind="info")

    def _restore(self):
        user = None
        if self.client.logged_in:
            try:
                user = self.client.user()
            except Exception:  # stale tokens (e.g. an old sandbox): just log in again
                self.client.forget()
        self._show(user)

    def _logged_in(self, user):
        self._show(user)
        self.succeed(f"Logged in as {user.get('preferred_username')}", Status.LOGGED_IN)
        self.emit("login", user)

    def _show(self, user):
        self.logged_in = user is not None
        self.user = (user or {}).get("preferred_username", "")
        self.status = Status.LOGGED_IN if user else Status.LOGGED_OUT
        name = (user or {}).get("name") or self.user
        self.who.value = (f'<span class="ndw">Logged in as <b class="ndw-globus-username">{escape(self.user)}</b> '
                          f'({escape(name)})</span>' if user else '<span class="ndw ndw-muted">Not logged in</span>')
        self.link.value = ""
        self.code_row.layout.display = "none"
        self.logout_button.layout.display = None if user else "none"
        self.login_button.layout.display = "none" if user else None
        self.mode_toggle.layout.display = "none" if user else None

    def _fail(self, exc, context):
        # the login stays where it was (waiting for a code, logged out): the banner says what to do next
        self.fail(exc, context, self.status if not self.status.busy else Status.LOGGED_OUT)


def _scope_words(scope: str) -> str:
    """A requested scope as a user reads it on the consent page (escaped HTML)."""
    prefix = "https://auth.globus.org/scopes/"
    if scope.startswith(prefix) and scope.endswith("/https"):
        return f"reading collection <code>{escape(scope[len(prefix):-len('/https')])}</code> over HTTPS"
    if scope.startswith(prefix) and scope.endswith("/data_access"):
        return f"transfers with collection <code>{escape(scope[len(prefix):-len('/data_access')])}</code>"
    words = {"openid": "your identity", "profile": "your name", "email": "your email address",
             "urn:globus:auth:scope:transfer.api.globus.org:all": "Globus Transfer (list, move, delete files)"}
    return escape(words.get(scope, scope.split("[")[0]))


class CollectionPane(WidgetBase):
    """One side of the browser: a collection, a path, one page of its listing, a multi-selection."""

    collection = Unicode("", help="collection id shown").tag(sync=True)
    path = Unicode("/~/", help="directory shown").tag(sync=True)
    selected = List(help="names selected in the listing").tag(sync=True)
    page = Int(0, help="page of the listing, from 0").tag(sync=True)
    total = Int(0, help="entries in the directory (after filters)").tag(sync=True)
    show_hidden = Bool(False, help="list names starting with a dot").tag(sync=True)

    def __init__(self, client, title: str, page_size: int = PAGE_SIZE, **kwargs):
        self.client = client
        self.page_size = page_size
        self.entries: list = []
        self.listing = None
        self.picker = widgets.Dropdown(description=title, options=[], layout={"width": "98%"})
        self.path_box = widgets.Text(value="/~/", layout={"flex": "1 1 120px", "width": "auto", "min_width": "0"})
        self.path_box.add_class("ndw-globus-path")
        self.up_button = widgets.Button(icon="arrow-up", tooltip="Up one folder", layout={"width": "40px"})
        self.refresh_button = widgets.Button(icon="refresh", tooltip="Refresh", layout={"width": "40px"})
        self.hidden_box = widgets.Checkbox(description="hidden", indent=False, layout={"width": "80px"})
        self.list = widgets.SelectMultiple(options=[], rows=12, layout={"width": "98%"})
        self.list.add_class("ndw-globus-listing")
        self.open_button = widgets.Button(description="Open", icon="folder-open", layout={"width": "90px"})
        self.prev_button = widgets.Button(icon="chevron-left", layout={"width": "40px"})
        self.next_button = widgets.Button(icon="chevron-right", layout={"width": "40px"})
        self.page_label = widgets.Label()
        self.picker.observe(self._picked, names="value")
        # clicks list in the background: a slow or retrying Globus never freezes the page
        self.path_box.on_submit(lambda _: self.go(self.path_box.value, wait=False))
        self.up_button.on_click(lambda _: self.up(wait=False))
        self.refresh_button.on_click(lambda _: self.refresh(wait=False))
        self.hidden_box.observe(lambda ch: setattr(self, "show_hidden", ch["new"]), names="value")
        self.observe(lambda ch: self.refresh(), names="show_hidden")
        self.list.observe(lambda ch: setattr(self, "selected", list(ch["new"])), names="value")
        self.open_button.on_click(lambda _: self.open_selected(wait=False))
        self.prev_button.on_click(lambda _: self.turn(-1, wait=False))
        self.next_button.on_click(lambda _: self.turn(+1, wait=False))
        super().__init__([self.picker, widgets.HBox([self.up_button, self.path_box, self.refresh_button,
                                                     self.hidden_box], layout={"width": "98%"}),
                          self.list, widgets.HBox([self.open_button, self.prev_button, self.next_button,
                                                   self.page_label], layout={"flex_flow": "row wrap"}),
                          self.banner], **kwargs)
        # side by side when there is room, one above the other on a narrow screen
        self.layout.flex = "1 1 340px"
        self.layout.min_width = "0"
        self.layout.margin = "0 4px 0 0"

    def set_collections(self, found: list[dict]) -> None:
        keep = self.picker.value
        self.picker.options = [(c["display_name"], c["id"]) for c in found]
        if keep in [c["id"] for c in found]:
            self.picker.value = keep

    def _picked(self, change):
        if change["new"]:
            self.collection = change["new"]
            self.go("/~/")

    def go(self, path: str, wait: bool = True) -> None:
        self.path = path if path.endswith("/") else path + "/"
        self.page = 0
        self.refresh(wait)

    def up(self, wait: bool = True) -> None:
        parts = [p for p in self.path.replace("/~/", "/").split("/") if p]
        self.go("/" + "/".join(parts[:-1]) + ("/" if parts[:-1] else ""), wait)

    def turn(self, step: int, wait: bool = True) -> None:
        pages = max(1, -(-self.total // self.page_size))
        self.page = max(0, min(pages - 1, self.page + step))
        self.refresh(wait)

    def open_selected(self, wait: bool = True) -> None:
        dirs = [n for n in self.selected if self.entry(n) and self.entry(n)["type"] == "dir"]
        if dirs:
            self.go(self.join(dirs[0]) + "/", wait)

    def entry(self, name: str) -> dict | None:
        return next((e for e in self.entries if e["name"] == name), None)

    def join(self, name: str) -> str:
        base = self.path if self.path.endswith("/") else self.path + "/"
        return base + name

    def refresh(self, wait: bool = True) -> None:
        """List the current page (one request); ``wait=False`` (a click) lists in the background."""
        if not self.collection:
            return
        collection, path, hidden = self.collection, self.path, self.show_hidden
        limit, offset = self.page_size, self.page * self.page_size

        def fetch():
            # globus-sdk retries a failing Globus for up to half a minute: the busy line says so meanwhile
            with self.client.retries.reporting(self._retrying):
                return self.client.ls(collection, path, show_hidden=hidden, limit=limit, offset=offset)

        if not wait:
            self.page_label.value = f"listing {path} …"
            self.list.disabled = True
            self.in_background(fetch, self._show_listing, f"listing {path}", on_error=self._listing_failed)
            return
        self.busy(f"listing {path}")
        try:
            listing = fetch()
        except Exception as exc:
            self._listing_failed(exc)
            return
        self._show_listing(listing)

    def _retrying(self, message: str) -> None:
        self.page_label.value = message
        self.busy(message)

    def _listing_failed(self, exc) -> None:
        self.list.disabled = False
        self.entries, self.list.options = [], []
        self.page_label.value = ""
        links = [("Grant consent", exc.url, "ndw-globus-consent-link")] if isinstance(exc, ConsentRequired) else []
        self.fail(exc, f"Listing {self.path}", links=links)

    def _show_listing(self, listing) -> None:
        self.list.disabled = False
        self.succeed()
        self.listing = listing
        self.path = listing.path
        self.path_box.value = listing.path
        self.entries = listing.entries
        self.total = listing.total if listing.total is not None else len(listing.entries)
        self.list.options = [(_label(e), e["name"]) for e in listing.entries]
        self.selected = []
        pages = max(1, -(-self.total // self.page_size))
        self.page_label.value = f"page {self.page + 1} of {pages} · {self.total} entries"
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= pages - 1

    def select(self, *names: str) -> None:
        """Select entries by name (what a click in the listing does)."""
        self.list.value = tuple(names)


def _label(entry: dict) -> str:
    if entry["type"] == "dir":
        return f"{entry['name']}/"
    return f"{entry['name']}  ({format_bytes(entry['size'])})"


class GlobusBrowser(WidgetBase):
    """Search collections and browse two of them side by side (source and destination).

    Examples
    --------
    >>> b = GlobusBrowser(client)                      # doctest: +SKIP
    >>> b.search("NDW"); b.source.select("ds001"); b.selected      # doctest: +SKIP
    ['/~/ds001']
    """

    selected = List(help="paths selected in the source pane").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, page_size: int = PAGE_SIZE, **kwargs):
        self.client = _client(client)
        self.collections: list = []
        self.query = widgets.Text(placeholder="search collections", layout={"width": "320px"})
        self.query.add_class("ndw-globus-search")
        self.search_button = widgets.Button(description="Search", icon="search")
        self.source = CollectionPane(self.client, "Source", page_size)
        self.destination = CollectionPane(self.client, "Destination", page_size)
        self.source.add_class("ndw-globus-source")
        self.destination.add_class("ndw-globus-destination")
        self.search_button.on_click(lambda _: self.search(self.query.value))
        self.query.on_submit(lambda _: self.search(self.query.value))
        self.source.observe(self._sync_selection, names=["selected", "path"])
        self.badge = SandboxBadge(self.client.service.get("transfer_url"))
        super().__init__([style(), self.badge,
                          widgets.HBox([self.query, self.search_button], layout={"flex_flow": "row wrap"}),
                          self.banner,
                          widgets.HBox([self.source, self.destination],
                                       layout={"justify_content": "space-between", "flex_flow": "row wrap"})],
                         **kwargs)
        self.add_class("ndw-globus-browser")
        self.client.on_login(lambda user: self.search())  # a login anywhere (e.g. the portal's card) fills the panes
        if self.client.logged_in:
            self.search()

    def search(self, text: str = "") -> list[dict]:
        """Find collections (all of yours when ``text`` is empty) and offer them in both panes."""
        self.busy("searching collections")
        try:
            found = self.client.search(text, scope=None if text else "my-endpoints")
        except Exception as exc:
            self.fail(exc, "Searching collections")
            return []
        self.collections = found
        self.succeed()
        self.activity = f"{len(found)} collections"
        for pane in (self.source, self.destination):
            pane.set_collections(found)
        if found and self.source.picker.value is None:
            self.source.picker.value = found[0]["id"]
        if len(found) > 1 and self.destination.picker.value in (None, self.source.picker.value):
            self.destination.picker.value = found[1]["id"]
        if not found:
            self.banner.show("No collections matched.", "info", "Try another search.")
        return found

    def _sync_selection(self, change=None):
        self.selected = [self.source.join(n) for n in self.source.selected]


class TransferPanel(WidgetBase):
    """Transfer options, Submit, and a live table of tasks (progress, rate, cancel, link).

    Examples
    --------
    >>> panel = TransferPanel(client, browser=browser)    # doctest: +SKIP
    >>> panel.submit_button.click()                        # doctest: +SKIP
    >>> panel.tasks[-1]["status"]                          # doctest: +SKIP
    'ACTIVE'
    """

    tasks = List(help="submitted tasks: task_id, label, status").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, browser: GlobusBrowser | None = None, **kwargs):
        self.client = _client(client)
        self.browser = browser
        self.jobs: dict = {}
        self.label = widgets.Text(placeholder="label (optional)", layout={"width": "240px"})
        self.label.add_class("ndw-globus-label")
        self.sync_level = widgets.Dropdown(description="sync", value="", layout={"width": "200px"},
                                           options=[("always copy", ""), ("if missing", "exists"),
                                                    ("if size differs", "size"), ("if newer", "mtime"),
                                                    ("if checksum differs", "checksum")])
        self.verify = widgets.Checkbox(value=True, description="verify checksum", indent=False)
        self.submit_button = widgets.Button(description="Transfer", icon="exchange", button_style="primary")
        self.submit_button.add_class("ndw-globus-transfer")
        self.table = widgets.VBox()
        self.table.add_class("ndw-globus-tasks")
        self.submit_button.on_click(lambda _: self.submit_selection())
        super().__init__([style(), widgets.HBox([self.label, self.sync_level, self.verify, self.submit_button],
                                                layout={"flex_flow": "row wrap"}), self.banner, self.table],
                         **kwargs)
        self.add_class("ndw-globus-transfer-panel")
        self.client.on_login(lambda user: self.follow_active())
        if self.client.logged_in:
            self.follow_active()

    def follow_active(self) -> list[str]:
        """Add live rows for tasks still running on Globus (after a reload or a kernel restart)."""
        try:
            running = transfer_ops.task_records(self.client, limit=50, status="ACTIVE")
        except Exception as exc:
            self.fail(exc, "Listing running transfers")
            return []
        added = []
        for doc in reversed(running):
            if doc["task_id"] in self.jobs:
                continue
            label = doc.get("label") or f"task {doc['task_id'][:8]}"
            self.tasks = self.tasks + [{"task_id": doc["task_id"], "label": label, "status": doc["status"]}]
            self._add_row(doc["task_id"], label, None, None)
            added.append(doc["task_id"])
        return added

    def on_submit(self, callback, remove: bool = False) -> None:
        """Call ``callback(task_id)`` after each submitted transfer."""
        self.register("submit", callback, remove)

    def submit_selection(self) -> str | None:
        """Transfer what is selected in the browser's source pane into the destination pane's folder."""
        b = self.browser
        if b is None:
            self.banner.show("No browser is connected to this panel.", "warn",
                             "Create it as TransferPanel(client, browser=GlobusBrowser(client)).")
            return None
        src, dst = b.source, b.destination
        entries = [src.entry(n) for n in src.selected]
        items = [(src.join(e["name"]) + ("/" if e["type"] == "dir" else ""),
                  dst.join(e["name"]) + ("/" if e["type"] == "dir" else ""), e["type"] == "dir") for e in entries if e]
        known = all(e and e["type"] == "file" for e in entries)
        expected = sum(e["size"] for e in entries) if known and entries else None
        return self.submit(src.collection, dst.collection, items, expected, on_done=lambda job: dst.refresh())

    def submit(self, source: str, destination: str, items, expected_bytes=None, on_done=None) -> str | None:
        """Submit ``items`` (``(src, dst, recursive)``) and add a live row for the task."""
        self.busy("submitting the transfer")
        try:
            task_id = transfer_ops.submit(self.client, source, destination, items, label=self.label.value,
                                          sync_level=self.sync_level.value or None,
                                          verify_checksum=self.verify.value)
        except Exception as exc:
            self.fail(exc, "Submitting the transfer")
            return None
        label = self.label.value or f"task {task_id[:8]}"
        self.tasks = self.tasks + [{"task_id": task_id, "label": label, "status": "ACTIVE"}]
        self._add_row(task_id, label, expected_bytes, on_done)
        self.succeed(status=Status.RUNNING)
        self.activity = f"submitted {task_id}"
        self.emit("submit", task_id)
        return task_id

    def _add_row(self, task_id, label, expected_bytes, on_done):
        state = widgets.HTML('<span class="ndw-badge ndw-globus-task-status">ACTIVE</span>')
        link = widgets.HTML(f'<a class="ndw-globus-task-link" href="{escape(self.client.web_url(task_id))}" '
                            f'target="_blank" rel="noopener">details</a>')
        progress = JobProgress()
        row = widgets.VBox([widgets.HBox([widgets.HTML(f"<b>{escape(label)}</b>"), state, link]), progress])
        row.add_class("ndw-globus-task")

        def status_changed(doc):
            kind = {"SUCCEEDED": "ok", "FAILED": "error"}.get(doc["status"], "info")
            state.value = f'<span class="ndw-badge ndw-badge-{kind} ndw-globus-task-status">{escape(doc["status"])}</span>'
            self.tasks = [dict(t, status=doc["status"]) if t["task_id"] == task_id else t for t in self.tasks]

        job = transfer_ops.watch(self.client, task_id, expected_bytes, label, on_status=status_changed)
        if on_done:
            progress.on_done(on_done)
        self.jobs[task_id] = job
        self.table.children = (row,) + tuple(self.table.children)
        progress.run(job)


class RegisterBox(WidgetBase):
    """Register the files selected in a browser's source pane in a DataLad dataset (for ``datalad get`` later).

    Examples
    --------
    >>> box = RegisterBox(client, browser=browser, dataset="/data/my-ds")    # doctest: +SKIP
    >>> box.register_button.click(); box.value                              # doctest: +SKIP
    ['inputs/README']
    """

    value = List(help="dataset paths registered by the last click").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, browser: GlobusBrowser | None = None,
                 dataset: str = "", **kwargs):
        self.client = _client(client)
        self.browser = browser
        self.dataset = widgets.Text(value=str(dataset), description="Dataset", placeholder="/path/to/dataset",
                                    layout={"width": "420px"})
        self.folder = widgets.Text(value="inputs", description="Folder", layout={"width": "260px"})
        self.register_button = widgets.Button(description="Register in dataset", icon="link")
        self.register_button.add_class("ndw-globus-register")
        self.register_button.on_click(lambda _: self.register())
        super().__init__([widgets.HBox([self.dataset, self.folder, self.register_button],
                                       layout={"flex_flow": "row wrap"}), self.banner], **kwargs)
        self.add_class("ndw-globus-register-box")

    def register(self) -> list:
        """Record the selected source files in the dataset and save."""
        from .annex import register

        self.busy("registering")
        pane = self.browser.source if self.browser else None
        files = [pane.join(n) for n in pane.selected if (pane.entry(n) or {}).get("type") == "file"] if pane else []
        try:
            if not files:
                from ..errors import UserError

                raise UserError("Select one or more files (not folders) in the source pane.", "")
            done = register(self.dataset.value, self.client, pane.collection, files, dest=self.folder.value)
        except Exception as exc:
            links = ([("Allow HTTPS access to this collection", exc.url, "ndw-globus-consent-link")]
                     if isinstance(exc, ConsentRequired) else [])  # first HTTPS use: allow the collection's scope
            self.fail(exc, "Registering", links=links)
            return []
        self.value = [d["path"] for d in done]
        self.succeed(f"Registered {len(done)} file(s) in {self.dataset.value}; `datalad get` fetches them when "
                     "needed.", Status.DONE)
        self.activity = f"registered {len(done)} file(s)"
        return self.value
