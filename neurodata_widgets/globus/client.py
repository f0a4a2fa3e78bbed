"""Globus login, collections and directory listings with the real ``globus-sdk`` (no widgets).

Login is the SDK's native-app PKCE flow in two modes: ``"code"`` (the consent page
shows a code the user pastes; JupyterHub, Binder) and ``"callback"`` (a one-shot
loopback server receives the code; desktop JupyterLab). Tokens live in the SDK's
:class:`~globus_sdk.tokenstorage.JSONTokenStorage` in the user's configuration
directory (mode 0600) and are refreshed automatically; :meth:`GlobusClient.logout`
revokes them.

Where it connects: arguments, then ``GLOBUS_SDK_SERVICE_URL_AUTH`` /
``GLOBUS_SDK_SERVICE_URL_TRANSFER`` / ``NDW_GLOBUS_CLIENT_ID``, then the chosen sandbox
(see :func:`neurodata_widgets.config.selected_sandbox`), else the real Globus: with no
client id configured the login widget says how to register one.

Examples
--------
>>> from neurodata_widgets.globus.client import GlobusClient
>>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
>>> client = GlobusClient()                  # here: the sandbox's Globus, named by its environment
>>> url = client.start_login()               # open it, allow, copy the code
>>> code = code_shown(press_consent(url))    # (the sandbox's stand-in for you in the browser)
>>> client.finish_login(code)["preferred_username"]
'demo@globusid.org'
>>> collection_id = sandbox.info()["globus"]["source_collection"]
>>> client.ls(collection_id, "/~/").entries[0]["name"]
'ds001'
>>> client.logout()
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from .. import errors
from ..config import config_dir, running_sandbox, setting
from .exceptions import LoginRequired  # noqa: F401  (raised here too; callers import it from the client)
from .retries import RetryReporter

log = logging.getLogger(__name__)

TRANSFER_RS = "transfer.api.globus.org"
AUTH_RS = "auth.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
LOGIN_SCOPES = ("openid", "profile", "email", TRANSFER_SCOPE)
PRODUCTION_WEB = "https://app.globus.org"
_SEARCH_KEYS = ("id", "display_name", "owner_string", "description", "entity_type", "https_server",
                "high_assurance", "is_globus_connect")
# what the browser opens on before any search: endpoint_search scopes, and why a collection is listed
FIRST_VIEW = (("recently-used", "recently used"), ("shared-with-me", "shared with you"), ("my-endpoints", "yours"))


def https_scope(collection_id: str) -> str:
    """The scope of a Globus Connect Server v5 collection's HTTPS access (its own resource server)."""
    return f"https://auth.globus.org/scopes/{collection_id}/https"


def _token_id(data) -> str:
    """What identifies a stored login: its refresh token (or access token when it has none)."""
    return data.refresh_token or data.access_token


class ConsentRequired(errors.UserError):
    """A collection needs an extra consent; :attr:`url` starts the login that grants it."""

    def __init__(self, message, hint, scopes, url):
        super().__init__(message, hint)
        self.scopes = scopes
        self.url = url


class SessionRequired(errors.UserError):
    """A collection's authentication policy wants a new login (high-assurance and policy-protected collections).

    :attr:`session` holds what Globus asked for (``session_required_policies``, ``..._identities``,
    ``..._single_domain``, ``..._mfa``); :attr:`url` starts the login that satisfies it (``prompt=login``).
    """

    def __init__(self, message, hint, session, url):
        super().__init__(message, hint)
        self.session = session
        self.url = url


SESSION_KEYS = ("session_required_policies", "session_required_identities", "session_required_single_domain",
                "session_required_mfa")
# Transfer's entity types in a user's words
KINDS = {"GCSv5_mapped_collection": "a Globus Connect Server collection",
         "GCSv5_guest_collection": "a guest collection", "GCP_mapped_collection": "a Globus Connect Personal collection",
         "GCP_guest_collection": "a guest collection on Globus Connect Personal",
         "GCSv4_host": "a Globus Connect Server v4 endpoint", "GCSv4_share": "a Globus Connect Server v4 share",
         "GCSv5_endpoint": "a Globus Connect Server endpoint"}


