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

import threading

import ipywidgets as widgets
from traitlets import Bool, Int, List, Unicode

from ..config import on_jupyterhub
from ..ui.badge import SandboxBadge
from ..ui.banner import link_button
from ..ui.base import Status, WidgetBase
from ..ui.html import escape, format_bytes
from ..jobs import Cancelled
from ..ui.progress import JobProgress
from ..ui.table import PagedTable
from ..ui.theme import style
from . import transfer as transfer_ops
from .client import ConsentRequired, GlobusClient, SessionRequired
from .listing import COLUMNS, Folder, detail_html, frame

PAGE_SIZE = 100


def _client(client):
    return client if client is not None else GlobusClient()


def auth_links(exc) -> list:
    """The banner's button for an error a login fixes: a consent to grant, or a re-login a policy asks for."""
    if isinstance(exc, SessionRequired):
        return [("Log in again", exc.url, "ndw-globus-relogin-link")]
    if isinstance(exc, ConsentRequired):
        return [("Grant consent", exc.url, "ndw-globus-consent-link")]
    return []


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
    >>> login.submit_button.click(); login.wait_background()          # a click logs in in the background
    >>> login.user
    'demo@globusid.org'
    >>> login.logout_button.click(); login.wait_background()
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
        if on_jupyterhub():  # the loopback callback would reach the hub's machine, not this browser's
            self.mode_toggle.options = [("Paste a code", "code")]
            self.mode_toggle.layout.display = "none"
        self.login_button = widgets.Button(description="Log in", icon="sign-in", button_style="primary")
        self.login_button.add_class("ndw-globus-login")
        self.logout_button = widgets.Button(description="Log out", icon="sign-out")
        self.logout_button.add_class("ndw-globus-logout")
        self.link = widgets.HTML()
        self.code_box = widgets.Text(placeholder="paste the code from the Globus page", layout={"width": "320px"})
        self.code_box.add_class("ndw-globus-code")
        self.submit_button = widgets.Button(description="Submit code", icon="check")
        self.submit_button.add_class("ndw-globus-submit-code")
        # exchanging the code waits on Globus: Cancel gives up on a slow or hanging one
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", layout={"display": "none"})
        self.cancel_button.add_class("ndw-globus-cancel-login")
        self.cancel_button.on_click(lambda _: self.cancel_login())
        self.code_row = widgets.HBox([self.code_box, self.submit_button, self.cancel_button],
                                     layout={"flex_flow": "row wrap"})
        self.login_button.on_click(lambda _: self.start())
        # exchanging a code and revoking tokens wait on Globus: clicks do so in the background
        self.submit_button.on_click(lambda _: self.submit(self.code_box.value, wait=False))
        self.code_box.on_submit(lambda _: self.submit(self.code_box.value, wait=False))
        self.logout_button.on_click(lambda _: self.logout(wait=False))
        self.mode_toggle.observe(lambda ch: setattr(self, "mode", ch["new"]), names="value")
        self.badge = SandboxBadge(self.client.service.get("auth_url"))
        super().__init__([style(), self.badge,
                          widgets.HBox([self.who, self.mode_toggle, self.login_button, self.logout_button],
                                       layout={"flex_flow": "row wrap", "align_items": "center"}),
                          self.link, self.code_row, self.banner], **kwargs)
        self.add_class("ndw-globus-login-widget")
        if not self.client.client_id:  # nothing configured: say what to configure, start nothing
            self.login_button.disabled = True
            from .configured import REGISTER_APP

            self.banner.show("Globus needs this app's client id before you can log in.", "info",
                             REGISTER_APP + " Then restart the kernel (or Voila).")
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
            return self.client.start_login("code" if on_jupyterhub() else self.mode)
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
        if getattr(self.client, "pending_session", None):  # a collection's policy wants a new, stricter login
            self.banner.show("A collection's security policy asks you to log in again: open the Globus login "
                             "page, log in, and paste the code here.", "warn")
        elif mode == "callback":
            self.banner.show("Waiting for the login to finish in the other tab…", "info")

    def submit(self, code: str, wait: bool = True) -> None:
        """Finish a copy-paste login with ``code`` (``wait=False``: in the background, as a click does)."""
        self.code_box.value = ""  # the code is single-use; never leave it in the page
        self.who.value = '<span class="ndw ndw-muted ndw-globus-busy">Logging in…</span>'
        self.submit_button.disabled, self.cancel_button.layout.display = True, None

        def failed(exc):
            self._submitted()
            self._fail(exc, "Logging in")

        self.in_background(lambda: self.client.finish_login(code, still_wanted=self.still_wanted), None,
                           "logging in", on_error=failed, latest=True)
        if wait:
            self.wait_background(None)

    def logout(self, wait: bool = True) -> None:
        """Log out and revoke the tokens (``wait=False``: in the background, as a click does)."""
        def logged_out(_):
            self._show(None)
            self.succeed("Logged out; your Globus tokens were revoked.", Status.LOGGED_OUT, kind="info")

        self.in_background(self.client.logout, logged_out, "logging out", "Logging out", latest=True)
        if wait:
            self.wait_background(None)

    def cancel_login(self) -> None:
        """Stop waiting for Globus to accept the code (Cancel): usable at once; a late answer is revoked."""
        if not self.abandon_background():
            return
        self._submitted()
        self._show(self.client.user() if self.logged_in else None)
        self.succeed("Stopped waiting for Globus.", Status.LOGGED_IN if self.logged_in else Status.LOGGED_OUT,
                     hint="Globus is slow or not answering; press Log in again later (a code works once).",
                     kind="info")

    def _submitted(self) -> None:
        self.submit_button.disabled, self.cancel_button.layout.display = False, "none"

    def _restore(self):
        # a stored login is checked with Globus off the kernel's main thread: the page shows at once
        self._show(None)
        if not self.client.logged_in:
            return
        self.who.value = '<span class="ndw ndw-muted ndw-globus-busy">Checking your stored Globus login…</span>'

        def checked(user):
            if self.status.busy:  # not when a login started meanwhile (its link stays)
                self._show(user)

        def stale(exc):  # stale tokens (e.g. an old sandbox): just log in again
            self.client.forget()
            checked(None)

        self.in_background(self.client.user, checked, on_error=stale, activity="checking the stored login")

    def _logged_in(self, user):
        self._submitted()
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
        self.mode_toggle.layout.display = "none" if user or on_jupyterhub() else None

    def _fail(self, exc, context):
        # the login stays where it was (waiting for a code, logged out): the banner says what to do next
        if not self.logged_in:  # no "Logging in…" left behind
            self.who.value = '<span class="ndw ndw-muted">Not logged in</span>'
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
    """One side of the browser: a collection, a folder shown in the table component, the rows ticked.

    Tick rows (shift-click for a range) to choose what to transfer; double-click a folder (or press Enter on
    it) to open it; click a header to sort; the row detail shows the active entry. Listing waits on Globus in
    the background, with the table busy and a Cancel that makes the pane usable at once.
    """

    collection = Unicode("", help="collection id shown").tag(sync=True)
    path = Unicode("/~/", help="directory shown").tag(sync=True)
    selected = List(help="names ticked in the listing (on any page of this folder)").tag(sync=True)
    page = Int(0, help="page of the listing, from 0").tag(sync=True)
    total = Int(0, help="entries in the directory (after filters)").tag(sync=True)
    show_hidden = Bool(False, help="list names starting with a dot").tag(sync=True)

    def __init__(self, client, title: str, page_size: int = PAGE_SIZE, **kwargs):
        self.client = client
        self.page_size = page_size
        self.folder: Folder | None = None  # the folder shown
        self.entries: list = []  # the current page's file documents
        self._stop = threading.Event()  # set by Cancel: the request under way is not retried
        self._asking = None  # the thread of the latest request (what Cancel leaves behind)
        self.picker = widgets.Dropdown(description=title, options=[], layout={"width": "98%"})
        self.path_box = widgets.Text(value="/~/", layout={"flex": "1 1 120px", "width": "auto", "min_width": "0"})
        self.path_box.add_class("ndw-globus-path")
        self.up_button = widgets.Button(icon="arrow-up", tooltip="Up one folder", layout={"width": "40px"})
        self.refresh_button = widgets.Button(icon="refresh", tooltip="Refresh", layout={"width": "40px"})
        self.hidden_box = widgets.Checkbox(description="hidden", indent=False, layout={"width": "80px"})
        self.table = PagedTable(remote=True, columns=COLUMNS, page_size=page_size, detail=self._detail,
                                formatters={"size": _size_cell}, caption=f"{title} collection: files and folders",
                                empty_text="Nothing listed yet: log in and choose a collection.")
        self.table.add_class("ndw-globus-listing")
        self.table.empty_headers = list(COLUMNS)  # the column headers, before anything is listed
        self.table.data = None
        # every click that waits on Globus does so in the background: a slow or retrying Globus never freezes
        self.picker.observe(self._picked, names="value")
        self.path_box.on_submit(lambda _: self.go(self.path_box.value, wait=False))
        self.up_button.on_click(lambda _: self.up(wait=False))
        self.refresh_button.on_click(lambda _: self.refresh(wait=False))
        self.hidden_box.observe(lambda ch: setattr(self, "show_hidden", ch["new"]), names="value")
        self.observe(lambda ch: self.go(self.path, wait=False), names="show_hidden")
        self.table.observe(lambda ch: setattr(self, "selected", [str(n) for n in ch["new"]]), names="selected")
        self.table.on_request(lambda page, size, sort_by, ascending: self._list(page, wait=False))
        self.table.on_open(lambda name: self.open_entry(name, wait=False))
        self.table.on_cancel(lambda *_: self.cancel_listing())
        super().__init__([self.picker, widgets.HBox([self.up_button, self.path_box, self.refresh_button,
                                                     self.hidden_box], layout={"width": "98%"}),
                          self.table, self.banner], **kwargs)
        # side by side when there is room, one above the other on a narrow screen
        self.layout.flex = "1 1 340px"
        self.layout.min_width = "0"
        self.layout.margin = "0 4px 0 0"

    def set_collections(self, found: list[dict]) -> None:
        keep = self.picker.value
        self.picker.options = [(_label(c), c["id"]) for c in found]
        if keep in [c["id"] for c in found]:
            self.picker.value = keep

    def open_collection(self, collection_id: str, wait: bool = True) -> None:
        """Show collection ``collection_id`` (added to the choices if a search did not offer it)."""
        if collection_id not in [v for _, v in self.picker.options]:
            doc = self.client.collection(collection_id)
            self.picker.options = list(self.picker.options) + [(_label(doc), collection_id)]
        self.picker.value = collection_id
        if wait:
            self.wait_background(None)

    def _picked(self, change):
        if change["new"]:
            self.collection = change["new"]
            self.go("/~/", wait=False)

    # -- what a user does, callable from Python ------------------------------------------------------
    def go(self, path: str, wait: bool = True) -> None:
        """Open folder ``path`` (``wait=False``, what a click does: list it in the background)."""
        path = path if path.endswith("/") else path + "/"
        self._list(0, wait, Folder(self.client, self.collection, path, self.show_hidden))

    def up(self, wait: bool = True) -> None:
        parts = [p for p in self.path.replace("/~/", "/").split("/") if p]
        self.go("/" + "/".join(parts[:-1]) + ("/" if parts[:-1] else ""), wait)

    def refresh(self, wait: bool = True) -> None:
        """List the folder shown again, from its first page."""
        self.go(self.path, wait)

    def turn(self, step: int, wait: bool = True) -> None:
        """Show the page ``step`` pages on (``-1``: back), as the table's arrows do."""
        pages = max(1, -(-self.total // self.page_size))
        self.table.page = max(0, min(pages - 1, self.page + step))  # the table asks for it: see _list
        if wait:
            self.wait_background(None)

    def open_entry(self, name: str, wait: bool = True) -> None:
        """What a double-click or Enter on a row does: a folder opens, a file shows its detail."""
        entry = self.entry(name)
        if entry is not None and entry["type"] == "dir":
            self.go(self.join(name) + "/", wait)
        elif entry is not None:
            self.table.active = name

    def open_selected(self, wait: bool = True) -> None:
        """Open the first ticked folder."""
        dirs = [n for n in self.selected if (self.entry(n) or {}).get("type") == "dir"]
        if dirs:
            self.go(self.join(dirs[0]) + "/", wait)

    def select(self, *names: str) -> None:
        """Tick entries by name (what ticking their rows does)."""
        self.table.selected = list(names)

    def cancel_listing(self) -> threading.Thread | None:
        """Stop waiting for Globus (Cancel): the pane shows what it showed; a late answer is ignored.

        Returns the request's thread, left to end on its own (``None`` when nothing was waiting).
        """
        self._stop.set()
        if not self.abandon_background():
            return None
        abandoned = self._asking
        self.table.busy = False
        if self.folder is not None:
            self.path, self.path_box.value = self.folder.path, self.folder.path
        self.succeed("Stopped waiting for Globus.", kind="info",
                     hint="It was slow to answer; press Refresh (\u21bb) to ask again.")
        self.activity = "listing cancelled"
        return abandoned

    def entry(self, name: str) -> dict | None:
        """The file document of ``name`` in the folder shown (from any page seen)."""
        return self.folder.seen.get(name) if self.folder is not None else None

    def join(self, name: str) -> str:
        """The path of ``name`` in the folder shown (not one still being listed: its rows are what is ticked)."""
        shown = self.folder.path if self.folder is not None else self.path
        return (shown if shown.endswith("/") else shown + "/") + name

    # -- listing in the background ------------------------------------------------------------------
    def _list(self, number: int, wait: bool, folder: Folder | None = None) -> None:
        """Show page ``number`` of ``folder`` (default: the folder shown); one request at most."""
        folder = folder or self.folder
        if not self.collection or folder is None:
            return
        if folder is not self.folder:
            self.path, self.path_box.value = folder.path, folder.path
        self._stop.set()  # a request still under way is moot: this one's answer is shown
        stop = self._stop = threading.Event()
        sort_by, ascending = self.table.sort_by, self.table.ascending

        def fetch():
            # globus-sdk retries a failing Globus for up to half a minute: the busy line says so meanwhile
            with self.client.retries.reporting(lambda message: self._retrying(message, stop), cancel=stop):
                return folder.page(number, self.page_size, sort_by, ascending)

        self.table.busy_text = f"listing {folder.path} …"
        self.table.cancellable = True
        self.table.busy = True
        self._asking = self.in_background(fetch, lambda answer: self._show(folder, number, *answer),
                                          f"listing {folder.path}", on_error=self._listing_failed, latest=True)
        if wait:
            self.wait_background(None)

    def _retrying(self, message: str, stop: threading.Event) -> None:
        if stop.is_set():  # given up on: the pane has moved on
            return
        self.table.busy_text = message
        self.status = Status.LOADING
        self.activity = message  # last: whoever watches it sees the pane as it now is

    def _listing_failed(self, exc) -> None:
        self.table.busy = False
        if isinstance(exc, Cancelled):
            return
        self.fail(exc, f"Listing {self.path}", links=auth_links(exc))

    def _show(self, folder: Folder, number: int, rows, total: int) -> None:
        opened = folder is not self.folder
        self.folder = folder
        self.entries = [folder.seen[n] for n in rows.index]
        with self.hold_trait_notifications():
            self.path, self.total, self.page = folder.path, total, number
        self.path_box.value = folder.path
        if opened:
            self.table.data = rows  # a new folder: its first page, nothing ticked
            self.table.empty_text = "This folder is empty."
        self.table.show_page(rows, total)
        self.succeed()
        self.activity = f"{total} entries in {folder.path}"

    def _detail(self, name, _row) -> str:
        entry = self.entry(name)
        return detail_html(self.folder.path, entry) if entry is not None else ""


def _label(c: dict) -> str:
    """A collection as the picker names it: its name, what kind it is when that matters, why it is offered."""
    notes = [c["why"]] if c.get("why") else []
    if c.get("high_assurance"):
        notes.append("high assurance")
    if c.get("is_globus_connect"):
        notes.append("Globus Connect Personal")
    return (c.get("display_name") or c["id"]) + (f" ({', '.join(notes)})" if notes else "")


def _size_cell(size) -> str:
    return "" if size is None or size != size else format_bytes(size)  # folders have no size here


class GlobusBrowser(WidgetBase):
    """Search collections and browse two of them side by side (source and destination).

    Examples
    --------
    >>> from neurodata_widgets.globus.client import GlobusClient
    >>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    >>> client = GlobusClient()                                       # here: the sandbox's Globus
    >>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see GlobusLogin)
    >>> b = GlobusBrowser(client); b.wait_background()                # fills both panes in the background
    >>> b.source.collection == sandbox.info()["globus"]["source_collection"]
    True
    >>> b.source.go("/ds001/"); b.source.select("README", "sub-01"); b.selected
    ['/ds001/README', '/ds001/sub-01']
    >>> client.logout()
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
        self.search_button.on_click(lambda _: self.search(self.query.value, wait=False))
        self.query.on_submit(lambda _: self.search(self.query.value, wait=False))
        self.source.observe(self._sync_selection, names=["selected", "path"])
        self.badge = SandboxBadge(self.client.service.get("transfer_url"))
        super().__init__([style(), self.badge,
                          widgets.HBox([self.query, self.search_button], layout={"flex_flow": "row wrap"}),
                          self.banner,
                          widgets.HBox([self.source, self.destination],
                                       layout={"justify_content": "space-between", "flex_flow": "row wrap"})],
                         **kwargs)
        self.add_class("ndw-globus-browser")
        # a login anywhere (e.g. the portal's card) fills the panes
        self.client.on_login(lambda user: self.search(wait=False))
        if self.client.logged_in:
            self.search(wait=False)

    def search(self, text: str = "", wait: bool = True) -> list[dict]:
        """Find collections and offer them in both panes; with no ``text``, the first view: bookmarked, recently
        used, shared with you and your own collections (useful even to someone who owns none).

        ``wait=False`` (a click) asks in the background and returns ``[]`` at once.
        """
        def find():
            return self.client.search(text) if text.strip() else self.client.first_view()

        self.in_background(find, lambda found: self._found(found, text), "searching collections",
                           "Searching collections", latest=True)
        if not wait:
            return []
        self.wait_background(None)
        return self.collections

    def _found(self, found: list[dict], text: str = "") -> None:
        self.collections = found
        self.succeed()
        self.activity = f"{len(found)} collections"
        for pane in (self.source, self.destination):
            pane.set_collections(found)
        if found and self.source.picker.value is None:
            self.source.picker.value = found[0]["id"]
        if len(found) > 1 and self.destination.picker.value in (None, self.source.picker.value):
            self.destination.picker.value = found[1]["id"]
        if not found and text.strip():
            self.banner.show("No collections matched.", "info", "Try another search.")
        elif not found:
            self.banner.show("You have no bookmarked, recent, shared or own collections yet.", "info",
                             "Type part of a collection's name (e.g. your institution's) in the search box and "
                             "press Search.")

    def wait_background(self, timeout: float | None = 60) -> None:
        """Wait for the search and for both panes' listings (tests and scripts)."""
        super().wait_background(timeout)
        for pane in (self.source, self.destination):
            pane.wait_background(timeout)

    def _sync_selection(self, change=None):
        self.selected = [self.source.join(n) for n in self.source.selected]


class TransferPanel(WidgetBase):
    """Transfer options, Submit, and a live row per task (progress, rate, Cancel, a link to its page).

    Submitting waits on Globus in the background: the panel says when Globus is being retried, and Cancel
    stops the submission before Globus accepts it (a task accepted meanwhile is cancelled on Globus).

    Examples
    --------
    >>> from neurodata_widgets.globus.client import GlobusClient
    >>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    >>> client = GlobusClient()                                       # here: the sandbox's Globus
    >>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see GlobusLogin)
    >>> browser = GlobusBrowser(client); panel = TransferPanel(client, browser=browser)
    >>> browser.wait_background()
    >>> client.mkdir(sandbox.info()["globus"]["destination_collection"], "/panel-example/")
    >>> browser.source.go("/ds001/"); browser.source.select("participants.tsv", "sub-01")
    >>> browser.destination.go("/panel-example/")
    >>> panel.label.value = "two items"
    >>> panel.submit_button.click(); panel.wait_background()          # submits in the background
    >>> task = panel.tasks[-1]; task["label"]
    'two items'
    >>> panel.jobs[task["task_id"]].result(timeout=60)["status"]     # its row follows it to the end
    'SUCCEEDED'
    >>> client.logout()
    """

    tasks = List(help="submitted tasks: task_id, label, status").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, browser: GlobusBrowser | None = None, **kwargs):
        self.client = _client(client)
        self.browser = browser
        self.jobs: dict = {}
        self._stop = threading.Event()  # set by Cancel: the submission under way is not retried
        self._asking = None  # the thread of the latest submission (what Cancel leaves behind)
        self._following = None  # the thread looking for tasks already running
        self._rows_lock = threading.Lock()
        self.label = widgets.Text(placeholder="label (optional)", layout={"width": "240px"})
        self.label.add_class("ndw-globus-label")
        self.sync_level = widgets.Dropdown(description="sync", value="", layout={"width": "200px"},
                                           options=[("always copy", ""), ("if missing", "exists"),
                                                    ("if size differs", "size"), ("if newer", "mtime"),
                                                    ("if checksum differs", "checksum")])
        self.verify = widgets.Checkbox(value=True, description="verify checksum", indent=False)
        self.submit_button = widgets.Button(description="Transfer", icon="exchange", button_style="primary")
        self.submit_button.add_class("ndw-globus-transfer")
        self.waiting = widgets.HTML()
        self.waiting.add_class("ndw-globus-submitting")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", button_style="warning",
                                            tooltip="Stop submitting this transfer", layout={"width": "auto"})
        self.cancel_button.add_class("ndw-globus-cancel-submit")
        self.waiting_row = widgets.HBox([self.waiting, self.cancel_button],
                                        layout={"flex_flow": "row wrap", "align_items": "center", "display": "none"})
        self.table = widgets.VBox()
        self.table.add_class("ndw-globus-tasks")
        self.looking = widgets.HTML()  # says that tasks still running on Globus are being looked for
        self.submit_button.on_click(lambda _: self.submit_selection(wait=False))
        self.cancel_button.on_click(lambda _: self.cancel_submission())
        super().__init__([style(), widgets.HBox([self.label, self.sync_level, self.verify, self.submit_button],
                                                layout={"flex_flow": "row wrap"}), self.waiting_row,
                          self.banner, self.looking, self.table], **kwargs)
        self.add_class("ndw-globus-transfer-panel")
        if browser is not None:  # the button says what it will move: the kernel's view of the ticked rows
            browser.observe(self._selection_changed, names="selected")
        self.client.on_login(lambda user: self.follow_active(wait=False))
        if self.client.logged_in:
            self.follow_active(wait=False)

    def follow_active(self, wait: bool = True) -> list[str]:
        """Add live rows for tasks still running on Globus (after a reload or a kernel restart).

        Returns the task ids added; ``wait=False`` (on a login, when the panel is built) asks Globus in a thread
        of its own, so neither the page nor a Transfer click waits for it.
        """
        added: list = []

        def follow():
            try:
                running = transfer_ops.task_records(self.client, limit=50, status="ACTIVE")
            except Exception as exc:
                self.fail(exc, "Listing running transfers")
                return
            finally:
                self.looking.value = ""
            for doc in reversed(running):
                label = doc.get("label") or f"task {doc['task_id'][:8]}"
                if self._add_row(doc["task_id"], label, None, None):
                    added.append(doc["task_id"])

        self.looking.value = ('<span class="ndw ndw-muted ndw-globus-looking"><i class="fa fa-spinner fa-spin"></i> '
                              'Looking for transfers still running on Globus…</span>')
        thread = self._following = threading.Thread(target=follow, name="ndw-globus-follow", daemon=True)
        thread.start()
        if wait:
            thread.join()
        return added

    def wait_background(self, timeout: float | None = 60) -> None:
        """Wait for a submission and for the look for running tasks (tests and scripts)."""
        super().wait_background(timeout)
        if self._following is not None:
            self._following.join(timeout)

    def _selection_changed(self, change) -> None:
        n = len(change["new"])
        self.submit_button.description = f"Transfer {n} item{'s' if n != 1 else ''}" if n else "Transfer"

    def on_submit(self, callback, remove: bool = False) -> None:
        """Call ``callback(task_id)`` after each submitted transfer."""
        self.register("submit", callback, remove)

    def submit_selection(self, wait: bool = True) -> str | None:
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
        return self.submit(src.collection, dst.collection, items, expected, wait=wait,
                           on_done=lambda job: dst.refresh(wait=False))

    def submit(self, source: str, destination: str, items, expected_bytes=None, on_done=None,
               wait: bool = True) -> str | None:
        """Submit ``items`` (``(src, dst, recursive)``) and add a live row for the task.

        ``wait=False`` (a click) submits in the background and returns ``None`` at once; the task id then
        arrives through :meth:`on_submit` and :attr:`tasks`.
        """
        options = dict(label=self.label.value, sync_level=self.sync_level.value or None,
                       verify_checksum=self.verify.value)
        self._stop.set()
        stop = self._stop = threading.Event()
        done: list = []

        def send():
            with self.client.retries.reporting(lambda message: self._retrying(message, stop), cancel=stop):
                task_id = transfer_ops.submit(self.client, source, destination, items, **options)
            if stop.is_set():  # Globus accepted it just as the user gave up: a cancelled transfer must not run
                transfer_ops.cancel(self.client, task_id)
                self.banner.show(f"Globus had accepted the transfer before Cancel took effect; task {task_id} "
                                 "was cancelled on Globus.", "info")
            return task_id

        def accepted(task_id):
            self._waiting(None)
            self._add_row(task_id, options["label"] or f"task {task_id[:8]}", expected_bytes, on_done)
            self.succeed(status=Status.RUNNING)
            self.activity = f"submitted {task_id}"
            done.append(task_id)
            self.emit("submit", task_id)

        def failed(exc):
            self._waiting(None)
            self.fail(exc, "Submitting the transfer")

        self._waiting("Submitting the transfer…")
        self._asking = self.in_background(send, accepted, "submitting the transfer", on_error=failed, latest=True)
        if not wait:
            return None
        self.wait_background(None)
        return done[0] if done else None

    def cancel_submission(self) -> threading.Thread | None:
        """Stop submitting (Cancel): Globus is not asked again, and a late acceptance is cancelled on Globus.

        Returns the submission's thread, left to end on its own (``None`` when nothing was being submitted).
        """
        self._stop.set()
        if not self.abandon_background():
            return None
        abandoned = self._asking
        self._waiting(None)
        self.succeed("Stopped submitting the transfer.", kind="info",
                     hint="Nothing was started; select files and press Transfer to try again.")
        self.activity = "submission cancelled"
        return abandoned

    def _retrying(self, message: str, stop: threading.Event) -> None:
        if stop.is_set():  # given up on: the panel has moved on
            return
        self._waiting(f"Submitting the transfer: {message}")
        self.status = Status.LOADING
        self.activity = message  # last: whoever watches it sees the panel as it now is

    def _waiting(self, text: str | None) -> None:
        """Show (or with ``None`` hide) the line saying what the submission waits for, with its Cancel."""
        self.submit_button.disabled = text is not None
        self.waiting_row.layout.display = "none" if text is None else None
        self.waiting.value = ("" if text is None else
                              f'<span class="ndw ndw-muted"><i class="fa fa-spinner fa-spin"></i> {escape(text)}</span>')

    def _add_row(self, task_id, label, expected_bytes, on_done) -> bool:
        """A live row for the task (and its entry in :attr:`tasks`); ``False`` if it has one already."""
        with self._rows_lock:  # a submission and the look for running tasks may both find a new task
            if task_id in self.jobs:
                return False
            self.jobs[task_id] = None
            self.tasks = self.tasks + [{"task_id": task_id, "label": label, "status": "ACTIVE"}]
        state = widgets.HTML('<span class="ndw-badge ndw-globus-task-status">ACTIVE</span>')
        link = widgets.HTML(f'<a class="ndw-globus-task-link" href="{escape(self.client.web_url(task_id))}" '
                            f'target="_blank" rel="noopener">details</a>')
        progress = JobProgress()
        progress.cancel_button.add_class("ndw-globus-task-cancel")  # cancels the task on Globus
        progress.cancel_button.tooltip = "Cancel this transfer on Globus"
        row = widgets.VBox([widgets.HBox([widgets.HTML(f"<b>{escape(label)}</b>"), state, link]), progress])
        row.add_class("ndw-globus-task")

        def status_changed(doc):
            kind = {"SUCCEEDED": "ok", "FAILED": "error"}.get(doc["status"], "info")
            state.value = f'<span class="ndw-badge ndw-badge-{kind} ndw-globus-task-status">{escape(doc["status"])}</span>'
            with self._rows_lock:
                self.tasks = [dict(t, status=doc["status"]) if t["task_id"] == task_id else t for t in self.tasks]

        job = transfer_ops.watch(self.client, task_id, expected_bytes, label, on_status=status_changed)
        if on_done:
            progress.on_done(on_done)
        with self._rows_lock:
            self.jobs[task_id] = job
            self.table.children = (row,) + tuple(self.table.children)
        progress.run(job)
        return True


