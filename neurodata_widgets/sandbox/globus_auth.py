"""Globus Auth of the sandbox: registered apps, the authorization-code flow, tokens per resource server.

Mixed into :class:`~neurodata_widgets.sandbox.globus_server.GlobusServer`, with the
read-only API (userinfo, identities, consents, introspect, OpenID) in
:mod:`.globus_auth_api`. What a client sees:

* Apps: the sandbox's own native app (:data:`DEMO_CLIENT_ID`), the Globus CLI's native app
  (:data:`CLI_CLIENT_IDS`), confidential *instances* a native app registers from itself as a
  template (``POST /v2/api/clients``, what ``globus login`` does), and apps added with
  :meth:`AuthMixin.register_client`. Any other client id gets "Unknown application".
* ``/v2/oauth2/authorize`` shows a consent page naming every scope (a collection's HTTPS
  scope by the collection's name) with Allow/Deny; Allow redirects with a code to the
  ``redirect_uri`` (a loopback callback, or ``/v2/web/auth-code`` which shows the code to copy).
  Public apps must send a PKCE S256 challenge; confidential ones authenticate with their secret.
* ``/v2/oauth2/token``: ``authorization_code``, ``refresh_token`` and ``client_credentials``;
  one token per resource server (``https://auth.globus.org/scopes/<collection>/https`` gives a
  token whose resource server is the collection), an RS512 ``id_token`` when ``openid`` was asked.
  Access tokens expire after ``token_lifetime`` seconds; revoking a refresh token ends its
  access tokens too.

Error bodies have the shapes of ``globus_sdk.testing``'s recorded Auth responses.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlencode

from ..ui.html import escape
from .globus_scopes import AUTH_RS, TRANSFER_RS, TRANSFER_SCOPE, parse, paths, resource_server
from .runner import Response, json_response, text_response

__all__ = ["AUTH_RS", "TRANSFER_RS", "TRANSFER_SCOPE", "DEMO_CLIENT_ID", "CLI_CLIENT_IDS", "DEMO_USER", "AuthMixin",
           "app_route", "press_consent", "code_shown"]

DEMO_CLIENT_ID = "5bd2fa9c-6b2e-4b8e-9d4b-5a7e0c4f0b10"
# globus-cli's native app ids (production and GLOBUS_SDK_ENVIRONMENT=sandbox); it templates an instance from them
CLI_CLIENT_IDS = ("95fdeba8-fac2-42bd-a357-e068d82ff78e", "33b6a241-bce4-4359-9c6d-09f88b3c9eef")
DEMO_USER = {"sub": "b7c1a0d2-3c4e-4f5a-8b9c-0d1e2f3a4b5c", "preferred_username": "demo@globusid.org",
             "name": "Demo Researcher", "email": "demo@neurodata-widgets.invalid",
             "organization": "Neurodata Widgets Sandbox", "identity_provider": "41143743-f3c8-4d60-bbdb-eeecaba85bd9",
             "identity_provider_display_name": "Globus ID"}


def app_route(handler):
    """An Auth route only a registered app may call (the token endpoint, revoke, introspect, validate, the
    app's own document): the app authenticates as :meth:`AuthMixin._authenticated_client` checks (else Auth's
    ``invalid_client`` 401), and the handler is called as ``handler(self, req, app)``."""
    @functools.wraps(handler)
    def route(self, req):
        app, err = self._authenticated_client(req)
        return err if err is not None else handler(self, req, app)
    return route


def iso(t: float | None = None) -> str:
    return datetime.fromtimestamp(t if t is not None else time.time(), timezone.utc).isoformat()


class AuthMixin:
    """Auth flows and tokens; the host class provides ``url``, ``token_lifetime``, ``_lock``, ``_codes``,
    ``_access``, ``_refresh``, ``_clients``, ``_consents``, ``signing_key`` and ``collections``."""

    # -- apps ----------------------------------------------------------------------------------
    def _register_builtin_clients(self) -> None:
        self._clients[DEMO_CLIENT_ID] = _client_doc(DEMO_CLIENT_ID, "neurodata-widgets", public=True)
        for cid in CLI_CLIENT_IDS:
            self._clients[cid] = _client_doc(cid, "Globus CLI", public=True)

    def register_client(self, name: str, confidential: bool = False, parent: str | None = None) -> dict:
        """Register an app; returns its document (with ``secret`` for a confidential one)."""
        cid = str(uuid.uuid4())
        doc = _client_doc(cid, name, public=not confidential, parent=parent)
        if confidential:
            doc["secret"] = secrets.token_urlsafe(32)
        with self._lock:
            self._clients[cid] = doc
        return dict(doc)

    def _authenticated_client(self, req):
        """``(client doc, None)`` for the app a token-endpoint request comes from, else ``(None, error)``."""
        header = req.headers.get("Authorization", "")
        params = req.params
        if header.startswith("Basic "):
            try:
                cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                cid, secret = "", ""
        else:
            cid, secret = params.get("client_id", ""), params.get("client_secret")
        with self._lock:
            doc = self._clients.get(cid)
        if doc is None:
            return None, json_response({"error": "invalid_client"}, 401)
        if doc["public_client"]:
            return (doc, None) if not secret else (None, json_response({"error": "invalid_client"}, 401))
        if not secret or not secrets.compare_digest(secret, doc.get("secret", "")):
            return None, json_response({"error": "invalid_client"}, 401)
        return doc, None

    # -- tokens --------------------------------------------------------------------------------
    def _issue(self, scope, client_id: str = DEMO_CLIENT_ID, sub: str | None = None, refresh: bool = True,
               lifetime: float | None = None, session: dict | None = None) -> dict:
        """A token response for ``scope`` (string or parsed trees): one token per resource server.

        ``session`` is the login session the tokens belong to (``auth_time``, the ``policies`` it satisfied,
        ``mfa``): introspection shows it and Transfer checks a high-assurance collection's policy against it.
        """
        session = session or {"id": str(uuid.uuid4()), "auth_time": int(time.time()), "policies": [], "mfa": False}
        trees = parse(scope) if isinstance(scope, str) else list(scope)
        if not trees:
            trees = parse(TRANSFER_SCOPE)
        groups: dict = {}
        for tree in trees:
            rs = resource_server(tree.name)
            if rs is None:
                raise ValueError(f"unknown scope {tree.name!r}")
            groups.setdefault(rs, []).append(tree.name)
        sub = sub or DEMO_USER["sub"]
        lifetime = float(lifetime or self.token_lifetime)
        out = []
        for rs in sorted(groups, key=lambda r: (r != AUTH_RS, r)):
            scope_text = " ".join(dict.fromkeys(groups[rs]))
            access = "ndwA" + secrets.token_urlsafe(24)
            ref = ("ndwR" + secrets.token_urlsafe(24)) if refresh else None
            now = time.time()
            with self._lock:
                self._access[access] = {"rs": rs, "scope": scope_text, "exp": now + lifetime, "iat": now,
                                        "client": client_id, "sub": sub, "refresh": ref, "session": session}
                if ref:
                    self._refresh[ref] = {"rs": rs, "scope": scope_text, "active": True, "client": client_id,
                                          "sub": sub, "session": session}
            doc = {"access_token": access, "scope": scope_text, "expires_in": int(lifetime), "token_type": "Bearer",
                   "resource_server": rs, "state": "_default"}
            if ref:
                doc["refresh_token"] = ref
            out.append(doc)
        first = dict(out[0])
        first["other_tokens"] = out[1:]
        if "openid" in {t.name for t in trees} and sub == DEMO_USER["sub"]:
            first["id_token"] = self.signing_key.id_token(self.url, client_id, self._oidc_claims(groups[AUTH_RS]))
        return first

    def _oidc_claims(self, auth_scopes) -> dict:
        claims = {"sub": DEMO_USER["sub"], "organization": DEMO_USER["organization"],
                  "identity_provider": DEMO_USER["identity_provider"],
                  "identity_provider_display_name": DEMO_USER["identity_provider_display_name"]}
        if "profile" in auth_scopes:
            claims.update(name=DEMO_USER["name"], preferred_username=DEMO_USER["preferred_username"])
        if "email" in auth_scopes:
            claims["email"] = DEMO_USER["email"]
        return claims

    def _record_consents(self, client_id: str, trees, sub: str = DEMO_USER["sub"]) -> None:
        """What the user allowed, as Auth's consent records (one per node of each scope tree)."""
        with self._lock:
            for path in paths(trees):
                key = (client_id, sub, path)
                if any(c["_key"] == key for c in self._consents):
                    continue
                parent = next((c for c in self._consents if c["_key"] == (client_id, sub, path[:-1])), None)
                cid = len(self._consents) + 100001
                self._consents.append({
                    "_key": key, "id": cid, "created": iso(), "updated": iso(), "last_used": iso(),
                    "status": "approved", "allows_refresh": True, "auto_approved": False,
                    "atomically_revocable": len(path) > 1, "effective_identity": sub, "client": client_id,
                    "scope_name": path[-1], "scope": str(uuid.uuid5(uuid.NAMESPACE_URL, path[-1])),
                    "dependency_path": (parent["dependency_path"] if parent else []) + [cid]})

    def bearer(self, req, resource_server: str | None = None) -> str | None:
        """The live access token of a request (for ``resource_server`` if given), or ``None``."""
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        token = header[7:].strip()
        with self._lock:
            rec = self._access.get(token)
        if not rec or rec["exp"] < time.time():
            return None
        if resource_server and rec["rs"] != resource_server:
            return None
        return token

    def _auth_error(self, status: int, detail: str, error: str | None = None, headers=None) -> Response:
        code = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}.get(status, "ERROR")
        body = {"errors": [{"status": str(status), "id": str(uuid.uuid1()), "code": code, "detail": detail,
                            "title": "Unauthorized" if status in (401, 403) else code.title()}],
                "error_description": detail, "error": error or code.lower()}
        return json_response(body, status, headers)

    # -- the consent page ----------------------------------------------------------------------
    def _authorize(self, req):
        q = req.query
        with self._lock:
            app = self._clients.get(q.get("client_id", ""))
        if app is None:
            return text_response(_page("Unknown application", "<p>This client id is not registered.</p>"), 400)
        if app["public_client"] and (q.get("code_challenge_method") != "S256" or not q.get("code_challenge")):
            return text_response(_page("Bad request", "<p>A native app must send a PKCE S256 challenge.</p>"), 400)
        try:
            trees = parse(q.get("scope", ""))
            unknown = [t.name for t in trees if resource_server(t.name) is None]
        except ValueError as exc:
            trees, unknown = [], [str(exc)]
        if unknown or not trees:
            return text_response(_page("Bad request", f"<p>Unknown scope: {escape(', '.join(unknown))}</p>"), 400)
        policies = [p for p in q.get("session_required_policies", "").split(",") if p]
        known = {c.get("policy") for c in self.collections.values()}
        if any(p not in known for p in policies):
            return text_response(_page("Bad request", "<p>Unknown authentication policy.</p>"), 400)
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in q.items())
        items = "".join(f"<li>{self._describe_scope(p)}</li>" for p in paths(trees))
        session = ""
        if policies or q.get("prompt") == "login" or q.get("session_required_mfa") in ("True", "true"):
            why = q.get("session_message") or "a collection asks for a recent login that meets its policy"
            session = (f"<p class='ndw-session-required'>Log in again: {escape(why)}. "
                       f"Password for <b>{escape(DEMO_USER['preferred_username'])}</b>: "
                       "<input type='password' name='password' value='sandbox' aria-label='password'></p>")
        body = (session + f"<p><b>{escape(DEMO_USER['name'])}</b> ({escape(DEMO_USER['preferred_username'])}), "
                f"allow <b>{escape(app['name'])}</b> to:</p><ul class='ndw-consent-scopes'>{items}</ul>"
                f'<form method="post" action="/_consent">{fields}'
                '<button type="submit" name="decision" value="allow" id="allow">Allow</button> '
                '<button type="submit" name="decision" value="deny" id="deny">Deny</button></form>')
        return text_response(_page("Globus sandbox: consent", body))

    def _describe_scope(self, path: tuple) -> str:
        scope = path[-1]
        rs = resource_server(scope)
        collection = self.collections.get(rs) if rs else None
        text = f"<code>{escape(scope)}</code>"
        if collection and scope.endswith("/https"):
            text = f"Access data on <b>{escape(collection['display_name'])}</b> over HTTPS ({text})"
        elif collection and scope.endswith("/data_access"):
            text = f"Let Transfer reach <b>{escape(collection['display_name'])}</b> for you ({text})"
        return ("&nbsp;&nbsp;↳ " * (len(path) - 1)) + text

    def _consent(self, req):
        f = req.form()
        redirect = f.get("redirect_uri") or self.url + "/v2/web/auth-code"
        params = {"state": f.get("state", "_default")}
        if f.get("decision") != "allow":
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(18)
            trees = parse(f.get("scope", ""))
            self._record_consents(f.get("client_id", ""), trees)
            session = {"id": str(uuid.uuid4()), "auth_time": int(time.time()),
                       "policies": [p for p in f.get("session_required_policies", "").split(",") if p],
                       "mfa": f.get("session_required_mfa") in ("True", "true")}
            with self._lock:
                self._codes[code] = {"challenge": f.get("code_challenge"), "redirect_uri": redirect,
                                     "scope": f.get("scope", ""), "client": f.get("client_id", ""),
                                     "offline": f.get("access_type") == "offline", "exp": time.time() + 600,
                                     "session": session}
            params["code"] = code
        sep = "&" if "?" in redirect else "?"
        return Response(302, b"", "text/plain", {"Location": redirect + sep + urlencode(params)})

    def _auth_code_page(self, req):
        code = req.query.get("code")
        if not code:
            return text_response(_page("Login not completed", f"<p>{escape(req.query.get('error', ''))}</p>"), 400)
        body = ("<p>Copy this code and paste it into the notebook:</p>"
                f'<p><code id="auth-code" class="ndw-auth-code">{escape(code)}</code></p>')
        return text_response(_page("Globus sandbox: native app authorization code", body))

    # -- the token endpoint --------------------------------------------------------------------
    @app_route
    def _token(self, req, app):
        p = req.params
        grant = p.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                rec = self._codes.pop(p.get("code", ""), None)
            verifier = p.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if (not rec or rec["exp"] < time.time() or rec["client"] != app["id"]
                    or (rec["challenge"] and rec["challenge"] != challenge)
                    or rec["redirect_uri"] != p.get("redirect_uri")):
                return json_response({"error": "invalid_grant"}, 401)
            return json_response(self._issue(rec["scope"], app["id"], refresh=rec["offline"],
                                             session=rec.get("session")))
        if grant == "refresh_token":
            with self._lock:
                rec = self._refresh.get(p.get("refresh_token", ""))
                if not rec or not rec["active"] or rec["client"] != app["id"]:
                    return json_response({"error": "invalid_grant"}, 401)
                access, now = "ndwA" + secrets.token_urlsafe(24), time.time()
                self._access[access] = {"rs": rec["rs"], "scope": rec["scope"], "exp": now + self.token_lifetime,
                                        "iat": now, "client": rec["client"], "sub": rec["sub"],
                                        "refresh": p.get("refresh_token"), "session": rec.get("session")}
            return json_response({"access_token": access, "scope": rec["scope"], "expires_in": int(self.token_lifetime),
                                  "token_type": "Bearer", "resource_server": rec["rs"], "other_tokens": [],
                                  "refresh_token": p.get("refresh_token"), "state": "_default"})
        if grant == "client_credentials":
            if app["public_client"]:
                return json_response({"error": "unauthorized_client"}, 401)
            try:
                trees = parse(p.get("scope", ""))
                return json_response(self._issue(trees or parse(TRANSFER_SCOPE), app["id"], sub=app["id"],
                                                 refresh=False))
            except ValueError:
                return json_response({"error": "invalid_scope"}, 400)
        return json_response({"error": "unsupported_grant_type"}, 400)

    @app_route
    def _revoke(self, req, app):
        token = req.params.get("token", "")
        with self._lock:
            rec = self._access.get(token) or self._refresh.get(token)
            owner = self._clients.get(rec["client"], {}) if rec else {}
            # the app the token was issued to, or the native app it was templated from
            if rec and app["id"] in (rec["client"], owner.get("parent_client")):
                if token in self._access:
                    self._access[token]["exp"] = 0
                else:
                    self._refresh[token]["active"] = False
                    for other in self._access.values():
                        if other.get("refresh") == token:
                            other["exp"] = 0
        return json_response({"active": False})


