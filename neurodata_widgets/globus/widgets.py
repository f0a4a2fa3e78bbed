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

import logging
import threading

import ipywidgets as widgets
from traitlets import Bool, Int, List, Unicode

from ..config import on_jupyterhub
from ..ui.badge import SandboxBadge
from ..ui.banner import link_button
from ..ui.base import Status, WidgetBase, form_text
from ..ui.buttons import ButtonGroups
from ..ui.html import Markup, badge, escape, format_bytes
from ..jobs import Cancelled
from ..ui.progress import JobProgress
from ..ui.table import PagedTable
from ..ui.theme import style
from . import transfer as transfer_ops
from .client import ConsentRequired, GlobusClient, SessionRequired
from .history import TaskHistory
from .listing import COLUMNS, Folder, detail_html, frame

PAGE_SIZE = 100
EMPTY_PANE = "Nothing listed yet: log in and choose a collection."
log = logging.getLogger(__name__)


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
    #: what the work under way is, while the widget is busy: "logging in", "checking" (a stored login) or ""
    #: (a logout); the portal's other tabs say a login is under way from it
    login_phase: str = ""

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
        self.login_phase = "logging in"
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
        self.login_phase = "logging in"

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

        self.login_phase = ""
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

        self.login_phase = "checking"
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
                                empty_text=EMPTY_PANE)
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
        # the folder's path as a breadcrumb: each segment a button (Tab and Enter reach it) that opens that folder
        self.crumbs = ButtonGroups(inline=True, button_class="ndw-globus-crumb", layout={"width": "98%"})
        self.crumbs.add_class("ndw-globus-crumbs")
        self.crumbs.on_click(lambda _group, index: self.go(self.crumb_paths()[index][1], wait=False))
        self.observe(lambda ch: self._draw_crumbs(), names="path")
        self._draw_crumbs()
        # New folder, Rename and Delete, as in the Globus web app (Transfer's mkdir, rename and a delete task)
        self.name_box = form_text(placeholder="folder name, or the new name", layout={"flex": "1 1 120px",
                                                                                       "width": "auto"})
        self.name_box.add_class("ndw-globus-name")
        self.mkdir_button = widgets.Button(description="New folder", icon="folder", layout={"width": "auto"})
        self.mkdir_button.add_class("ndw-globus-mkdir")
        self.rename_button = widgets.Button(description="Rename", icon="pencil", layout={"width": "auto"},
                                            tooltip="Rename the one ticked row to the name typed")
        self.rename_button.add_class("ndw-globus-rename")
        self.delete_button = widgets.Button(description="Delete", icon="trash", layout={"width": "auto"},
                                            tooltip="Delete the ticked rows (asks first)")
        self.delete_button.add_class("ndw-globus-delete")
        # the question Delete asks: its text and buttons are made when first asked (a page opens sooner)
        self.confirm_row = widgets.HBox(layout={"flex_flow": "row wrap", "align_items": "center", "display": "none"})
        self.confirm_row.add_class("ndw-globus-confirm")
        self.mkdir_button.on_click(lambda _: self.make_folder(self.name_box.value, wait=False))
        self.rename_button.on_click(lambda _: self.rename_selected(self.name_box.value, wait=False))
        self.delete_button.on_click(lambda _: self.ask_delete())
        self.actions = widgets.HBox([self.name_box, self.mkdir_button, self.rename_button, self.delete_button],
                                    layout={"flex_flow": "row wrap", "width": "98%"})
        super().__init__([self.picker, widgets.HBox([self.up_button, self.path_box, self.refresh_button,
                                                     self.hidden_box], layout={"width": "98%"}),
                          self.crumbs, self.actions, self.confirm_row, self.table, self.banner], **kwargs)
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
            self.go(self.__dict__.pop("_open_at", None) or "/~/", wait=False)  # a remembered folder, or home

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

    # -- breadcrumb ---------------------------------------------------------------------------------
    def crumb_paths(self) -> list[tuple[str, str]]:
        """``(label, path)`` of each breadcrumb segment of the folder shown, from the top."""
        home = self.path.startswith("/~/")
        parts = [p for p in self.path[3 if home else 1:].split("/") if p]
        top = "/~/" if home else "/"
        crumbs = [("~" if home else "/", top)]
        for i, part in enumerate(parts):
            crumbs.append((part, top + "/".join(parts[:i + 1]) + "/"))
        return crumbs

    def _draw_crumbs(self) -> None:
        crumbs = self.crumb_paths()
        self.crumbs.show([label for label, _ in crumbs], titles=[f"Open {path}" for _, path in crumbs],
                         name="In:")

    # -- new folder, rename, delete -----------------------------------------------------------------
    def on_task(self, callback, remove: bool = False) -> None:
        """Call ``callback(task_id, label, on_done)`` after each delete task is submitted (a panel follows it)."""
        self.register("task", callback, remove)

    def _change(self, work, activity: str, context: str, then=None, wait: bool = True) -> None:
        """Run a change on Globus in the background: the table is busy with a Cancel; then list the folder again."""
        self._stop.set()
        self._stop = threading.Event()

        def done(result):
            self.name_box.value = ""
            self.__dict__["_note"] = then(result) if then is not None else ""  # said once the folder is listed again
            self.go(self.path, wait=False)

        def failed(exc):
            self.table.busy = False
            if not isinstance(exc, Cancelled):
                self.fail(exc, context, links=auth_links(exc))

        self.table.busy_text, self.table.cancellable, self.table.busy = activity, True, True
        self._asking = self.in_background(work, done, activity, on_error=failed, latest=True)
        if wait:
            self.wait_background(None)

    def make_folder(self, name: str, wait: bool = True) -> None:
        """Make folder ``name`` in the folder shown (Transfer's ``mkdir``; New folder)."""
        name = _one_name(name)
        if name is None:
            self.banner.show("Type a name for the new folder first.", "warn",
                             "A name without '/', e.g. derivatives.")
            return
        path = self.join(name) + "/"
        self._change(lambda: self.client.mkdir(self.collection, path), f"making folder {path} …",
                     "Making the folder", lambda _: f"Made folder {path}.", wait)

    def rename_selected(self, new_name: str, wait: bool = True) -> None:
        """Rename the one ticked row to ``new_name`` in the same folder (Transfer's ``rename``)."""
        new_name = _one_name(new_name)
        if len(self.selected) != 1 or new_name is None:
            self.banner.show("Tick exactly one row and type its new name, then press Rename.", "warn",
                             "A name without '/'.")
            return
        old, new = self.join(self.selected[0]), self.join(new_name)
        self._change(lambda: self.client.rename(self.collection, old, new), f"renaming {old} …", "Renaming",
                     lambda _: f"Renamed {old} to {new}.", wait)

    def ask_delete(self) -> None:
        """Delete: first ask, naming what would be deleted."""
        if not self.selected:
            self.banner.show("Tick the files or folders to delete first.", "warn", "")
            return
        self._confirming(self.selected)

    def _confirm_parts(self) -> None:
        """Make the question's text, "Delete them" and "Keep them" (once, when Delete first asks)."""
        self.confirm_text = widgets.HTML()
        self.confirm_button = widgets.Button(description="Delete them", icon="trash", button_style="danger",
                                             layout={"width": "auto"})
        self.confirm_button.add_class("ndw-globus-confirm-delete")
        self.keep_button = widgets.Button(description="Keep them", layout={"width": "auto"})
        self.keep_button.add_class("ndw-globus-keep")
        self.confirm_button.on_click(lambda _: self.delete_selected(wait=False))
        self.keep_button.on_click(lambda _: self._confirming(None))
        self.confirm_row.children = (self.confirm_text, self.confirm_button, self.keep_button)

    def _confirming(self, names) -> None:
        names = list(names or [])
        if not self.confirm_row.children:
            if not names:  # nothing was asked yet: nothing to take back
                self._asked = []
                return
            self._confirm_parts()
        self._asked = names  # what the question named is what "Delete them" deletes
        self.confirm_row.layout.display = None if names else "none"
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if names and len(names) > 10 else "")
        self.confirm_text.value = (f'<span class="ndw ndw-globus-confirm-text">Delete {len(names)} item(s) from '
                                   f'{escape(self.path)}: <b>{escape(shown)}</b>? Folders are deleted with '
                                   'everything in them.</span>' if names else "")

    def delete_selected(self, wait: bool = True) -> str | None:
        """Delete the ticked rows (a Globus delete task; what Delete then "Delete them" does); returns its id."""
        names, done = list(getattr(self, "_asked", None) or self.selected), []
        self._confirming(None)
        if not names:
            return None
        paths = [self.join(n) + ("/" if (self.entry(n) or {}).get("type") == "dir" else "") for n in names]
        label = f"delete {', '.join(names[:3])}" + (" …" if len(names) > 3 else "")

        def submitted(task_id):
            done.append(task_id)
            if self.listening("task"):
                self.emit("task", task_id, label, lambda job: self.refresh(wait=False))
            else:  # no panel follows it: the pane does, and lists the folder again when it ends
                job = transfer_ops.watch(self.client, task_id, label=label).start()
                threading.Thread(target=lambda: (job.wait(), self.refresh(wait=False)), daemon=True).start()
            return f"Globus is deleting {len(paths)} item(s) (task {task_id}); the folder is listed again when done."

        self._change(lambda: self.client.delete(self.collection, paths, label=label),
                     f"asking Globus to delete {len(paths)} item(s) …", "Deleting", submitted, wait)
        return done[0] if done else None

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
        remembered = self.__dict__.pop("_remembered", None)
        if remembered not in (None, "/~/") and remembered == self.path and not auth_links(exc):
            # the folder open last time is gone (or unreadable now): home, calmly, instead of an error
            self.__dict__["_note"] = (f"The folder you had open last time, {remembered}, could not be listed "
                                      "again, so this is your home folder.")
            self.go("/~/", wait=False)
            return
        self.fail(exc, f"Listing {self.path}", links=auth_links(exc))

    def _show(self, folder: Folder, number: int, rows, total: int) -> None:
        self.__dict__.pop("_remembered", None)
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
        self.succeed(self.__dict__.pop("_note", ""))
        self.activity = f"{total} entries in {folder.path}"

    def _detail(self, name, _row) -> str:
        entry = self.entry(name)
        return detail_html(self.folder.path, entry) if entry is not None else ""


