"""Globus Auth's API of the sandbox: userinfo, identities, consents, token introspect/validate, apps, OpenID.

Mixed into :class:`~neurodata_widgets.sandbox.globus_server.GlobusServer` next to
:class:`~neurodata_widgets.sandbox.globus_auth.AuthMixin`. Shapes follow
``globus_sdk.testing``'s recorded responses (``userinfo``, ``get_identities``,
``get_consents``, ``oauth2_token_introspect``, ``create_native_app_instance``).
"""
from __future__ import annotations

import functools
import time
import uuid

from .globus_auth import DEMO_USER, app_route, iso
from .globus_oidc import openid_configuration
from .globus_scopes import AUTH_RS
from .runner import json_response

VIEW_IDENTITY_SET = "urn:globus:auth:scope:auth.globus.org:view_identity_set"


def _identity(user: dict) -> dict:
    return {"id": user["sub"], "username": user["preferred_username"], "name": user["name"],
            "email": user["email"], "organization": user["organization"],
            "identity_provider": user["identity_provider"], "identity_type": "login", "status": "used"}


def session_info(rec: dict) -> dict:
    """Introspection's ``session_info``: the login session a token belongs to and who authenticated in it."""
    session = rec.get("session") or {}
    if rec["sub"] != DEMO_USER["sub"] or not session:  # a client identity has no login session
        return {"session_id": None, "authentications": {}}
    return {"session_id": session["id"], "authentications": {rec["sub"]: {
        "acr": None, "amr": ["pwd", "mfa"] if session.get("mfa") else ["pwd"], "auth_time": session["auth_time"],
        "custom_claims": {}, "idp": DEMO_USER["identity_provider"]}}}


def user_route(handler):
    """An Auth API route called with an Auth access token (else Auth's 401 "Call must be authenticated");
    the handler is called as ``handler(self, req, rec)`` with the token's record (``sub``, ``scope``, ...)."""
    @functools.wraps(handler)
    def route(self, req):
        rec = self._token_record(req)
        return self._auth_error(401, "Call must be authenticated") if rec is None else handler(self, req, rec)
    return route