def session_requirements(exc) -> dict:
    """What a Globus error asks of the login session: ``{"session_required_policies": [...], ...}`` (empty: nothing).

    Reads the error's ``authorization_parameters`` as globus-sdk parses them (Transfer's ``AuthPolicyFailed``,
    a ``ConsentRequired`` that also wants a session, Auth's requirements errors).
    """
    from globus_sdk.gare import to_gare

    gare = to_gare(exc)
    params = gare.authorization_parameters if gare is not None else None
    found = {k: getattr(params, k, None) for k in SESSION_KEYS}
    return {k: v for k, v in found.items() if v not in (None, [], False)}


def no_https_message(doc: dict) -> tuple[str, str]:
    """Message and hint for a collection without an HTTPS server (Globus Connect Personal, GCSv4, ...)."""
    kind = KINDS.get(doc.get("entity_type") or "", "a collection without HTTPS access")
    return (f"{doc.get('display_name') or doc.get('id')} is {kind}, which offers no HTTPS access, so its files "
            "cannot be read or registered directly.",
            "Transfer the files to a Globus Connect Server collection you can read (Transfer panel or "
            "`globus transfer`), then use them from there.")


def resolve_service(auth_url=None, transfer_url=None, client_id=None) -> dict:
    """Where Globus is: ``{"auth_url", "transfer_url", "client_id", "web_url"}``."""
    env_auth = os.environ.get("GLOBUS_SDK_SERVICE_URL_AUTH")
    env_transfer = os.environ.get("GLOBUS_SDK_SERVICE_URL_TRANSFER")
    client_id = setting("globus_client_id", client_id)
    sandbox = running_sandbox().get("globus")  # first: a chosen sandbox that stopped says so (SandboxGone)
    if auth_url or env_auth:
        auth_url = auth_url or env_auth
        transfer_url = transfer_url or env_transfer or auth_url
    elif sandbox:
        auth_url, transfer_url, client_id = sandbox["auth_url"], sandbox["transfer_url"], client_id or sandbox["client_id"]
    # nothing configured: the real Globus, and the login asks for a native-app client id (never a stand-in)
    web = auth_url.rstrip("/") if auth_url else PRODUCTION_WEB
    return {"auth_url": auth_url, "transfer_url": transfer_url, "client_id": client_id, "web_url": web}


@dataclass
class Listing:
    """One page of a directory listing."""

    collection: str
    path: str
    entries: list = field(default_factory=list)
    total: int | None = None
    offset: int = 0
    limit: int = 100

    @property
    def has_next(self) -> bool:
        if self.total is None:
            return len(self.entries) >= self.limit
        return self.offset + len(self.entries) < self.total

    def frame(self):
        """The entries as a :class:`pandas.DataFrame` (name, type, size, last_modified)."""
        import pandas as pd

        cols = ["name", "type", "size", "last_modified", "permissions"]
        return pd.DataFrame([{c: e.get(c) for c in cols} for e in self.entries], columns=cols)


