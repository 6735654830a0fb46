"""Outcome figures kept per registry version: computed once, served until the data changes.

The dashboard's statistics and figures take seconds on a registry of thousands of episodes,
but change only when someone writes to the registry. Each result is kept under its inputs and
the registry version (`rectoplan.registry.cohort.registry_version`, the newest audit row), so
a write is seen by the next request, on every worker and instance, without any
invalidation message: a new version simply misses. The store is per process, bounded, and
thread-safe; two requests that miss at once both compute (the result is the same).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 32
"""Results kept per process. A dashboard entry holds its PNG figures (about 0.6 MB), so 32
filter combinations cost about 20 MB; older combinations are recomputed when asked for."""


def registry_version(session: Any) -> tuple[str, int]:
    """The version the cache keys on: which database (a process, or a test run, may read
    several) and its newest audit row."""
    from rectoplan.registry import cohort

    return str(session.get_bind().url), cohort.registry_version(session)


class VersionedCache:
    """Least-recently-used results keyed by ``(version, key)``."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[Hashable, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept for ``key`` at ``version``, else ``compute()`` (kept)."""
        entry = (version, key)
        with self._lock:
            if entry in self._entries:
                self._entries.move_to_end(entry)
                self.hits += 1
                return self._entries[entry]
            self.misses += 1
        value = compute()
        with self._lock:
            self._entries[entry] = value
            self._entries.move_to_end(entry)
            database = version[0] if isinstance(version, tuple) else None
            stale = [
                k
                for k in self._entries
                if k[0] != version and (not isinstance(k[0], tuple) or k[0][0] == database)
            ]
            for k in stale:  # an older version of the same database is never asked for again
                del self._entries[k]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


OUTCOMES = VersionedCache()
"""The process-wide store the outcomes page and its exports share."""