def _client_doc(cid: str, name: str, public: bool, parent: str | None = None) -> dict:
    """An app as ``GET /v2/api/clients/<id>`` shows it (see ``globus_sdk.testing``'s create_client)."""
    return {"id": cid, "name": name, "public_client": public, "parent_client": parent, "fqdns": [], "scopes": [],
            "client_type": "public_installed_client" if public else "confidential_client",
            "grant_types": (["authorization_code", "refresh_token"] if public
                            else ["authorization_code", "client_credentials", "refresh_token"]),
            "redirect_uris": [], "required_idp": None, "preselect_idp": None, "project": None,
            "visibility": "private", "userinfo_from_effective_identity": True, "prompt_for_named_grant": False,
            "links": {"privacy_policy": None, "terms_and_conditions": None}}


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
            f"<body style='font-family: sans-serif; max-width: 40em; margin: 2em auto'>"
            f"<h1>{escape(title)}</h1>{body}</body></html>")


def press_consent(login_url: str, decision: str = "allow", timeout: float = 10):
    """Do what a person does on the sandbox consent page: open ``login_url`` and press Allow (or Deny).

    Returns the sandbox's answer (a :class:`requests.Response`); after Allow in the copy-paste flow
    it is the page showing the code (see :func:`code_shown`). For scripts, tests and the handbook.
    """
    import html
    import re

    import requests

    session = requests.Session()
    page = session.get(login_url, timeout=timeout)
    page.raise_for_status()
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    base = login_url.split("/v2/")[0]
    return session.post(base + "/_consent", data=dict(fields, decision=decision), timeout=timeout)


def code_shown(response) -> str:
    """The authorization code on the sandbox's copy-the-code page."""
    import re

    return re.search(r'id="auth-code"[^>]*>([^<]+)<', response.text).group(1)