def _one_name(name: str) -> str | None:
    """A single folder or file name as typed (``None`` when empty, a path, or ``.``/``..``)."""
    name = (name or "").strip()
    return name if name and "/" not in name and name not in (".", "..") else None


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
    direction = Unicode("→", help="'→': the left pane is the source; '←': the right pane is").tag(sync=True)

    def __init__(self, client: GlobusClient | None = None, page_size: int = PAGE_SIZE, remember: bool = True,
                 **kwargs):
        self.client = _client(client)
        self.collections: list = []
        self._memory = None  # where the panes are remembered (known once logged in)
        self._restored = not remember  # the remembered panes are restored once, on the first collection search
        self.query = widgets.Text(placeholder="search collections", layout={"width": "320px"})
        self.query.add_class("ndw-globus-search")
        self.search_button = widgets.Button(description="Search", icon="search")
        # a search waits on Globus: a Cancel shows from the first moment, also for the search a login starts
        self.searching = widgets.HTML()
        self.cancel_search_button = widgets.Button(description="Cancel", icon="stop", button_style="warning",
                                                   tooltip="Stop searching collections", layout={"width": "auto"})
        self.cancel_search_button.add_class("ndw-globus-cancel-search")
        self.cancel_search_button.on_click(lambda _: self.cancel_search())
        self.searching_row = widgets.HBox([self.searching, self.cancel_search_button],
                                          layout={"flex_flow": "row wrap", "align_items": "center",
                                                  "display": "none"})
        self.searching_row.add_class("ndw-globus-searching")
        self.left = CollectionPane(self.client, "Source", page_size)
        self.right = CollectionPane(self.client, "Destination", page_size)
        self.left.add_class("ndw-globus-left")
        self.right.add_class("ndw-globus-right")
        # the transfer direction, as in the Globus web app: an arrow between the panes and a Swap
        self.arrow = widgets.HTML()
        self.arrow.add_class("ndw-globus-direction")
        self.swap_button = widgets.Button(description="Swap", icon="exchange", layout={"width": "auto"},
                                          tooltip="Swap source and destination")
        self.swap_button.add_class("ndw-globus-swap")
        self.swap_button.on_click(lambda _: self.swap())
        middle = widgets.VBox([self.arrow, self.swap_button], layout={"align_items": "center", "margin": "40px 4px"})
        self._mark_direction()
        self.search_button.on_click(lambda _: self.search(self.query.value, wait=False))
        self.query.on_submit(lambda _: self.search(self.query.value, wait=False))
        for pane in (self.left, self.right):
            pane.observe(self._sync_selection, names=["selected", "path"])
            pane.observe(self._remember, names=["collection", "path"])
        self.observe(self._remember, names="direction")
        self.badge = SandboxBadge(self.client.service.get("transfer_url"))
        super().__init__([style(), self.badge,
                          widgets.HBox([self.query, self.search_button], layout={"flex_flow": "row wrap"}),
                          self.searching_row, self.banner,
                          widgets.HBox([self.left, middle, self.right],
                                       layout={"justify_content": "space-between", "flex_flow": "row wrap"})],
                         **kwargs)
        self.add_class("ndw-globus-browser")
        # a login anywhere (e.g. the portal's card) fills the panes
        self.client.on_login(lambda user: self.search(wait=False))
        if self.client.logged_in:
            self.search(wait=False)

    def login_in_progress(self, text: str | None) -> None:
        """Say that a login is under way elsewhere (``text``, e.g. "Logging in to Globus…"); ``None``: it ended
        (a login fills the panes itself)."""
        for pane in (self.left, self.right):
            pane.table.empty_text = text or EMPTY_PANE
        if text:
            self.banner.show(text, "info")
            self.__dict__["_login_note"] = text
        elif self.banner.message == self.__dict__.pop("_login_note", None):
            self.banner.clear()

    @property
    def source(self) -> CollectionPane:
        """The pane transfers go from (the left one unless swapped)."""
        return self.left if self.direction == "→" else self.right

    @property
    def destination(self) -> CollectionPane:
        """The pane whose folder transfers go into."""
        return self.right if self.direction == "→" else self.left

    def swap(self) -> None:
        """Swap the transfer direction (Swap): the other pane becomes the source; folders and ticks stay."""
        self.direction = "←" if self.direction == "→" else "→"
        self._mark_direction()
        self._sync_selection()
        self.activity = f"source is the {'left' if self.direction == '→' else 'right'} pane"

    def _mark_direction(self) -> None:
        for pane, role in ((self.source, "Source"), (self.destination, "Destination")):
            other = "destination" if role == "Source" else "source"
            pane.remove_class(f"ndw-globus-{other}")
            pane.add_class(f"ndw-globus-{role.lower()}")
            pane.picker.description = role
        self.arrow.value = (f'<span class="ndw ndw-globus-arrow" role="img" aria-label="Transfer from the '
                            f'{"left" if self.direction == "→" else "right"} pane" style="font-size: 28px">'
                            f'{self.direction}</span>')

    def search(self, text: str = "", wait: bool = True) -> list[dict]:
        """Find collections and offer them in both panes; with no ``text``, the first view: bookmarked, recently
        used, shared with you and your own collections (useful even to someone who owns none).

        ``wait=False`` (a click) asks in the background and returns ``[]`` at once.
        """
        def find():
            return self.client.search(text) if text.strip() else self.client.first_view()

        def failed(exc):
            self._searching(None)
            self.fail(exc, "Searching collections", links=auth_links(exc))

        self._searching("Searching collections…" if not text.strip() else f"Searching collections for {text}…")
        self.in_background(find, lambda found: self._found(found, text), "searching collections",
                           on_error=failed, latest=True)
        if not wait:
            return []
        self.wait_background(None)
        return self.collections

    def cancel_search(self) -> bool:
        """Stop waiting for a collection search (Cancel); returns whether one was under way."""
        self._searching(None)
        if not self.abandon_background():
            return False
        self.succeed("Stopped searching collections.", kind="info",
                     hint="Globus was slow to answer; press Search to ask again.")
        self.activity = "search cancelled"
        return True

    def _searching(self, text: str | None) -> None:
        self.searching_row.layout.display = "none" if text is None else None
        self.searching.value = ("" if text is None else '<span class="ndw ndw-muted"><i class="fa fa-spinner '
                                f'fa-spin"></i> {escape(text)}</span>')

    def _found(self, found: list[dict], text: str = "") -> None:
        self._searching(None)
        self.collections = found
        self.succeed()
        self.activity = f"{len(found)} collections"
        for pane in (self.left, self.right):
            pane.set_collections(found)
        if not self._restored and self._restore(found):
            return
        if found and self.left.picker.value is None:
            self.left.picker.value = found[0]["id"]
        if len(found) > 1 and self.right.picker.value in (None, self.left.picker.value):
            self.right.picker.value = found[1]["id"]
        if not found and text.strip():
            self.banner.show("No collections matched.", "info", "Try another search.")
        elif not found:
            self.banner.show("You have no bookmarked, recent, shared or own collections yet.", "info",
                             "Type part of a collection's name (e.g. your institution's) in the search box and "
                             "press Search.")

    def _restore(self, found: list[dict]) -> bool:
        """Open the panes as the user left them last time (collections, folders, direction); ``False`` if
        nothing was remembered. A remembered collection that is gone or no longer shared leaves its pane empty,
        with a sentence saying so."""
        from .panes import PaneMemory, check

        self._restored = True
        try:
            self._memory = PaneMemory(self.client.storage.namespace, self.client.user().get("sub", ""))
        except Exception:  # who is logged in could not be asked: the panes open as for a first visit
            log.warning("the remembered Globus panes could not be read", exc_info=True)
            return False
        saved = self._memory.load()
        if not saved:
            return False
        if saved.get("direction") in ("→", "←") and saved["direction"] != self.direction:
            self.swap()
        known = {c["id"]: c for c in found}
        for side, pane in (("left", self.left), ("right", self.right)):
            remembered = saved.get(side) or {}
            if not remembered.get("collection"):
                continue
            doc = known.get(remembered["collection"])
            if doc is None:
                doc, why = check(self.client, remembered, "source" if pane is self.source else "destination")
                if doc is None:
                    pane.banner.show(why, "info", "Choose a collection in the list above, or search for one.")
                    continue
                pane.picker.options = list(pane.picker.options) + [(_label(doc), doc["id"])]
            pane.__dict__["_open_at"] = pane.__dict__["_remembered"] = remembered.get("path") or "/~/"
            pane.picker.value = doc["id"]
        self.activity = "panes restored"
        return True

    def _remember(self, change=None) -> None:
        """Save the panes as they are now (after the first restore: what was remembered is not overwritten)."""
        if self._memory is None:
            return
        names = {c["id"]: c.get("display_name") for c in self.collections}
        state = {"direction": self.direction}
        for side, pane in (("left", self.left), ("right", self.right)):
            if pane.collection:
                state[side] = {"collection": pane.collection, "name": names.get(pane.collection) or pane.collection,
                               "path": pane.path}
        self._memory.save(state)

    def wait_background(self, timeout: float | None = 60) -> None:
        """Wait for the search and for both panes' listings (tests and scripts)."""
        super().wait_background(timeout)
        for pane in (self.left, self.right):
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
        self.label = form_text(placeholder="label (optional)", layout={"width": "240px"})
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
        # the history: Globus' own task list, newest first, a page at a time (it survives a reload)
        self.history = PagedTable(remote=True, columns=HISTORY_COLUMNS, page_size=HISTORY_PAGE, checkable=False,
                                  sortable=[], caption="Transfer history (from Globus' task list, newest first)",
                                  formatters={"status": _status_cell, "bytes": _size_cell},
                                  empty_text="No transfers or deletes yet.")
        self.history.add_class("ndw-globus-history")
        self.history.on_request(lambda page, *_: self.load_history(page, wait=False, fresh=False))
        self.history.on_cancel(lambda *_: self._history_cancelled())
        self._history_stop = threading.Event()
        self._history_thread = None
        self._history_query = None  # the search shown (a TaskHistory), kept while its pages are turned
        # searching the history, as the Globus web app's Activity page does (Globus filters what it can)
        self.history_search = form_text(description="Search", placeholder="label, collection or path",
                                        layout={"width": "320px"})
        self.history_search.add_class("ndw-globus-history-search")
        self.history_status = widgets.Dropdown(description="Status", options=HISTORY_STATUSES, value="",
                                               layout={"width": "220px"})
        self.history_status.add_class("ndw-globus-history-status")
        for box in (self.history_search, self.history_status):
            box.observe(lambda _: self.load_history(0, wait=False), names="value")
        self.submit_button.on_click(lambda _: self.submit_selection(wait=False))
        self.cancel_button.on_click(lambda _: self.cancel_submission())
        super().__init__([style(), widgets.HBox([self.label, self.sync_level, self.verify, self.submit_button],
                                                layout={"flex_flow": "row wrap"}), self.waiting_row,
                          self.banner, self.looking, self.table,
                          widgets.HTML('<b class="ndw">History</b>'),
                          widgets.HBox([self.history_search, self.history_status], layout={"flex_flow": "row wrap"}),
                          self.history], **kwargs)
        self.add_class("ndw-globus-transfer-panel")
        if browser is not None:  # the button says what it will move: the kernel's view of the ticked rows
            browser.observe(self._selection_changed, names="selected")
            for pane in (browser.left, browser.right):  # a pane's delete task gets a live row here
                pane.on_task(lambda task_id, label, on_done: self._add_row(task_id, label, None, on_done))
        self.client.on_login(lambda user: (self.follow_active(wait=False), self.load_history(0, wait=False)))
        if self.client.logged_in:
            self.follow_active(wait=False)
            self.load_history(0, wait=False)

    def load_history(self, page: int | None = None, wait: bool = True, fresh: bool = True) -> None:
        """Show page ``page`` (default: the page shown) of Globus' task list, searched with the history's Search
        and Status, in the history table; read in a thread of its own while the table is busy with a Cancel.

        ``fresh`` asks Globus again from the start (a task ended, the search changed); a page turn keeps what
        the search already read (``fresh=False``).
        """
        page = self.history.page if page is None else page
        if fresh:
            self._history_query = None
        if page != self.history.page:  # turning the table's page asks for it (on_request): one way in
            self.history.page = page
            if wait and self._history_thread is not None:
                self._history_thread.join()
            return
        self._history_stop.set()
        stop = self._history_stop = threading.Event()
        query, text, status = self._history_query, self.history_search.value, self.history_status.value
        self.history.busy_text, self.history.cancellable, self.history.busy = "Reading the history from Globus…", \
            True, True

        def read():
            try:
                asked = query or TaskHistory(self.client, text, status)
                records, total = asked.page(page, HISTORY_PAGE)
            except Exception as exc:
                if not stop.is_set():
                    self.history.busy = False
                    self.fail(exc, "Reading the transfer history")
                return
            if not stop.is_set():
                self._history_query = asked
                self.history.empty_text = ("No task matches this search." if text.strip() or status
                                           else "No transfers or deletes yet.")
                self.history.show_page(_history_frame(records), total)

        thread = threading.Thread(target=read, name="ndw-globus-history", daemon=True)
        thread.start()
        self._history_thread = thread  # started first: whoever waits for it may join it at once
        if wait:
            thread.join()

    def _history_cancelled(self) -> None:
        self._history_stop.set()
        self.history.busy = False

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
        for thread in (self._following, self._history_thread):
            if thread is not None:
                thread.join(timeout)

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
            word, kind = transfer_ops.outcome(doc)  # a cancelled task reads "cancelled", not a red FAILED
            state.value = (f'<span class="ndw-badge ndw-badge-{kind} ndw-globus-task-status">'
                           f'{escape(word.upper() if kind != "neutral" else word)}</span>')
            with self._rows_lock:
                self.tasks = [dict(t, status=doc["status"]) if t["task_id"] == task_id else t for t in self.tasks]
            if doc["status"] in ("SUCCEEDED", "FAILED"):
                self.load_history(self.history.page, wait=False)  # the finished task heads the history

        job = transfer_ops.watch(self.client, task_id, expected_bytes, label, on_status=status_changed)
        if on_done:
            progress.on_done(on_done)
        with self._rows_lock:
            self.jobs[task_id] = job
            self.table.children = (row,) + tuple(self.table.children)
        progress.run(job)
        return True


