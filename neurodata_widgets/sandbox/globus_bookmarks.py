"""Transfer's bookmarks in the sandbox: ``bookmark_list``, create, show, rename and delete.

Mixed into :class:`~neurodata_widgets.sandbox.globus_server.GlobusServer`. A bookmark names a folder on a
collection (``endpoint_id`` + ``path``); names are unique per user and compared case-sensitively, as
Transfer does. The demo user starts with two bookmarks, the folders of the lab they work in, which is what a
returning researcher's browser opens on.
"""
from __future__ import annotations

import secrets
import uuid

from .runner import json_response

SEEDED = (("Lab raw data", "1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a001", "/~/"),
          ("My scratch space", "1c5e4a52-0a47-4c39-9a7c-8d2ee1f0a002", "/~/"))


class BookmarksMixin:
    """Bookmark routes; the host class provides ``_lock``, ``collections``, ``_transfer_error`` and ``_authed``."""

    bookmark_routes = [
        ("GET", r"^/v0\.10/bookmark_list$", "_bookmark_list"),
        ("POST", r"^/v0\.10/bookmark$", "_bookmark_create"),
        ("GET", r"^/v0\.10/bookmark/(?P<bookmark>[^/]+)$", "_bookmark_get"),
        ("PUT", r"^/v0\.10/bookmark/(?P<bookmark>[^/]+)$", "_bookmark_update"),
        ("DELETE", r"^/v0\.10/bookmark/(?P<bookmark>[^/]+)$", "_bookmark_delete"),
    ]

    def _seed_bookmarks(self) -> None:
        self.bookmarks: dict = {}
        for name, endpoint, path in SEEDED:
            bid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bookmark:{name}"))
            self.bookmarks[bid] = {"DATA_TYPE": "bookmark", "id": bid, "name": name, "endpoint_id": endpoint,
                                   "path": path, "pinned": False}

    def _bookmark_list(self, req):
        if (err := self._authed(req)) is not None:
            return err
        with self._lock:
            docs = [dict(b) for b in self.bookmarks.values()]
        return json_response({"DATA_TYPE": "bookmark_list", "DATA": docs})

    def _bookmark_found(self, req):
        """``(bookmark, None)`` or ``(None, error)`` for the id in the path."""
        if (err := self._authed(req)) is not None:
            return None, err
        with self._lock:
            found = self.bookmarks.get(req.match["bookmark"].lower())
        if found is None:
            return None, self._transfer_error(404, "BookmarkNotFound",
                                              f"Bookmark '{req.match['bookmark']}' not found", req)
        return found, None

    def _bookmark_checked(self, req, doc: dict, exclude: str | None = None):
        """An error response if ``doc``'s name is unusable or taken, else ``None``."""
        name = doc.get("name")
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            return self._transfer_error(400, "ClientError.BadRequest",
                                        "A bookmark name must be non-empty, without leading or trailing spaces", req)
        with self._lock:
            taken = any(b["name"] == name and b["id"] != exclude for b in self.bookmarks.values())
        if taken:
            return self._transfer_error(409, "Conflict", f"A bookmark named '{name}' already exists", req)
        return None

    def _bookmark_create(self, req):
        if (err := self._authed(req)) is not None:
            return err
        doc = req.json() or {}
        if (err := self._bookmark_checked(req, doc)) is not None:
            return err
        endpoint, path = doc.get("endpoint_id"), doc.get("path") or ""
        if endpoint not in self.collections:
            return self._transfer_error(404, "EndpointNotFound", f"No such endpoint '{endpoint}'", req)
        if not path.startswith(("/", "~")):
            return self._transfer_error(400, "ClientError.BadRequest", "A bookmark path must be absolute", req)
        bid = str(uuid.uuid4())
        made = {"DATA_TYPE": "bookmark", "id": bid, "name": doc["name"], "endpoint_id": endpoint,
                "path": path if path.endswith("/") else path + "/", "pinned": bool(doc.get("pinned", False))}
        with self._lock:
            self.bookmarks[bid] = made
        return json_response(dict(made))

    def _bookmark_get(self, req):
        found, err = self._bookmark_found(req)
        return err if err is not None else json_response(dict(found))

    def _bookmark_update(self, req):
        found, err = self._bookmark_found(req)
        if err is not None:
            return err
        doc = req.json() or {}
        if (err := self._bookmark_checked(req, doc, exclude=found["id"])) is not None:
            return err
        with self._lock:
            found["name"] = doc["name"]
            if "pinned" in doc:
                found["pinned"] = bool(doc["pinned"])
        return json_response(dict(found))

    def _bookmark_delete(self, req):
        found, err = self._bookmark_found(req)
        if err is not None:
            return err
        with self._lock:
            self.bookmarks.pop(found["id"], None)
        return json_response({"DATA_TYPE": "result", "code": "Deleted",
                              "message": f"Bookmark '{found['id']}' deleted successfully",
                              "request_id": secrets.token_urlsafe(6)[:9], "resource": f"/bookmark/{found['id']}"})
