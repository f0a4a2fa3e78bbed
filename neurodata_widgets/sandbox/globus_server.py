"""A loopback stand-in for Globus Auth and the Globus Transfer API v0.10.

The real ``globus-sdk`` talks to it when ``GLOBUS_SDK_SERVICE_URL_AUTH`` and
``GLOBUS_SDK_SERVICE_URL_TRANSFER`` point at :attr:`GlobusServer.url`:

* Auth (:mod:`.globus_auth`, :mod:`.globus_auth_api`): registered apps (the sandbox's, globus-cli's
  native app and the confidential instances ``globus login`` registers), the authorization-code flow
  with a consent page, ``/v2/oauth2/token`` (authorization_code, refresh_token, client_credentials),
  revoke, validate, introspect, userinfo, identities, consents, OpenID configuration, JWKs and signed
  ``id_token`` s. Access tokens expire after ``token_lifetime`` seconds; :meth:`expire` ends them all.
* Transfer: endpoint_search, endpoint documents (with ``https_server``), ls (paths normalised to end
  in ``/``) with paging and filters, stat, mkdir, rename, submission ids, transfer and delete tasks
  (``recursive``/``ignore_missing``), task get/list/cancel, successful_transfers and event_list.
  globus-cli runs unchanged against all of it.
* Collections are local directories; a transfer copies files progressively at
  ``rate`` bytes per second in a background thread, so polling sees bytes moving.
  Each collection serves its files at its ``https_server`` to a token for its own HTTPS scope
  (``https://auth.globus.org/scopes/<id>/https``) and answers 401 with a ``WWW-Authenticate``
  challenge naming that scope otherwise; the public collection serves anyone.

Errors have the shapes of the recorded responses in ``globus_sdk.testing``.

Examples
--------
>>> from neurodata_widgets.sandbox.globus_server import GlobusServer
>>> server = GlobusServer().start()
>>> sorted(server.info())
['access_token', 'auth_url', 'client_id', 'collections', ...]
>>> server.stop()
"""
from __future__ import annotations

import atexit
import functools
import os
import random
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from urllib.parse import unquote

from ..ui.html import escape
from .globus_auth import (AUTH_RS, DEMO_CLIENT_ID, DEMO_USER, TRANSFER_RS, TRANSFER_SCOPE,  # noqa: F401
                          AuthMixin, _page)
from .globus_auth_api import AuthApiMixin
from .globus_bookmarks import BookmarksMixin
from .globus_collections import COLLECTIONS, SCOPES, endpoint_doc, has_https, in_scope, parse_filters, passes
from .globus_oidc import SigningKey
from .globus_scopes import collection_data_access_scope, collection_https_scope
from .globus_tasks import TaskRunner, now_iso
from .runner import Response, Service, file_response, json_response, text_response

SEED_BYTES = 1_500_000  # per image; small enough for fast tests, large enough to see progress


def transfer_route(collection: bool = False, consent_check: bool = True):
    """A Transfer route's common opening: the request must carry a live Transfer token (else Transfer's 401).

    With ``collection``, the endpoint named in the path (``ep``) must exist (else 404) and, when
    ``consent_check``, have the user's ``data_access`` consent if it needs one (else Transfer's
    ConsentRequired 403); the handler is then called as ``handler(self, req, collection)``.
    """
    def wrap(handler):
        @functools.wraps(handler)
        def route(self, req):
            if (err := self._authed(req)) is not None:
                return err
            if not collection:
                return handler(self, req)
            found, err = self._collection(req, consent_check)
            return err if err is not None else handler(self, req, found)
        return route
    return wrap


