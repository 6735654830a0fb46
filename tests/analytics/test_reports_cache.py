"""The per-version store: a result is computed once per version and key, a new version of
the same database misses, another database's entries stay, and the store stays bounded."""

from __future__ import annotations

from rectoplan.reports.cache import VersionedCache


def test_computed_once_per_version_and_key_and_bounded():
    cache = VersionedCache(max_entries=3)
    calls = []

    def compute(value):
        calls.append(value)
        return value

    assert cache.get(("db-a", 1), "k", lambda: compute(1)) == 1
    assert cache.get(("db-a", 1), "k", lambda: compute(99)) == 1  # kept
    assert cache.get(("db-a", 2), "k", lambda: compute(2)) == 2  # a write: new version
    assert cache.get(("db-b", 7), "k", lambda: compute(7)) == 7
    assert cache.get(("db-a", 2), "k", lambda: compute(98)) == 2  # db-b did not evict db-a
    for n in range(5):
        cache.get(("db-a", 2), f"filter-{n}", lambda n=n: compute(n))
    assert len(cache._entries) == 3
    assert calls == [1, 2, 7, 0, 1, 2, 3, 4]
    assert cache.hits == 2
