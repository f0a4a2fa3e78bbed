"""Globus tokens in one file shared safely by every tab, kernel and process of a user.

On JupyterHub a user often has several notebooks open, each with its own
:class:`~neurodata_widgets.globus.client.GlobusClient` on the same token file. Two rules
keep them from undoing each other's work:

* every change happens under an exclusive lock (``<file>.lock``, :func:`fcntl.flock`) as
  read - compare - write, and the file is replaced atomically, so a reader never sees half a file;
* a refresh, a "forget" or a logout only touches the entry it is about when the file still holds
  the tokens it knows (compare before write): if another tab logged in anew meanwhile, its newer
  tokens are adopted, never overwritten or deleted.

:class:`SharedRefreshAuthorizer` is the SDK's refresh-token authorizer made to follow the file:
before refreshing it looks whether another tab already stored a newer live token and uses that.

Examples
--------
>>> from neurodata_widgets.globus.tokens import SharedTokenFile
>>> store = SharedTokenFile("/tmp/ndw-doc-tokens.json", namespace="demo")     # doctest: +SKIP
>>> store.get_token_data("transfer.api.globus.org") is None                   # doctest: +SKIP
True
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time

from globus_sdk import RefreshTokenAuthorizer
from globus_sdk.token_storage import JSONTokenStorage, TokenStorageData

from .client import LoginRequired

_LOCKS: dict = {}  # path -> [RLock, depth]; flock is per open file, so nest inside one process by hand
_LOCKS_GUARD = threading.Lock()
FRESH_ENOUGH = 60  # seconds a stored access token must still live to be adopted instead of refreshing


class SharedTokenFile(JSONTokenStorage):
    """The SDK's JSON token storage, with locked read-compare-write changes and atomic replacement."""

    @contextlib.contextmanager
    def locked(self):
        """Hold the file's exclusive lock (re-entrant within this process)."""
        path = str(self.filepath)
        with _LOCKS_GUARD:
            entry = _LOCKS.setdefault(path, [threading.RLock(), 0, None])
        with entry[0]:
            if entry[1] == 0:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
                entry[2] = fd
            entry[1] += 1
            try:
                yield
            finally:
                entry[1] -= 1
                if entry[1] == 0:
                    os.close(entry[2])  # closing releases the flock
                    entry[2] = None

    def _write(self, data: dict) -> None:
        folder = os.path.dirname(str(self.filepath)) or "."
        fd, tmp = tempfile.mkstemp(prefix=".globus-tokens-", dir=folder)  # mkstemp files are 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.filepath)

    def store_token_data_by_resource_server(self, token_data_by_resource_server) -> None:
        with self.locked():
            data = self._load()
            entries = data["data"].setdefault(self.namespace, {})
            for rs, token_data in token_data_by_resource_server.items():
                entries[rs] = token_data.to_dict()
            self._write(data)

    def remove_token_data(self, resource_server: str, only_if: TokenStorageData | None = None) -> bool:
        """Remove an entry; with ``only_if``, only while the file still holds those very tokens."""
        with self.locked():
            data = self._load()
            entries = data["data"].get(self.namespace, {})
            current = entries.get(resource_server)
            if current is None or (only_if is not None and not _same(current, only_if)):
                return False
            del entries[resource_server]
            self._write(data)
            return True


def _same(stored: dict, known: TokenStorageData) -> bool:
    if known.refresh_token:
        return stored.get("refresh_token") == known.refresh_token
    return stored.get("access_token") == known.access_token


class SharedRefreshAuthorizer(RefreshTokenAuthorizer):
    """A refresh-token authorizer for one resource server that reads and updates a :class:`SharedTokenFile`.

    ``on_tokens(data)`` is called with every token entry it starts using (for the caller's bookkeeping).
    """

    def __init__(self, storage: SharedTokenFile, resource_server: str, auth_client, on_tokens=None,
                 missing=("You are not logged in to Globus.", "Log in with the Login button first.")):
        data = storage.get_token_data(resource_server)
        if data is None or not data.refresh_token:
            raise LoginRequired(*missing)
        self.storage, self.resource_server, self.on_tokens = storage, resource_server, on_tokens
        self.known = data
        super().__init__(data.refresh_token, auth_client, access_token=data.access_token,
                         expires_at=data.expires_at_seconds)
        self._note(data)

    def handle_missing_authorization(self) -> bool:
        # the service refused the token: renew with the stored refresh token rather than adopt a stored
        # access token, which may be the refused one's sibling (revoked together)
        self._refused = True
        return super().handle_missing_authorization()

    def _note(self, data: TokenStorageData) -> None:
        self.known = data
        if self.on_tokens:
            self.on_tokens(data)

    def _get_new_access_token(self) -> None:
        import globus_sdk

        with self.storage.locked():
            stored = self.storage.get_token_data(self.resource_server)
            if stored is None or not stored.refresh_token:
                raise LoginRequired("You were logged out of Globus (in another tab or program).", "Log in again.")
            refused, self._refused = getattr(self, "_refused", False), False
            if (not refused and stored.access_token != self.access_token
                    and stored.expires_at_seconds > time.time() + FRESH_ENOUGH):
                # another tab refreshed or logged in anew: use its token instead of refreshing
                self.refresh_token, self.access_token = stored.refresh_token, stored.access_token
                self.expires_at = stored.expires_at_seconds
                self._note(stored)
                return
            self.refresh_token = stored.refresh_token
            try:
                response = self._get_token_response()
            except globus_sdk.AuthAPIError as exc:
                if exc.http_status in (400, 401):
                    # dead refresh token: drop it, but only if nobody replaced it meanwhile
                    self.storage.remove_token_data(self.resource_server, only_if=stored)
                    raise LoginRequired("Your Globus login has expired or was revoked.",
                                        "Log in again with the Login button.") from exc
                raise
            token = self._extract_token_data(response)
            self.access_token, self.expires_at = token["access_token"], token["expires_at_seconds"]
            renewed = TokenStorageData(
                resource_server=self.resource_server, identity_id=stored.identity_id, scope=token["scope"],
                access_token=token["access_token"], refresh_token=token.get("refresh_token") or stored.refresh_token,
                expires_at_seconds=token["expires_at_seconds"], token_type=token.get("token_type"))
            self.storage.store_token_data_by_resource_server({self.resource_server: renewed})
            self._note(renewed)