class GlobusClient:
    """A logged-in (or not yet) Globus user: login, search, ls, mkdir; see :mod:`.transfer` for tasks.

    Parameters
    ----------
    auth_url, transfer_url : str, optional
        Service roots (default: see the module docstring).
    client_id : str, optional
        The native app's client id (``$NDW_GLOBUS_CLIENT_ID``).
    token_file : path, optional
        Token storage file (default ``<config dir>/globus-tokens.json``).
    """

    def __init__(self, auth_url=None, transfer_url=None, client_id=None, token_file=None):
        from .tokens import SharedTokenFile

        self.service = resolve_service(auth_url, transfer_url, client_id)
        self.client_id = self.service["client_id"]
        path = token_file or (config_dir() / "globus-tokens.json")
        where = self.service["auth_url"] or "production"
        namespace = f"{self.client_id}@{hashlib.sha1(where.encode()).hexdigest()[:10]}"
        self.storage = SharedTokenFile(path, namespace=namespace)
        self._flow = None
        self.pending_scopes: list[str] = []  # what the login in progress asks for (shown by the widget)
        self.pending_session: dict = {}  # what a collection's policy asks of that login (a re-login)
        self._receiver = None
        self._transfer = None
        self._authorizers: dict = {}  # resource server -> SharedRefreshAuthorizer
        self._public: dict = {}  # collection id -> True if its HTTPS server serves anyone
        self._user: dict | None = None
        self._lock = threading.RLock()
        self.retries = RetryReporter()  # `with client.retries.reporting(show):` says when Globus is retried
        # tokens this object has seen: only those may it forget or revoke (another tab's newer ones stay)
        self._known: dict = {rs: _token_id(d) for rs, d in self.storage.get_token_data_by_resource_server().items()}
        self._login_callbacks: list = []
        self._flow_callbacks: list = []
        self._error_callbacks: list = []

    @functools.cached_property
    def auth(self):
        """The SDK's Auth client of this app, made when first needed (it loads the HTTP stack: a page opens sooner)."""
        import globus_sdk

        return globus_sdk.NativeAppAuthClient(self.client_id, app_name="neurodata-widgets",
                                              base_url=self.service["auth_url"])

    # -- login ---------------------------------------------------------------------------------
    def start_login(self, mode: str = "code", scopes=None, session: dict | None = None) -> str:
        """Begin a login; return the URL the user opens.

        ``mode="code"``: the consent page shows a code to pass to :meth:`finish_login`.
        ``mode="callback"``: a loopback server receives the code and finishes the login itself
        (callbacks from :meth:`on_login` run then).
        ``session``: what a collection's policy asks of the login (:attr:`SessionRequired.session`); the user
        is then asked to log in again (``prompt=login``) in a way that satisfies it.
        """
        self._stop_receiver()
        redirect = None
        if mode == "callback":
            self._receiver = _Receiver(self)
            redirect = self._receiver.url
        elif mode != "code":
            raise ValueError("mode must be 'code' or 'callback'")
        kwargs = {"refresh_tokens": True}
        if redirect:
            kwargs["redirect_uri"] = redirect
        self.pending_scopes = list(scopes or LOGIN_SCOPES)
        self.pending_session = dict(session or {})
        self._flow = self.auth.oauth2_start_flow(self.pending_scopes, **kwargs)
        if self.pending_session:
            url = self.auth.oauth2_get_authorize_url(prompt="login", **self.pending_session)
        else:
            url = self._flow.get_authorize_url()
        for callback in list(self._flow_callbacks):
            callback(url, mode)
        return url

    def on_login_error(self, callback) -> None:
        """Call ``callback(exc)`` when a login finished by the loopback callback fails."""
        self._error_callbacks.append(callback)

    def on_flow(self, callback) -> None:
        """Call ``callback(url, mode)`` whenever a login (or consent) flow starts."""
        self._flow_callbacks.append(callback)

    def finish_login(self, code: str, still_wanted=None) -> dict:
        """Exchange the code, store the tokens (0600) and return who logged in.

        ``still_wanted()`` is asked once Globus answered: ``False`` (the user cancelled meanwhile) revokes the new
        tokens and keeps the stored login as it was, so a late answer never replaces it.
        """
        import globus_sdk

        if self._flow is None:
            raise errors.UserError("No login is in progress.", "Press Login first.")
        code = (code or "").strip()
        if not code:
            raise errors.UserError("Paste the code from the Globus page first.", "")
        self.auth.current_oauth2_flow_manager = self._flow
        try:
            tokens = self.auth.oauth2_exchange_code_for_tokens(code)
        except globus_sdk.AuthAPIError as exc:
            raise errors.UserError("Globus did not accept that code.",
                                   "Codes work once and expire after ten minutes: press Login again.") from exc
        if still_wanted is not None and not still_wanted():
            for data in tokens.by_resource_server.values():
                for token in (data.get("access_token"), data.get("refresh_token")):
                    if token:
                        try:
                            self.auth.oauth2_revoke_token(token)
                        except Exception:  # unused tokens expire on their own
                            log.warning("revoking an unwanted token failed", exc_info=True)
            raise errors.UserError("The login was cancelled.", "Press Log in again.")
        with self._lock:
            self.storage.store_token_response(tokens)
            os.chmod(self.storage.filepath, 0o600)
            for rs, data in tokens.by_resource_server.items():
                self._known[rs] = data.get("refresh_token") or data["access_token"]
                self._authorizers.pop(rs, None)
            self._flow = None
            self.pending_scopes = []
            self.pending_session = {}
            self._transfer = None
            self._user = None
        user = self.user()
        for callback in list(self._login_callbacks):
            callback(user)
        return user

    def on_login(self, callback) -> None:
        """Call ``callback(userinfo)`` after each successful login (also from the callback server)."""
        self._login_callbacks.append(callback)

    @property
    def logged_in(self) -> bool:
        """Whether the token file holds a Transfer login (re-read each time: another tab may have changed it)."""
        return self.storage.get_token_data(TRANSFER_RS) is not None

    def user(self) -> dict:
        """The logged-in identity (Auth's userinfo), cached."""
        import globus_sdk

        if self._user is None:
            ac = globus_sdk.AuthClient(authorizer=self._authorizer(AUTH_RS), base_url=self.service["auth_url"])
            self._user = dict(self.call(ac.userinfo).data)
        return self._user

    def logout(self) -> None:
        """Revoke the tokens this client knows and remove them (newer ones another tab stored stay)."""
        self._stop_receiver()
        with self._lock, self.storage.locked():
            for rs, data in self.storage.get_token_data_by_resource_server().items():
                if self._known.get(rs) != _token_id(data):
                    continue  # written by another tab or process after this one last looked
                for token in (data.access_token, data.refresh_token):
                    if token:
                        try:
                            self.auth.oauth2_revoke_token(token)
                        except Exception:  # logging out must work even when Globus is unreachable
                            log.warning("revoking a %s token failed", rs, exc_info=True)
                self.storage.remove_token_data(rs, only_if=data)
            self._known.clear()
            self._authorizers.clear()
            self._transfer = None
            self._user = None

    def access_token(self, resource_server: str = TRANSFER_RS, fresh: bool = False) -> str:
        """A live access token for scripts such as dataset registration.

        ``fresh=True`` always refreshes, so the token handed out lives its full lifetime.
        """
        authorizer = self._authorizer(resource_server)
        if fresh:
            authorizer.handle_missing_authorization()  # marks it expired: the next check refreshes
        self.call(authorizer.ensure_valid_token)
        return authorizer.access_token

    def _authorizer(self, resource_server: str, missing=None):
        from .tokens import SharedRefreshAuthorizer

        with self._lock:
            authorizer = self._authorizers.get(resource_server)
            if authorizer is None:
                kwargs = {"missing": missing} if missing else {}
                authorizer = SharedRefreshAuthorizer(self.storage, resource_server, self.auth,
                                                     on_tokens=lambda d: self._known.__setitem__(
                                                         resource_server, _token_id(d)), **kwargs)
                self._authorizers[resource_server] = authorizer
            return authorizer

    # -- collections' own HTTPS tokens -----------------------------------------------------------
    def collection_is_public(self, collection_id: str, https_server: str | None = None) -> bool:
        """Whether the collection's HTTPS server serves anyone (a public guest collection): asked once,
        anonymously; a collection that answers 401 wants a token for its own HTTPS scope."""
        if collection_id not in self._public:
            import requests

            base = (https_server or self.https_server(collection_id)).rstrip("/")
            answer = requests.head(base + "/", timeout=10, allow_redirects=False)
            self._public[collection_id] = answer.status_code != 401
        return self._public[collection_id]

    def collection_token(self, collection_id: str) -> str:
        """A live access token for the collection's own HTTPS scope (``https_scope(collection_id)``).

        This is the token to send, and the only one, to that collection's ``https_server`` (Globus
        Connect Server v5 refuses Transfer tokens). The first time, the user has not consented yet:
        :class:`ConsentRequired` is raised and a login asking for that scope is started (its URL is
        ``exc.url``; a :class:`~neurodata_widgets.globus.widgets.GlobusLogin` sharing this client shows
        the link and which collection it is for). After Allow and :meth:`finish_login`, the token is
        stored next to the others and refreshed like them.

        Examples
        --------
        >>> import requests
        >>> from neurodata_widgets.sandbox.globus_auth import code_shown, press_consent
        >>> client, collection_id = GlobusClient(), sandbox.info()["globus"]["source_collection"]
        >>> try:
        ...     token = client.collection_token(collection_id)
        ... except ConsentRequired as exc:
        ...     code = code_shown(press_consent(exc.url))     # you: open exc.url, press Allow, copy the code
        >>> client.finish_login(code)["preferred_username"]
        'demo@globusid.org'
        >>> token = client.collection_token(collection_id)
        >>> https_server = client.collection(collection_id)["https_server"]
        >>> requests.get(https_server + "/ds001/README", headers={"Authorization": f"Bearer {token}"}).status_code
        200
        >>> client.logout()
        """
        if self.storage.get_token_data(collection_id) is None:
            scope = https_scope(collection_id)
            url = self.start_login("code", scopes=([] if self.logged_in else list(LOGIN_SCOPES)) + [scope])
            raise ConsentRequired(
                f"Reading collection {collection_id} over HTTPS needs your consent once. Grant it here: {url}",
                "Open the link, press Allow, then paste the code into the login box.", [scope], url)
        return self.access_token(collection_id)

    def https_server(self, collection_id: str, doc: dict | None = None) -> str:
        """The collection's HTTPS server; a collection without one (Globus Connect Personal, GCSv4, a missing
        or ``null`` ``https_server``) raises a :class:`~neurodata_widgets.errors.UserError` saying to transfer."""
        doc = doc or self.collection(collection_id)
        if not doc.get("https_server"):
            raise errors.UserError(*no_https_message(doc))
        return doc["https_server"]

    def https_headers(self, collection_id: str, https_server: str | None = None) -> dict:
        """Headers for reading from the collection's HTTPS server: none for a public collection,
        else its own bearer token (see :meth:`collection_token`)."""
        if self.collection_is_public(collection_id, https_server):
            return {}
        return {"Authorization": f"Bearer {self.collection_token(collection_id)}"}

    @property
    def transfer(self):
        """A :class:`globus_sdk.TransferClient` whose tokens refresh themselves."""
        import globus_sdk

        with self._lock:
            if self._transfer is None:
                self._transfer = globus_sdk.TransferClient(authorizer=self._authorizer(TRANSFER_RS),
                                                           base_url=self.service["transfer_url"],
                                                           retry_config=self.retries.retry_config())
            return self._transfer

    def _stop_receiver(self):
        if self._receiver is not None:
            self._receiver.stop()
            self._receiver = None

    # -- calls ---------------------------------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Run an SDK call, turning login and consent problems into :class:`errors.UserError`."""
        import globus_sdk

        try:
            return fn(*args, **kwargs)
        except LoginRequired:
            with self._lock:
                self._transfer = None
                self._user = None
            raise
        except globus_sdk.AuthAPIError as exc:
            if exc.http_status in (400, 401) and ("invalid_grant" in (exc.text or "") or exc.http_status == 401):
                self.forget()
                raise LoginRequired("Your Globus login has expired or was revoked.",
                                    "Log in again with the Login button.") from exc
            raise
        except globus_sdk.TransferAPIError as exc:
            session = session_requirements(exc)
            if exc.info.consent_required:
                scopes = list(exc.info.consent_required.required_scopes)
                url = self.start_login("code", scopes=list(LOGIN_SCOPES) + scopes, session=session)
                raise ConsentRequired(
                    f"This collection needs your consent before it can be used. Grant it here: {url}",
                    "Open the link, press Allow, then paste the code into the login box.", scopes, url) from exc
            if session:
                url = self.start_login("code", scopes=list(LOGIN_SCOPES), session=session)
                raise SessionRequired(
                    "This collection's security policy asks you to log in again (a recent login that meets it) "
                    f"before Globus lets you use it: {url}",
                    "Open the link, log in again, press Allow, then paste the code into the login box.",
                    session, url) from exc
            if exc.code == "AuthenticationFailed":
                self.forget()
                raise LoginRequired("Globus no longer accepts your login.", "Log in again.") from exc
            raise

    def forget(self) -> None:
        """Drop the stored tokens this client knows, without revoking (they are already dead).

        Tokens another tab or process stored after this client last looked are kept.
        """
        with self._lock, self.storage.locked():
            for rs, data in self.storage.get_token_data_by_resource_server().items():
                if self._known.get(rs) == _token_id(data):
                    self.storage.remove_token_data(rs, only_if=data)
            self._known.clear()
            self._authorizers.clear()
            self._transfer = None
            self._user = None

    def search(self, text: str = "", scope: str | None = None, limit: int = 25, offset: int = 0) -> list[dict]:
        """Collections matching ``text`` (Transfer's endpoint_search; one page); ``scope`` is its ``filter_scope``
        (``my-endpoints``, ``shared-with-me``, ``recently-used``, ...)."""
        kwargs = {"limit": limit, "offset": offset}
        if scope:
            kwargs["filter_scope"] = scope
        result = self.call(self.transfer.endpoint_search, text or None, **kwargs)
        return [{k: doc.get(k) for k in _SEARCH_KEYS} for doc in result["DATA"]]

    def bookmarks(self) -> list[dict]:
        """The user's Transfer bookmarks (``name``, ``endpoint_id``, ``path``)."""
        return [dict(b) for b in self.call(self.transfer.bookmark_list)["DATA"]]

    def first_view(self) -> list[dict]:
        """Collections worth opening on for any user, even one who owns none (as the Globus web app does):
        bookmarked ones, then recently used, shared with you and your own; each once, with ``why`` it is listed.
        """
        import globus_sdk

        found: dict = {}
        for scope, why in FIRST_VIEW:
            for doc in self.search(scope=scope, limit=50):
                found.setdefault(doc["id"], dict(doc, why=why))
        marked: list = []
        for mark in self.bookmarks():
            cid = mark["endpoint_id"]
            if cid in (m["id"] for m in marked):
                continue
            if cid in found:
                marked.append(dict(found.pop(cid), why="bookmarked"))
                continue
            try:
                doc = self.collection(cid)
            except globus_sdk.TransferAPIError as exc:  # a bookmark of a deleted or unreachable collection
                if exc.http_status not in (403, 404):
                    raise
                continue
            marked.append(dict({k: doc.get(k) for k in _SEARCH_KEYS}, why="bookmarked"))
        return marked + list(found.values())

    def collection(self, collection_id: str) -> dict:
        """The collection's document (``display_name``, ``https_server``, ...)."""
        return dict(self.call(self.transfer.get_endpoint, collection_id).data)

    def ls(self, collection_id: str, path: str = "/~/", show_hidden: bool = False, limit: int = 100,
           offset: int = 0, filter=None, orderby: str | None = None) -> Listing:
        """One page of a directory: at most ``limit`` entries, starting at ``offset`` (one request).

        ``orderby`` is Transfer's sort order, e.g. ``"size DESC"`` (default: Transfer's own order).
        """
        kwargs = {"path": path, "show_hidden": show_hidden, "limit": limit, "offset": offset}
        if filter:
            kwargs["filter"] = filter
        if orderby:
            kwargs["orderby"] = orderby
        result = self.call(self.transfer.operation_ls, collection_id, **kwargs)
        return Listing(collection_id, result.get("absolute_path") or path, list(result["DATA"]),
                       result.get("total"), offset, limit)

    def mkdir(self, collection_id: str, path: str) -> None:
        self.call(self.transfer.operation_mkdir, collection_id, path)

    def rename(self, collection_id: str, old_path: str, new_path: str) -> None:
        self.call(self.transfer.operation_rename, collection_id, old_path, new_path)

    def delete(self, collection_id: str, paths, recursive: bool = True, label: str = "") -> str:
        """Submit a delete task for ``paths``; returns its task id (watch it like a transfer)."""
        import globus_sdk

        data = globus_sdk.DeleteData(endpoint=collection_id, recursive=recursive, label=label or None)
        from .transfer import remember_paths

        paths = list(paths)
        for path in paths:
            data.add_item(path)
        task_id = self.call(self.transfer.submit_delete, data)["task_id"]
        remember_paths(task_id, paths)  # found by path in the history later
        return task_id

    def web_url(self, task_id: str) -> str:
        """The task's page in the Globus web app (the sandbox serves its own)."""
        return f"{self.service['web_url']}/activity/{task_id}"


