"""Match sets one catalog shares between its connections, so a search matches once across threads.

Each thread reads a catalog through its own SQLite connection (the search widget turns pages on
worker threads), and a connection's temporary table of matches is visible to it alone. What a
search matched is therefore also kept here, in the process, as the ids in a JSON array, with the
page-independent statistics: another connection loads those ids instead of matching again.

An entry is keyed by the catalog's *write generation* (the file's random name and a counter that
every write through any :class:`~neurodata_widgets.search.catalog.Catalog` on the file raises in
the same transaction) and by the query (its parsed tree) and filters. A write from any connection or process moves the
generation on, so an older entry is never served again; entries are dropped least recently used
first. The entries are guarded by a lock: any thread may ask and store.

Examples
--------
>>> shared = SharedMatches(size=2)
>>> entry = shared.put(generation=1, key=("haxby", ()), ids="[3, 7]", count=2)
>>> shared.get(1, ("haxby", ())).count
2
>>> shared.get(2, ("haxby", ())) is None  # written meanwhile: matched again
True
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class Matches:
    """What one search matched: ``ids`` (a JSON array, loaded by SQLite's ``json_each``), their
    ``count`` and, once computed, the registry's ``collection_stats`` over them and the ids in
    each order asked for (``orders``: SQL ORDER BY -> ids), so that any page is a slice.

    The catalog fills ``stats`` and ``orders`` under its own lock."""

    ids: str
    count: int
    stats: dict | None = field(default=None)
    orders: dict = field(default_factory=dict)


class SharedMatches:
    """A small thread-safe store of :class:`Matches` by (write generation, query key).

    ``size`` is how many searches are kept (0 keeps none: each connection matches on its own).
    """

    def __init__(self, size: int = 8):
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()
        self._generation = None

    def get(self, generation, key) -> Matches | None:
        """The matches of ``key`` at this generation, or ``None``."""
        with self._lock:
            entry = self._entries.get((generation, key))
            if entry is not None:
                self._entries.move_to_end((generation, key))
            return entry

    def put(self, generation, key, ids: str, count: int) -> Matches:
        """Keep what ``key`` matched at this generation; entries of older generations go."""
        entry = Matches(ids, count)
        if self.size <= 0:
            return entry
        with self._lock:
            if generation != self._generation:
                self._entries.clear()  # written since: nothing older will be asked for again
                self._generation = generation
            self._entries[(generation, key)] = entry
            self._entries.move_to_end((generation, key))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
