"""A generic login form: server URL, user, password or anonymous, remember, who is logged in, logout.

A slice subclasses :class:`LoginForm` and implements :meth:`LoginForm.connect` (and
:meth:`LoginForm.disconnect`); the form handles the rest the same way everywhere: the
password field is emptied on every attempt, errors go to the status banner worded by
:func:`neurodata_widgets.errors.describe`, and a login saved in DataLad's credential
store is offered for the server in the URL box.
"""
from __future__ import annotations

import logging
import threading

import ipywidgets as widgets
from traitlets import Unicode

from ..ui.base import Status, WidgetBase, form_text
from ..ui.html import escape
from ..ui.secret import SecretInput
from ..ui.theme import style
from .credentials import CredentialStore, credential_name, storage_description

log = logging.getLogger(__name__)
#: seconds a login widget waits before looking up a saved login (DataLad's import): its page is built first
SAVED_LOGIN_DELAY = 2.0


class LoginForm(WidgetBase):
    """Base of the login widgets (``XnatLogin``, ...).

    Parameters
    ----------
    url, user : str
        Initial values of the fields.
    prefix : str
        CSS class prefix of the parts (``<prefix>-url``, ``<prefix>-password``, ``<prefix>-login``, ...).
    service : str
        Shown in messages ("Logged in to <service> ...").
    store : CredentialStore, optional
        Where saved logins are looked up.

    Examples
    --------
    >>> class EchoLogin(LoginForm):
    ...     def connect(self, url, user, password, anonymous, remember):
    ...         return "guest" if anonymous else user
    >>> form = EchoLogin("https://example.org", "ada")
    >>> form.password.value = "secret"; form.login_button.click(); form.wait_background()   # logs in in the background
    >>> form.value, form.status, form.password.value
    ('ada', 'logged in', '')
    """

    value = Unicode("", help="user name the server reports ('' when logged out, 'guest' if anonymous)"
                    ).tag(sync=True)
    #: what the work under way is, while the widget is busy: "logging in" (or "" for a logout); the portal's
    #: other tabs say a login is under way from it
    login_phase: str = ""

    def __init__(self, url: str = "", user: str = "", *, prefix: str = "ndw-login", service: str = "the server",
                 store: CredentialStore | None = None, **kwargs):
        self.prefix, self.service = prefix, service
        self.store = store
        self.url = form_text(value=url, description="Server", placeholder="https://server.example.org",
                             layout=widgets.Layout(width="420px"))
        self.user = widgets.Text(value=user, description="User", layout=widgets.Layout(width="260px"))
        # the typed password stays in the kernel and the browser's input, never in saved widget state
        self.password = SecretInput(description="Password", layout=widgets.Layout(width="260px"))
        self.password.on_submit(lambda _: self.login(wait=False))
        self.anonymous = widgets.Checkbox(value=False, description="Anonymous (guest)", indent=False)
        self.remember = widgets.Checkbox(value=False, description="Remember me", indent=False,
                                         layout=widgets.Layout(width="auto"))
        self.remember_where = widgets.HTML(layout=widgets.Layout(display="none"))
        self.login_button = widgets.Button(description="Log in", icon="sign-in", button_style="primary")
        self.logout_button = widgets.Button(description="Log out", icon="sign-out", disabled=True)
        # a login on a slow or hanging server waits in the background; Cancel gives up on it
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", layout=widgets.Layout(display="none"))
        self.who = widgets.HTML('<span class="ndw-muted">Not logged in.</span>')
        self.login_button.on_click(lambda _: self.login(wait=False))
        self.cancel_button.on_click(lambda _: self.cancel_login())
        self.logout_button.on_click(lambda _: self.logout(wait=False))
        self.anonymous.observe(self._toggle_anonymous, names="value")
        self.url.observe(lambda _: self._hint_saved_soon(), names="value")
        self.remember.observe(self._say_where_remembered, names="value")
        for field in (self.url, self.user, self.password):  # never wider than the login card (ndw-fit)
            field.add_class("ndw-fit")
        for part in ("url", "user", "password", "anonymous", "remember", "remember_where", "login_button",
                     "logout_button", "cancel_button", "who"):
            getattr(self, part).add_class(f"{prefix}-{part.replace('_', '-')}")
        wrap = widgets.Layout(flex_flow="row wrap", max_width="100%")
        super().__init__([style(), self.url,
                          widgets.HBox([self.user, self.password], layout=wrap),
                          widgets.HBox([self.anonymous, self.remember], layout=wrap), self.remember_where,
                          widgets.HBox([self.login_button, self.cancel_button, self.logout_button, self.who], layout=wrap), self.banner],
                         **kwargs)
        self.status = Status.LOGGED_OUT
        self.add_class(f"{prefix}-login")
        self._hint_thread: threading.Thread | None = None
        self._hint_saved_soon(SAVED_LOGIN_DELAY)

    # -- for subclasses ------------------------------------------------------------------------------
    def connect(self, url: str, user: str | None, password: str | None, anonymous: bool, remember: bool) -> str:
        """Log in and return the user name the server reports; raise on failure."""
        raise NotImplementedError

    def disconnect(self) -> None:
        """End the session (never raises for a server that is gone)."""

    def login_result(self):
        """What :meth:`on_login` callbacks receive (a subclass returns its client)."""
        return self

    def saved_login(self, url: str) -> dict | None:
        """A login saved for ``url`` (``{"user", ...}``), offered as the user field's placeholder."""
        return (self.store or CredentialStore()).get(credential_name(url))

    # -- behaviour -----------------------------------------------------------------------------------
    def on_login(self, callback, remove: bool = False) -> None:
        """Call ``callback(login_result())`` after every successful login."""
        self.register("login", callback, remove)

    def _say_where_remembered(self, change=None) -> None:
        """"Remember me" says where the password goes, and warns when that place is not encrypted."""
        if not self.remember.value:
            self.remember_where.layout.display = "none"
            return
        where, encrypted = storage_description()
        warn = "" if encrypted else (' <span class="ndw-badge ndw-badge-warn">not encrypted</span> '
                                     "Install a system keyring (e.g. gnome-keyring) to encrypt it.")
        self.remember_where.value = (f'<span class="ndw ndw-muted">The password will be kept in {escape(where)}.'
                                     f'</span>{warn}')
        self.remember_where.layout.display = None

    def login(self, wait: bool = True) -> bool:
        """Log in with the form's values; ``True`` on success (errors go to the banner).

        ``wait=False`` (the Log in button) logs in off the kernel's main thread: the form says "Logging in…" and
        offers Cancel meanwhile, and returns ``False`` at once (:meth:`wait_background` waits).
        """
        url = self.url.value.strip()
        self.login_phase = "logging in"
        self.busy(f"logging in to {url or self.service}")
        password, self.password.value = self.password.value, ""  # never keep it in widget state
        args = (url, self.user.value.strip() or None, password or None, self.anonymous.value, self.remember.value)
        self._waiting(url or self.service)
        self.in_background(lambda: self.connect(*args), self._logged_in, on_error=self._login_failed, latest=True)
        if not wait:
            return False
        self.wait_background(None)
        return self.status == Status.LOGGED_IN

    def cancel_login(self) -> None:
        """Stop waiting for the login under way (a slow or hanging server): the form is usable at once."""
        if not self.abandon_background() and not self.status.busy:
            return
        self._waiting(None)
        self._show_who()  # whoever was logged in before stays logged in
        self.succeed(f"Stopped waiting for {self.url.value.strip() or self.service}.",
                     Status.LOGGED_IN if self.value else Status.LOGGED_OUT,
                     hint="The server is slow or not answering; try again later, or check the address.", kind="info")

    def _waiting(self, where: str | None) -> None:
        """Show (``where``) or hide (``None``) that a login is under way, with its Cancel."""
        self.login_button.disabled = where is not None
        self.cancel_button.layout.display = None if where is not None else "none"
        if where is not None:
            self.who.value = f'<span class="ndw-muted {self.prefix}-busy">Logging in to {escape(where)}…</span>'

    def _login_failed(self, exc) -> None:
        self._waiting(None)
        self.value = ""
        self.fail(exc, "Logging in")
        self._show_who()

    def _logged_in(self, name: str) -> None:
        self._waiting(None)
        self.value = name
        self._show_who()
        self.succeed(f"Logged in to {self.url.value.strip() or self.service} as {name}.", Status.LOGGED_IN)
        if self.remember.value and not self.anonymous.value:
            self._hint_saved()
        self.emit("login", self.login_result())

    def logout(self, wait: bool = True) -> None:
        """End the session (``wait=False``, the Log out button: the server is told in the background)."""
        def logged_out(_=None):
            self.value = ""
            self._show_who()
            self.succeed("Logged out.", Status.LOGGED_OUT, kind="info")

        self.logout_button.disabled = True
        self.who.value = f'<span class="ndw-muted {self.prefix}-busy">Logging out…</span>'
        self.login_phase = ""
        self.in_background(self.disconnect, logged_out, "logging out", on_error=logged_out, latest=True)
        if wait:
            self.wait_background(None)

    def _toggle_anonymous(self, change):
        self.user.disabled = self.password.disabled = change["new"]

    def _hint_saved_soon(self, delay: float = 0.0) -> None:
        # the credential store's first use imports DataLad (most of a second of the kernel's time): the saved
        # login is looked up off the kernel's main thread, and ``delay`` seconds later, so that a dashboard
        # opening builds and sends its page first; the hint follows
        go = self._hint_go = threading.Event()

        def look_up():
            go.wait(delay)
            self._hint_saved()

        self._hint_thread = threading.Thread(target=look_up, name="ndw-saved-login", daemon=True)
        self._hint_thread.start()

    def wait_for_saved_login(self, timeout: float = 30) -> None:
        """Look the saved login up now if it is still to come, and wait until that is done (the lookup
        started by the constructor or a URL change)."""
        if self._hint_thread is not None:
            self._hint_go.set()
            self._hint_thread.join(timeout)

    def _hint_saved(self) -> None:
        """Offer a login saved in DataLad's store for this server (empty fields then use it)."""
        saved = None
        if self.url.value.strip():
            try:
                saved = self.saved_login(self.url.value.strip())
            except Exception:  # no usable keyring: nothing saved to offer
                log.debug("credential lookup failed", exc_info=True)
        self.user.placeholder = f"saved: {saved['user']}" if saved and saved.get("user") else ""

    def _show_who(self):
        if self.value:
            self.who.value = (f'Logged in as <b class="{self.prefix}-user-name">{escape(self.value)}</b> '
                              f'<span class="ndw-muted">on {escape(self.url.value.strip())}</span>')
        else:
            self.who.value = '<span class="ndw-muted">Not logged in.</span>'
        self.logout_button.disabled = not self.value
