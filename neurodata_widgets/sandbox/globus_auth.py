"""Globus Auth of the sandbox: the native-app PKCE flow, tokens that expire, refresh, revoke, userinfo.

Mixed into :class:`~neurodata_widgets.sandbox.globus_server.GlobusServer`. The consent page
(``/v2/oauth2/authorize``) has Allow/Deny buttons; Allow redirects with a code to the
``redirect_uri`` (a loopback callback) or to ``/v2/web/auth-code``, which shows the code to
copy. Errors have the shapes of ``globus_sdk.testing``'s recorded Auth responses.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from urllib.parse import urlencode

from ..ui.html import escape
from .runner import Response, json_response, text_response

DEMO_CLIENT_ID = "5bd2fa9c-6b2e-4b8e-9d4b-5a7e0c4f0b10"
TRANSFER_RS = "transfer.api.globus.org"
AUTH_RS = "auth.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
DEMO_USER = {"sub": "b7c1a0d2-3c4e-4f5a-8b9c-0d1e2f3a4b5c", "preferred_username": "demo@globusid.org",
             "name": "Demo Researcher", "email": "demo@neurodata-widgets.invalid",
             "organization": "Neurodata Widgets Sandbox", "identity_provider": "41143743-f3c8-4d60-bbdb-eeecaba85bd9",
             "identity_provider_display_name": "Globus ID"}


class AuthMixin:
    """Auth routes' handlers; the host class provides ``url``, ``client_id``, ``token_lifetime``, ``_lock``,
    ``_codes``, ``_access`` and ``_refresh``."""

    def _issue(self, scope: str, lifetime: float | None = None, refresh: bool = True) -> dict:
        scopes = scope.split()
        transfer = [s for s in scopes if s.startswith(TRANSFER_SCOPE)] or ([TRANSFER_SCOPE] if not scopes else [])
        other = [s for s in scopes if s not in transfer]
        out = []
        for rs, sc in ((AUTH_RS, " ".join(other)), (TRANSFER_RS, " ".join(transfer))):
            if not sc:
                continue
            access, ref = "ndwA" + secrets.token_urlsafe(24), ("ndwR" + secrets.token_urlsafe(24)) if refresh else None
            with self._lock:
                self._access[access] = {"rs": rs, "scope": sc, "exp": time.time() + (lifetime or self.token_lifetime)}
                if ref:
                    self._refresh[ref] = {"rs": rs, "scope": sc, "active": True}
            doc = {"access_token": access, "scope": sc, "expires_in": int(lifetime or self.token_lifetime),
                   "token_type": "Bearer", "resource_server": rs, "state": "_default"}
            if ref:
                doc["refresh_token"] = ref
            out.append(doc)
        first = dict(out[0])
        first["other_tokens"] = out[1:]
        return first

    def _auth_error(self, status: int, detail: str, error: str | None = None, headers=None) -> Response:
        code = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}.get(status, "ERROR")
        eid = str(uuid.uuid1())
        body = {"errors": [{"status": str(status), "id": eid, "code": code, "detail": detail,
                            "title": "Unauthorized" if status in (401, 403) else code.title()}],
                "error_description": detail, "error": error or code.lower()}
        return json_response(body, status, headers)

    def bearer(self, req, resource_server: str | None = None) -> str | None:
        """The live access token of a request, or ``None``."""
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

    def _authorize(self, req):
        q = req.query
        if q.get("client_id") != self.client_id:
            return text_response(_page("Unknown application", "<p>This client id is not registered.</p>"), 400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return text_response(_page("Bad request", "<p>A native app must send a PKCE S256 challenge.</p>"), 400)
        fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in q.items())
        scopes = "".join(f"<li><code>{escape(s)}</code></li>" for s in q.get("scope", "").split())
        body = (f"<p><b>{escape(DEMO_USER['name'])}</b> ({escape(DEMO_USER['preferred_username'])}), "
                f"allow <b>neurodata-widgets</b> to use:</p><ul>{scopes}</ul>"
                f'<form method="post" action="/_consent">{fields}'
                '<button type="submit" name="decision" value="allow" id="allow">Allow</button> '
                '<button type="submit" name="decision" value="deny" id="deny">Deny</button></form>')
        return text_response(_page("Globus sandbox: consent", body))

    def _consent(self, req):
        f = req.form()
        redirect = f.get("redirect_uri") or self.url + "/v2/web/auth-code"
        params = {"state": f.get("state", "_default")}
        if f.get("decision") != "allow":
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(18)
            with self._lock:
                self._codes[code] = {"challenge": f.get("code_challenge"), "redirect_uri": redirect,
                                     "scope": f.get("scope", ""), "exp": time.time() + 600}
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

    def _token(self, req):
        p = req.params
        grant = p.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                rec = self._codes.pop(p.get("code", ""), None)
            verifier = p.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if (not rec or rec["exp"] < time.time() or rec["challenge"] != challenge
                    or rec["redirect_uri"] != p.get("redirect_uri")):
                return json_response({"error": "invalid_grant"}, 401)
            return json_response(self._issue(rec["scope"]))
        if grant == "refresh_token":
            with self._lock:
                rec = self._refresh.get(p.get("refresh_token", ""))
                if not rec or not rec["active"]:
                    return json_response({"error": "invalid_grant"}, 401)
                access = "ndwA" + secrets.token_urlsafe(24)
                self._access[access] = {"rs": rec["rs"], "scope": rec["scope"], "exp": time.time() + self.token_lifetime}
            return json_response({"access_token": access, "scope": rec["scope"], "expires_in": int(self.token_lifetime),
                                  "token_type": "Bearer", "resource_server": rec["rs"], "other_tokens": [],
                                  "refresh_token": p.get("refresh_token")})
        return json_response({"error": "unsupported_grant_type"}, 400)

    def _revoke(self, req):
        token = req.params.get("token", "")
        with self._lock:
            if token in self._access:
                self._access[token]["exp"] = 0
            if token in self._refresh:
                self._refresh[token]["active"] = False
        return json_response({"active": False})

    def _userinfo(self, req):
        if not self.bearer(req, AUTH_RS):
            return self._auth_error(401, "Call must be authenticated")
        return json_response(dict(DEMO_USER, identity_set=[dict(DEMO_USER)]))


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