class _Receiver:
    """A one-shot loopback HTTP server that receives the login redirect."""

    def __init__(self, client: GlobusClient):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                q = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
                ok, text = receiver.receive(q)
                # no favicon: this one-shot server is gone by the time a browser would ask for one
                body = (f"<!doctype html><html><head><link rel='icon' href='data:,'></head>"
                        f"<body style='font-family:sans-serif'><h1>{text}</h1>"
                        "<p>You can close this tab and return to the notebook.</p></body></html>").encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.client = client
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="ndw-globus-login", daemon=True)
        self.thread.start()

    def receive(self, query: dict):
        try:
            if "code" not in query:
                raise errors.UserError("The login was not completed (" + query.get("error", "no code") + ").",
                                       "Press Log in again and choose Allow.")
            self.client.finish_login(query["code"])
        except Exception as exc:  # reported to the widget through on_login_error
            self.error = exc
            for callback in list(self.client._error_callbacks):
                callback(exc)
            return False, "Login not completed"
        threading.Thread(target=self.stop, daemon=True).start()
        return True, "Logged in to Globus"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def one_sentence(message: str) -> str:
    r"""A Transfer message as one sentence: a collection server's multi-line report (``Path not found, Error
    (list)\nEndpoint: ...\nServer: ...\nMessage: No such file or directory\n---\nDetails: ...``) becomes
    "Path not found on <collection>: no such file or directory" (the banner folds the full text under Details).

    >>> report = "\n".join(["Path not found, Error (list)", "Endpoint: Tutorial (ab12)", "Server: 1.2.3.4:443",
    ...                      "Message: No such file or directory", "---", "Details: 550 End."])
    >>> one_sentence(report)
    'Path not found on Tutorial: no such file or directory'
    """
    lines = [line.strip() for line in message.replace("\r", "").split("\n")]
    if len(lines) < 2:
        return message.strip()
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line and not line.startswith("Details"))
    head = lines[0].split(", Error")[0].rstrip(",. ") or "The collection reported an error"
    where = fields.get("Endpoint", "").rsplit(" (", 1)[0]
    said = fields.get("Message", "")
    text = head + (f" on {where}" if where else "")
    if said and said.lower() not in head.lower():
        text += f": {said[0].lower() + said[1:]}"
    return text.rstrip(".")


