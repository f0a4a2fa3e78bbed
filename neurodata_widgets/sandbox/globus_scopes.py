"""Globus Auth scope strings as the sandbox reads them: trees of dependencies, and who owns each scope.

A scope string is a space-separated list of scopes, each optionally followed by its dependent
scopes in brackets, e.g. ``urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/
scopes/<collection>/data_access]`` (``*`` marks an optional dependency). A token is issued for
the root scopes only, grouped by the resource server that owns them; the dependencies become
consents (``GET /v2/api/identities/<id>/consents``).

Examples
--------
>>> from neurodata_widgets.sandbox.globus_scopes import parse, resource_server
>>> [(s.name, [d.name for d in s.dependencies]) for s in parse("openid transfer:x[a *b]")]
[('openid', []), ('transfer:x', ['a', 'b'])]
>>> resource_server("https://auth.globus.org/scopes/1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001/https")
'1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

AUTH_RS = "auth.globus.org"
TRANSFER_RS = "transfer.api.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
OIDC_SCOPES = ("openid", "profile", "email")
# resource servers whose name is an FQDN although their scopes are https://auth.globus.org/scopes/<client id>/...
NAMED_SERVICES = {"eec9b274-0c81-4334-bdc2-54e90e689b9a": "flows.globus.org"}
_SCOPE_URL = re.compile(r"^https://auth\.globus\.org/scopes/(?P<owner>[^/\[\]\s]+)/(?P<name>[^\[\]\s]+)$")
_URN = re.compile(r"^urn:globus:auth:scope:(?P<rs>[^:\s]+):(?P<name>[^\[\]\s]+)$")


@dataclass
class Scope:
    name: str
    optional: bool = False
    dependencies: list = field(default_factory=list)

    def __str__(self) -> str:
        deps = " ".join(str(d) for d in self.dependencies)
        return ("*" if self.optional else "") + self.name + (f"[{deps}]" if deps else "")


def parse(text: str) -> list[Scope]:
    """The scope trees of a scope string; raises ``ValueError`` on unbalanced brackets."""
    stack: list[list[Scope]] = [[]]
    token = ""

    def flush():
        nonlocal token
        if token:
            optional = token.startswith("*")
            stack[-1].append(Scope(token.lstrip("*"), optional))
            token = ""

    for ch in text or "":
        if ch.isspace():
            flush()
        elif ch == "[":
            flush()
            if not stack[-1]:
                raise ValueError("a dependency list must follow a scope")
            stack.append(stack[-1][-1].dependencies)
        elif ch == "]":
            flush()
            if len(stack) == 1:
                raise ValueError("unbalanced ']' in scope string")
            stack.pop()
        else:
            token += ch
    flush()
    if len(stack) != 1:
        raise ValueError("unbalanced '[' in scope string")
    return stack[0]


def resource_server(scope: str) -> str | None:
    """The resource server that owns ``scope`` (``None`` for a scope no service owns)."""
    if scope in OIDC_SCOPES:
        return AUTH_RS
    m = _URN.match(scope)
    if m:
        return m.group("rs")
    m = _SCOPE_URL.match(scope)
    if m:
        return NAMED_SERVICES.get(m.group("owner"), m.group("owner"))
    return None


def collection_https_scope(collection_id: str) -> str:
    """The scope a collection's HTTPS server (Globus Connect Server v5) wants a token for."""
    return f"https://auth.globus.org/scopes/{collection_id}/https"


def collection_data_access_scope(collection_id: str) -> str:
    """The dependency of Transfer's scope that a ``data_access`` collection needs."""
    return f"https://auth.globus.org/scopes/{collection_id}/data_access"


def paths(scopes: list[Scope], prefix: tuple = ()) -> list[tuple]:
    """Every path from a root to a node (``("transfer:all", "…/data_access")``), roots first."""
    out = []
    for s in scopes:
        here = prefix + (s.name,)
        out.append(here)
        out.extend(paths(s.dependencies, here))
    return out
