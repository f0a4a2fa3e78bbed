"""What the Globus browser remembers between visits: each pane's collection and folder, and the direction.

It is kept per user in the toolkit's configuration folder (``globus-panes.json``, mode 0600: the names of a
user's collections and folders are their own), one entry per Globus (where it is, which app) and Globus
identity, never in widget state or a notebook. :func:`check` tells, on the next visit, whether a remembered
collection can still be used: one that was deleted, or that the user may no longer see, gives a calm sentence
and an empty pane.

Examples
--------
>>> memory = PaneMemory("app@example", "identity-1")
>>> memory.save({"direction": "←", "left": {"collection": "c1", "name": "Lab", "path": "/~/data/"}})
>>> memory.load()["left"]["path"]
'/~/data/'
>>> PaneMemory("app@example", "identity-2").load() is None        # another Globus identity: nothing
True
"""
from __future__ import annotations

import threading

from ..config import read_user_json, write_user_json

FILE = "globus-panes.json"
_lock = threading.Lock()


class PaneMemory:
    """The remembered panes of one Globus identity using one Globus (``where``: the client's token namespace)."""

    def __init__(self, where: str, identity: str):
        self.key = f"{where} {identity}"

    def load(self) -> dict | None:
        """The state saved last (``direction``, ``left``/``right``: ``collection``, ``name``, ``path``), if any."""
        found = read_user_json(FILE).get(self.key)
        return found if isinstance(found, dict) else None

    def save(self, state: dict) -> None:
        with _lock:
            known = read_user_json(FILE)
            if known.get(self.key) == state:
                return
            known[self.key] = state
            write_user_json(FILE, known)


def check(client, remembered: dict, role: str) -> tuple[dict | None, str]:
    """The collection document of a remembered pane, or ``None`` and the sentence saying why it stays empty.

    ``role`` is "source" or "destination". A collection Globus no longer has (404), or that this user may no
    longer see (403), is not an error: the user is told, and chooses another.
    """
    import globus_sdk

    name = remembered.get("name") or remembered.get("collection")
    try:
        return client.collection(remembered["collection"]), ""
    except globus_sdk.GlobusAPIError as exc:
        if exc.http_status not in (403, 404):
            raise
    return None, (f"Your last {role} collection, {name}, is no longer there or no longer shared with you, so "
                  "this pane starts empty.")
