"""Fan-out: one pub/sub connection per process; each room's local screens re-render on change.

A commit anywhere publishes "room X is at version N". The hub re-reads the room once per burst of
changes (at most once per `coalesce` seconds per room) and hands the same read to every local
subscriber, which renders its own audience's view (sharing renders through a `Refresh`) and queues it.
"""

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from workshop.caching import Refresh
from workshop.errors import StoreUnavailable, mark_seen
from workshop.models import RoomState
from workshop.store import RoomEvents, Store

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 20.0
"""How often each process tells the store that its phones are still connected (every 20 s, well
inside the minute after which a silent phone shows as gone)."""
BEAT_SECONDS = 2.0
"""How often each process publishes a beat on the control channel."""
SILENCE_SECONDS = 10.0
"""A pub/sub connection that has heard nothing, not even a beat, for this long is taken for dead:
a hung or unreachable Redis sends no error, only silence."""


class Subscriber(Protocol):
    def refresh(self, state: RoomState | None, refresh: Refresh) -> None:
        """Called with a fresh read (None: the room is gone). Must not block."""

    def store_down(self) -> None:
        """The store cannot be reached right now."""

    @property
    def presence(self) -> str | None:
        """The presence member this screen keeps alive ("participant id|connection id"), if any."""


class SharedReads:
    """Whole-room reads shared by everyone who asks at the same time.

    A read asked for while another is under way waits for the next one, which starts as soon as the
    current one ends and serves everyone who asked in between. So each caller gets a read that began
    after it asked (it sees every change committed before), and a burst of callers costs one read
    per read-time, not one each: in a join storm of a big room every phone's page and websocket
    need the whole room, and reading it once per phone made the storm quadratic."""

    def __init__(self, load: Callable[[str], Awaitable[RoomState | None]]) -> None:
        self._load = load
        self._next: dict[str, asyncio.Future[RoomState | None]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    async def read(self, code: str) -> RoomState | None:
        future = self._next.get(code)
        if future is None:
            future = self._next[code] = asyncio.get_running_loop().create_future()
            # Nobody may be left waiting to see a failure: mark it seen.
            future.add_done_callback(mark_seen)
            if code not in self._running:
                self._running[code] = asyncio.create_task(self._run(code), name=f"read-{code}")
        # A caller that gives up must not cancel the read the others wait for.
        return await asyncio.shield(future)

    async def _run(self, code: str) -> None:
        future: asyncio.Future[RoomState | None] | None = None
        try:
            while (future := self._next.pop(code, None)) is not None:
                try:
                    state = await self._load(code)
                except Exception as error:  # every waiter gets the same failure
                    future.set_exception(error)
                else:
                    future.set_result(state)
        finally:
            # Reached with futures left only when this task was cancelled (the app is stopping).
            del self._running[code]
            for left in (future, self._next.pop(code, None)):
                if left is not None and not left.done():
                    left.cancel()


class RoomFeed:
    def __init__(self, hub: "Hub", code: str) -> None:
        self.hub = hub
        self.code = code
        self.subscribers: set[Subscriber] = set()
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0
        self._failing = False
        self._heartbeat = asyncio.create_task(self._beat_presence(), name=f"presence-{code}")

    def poke(self) -> None:
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name=f"feed-{self.code}")

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._dirty and self.subscribers:
            wait = self._last + self.hub.coalesce - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty = False
            self._last = loop.time()
            try:
                state = await self.hub.reads.read(self.code)
            except StoreUnavailable as error:
                # Once per outage, not once per retry.
                log.log(
                    logging.DEBUG if self._failing else logging.WARNING,
                    "room %s: cannot read the store: %s",
                    self.code,
                    error,
                )
                self._failing = True
                for subscriber in list(self.subscribers):
                    subscriber.store_down()
                self._dirty = True
                await asyncio.sleep(1.0)
                continue
            self._failing = False
            refresh = Refresh()
            for subscriber in list(self.subscribers):
                try:
                    subscriber.refresh(state, refresh)
                except Exception:
                    # One screen that cannot be drawn must not stop the room's other screens.
                    log.exception("room %s: a screen could not be refreshed", self.code)

    async def _beat_presence(self) -> None:
        """Every `HEARTBEAT_SECONDS`, one round trip tells the store that this process's phones
        in the room are still connected (a phone not heard of for a minute shows as gone)."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            members = [s.presence for s in self.subscribers if s.presence is not None]
            if members:
                # A failed beat is retried by the next one; the listener reports the outage.
                with contextlib.suppress(StoreUnavailable):
                    await self.hub.store.heartbeat(self.code, members)

    def cancel(self) -> None:
        self._heartbeat.cancel()
        if self._task is not None:
            self._task.cancel()


class Hub:
    def __init__(self, store: Store, coalesce: float = 0.1) -> None:
        self.store = store
        self.coalesce = coalesce
        self.feeds: dict[str, RoomFeed] = {}
        # The room's shared read holds every exercise played so far: a phone's feedback card link
        # shows once anything is on the card, whichever exercise put it there.
        self.reads = SharedReads(functools.partial(store.load, every_run=True))
        self.healthy = False
        self._events: RoomEvents | None = None
        self._listener: asyncio.Task[None] | None = None
        self._beat: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="hub-listener")
        self._beat = asyncio.create_task(self._beat_loop(), name="hub-beat")

    async def stop(self) -> None:
        for task in (self._beat, self._listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for feed in self.feeds.values():
            feed.cancel()
        if self._background:
            await asyncio.wait(self._background, timeout=5)
        if self._events is not None:
            with contextlib.suppress(StoreUnavailable):
                await self._events.close()

    async def subscribe(self, code: str, subscriber: Subscriber) -> None:
        feed = self.feeds.get(code)
        if feed is None:
            feed = self.feeds[code] = RoomFeed(self, code)
            if self._events is not None:
                with contextlib.suppress(StoreUnavailable):
                    await self._events.follow(code)
        feed.subscribers.add(subscriber)

    def unsubscribe(self, code: str, subscriber: Subscriber) -> None:
        """Synchronous, so that a connection being torn down (even cancelled) always leaves."""
        feed = self.feeds.get(code)
        if feed is None:
            return
        feed.subscribers.discard(subscriber)
        if not feed.subscribers:
            feed.cancel()
            del self.feeds[code]
            self.spawn(self._drop_channel(code))

    async def _drop_channel(self, code: str) -> None:
        if code not in self.feeds and self._events is not None:
            with contextlib.suppress(StoreUnavailable):
                await self._events.unfollow(code)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Runs clean-up work to completion on its own, outside any connection's lifetime."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def poke(self, code: str) -> None:
        feed = self.feeds.get(code)
        if feed is not None:
            feed.poke()

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            # A failed beat is the listener's business: it will hear nothing.
            with contextlib.suppress(StoreUnavailable):
                await self.store.beat()

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.2
        while True:
            events = self.store.room_events()
            try:
                subscribed = set(self.feeds)
                await events.follow(*subscribed)
                # Rooms that gained their first screen during that round trip.
                late = set(self.feeds) - subscribed
                if late:
                    await events.follow(*late)
                self._events = events
                self.healthy = True
                delay = 0.2
                # Anything published while we were away is lost: every room re-reads.
                for feed in self.feeds.values():
                    feed.poke()
                heard = loop.time()
                while True:
                    changed = await events.next(within=1.0)
                    if changed is None:
                        if loop.time() - heard > SILENCE_SECONDS:
                            raise StoreUnavailable("nothing heard on the pub/sub connection")
                        continue
                    heard = loop.time()
                    if changed:
                        self.poke(changed)
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as error:
                if self.healthy:
                    log.warning("lost the store's pub/sub connection: %s", error)
                self.healthy = False
                # Close this attempt's connection too, even if it never got as far as _events.
                with contextlib.suppress(StoreUnavailable):
                    await events.close()
                self._events = None
                for feed in self.feeds.values():
                    for subscriber in list(feed.subscribers):
                        subscriber.store_down()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