class RegisterBox(WidgetBase):
    """Register the files selected in a browser's source pane in a DataLad dataset (for ``datalad get`` later).

    Examples
    --------
    >>> import datalad.api as dl
    >>> from neurodata_widgets.globus.client import GlobusClient
    >>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
    >>> client = GlobusClient()                                       # here: the sandbox's Globus
    >>> _ = client.finish_login(code_shown(press_consent(client.start_login())))   # log in (see GlobusLogin)
    >>> ds = dl.create(tmp / "my-ds", result_renderer="disabled")
    >>> browser = GlobusBrowser(client); browser.wait_background()
    >>> browser.source.open_collection(sandbox.info()["globus"]["public_collection"])   # anyone may read it
    >>> browser.source.go("/ds001/"); browser.source.select("README", "sub-01")    # a folder is skipped
    >>> box = RegisterBox(client, browser=browser, dataset=ds.path)
    >>> box.register_button.click(); box.wait_background()            # registers in the background
    >>> box.value
    ['inputs/README']
    >>> client.logout()
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
        self.register_button.on_click(lambda _: self.register(wait=False))
        super().__init__([widgets.HBox([self.dataset, self.folder, self.register_button],
                                       layout={"flex_flow": "row wrap"}), self.banner], **kwargs)
        self.add_class("ndw-globus-register-box")

    def register(self, wait: bool = True) -> list:
        """Record the selected source files in the dataset and save (``wait=False``: in the background)."""
        from .annex import register

        pane = self.browser.source if self.browser else None
        files = [pane.join(n) for n in pane.selected if (pane.entry(n) or {}).get("type") == "file"] if pane else []
        dataset, folder = self.dataset.value, self.folder.value

        def work():
            if not files:
                from ..errors import UserError

                raise UserError("Select one or more files (not folders) in the source pane.", "")
            return register(dataset, self.client, pane.collection, files, dest=folder)

        def failed(exc):
            links = ([("Allow HTTPS access to this collection", exc.url, "ndw-globus-consent-link")]
                     if type(exc) is ConsentRequired else auth_links(exc))  # first HTTPS use: allow its scope
            self.value = []
            self.fail(exc, "Registering", links=links)

        def registered(done):
            self.value = [d["path"] for d in done]
            self.succeed(f"Registered {len(done)} file(s) in {dataset}; `datalad get` fetches them when "
                         "needed.", Status.DONE)
            self.activity = f"registered {len(done)} file(s)"

        self.in_background(work, registered, "registering", on_error=failed)
        if wait:
            self.wait_background(None)
        return self.value