def _translate(exc):
    """Globus API errors in words a user can act on (registered with :func:`errors.register`)."""
    try:
        import globus_sdk
    except ImportError:  # pragma: no cover
        return None
    if not isinstance(exc, globus_sdk.GlobusAPIError):
        return None
    code, message = exc.code or "", one_sentence(exc.message or "")
    if code.startswith("ClientError.NotFound") or code.endswith("NotFound"):
        return f"Not found on Globus: {message}", "It may have been moved or deleted; go up a folder or refresh."
    if code.startswith("ExternalError.DirListingFailed"):
        return f"The collection could not list that folder: {message}", "Check the path is a folder you can read."
    if code.endswith(".Exists"):  # a new folder, or a rename, onto a name that is taken
        return f"That name is taken on the collection: {message}", "Choose another name; nothing was replaced."
    if "ActivationRequired" in code:
        return ("The collection must be activated before use.", "Activate it in the Globus web app, then refresh.")
    if code in ("PermissionDenied", "EndpointPermissionDenied"):
        return f"Permission denied by Globus: {message}", "Ask the collection's owner for access."
    if code == "AuthenticationFailed":
        return "Globus no longer accepts your login.", "Log in again."
    if code == "AuthPolicyFailed" or session_requirements(exc):
        return ("This collection's security policy asks you to log in again before Globus lets you use it.",
                "Log in again (the login box offers it), then retry.")
    return (f"Globus answered HTTP {exc.http_status}: {message or code}",
            "Try again; if it persists, check the Globus status page.")


errors.register(_translate)
