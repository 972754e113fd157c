"""The read side's bounded cache: it forgets the least recently used entry, and counts."""

import functools

import pytest

from workshop.caching import Lru, cache_stats


def test_a_full_cache_forgets_the_least_recently_used_entry() -> None:
    cache: Lru[str, int] = Lru("test letters", 2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache
    assert len(cache) == 2
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.evictions) == (1, 0, 1)
    assert cache.get("b") is None
    assert cache.stats().misses == 1


def test_get_or_make_makes_once_per_key_while_kept() -> None:
    cache: Lru[int, str] = Lru("test numbers", 3)
    made: list[int] = []

    def make(n: int) -> str:
        made.append(n)
        return str(n)

    for n in (1, 2, 1, 1, 3, 4, 1, 2):
        assert cache.get_or_make(n, functools.partial(make, n)) == str(n)
    # 1 stays (used often); 2 is forgotten when 4 arrives, so it is made again.
    assert made == [1, 2, 3, 4, 2]


def test_stats_add_up_the_caches_of_one_name() -> None:
    first: Lru[str, int] = Lru("test twins", 4)
    second: Lru[str, int] = Lru("test twins", 4)
    first.put("x", 1)
    second.put("y", 2)
    second.get("y")
    twins = next(s for s in cache_stats() if s.name == "test twins")
    assert (twins.size, twins.bound, twins.hits) == (2, 8, 1)


def test_a_cache_holds_at_least_one_entry() -> None:
    with pytest.raises(ValueError):
        Lru("test empty", 0)
