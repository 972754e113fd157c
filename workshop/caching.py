"""The read side's caches, in one place: a bounded map that forgets the least recently used entry,
and what one refresh of a room shares between its screens.

Every cache here is a view of something the store holds, kept to save work; none is ever the only
copy of anything. Each `Lru` counts its hits, misses and evictions (`stats`), so its bound can be
judged from a run rather than guessed; `CACHES` lists them by name.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from weakref import WeakValueDictionary

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class CacheStats:
    name: str
    size: int
    bound: int
    hits: int
    misses: int
    evictions: int


class Lru(Generic[K, V]):
    """A map of at most `bound` entries; when full, adding one forgets the least recently used."""

    def __init__(self, name: str, bound: int) -> None:
        if bound < 1:
            raise ValueError("a cache holds at least one entry")
        self.name = name
        self.bound = bound
        self._entries: OrderedDict[K, V] = OrderedDict()
        self.hits = self.misses = self.evictions = 0
        CACHES[f"{name}#{id(self)}"] = self

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.bound:
            self._entries.popitem(last=False)
            self.evictions += 1

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def stats(self) -> CacheStats:
        return CacheStats(
            self.name, len(self._entries), self.bound, self.hits, self.misses, self.evictions
        )


CACHES: "WeakValueDictionary[str, Lru[Any, Any]]" = WeakValueDictionary()
"""Every live `Lru`, by its name and identity (a process may hold several of one name)."""


def cache_stats() -> list[CacheStats]:
    """Each live cache's counters, summed over the caches of one name."""
    totals: dict[str, CacheStats] = {}
    for cache in list(CACHES.values()):
        s = cache.stats()
        known = totals.get(s.name)
        totals[s.name] = (
            s
            if known is None
            else CacheStats(
                s.name,
                known.size + s.size,
                known.bound + s.bound,
                known.hits + s.hits,
                known.misses + s.misses,
                known.evictions + s.evictions,
            )
        )
    return sorted(totals.values(), key=lambda s: s.name)


@dataclass
class Refresh:
    """What one refresh of a room (one read, drawn on every screen subscribed to it) shares between
    the screens, so that screens showing the same are rendered and encoded once. It lives for that
    refresh only."""

    screens: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """The console's and the projector's regions, by audience and language."""
    regions: dict[tuple[str, Hashable, str], str] = field(default_factory=dict)
    """A phone region's HTML, by region, the key of what it shows and the language it is in."""
    updates: dict[Hashable, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    """What a group of screens showing the same (in the same language) is sent: the digests of its
    regions after the update, and the fragment."""
    frames: dict[str, bytes] = field(default_factory=dict)
    """A fragment as one websocket frame, encoded once."""
    timer_alone_since: int | None = None
    """When every change since the feed last drew the room changed the timer and nothing else: the
    version it drew then. A screen last drawn from that version need draw only the regions that
    show the timer; one drawn from another (a screen that connected with a read of its own, say)
    is drawn whole."""