class GlobusServer(AuthMixin, AuthApiMixin, BookmarksMixin, Service):
    """Globus Auth + Transfer on 127.0.0.1, collections backed by local directories.

    Parameters
    ----------
    seed : int
        Seeds the demo content and ids.
    root : path, optional
        Where collection directories live (default: a temporary directory removed at exit).
    token_lifetime : float
        Seconds an access token lives.
    rate : float
        Bytes per second a transfer copies (per task).
    """

    name = "globus"

    def __init__(self, seed: int = 0, root=None, token_lifetime: float = 3600.0, rate: float = 3_000_000,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.token_lifetime = float(token_lifetime)
        self.client_id = DEMO_CLIENT_ID
        self._lock = threading.RLock()
        self._codes: dict = {}
        self._access: dict = {}  # token -> {rs, scope, exp, iat, client, sub, refresh}
        self._refresh: dict = {}  # token -> {rs, scope, active, client, sub}
        self._clients: dict = {}  # client id -> app document (+ secret)
        self._consents: list = []  # Auth's consent records of the demo user
        self.signing_key = SigningKey()
        self._register_builtin_clients()
        if root is None:
            root = tempfile.mkdtemp(prefix="ndw-globus-")
            atexit.register(shutil.rmtree, root, True)
        self.root = Path(root)
        self.collections: dict = {}
        self.https_reads = deque(maxlen=1000)  # (path, Range header) of each file its collections' HTTPS servers served
        for row in COLLECTIONS:
            path = self.root / row["id"]
            path.mkdir(parents=True, exist_ok=True)
            self.collections[row["id"]] = dict(row, path=path)
            if row["seeded"] and not any(path.iterdir()):
                _seed(path, seed)
            elif row["readme"] and not any(path.iterdir()):
                (path / "README.txt").write_text(f"{row['description']}.\n")
        self.recent: list = []  # collection ids the demo user used, most recent first (filter_scope=recently-used)
        self._seed_bookmarks()
        self.tasks = TaskRunner(self, rate=rate)
        self.demo_tokens = self._issue(TRANSFER_SCOPE, lifetime=10 * 365 * 86400.0)

    routes = [
        ("GET", r"^/v2/oauth2/authorize$", "_authorize"),
        ("POST", r"^/_consent$", "_consent"),
        ("GET", r"^/v2/web/auth-code$", "_auth_code_page"),
        ("POST", r"^/v2/oauth2/token$", "_token"),
        ("POST", r"^/v2/oauth2/token/revoke$", "_revoke"),
        ("GET", r"^/v2/oauth2/userinfo$", "_userinfo"),
        ("POST", r"^/v2/oauth2/token/introspect$", "_introspect"),
        ("POST", r"^/v2/oauth2/token/validate$", "_validate"),
        ("GET", r"^/v2/api/identities$", "_identities"),
        ("GET", r"^/v2/api/identities/(?P<identity>[^/]+)/consents$", "_consents_of"),
        ("POST", r"^/v2/api/clients$", "_create_client"),
        ("GET", r"^/v2/api/clients/(?P<client>[^/]+)$", "_get_client"),
        ("DELETE", r"^/v2/api/clients/(?P<client>[^/]+)$", "_delete_client"),
        ("GET", r"^/\.well-known/openid-configuration$", "_openid_configuration"),
        ("GET", r"^/jwk\.json$", "_jwks"),
        ("GET", r"^/activity/(?P<task>[^/]+)$", "_activity_page"),
        ("GET", r"^/v0\.10/endpoint_search$", "_endpoint_search"),
        ("GET", r"^/v0\.10/endpoint/(?P<ep>[^/]+)$", "_endpoint"),
        ("GET", r"^/v0\.10/operation/endpoint/(?P<ep>[^/]+)/ls$", "_ls"),
        ("GET", r"^/v0\.10/operation/endpoint/(?P<ep>[^/]+)/stat$", "_stat"),
        ("POST", r"^/v0\.10/operation/endpoint/(?P<ep>[^/]+)/mkdir$", "_mkdir"),
        ("POST", r"^/v0\.10/operation/endpoint/(?P<ep>[^/]+)/rename$", "_rename"),
        ("GET", r"^/v0\.10/submission_id$", "_submission_id"),
        ("POST", r"^/v0\.10/transfer$", "_submit_transfer"),
        ("POST", r"^/v0\.10/delete$", "_submit_delete"),
        ("GET", r"^/v0\.10/task_list$", "_task_list"),
        ("GET", r"^/v0\.10/task/(?P<task>[^/]+)$", "_task"),
        ("PUT", r"^/v0\.10/task/(?P<task>[^/]+)$", "_task_update"),
        ("GET", r"^/v0\.10/task/(?P<task>[^/]+)/pause_info$", "_pause_info"),
        ("POST", r"^/v0\.10/task/(?P<task>[^/]+)/cancel$", "_cancel"),
        ("GET", r"^/v0\.10/task/(?P<task>[^/]+)/successful_transfers$", "_successful"),
        ("GET", r"^/v0\.10/task/(?P<task>[^/]+)/event_list$", "_events"),
        ("GET", r"^/_https/(?P<ep>[^/]+)/(?P<path>.*)$", "_https_get"),
    ] + BookmarksMixin.bookmark_routes

    # -- runner hooks --------------------------------------------------------------------------
    def info(self) -> dict:
        ids = list(self.collections)
        return {"url": self.url, "auth_url": self.url + "/", "transfer_url": self.url + "/",
                "client_id": self.client_id, "collections": {c["display_name"]: c["id"] for c in self.collections.values()},
                "source_collection": ids[0], "destination_collection": ids[1], "consent_collection": ids[2],
                "public_collection": ids[3], "gcp_collection": ids[4], "gcsv4_collection": ids[5],
                "guest_collection": ids[6], "high_assurance_collection": ids[7],
                "high_assurance_policy": self.collections[ids[7]]["policy"],
                "https_scopes": {cid: collection_https_scope(cid) for cid in ids},
                "access_token": self.demo_tokens["access_token"], "user": DEMO_USER["preferred_username"]}

    def environ(self) -> dict:
        return {"GLOBUS_SDK_SERVICE_URL_AUTH": self.url + "/", "GLOBUS_SDK_SERVICE_URL_TRANSFER": self.url + "/",
                "NDW_GLOBUS_CLIENT_ID": self.client_id}

    def expire(self, user: str | None = None) -> None:
        """End every access token now (refresh tokens stay valid, so clients refresh); one identity: ``user``
        changes nothing."""
        with self._lock:
            for rec in self._access.values():
                rec["exp"] = 0
            if self.demo_tokens["access_token"] in self._access:  # scripts' token stays usable
                self._access[self.demo_tokens["access_token"]]["exp"] = time.time() + 10 * 365 * 86400

    def error_response(self, status, req, message=None, headers=None) -> Response:
        from http import HTTPStatus

        if req.path.startswith("/v2/"):
            return self._auth_error(status, message or HTTPStatus(status).phrase, headers=headers)
        code = {401: "AuthenticationFailed", 403: "PermissionDenied", 404: "ClientError.NotFound",
                405: "ClientError.MethodNotAllowed", 429: "RequestLimitExceeded"}.get(
            status, "ServiceUnavailable" if status == 503 else "ClientError.BadRequest" if status < 500
            else "InternalError")
        return self._transfer_error(status, code, message or HTTPStatus(status).phrase, req, headers=headers)

    # -- collections ---------------------------------------------------------------------------
    def collection_dir(self, collection_id: str) -> Path:
        return self.collections[collection_id]["path"]

    def make_many(self, collection_id: str, path: str, count: int) -> Path:
        """Create a directory of ``count`` small files (for paging tests and benchmarks)."""
        target = self._resolve(collection_id, path)
        target.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            name = target / f"file-{i:05d}.dat"
            if not name.exists():
                name.write_bytes(b"x" * (i % 97))
        return target

    def https_server(self, collection_id: str) -> str:
        return f"{self.url}/_https/{collection_id}"

    def _resolve(self, collection_id: str, path: str) -> Path:
        base = self.collections[collection_id]["path"]
        rel = (path or "/~/").strip()
        if rel in ("~", "/~"):
            rel = ""
        for prefix in ("/~/", "~/"):  # the collection's default directory is its root
            if rel.startswith(prefix):
                rel = rel[len(prefix):]
                break
        target = (base / rel.lstrip("/")).resolve()
        if target != base.resolve() and base.resolve() not in target.parents:
            raise PermissionError(path)
        return target

    def _endpoint_doc(self, c: dict) -> dict:
        doc = endpoint_doc(c, self.https_server(c["id"]) if has_https(c) else None, "NDW Demo GCS Endpoint")
        doc["in_use"] = c["id"] in self.tasks.in_use()
        return doc

    def used(self, collection_id: str) -> None:
        """Remember a use (a listing, a task) for ``filter_scope=recently-used``."""
        with self._lock:
            if collection_id in self.recent:
                self.recent.remove(collection_id)
            self.recent.insert(0, collection_id)

    def _activity_page(self, req):
        task = self.tasks.get(req.match["task"])
        if not task:
            return text_response(_page("No such task", ""), 404)
        return text_response(_page(f"Task {escape(task['label'] or task['task_id'])}",
                                   f"<p>Status: <b>{escape(task['status'])}</b>, "
                                   f"{task['files_transferred']} of {task['files']} files.</p>"))

    # -- transfer: helpers ---------------------------------------------------------------------
    def _transfer_error(self, status, code, message, req, headers=None, **extra) -> Response:
        body = {"code": code, "message": message, "request_id": secrets.token_urlsafe(6)[:9],
                "resource": req.path, **extra}
        return json_response(body, status, headers)

    def _authed(self, req):
        """``None`` if the request carries a live transfer token, else the error response."""
        if self.bearer(req, TRANSFER_RS):
            return None
        has = req.headers.get("Authorization", "").startswith("Bearer ")
        return self._transfer_error(401, "AuthenticationFailed",
                                    "Token is not active" if has else "No Authorization header", req)

    def _consented(self, req, cid: str) -> bool:
        """Whether the user allowed the token's app Transfer with this collection's ``data_access`` dependency."""
        token = self.bearer(req, TRANSFER_RS)
        with self._lock:
            rec = self._access.get(token or "")
            if rec is None:
                return False
            key = (rec["client"], rec["sub"], (TRANSFER_SCOPE, collection_data_access_scope(cid)))
            return any(c["_key"] == key for c in self._consents)

    def _collection(self, req, consent_check: bool = True):
        cid = req.match["ep"]
        c = self.collections.get(cid)
        if c is None:
            return None, self._transfer_error(404, "EndpointNotFound", f"No such endpoint '{cid}'", req)
        if consent_check and c["policy"] and not self._policy_met(req, c["policy"]):  # documents stay readable
            message = (f"You must have authenticated with the policy of collection '{c['display_name']}' "
                       "within the last 30 minutes to access it")
            return None, self._transfer_error(
                403, "AuthPolicyFailed", message, req,
                authorization_parameters={"session_message": message, "session_required_policies": c["policy"]})
        if consent_check and c["consent"] and not self._consented(req, cid):
            scope = f"{TRANSFER_SCOPE}[*https://auth.globus.org/scopes/{cid}/data_access]"
            return None, self._transfer_error(
                403, "ConsentRequired", "Missing required data_access consent", req, required_scopes=[scope],
                authorization_parameters={"session_message": "Missing required data_access consent",
                                          "required_scopes": [scope]})
        if consent_check:  # reading its document is no use of it
            self.used(cid)
        return c, None

    def _policy_met(self, req, policy: str) -> bool:
        """Whether the Transfer token's login session satisfied ``policy`` recently enough."""
        from .globus_collections import POLICY_TIMEOUT_MINS

        with self._lock:
            rec = self._access.get(self.bearer(req, TRANSFER_RS) or "")
        session = (rec or {}).get("session") or {}
        return policy in session.get("policies", ()) and time.time() - session.get("auth_time", 0) < \
            POLICY_TIMEOUT_MINS * 60

    # -- transfer: endpoints -------------------------------------------------------------------
    @transfer_route()
    def _endpoint_search(self, req):
        text = req.query.get("filter_fulltext", "").lower()
        scope = req.query.get("filter_scope", "all")
        if scope not in SCOPES:
            return self._transfer_error(400, "BadRequest", f"Invalid filter_scope '{scope}'", req)
        if not text and scope == "all":
            return self._transfer_error(400, "BadRequest", "filter_fulltext is required for scope 'all'", req)
        limit = min(int(req.query.get("limit", 25)), 100)
        offset = int(req.query.get("offset", 0))
        with self._lock:
            recent = list(self.recent)
        in_use, user = self.tasks.in_use(), self.bearer_sub(req)
        chosen = [c for c in self.collections.values()
                  if in_scope(c, scope, user, recent, in_use, req.query.get("filter_host_endpoint"))]
        if scope == "recently-used":
            chosen.sort(key=lambda c: recent.index(c["id"]))
        words = [(c, " ".join((c["display_name"], c["description"], c["owner"]["username"], c["id"])).lower())
                 for c in chosen]
        found = [self._endpoint_doc(c) for c, hay in words if all(w in hay for w in text.split())]
        page = found[offset:offset + limit]
        return json_response({"DATA_TYPE": "endpoint_list", "DATA": page, "offset": offset, "limit": limit,
                              "has_next_page": offset + limit < len(found)})

    def bearer_sub(self, req) -> str:
        """The identity a Transfer request acts for."""
        with self._lock:
            return (self._access.get(self.bearer(req, TRANSFER_RS) or "") or {}).get("sub", "")

    @transfer_route(collection=True, consent_check=False)
    def _endpoint(self, req, c):
        return json_response(self._endpoint_doc(c))

    @transfer_route(collection=True)
    def _ls(self, req, c):
        q = req.query
        path = q.get("path") or "/~/"
        try:
            target = self._resolve(c["id"], path)
        except PermissionError:
            return self._transfer_error(403, "EndpointPermissionDenied", f"Permission denied on '{path}'", req)
        if not target.exists():
            return self._transfer_error(404, "ClientError.NotFound",
                                        f"Directory '{path}' not found on endpoint '{c['display_name']}'", req)
        if not target.is_dir():
            return self._transfer_error(502, "ExternalError.DirListingFailed.NotDirectory",
                                        f"Path '{path}' is not a directory", req)
        show_hidden = q.get("show_hidden", "1") not in ("0", "false", "False")
        try:
            filters = parse_filters(req.query_lists.get("filter", []))
        except ValueError as exc:
            return self._transfer_error(400, "ClientError.BadRequest", str(exc), req)
        limit = min(int(q.get("limit", 100000)), 100000)
        offset = int(q.get("offset", 0))
        try:
            order = _orderby(q.get("orderby", ""))
        except ValueError as exc:
            return self._transfer_error(400, "ClientError.BadRequest", str(exc), req)
        kept = [e for e in os.scandir(target) if show_hidden or not e.name.startswith(".")]
        kept.sort(key=lambda e: (not e.is_dir(), e.name))  # folders first, then by name, unless asked otherwise
        # a file's stat is only needed when a filter or the order reads more than its name and type: otherwise
        # the page alone is stat'ed (as a file system lists a big folder), so the first page of 10,000 comes fast
        fields = {f for alt in filters for f, _ in alt} | {f for f, _ in order}
        light = fields <= {"name", "type"}
        make = _name_doc if light else _file_doc
        listed = [(d, e) for d, e in ((make(e), e) for e in kept) if passes(d, filters)]
        for field, descending in reversed(order):  # the first option decides first: stable sorts, last to first
            listed.sort(key=lambda de: (de[0].get(field) is None, de[0].get(field) or 0 if field == "size"
                                        else str(de[0].get(field) or "")), reverse=descending)
        total = len(listed)
        docs = [_file_doc(e) if light else d for d, e in listed[offset:offset + limit]]
        inside = target.relative_to(c["path"].resolve()).as_posix()
        rel = "/" if inside == "." else f"/{inside}/"
        # Transfer answers with the requested path normalised to end in "/" (clients append names to it)
        return json_response({"DATA_TYPE": "file_list", "DATA": docs, "absolute_path": rel, "endpoint": c["id"],
                              "length": len(docs), "path": path if path.endswith("/") else path + "/",
                              "rename_supported": True, "symlink_supported": False,
                              "offset": offset, "limit": limit, "total": total})

    @transfer_route(collection=True)
    def _stat(self, req, c):
        """One file's or folder's document, as ``ls`` lists it (``globus stat``)."""
        path = req.query.get("path", "")
        try:
            target = self._resolve(c["id"], path)
        except PermissionError:
            return self._transfer_error(403, "EndpointPermissionDenied", f"Denied by endpoint: '{path}'", req)
        if not path or not target.exists():
            return self._transfer_error(
                404, "NotFound", f"Path not found, Error (list)\nEndpoint: {c['display_name']} ({c['id']})\n"
                f"Message: No such file or directory\n---\nDetails: Error: '{path}' not found", req)
        return json_response(_file_doc(_Entry(target)))

    @transfer_route(collection=True)
    def _mkdir(self, req, c):
        path = (req.json() or {}).get("path", "")
        target = self._resolve(c["id"], path)
        if target.exists():
            return self._transfer_error(502, "ExternalError.MkdirFailed.Exists", f"Path already exists: '{path}'", req)
        if not target.parent.is_dir():
            return self._transfer_error(404, "ClientError.NotFound", f"Parent of '{path}' not found", req)
        target.mkdir()
        return json_response({"DATA_TYPE": "mkdir_result", "code": "DirectoryCreated",
                              "message": "The directory was created successfully",
                              "request_id": secrets.token_urlsafe(6), "resource": req.path}, 202)

    @transfer_route(collection=True)
    def _rename(self, req, c):
        doc = req.json() or {}
        old, new = self._resolve(c["id"], doc.get("old_path", "")), self._resolve(c["id"], doc.get("new_path", ""))
        if not old.exists():
            return self._transfer_error(404, "ClientError.NotFound", f"'{doc.get('old_path')}' not found", req)
        if new.exists() or new.is_symlink():  # a rename never replaces what is there (as the storage refuses)
            return self._transfer_error(502, "ExternalError.RenameFailed.Exists",
                                        f"Path already exists: '{doc.get('new_path')}'", req)
        if not new.parent.is_dir():
            return self._transfer_error(404, "ClientError.NotFound", f"Parent of '{doc.get('new_path')}' not found",
                                        req)
        old.rename(new)
        return json_response({"DATA_TYPE": "result", "code": "FileRenamed", "message": "File or directory renamed",
                              "request_id": secrets.token_urlsafe(6), "resource": req.path})

    # -- transfer: tasks -----------------------------------------------------------------------
    @transfer_route()
    def _submission_id(self, req):
        return json_response({"DATA_TYPE": "submission_id", "value": str(uuid.uuid4())})

    @transfer_route()
    def _submit_transfer(self, req):
        return self.tasks.submit(req, "TRANSFER")

    @transfer_route()
    def _submit_delete(self, req):
        return self.tasks.submit(req, "DELETE")

    @transfer_route()
    def _task_list(self, req):
        return self.tasks.list(req)

    @transfer_route()
    def _task(self, req):
        task = self.tasks.get(req.match["task"])
        if task is None:
            return self._transfer_error(404, "TaskNotFound", f"Task {req.match['task']} not found", req)
        return json_response(task)

    @transfer_route()
    def _task_update(self, req):
        return self.tasks.update(req, req.match["task"])

    @transfer_route()
    def _pause_info(self, req):
        return self.tasks.pause_info(req, req.match["task"])

    @transfer_route()
    def _cancel(self, req):
        return self.tasks.cancel(req, req.match["task"])

    @transfer_route()
    def _successful(self, req):
        return self.tasks.successful(req, req.match["task"])

    @transfer_route()
    def _events(self, req):
        return self.tasks.events(req, req.match["task"])

    # -- collection HTTPS access -----------------------------------------------------------------
    def _https_get(self, req):
        """Read a file over the collection's HTTPS server (Globus Connect Server v5).

        A public collection serves anyone; any other wants a token for its own HTTPS scope
        (``https://auth.globus.org/scopes/<id>/https``, resource server = the collection id):
        a Transfer token or another collection's token is refused like a missing one.
        """
        cid = req.match["ep"]
        if cid not in self.collections:
            return text_response("no such collection", 404, "text/plain")
        if not self.collections[cid]["public"] and not self.bearer(req, cid):
            sent = req.headers.get("Authorization", "").startswith("Bearer ")
            challenge = f'Bearer realm="globus-collection-{cid}", scope="{collection_https_scope(cid)}"'
            if sent:
                challenge += ', error="invalid_token"'
            return Response(401, b"authentication required", "text/plain", {"WWW-Authenticate": challenge})
        try:  # the path arrives percent-encoded (UTF-8): "a%20b%23c" is the file "a b#c", as GCS reads it
            path = unquote(req.match["path"], encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return text_response("bad path encoding", 400, "text/plain")
        try:
            target = self._resolve(cid, "/" + path)
        except PermissionError:
            return text_response("forbidden", 403, "text/plain")
        if not target.is_file():
            return text_response("not found", 404, "text/plain")
        self.https_reads.append(("/" + path, req.headers.get("Range")))  # what tests of resuming look at
        return file_response(target, range_header=req.headers.get("Range"))


class _Entry:
    """A path with the parts of :class:`os.DirEntry` that :func:`_file_doc` reads."""

    def __init__(self, path: Path):
        self.path, self.name = path, path.name

    def stat(self):
        return self.path.stat()

    def is_dir(self):
        return self.path.is_dir()


def _name_doc(entry: os.DirEntry) -> dict:
    """The parts of :func:`_file_doc` that need no ``stat`` (a listing's entries carry their type)."""
    return {"name": entry.name, "type": "dir" if entry.is_dir() else "file"}


def _file_doc(entry: os.DirEntry) -> dict:
    st = entry.stat()
    return {"DATA_TYPE": "file", "group": "ndw", "last_modified": now_iso(st.st_mtime).replace("T", " "),
            "link_group": None, "link_last_modified": None, "link_size": None, "link_target": None,
            "link_user": None, "name": entry.name, "permissions": oct(st.st_mode & 0o777)[2:].rjust(4, "0"),
            "size": st.st_size if not entry.is_dir() else 4096, "type": "dir" if entry.is_dir() else "file",
            "user": "ndw"}


_ORDERABLE = ("name", "type", "size", "last_modified", "permissions", "user", "group", "link_target")


def _orderby(text: str) -> list:
    """``orderby`` of an ``ls``: comma-separated fields, each optionally followed by ``ASC`` or ``DESC``."""
    order = []
    for option in filter(None, (o.strip() for o in text.split(","))):
        words = option.split()
        field = words[0]
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if field not in _ORDERABLE or direction not in ("ASC", "DESC") or len(words) > 2:
            raise ValueError(f"Invalid orderby option '{option}'")
        order.append((field, direction == "DESC"))
    return order


def _seed(path: Path, seed: int) -> None:
    """A small BIDS-style dataset with deterministic content."""
    rng = random.Random(seed)
    ds = path / "ds001"
    (ds / "code").mkdir(parents=True)
    (ds / "dataset_description.json").write_text('{"Name": "NDW demo raw data", "BIDSVersion": "1.8.0"}\n')
    (ds / "participants.tsv").write_text("participant_id\tage\nsub-01\t24\nsub-02\t31\nsub-03\t27\n")
    (ds / "README").write_text("Demo raw data served by the Globus sandbox.\n")
    (ds / ".bidsignore").write_text("code/\n")
    (ds / "code" / "convert.sh").write_text("#!/bin/sh\necho convert\n")
    for sub in ("01", "02", "03"):
        anat = ds / f"sub-{sub}" / "anat"
        anat.mkdir(parents=True)
        (anat / f"sub-{sub}_T1w.nii.gz").write_bytes(rng.randbytes(SEED_BYTES))
        (anat / f"sub-{sub}_T1w.json").write_text('{"RepetitionTime": 2.3}\n')
    (path / "README.txt").write_text("Welcome to the sandbox collection.\n")
