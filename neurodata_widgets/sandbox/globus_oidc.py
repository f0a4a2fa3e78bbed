"""OpenID Connect of the Globus sandbox: the discovery document, the signing key set and signed ``id_token`` s.

Globus Auth signs ``id_token`` s with RS512 and publishes the public key at ``/jwk.json``
(``jwks_uri`` of ``/.well-known/openid-configuration``). The sandbox does the same with an
RSA key generated when it starts, so a client's ``decode_id_token()`` verifies a real signature.

Examples
--------
>>> from neurodata_widgets.sandbox.globus_oidc import SigningKey
>>> key = SigningKey()
>>> token = key.id_token("http://127.0.0.1:1", "client-id", {"sub": "someone"})
>>> import jwt; jwt.decode(token, key.public_key(), ["RS512"], audience="client-id")["sub"]
'someone'
"""
from __future__ import annotations

import json
import time
import uuid

ALGORITHM = "RS512"


class SigningKey:
    """An RSA key pair for signing ``id_token`` s; its public half is served as a JWK set."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]

    def public_key(self):
        return self._private.public_key()

    def jwks(self) -> dict:
        from jwt.algorithms import RSAAlgorithm

        jwk = json.loads(RSAAlgorithm.to_jwk(self.public_key()))
        jwk.update({"alg": ALGORITHM, "use": "sig", "kid": self.kid})
        return {"keys": [jwk]}

    def id_token(self, issuer: str, audience: str, claims: dict, lifetime: float = 172800) -> str:
        import jwt

        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "iat": now, "exp": now + int(lifetime),
                   "last_authentication": now, **claims}
        return jwt.encode(payload, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})


def openid_configuration(base: str) -> dict:
    """The discovery document, with the sandbox's own addresses."""
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/v2/oauth2/authorize",
        "token_endpoint": f"{base}/v2/oauth2/token",
        "userinfo_endpoint": f"{base}/v2/oauth2/userinfo",
        "revocation_endpoint": f"{base}/v2/oauth2/token/revoke",
        "introspection_endpoint": f"{base}/v2/oauth2/token/introspect",
        "jwks_uri": f"{base}/jwk.json",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token",
                                  "urn:globus:auth:grant_type:dependent_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["at_hash", "aud", "email", "exp", "name", "nonce", "preferred_username", "iat",
                             "iss", "sub", "identity_provider", "identity_provider_display_name",
                             "organization", "identity_set"],
        "code_challenge_methods_supported": ["S256"],
    }