HISTORY_PAGE = 10
HISTORY_STATUSES = [("any", ""), ("active", "active"), ("succeeded", "succeeded"), ("failed", "failed"),
                    ("cancelled", "cancelled")]
HISTORY_COLUMNS = ["requested", "label", "type", "status", "files", "bytes", "from", "to"]


def _history_frame(records: list[dict]):
    """The history table's rows (by task id) from task documents."""
    import pandas as pd

    rows = [{"requested": (d.get("request_time") or "").replace("T", " ")[:19] or "",
             "label": d.get("label") or f"task {d['task_id'][:8]}", "type": (d.get("type") or "").lower(),
             "status": d, "files": d.get("files"), "bytes": d.get("bytes_transferred"),
             "from": d.get("source_endpoint_display_name") or "",
             "to": d.get("destination_endpoint_display_name") or ""} for d in records]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS, index=[d["task_id"] for d in records])


def _status_cell(doc) -> Markup:
    word, kind = transfer_ops.outcome(doc if isinstance(doc, dict) else {})
    return Markup(badge(word, kind))


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
        self.dataset = form_text(value=str(dataset), description="Dataset", placeholder="/path/to/dataset",
                                 layout={"width": "420px"})
        self.folder = form_text(value="inputs", description="Folder", layout={"width": "260px"})
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