class AuthApiMixin:
    """Auth's resource routes; the host class is an :class:`~.globus_auth.AuthMixin`."""

    def _token_record(self, req, rs: str = AUTH_RS):
        token = self.bearer(req, rs)
        with self._lock:
            return dict(self._access[token]) if token else None

    @user_route
    def _userinfo(self, req, rec):
        if rec["sub"] != DEMO_USER["sub"]:  # a client identity (client_credentials)
            return json_response({"sub": rec["sub"], "preferred_username": f"{rec['sub']}@clients.auth.globus.org",
                                  "name": None, "email": None})
        doc = dict(DEMO_USER)
        if VIEW_IDENTITY_SET in rec["scope"].split():
            doc["identity_set"] = [dict(DEMO_USER, username=DEMO_USER["preferred_username"],
                                        last_authentication=int((rec.get("session") or {}).get("auth_time",
                                                                                              rec["iat"])))]
        return json_response(doc)

    def _identities(self, req):
        app, _ = self._authenticated_client(req) if req.headers.get("Authorization", "").startswith("Basic ") \
            else (None, None)
        if app is None and self._token_record(req) is None:
            return self._auth_error(401, "Call must be authenticated")
        ids = [i for i in req.query.get("ids", "").split(",") if i]
        names = [n for n in req.query.get("usernames", "").split(",") if n]
        if ids and names:
            return self._auth_error(400, "Only one of 'ids' or 'usernames' may be given")
        known = {DEMO_USER["sub"]: _identity(DEMO_USER)}
        with self._lock:
            for cid, doc in self._clients.items():
                known[cid] = {"id": cid, "username": f"{cid}@clients.auth.globus.org", "name": doc["name"],
                              "email": None, "organization": None, "status": "used", "identity_type": "client",
                              "identity_provider": "bfd75c7c-5f9b-4a0f-9c0b-8bde6cb6a8c5"}
        by_name = {doc["username"]: doc for doc in known.values()}
        found = [known[i] for i in ids if i in known]
        for name in names:  # an unknown username is a provisioned, unused identity, as in Globus Auth
            found.append(by_name.get(name) or {"id": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), "username": name,
                                               "name": None, "email": None, "organization": None,
                                               "identity_provider": None, "status": "unused"})
        return json_response({"identities": found})

    @user_route
    def _consents_of(self, req, rec):
        who = req.match["identity"]
        if who != rec["sub"]:
            return self._auth_error(403, "You may only view your own consents")
        with self._lock:
            found = [{k: v for k, v in c.items() if not k.startswith("_")} for c in self._consents
                     if c["effective_identity"] == who]
        return json_response({"consents": found})

    @app_route
    def _introspect(self, req, app):
        token = req.params.get("token", "")
        with self._lock:
            rec = self._access.get(token)
        if not rec or rec["exp"] < time.time():
            return json_response({"active": False})
        user = DEMO_USER if rec["sub"] == DEMO_USER["sub"] else {}
        extra = {}
        if "session_info" in req.params.get("include", "").split(","):
            extra["session_info"] = session_info(rec)
        return json_response({**extra, "active": True, "token_type": "Bearer", "scope": rec["scope"],
                              "client_id": rec["client"], "sub": rec["sub"],
                              "username": user.get("preferred_username", f"{rec['sub']}@clients.auth.globus.org"),
                              "name": user.get("name"), "email": user.get("email"), "exp": int(rec["exp"]),
                              "iat": int(rec["iat"]), "nbf": int(rec["iat"]), "aud": [rec["rs"], rec["client"]],
                              "iss": self.url})

    @app_route
    def _validate(self, req, app):
        """``{"active": bool}``: is the token (access or refresh) live and issued to the calling app?"""
        token = req.params.get("token", "")
        with self._lock:
            access, refresh = self._access.get(token), self._refresh.get(token)
        live = (access and access["exp"] >= time.time()) or (refresh and refresh["active"])
        rec = access or refresh or {}
        return json_response({"active": bool(live and rec.get("client") == app["id"])})

    def _create_client(self, req):
        """A confidential instance of a native app (``{"client": {"template_id", "name"}}``), as ``globus login``
        registers one."""
        body = (req.json() or {}).get("client") or {}
        template = body.get("template_id")
        with self._lock:
            parent = self._clients.get(template or "")
        if not template:
            return self._auth_error(400, "This sandbox only registers instances of a template app (template_id)")
        if parent is None or not parent["public_client"]:
            return self._auth_error(404, f"No template app with id {template}")
        doc = self.register_client(body.get("name") or parent["name"], confidential=True, parent=template)
        secret = doc.pop("secret")
        credential = {"name": "Auto-created at client creation", "id": str(uuid.uuid4()), "client": doc["id"],
                      "secret": secret, "created": iso()}
        return json_response({"client": doc, "included": {"client_credential": credential}})

    @app_route
    def _get_client(self, req, app):
        if app["id"] != req.match["client"]:
            return self._auth_error(403, "An app may only read itself")
        return json_response({"client": {k: v for k, v in app.items() if k != "secret"}})

    @app_route
    def _delete_client(self, req, app):
        if app["id"] != req.match["client"]:
            return self._auth_error(403, "An app may only delete itself")
        with self._lock:
            self._clients.pop(app["id"], None)
            for rec in self._access.values():
                if rec["client"] == app["id"]:
                    rec["exp"] = 0
            for rec in self._refresh.values():
                if rec["client"] == app["id"]:
                    rec["active"] = False
        return json_response({"client": {k: v for k, v in app.items() if k != "secret"}})

    def _openid_configuration(self, req):
        return json_response(openid_configuration(self.url))

    def _jwks(self, req):
        return json_response(self.signing_key.jwks())

