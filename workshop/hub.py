"""Fan-out: one pub/sub connection per process; each room's local screens re-render on change.

A commit anywhere publishes "room X is now at version N, after these changes" (see `changes`).
The hub holds each room it follows (`LiveRoom`): it reads it whole once, after subscribing to its
channel, and then applies the published changes in order, reading it again only when it misses a
version. At most once per `coalesce` seconds per room it hands the room as held to every local
subscriber, the projector and the console first, and each renders its own audience's view
(sharing renders through a `Refresh`) and queues it.
"""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine, Hashable
from typing import Any, Protocol, Self

from workshop.caching import Refresh
from workshop.changes import Beat, LiveRoom, Published
from workshop.errors import StoreUnavailable, mark_seen
from workshop.models import RoomState
from workshop.render import card_holders
from workshop.store import PRESENCE_STALE_SECONDS, RoomEvents, Store

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

    @property
    def leads(self) -> bool:
        """Served before the others in every refresh (the projector and the console: a vote is
        on the big screen without waiting for the room's phones)."""

    @property
    def participant(self) -> str:
        """The participant this screen is drawn for ("" for the console and the projector)."""

    @property
    def group(self) -> Hashable:
        """What this screen shows and is drawn from: of two screens with equal groups whose
        participants no change touched, a refresh draws both or neither, and the same."""

    def follow(self, leader: Self, state: RoomState | None, refresh: Refresh) -> bool:
        """Shows what `leader` was just sent by `refresh`: both were in the same group and no
        change touched either's participant, so this one is due the same. True when it was
        handed that, and is then in the leader's group; False when it was drawn like `refresh`
        instead (when what it is due cannot be told from what the leader was sent)."""


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


class _ReadAgain(Exception):
    """The room changed during its read in a way the read cannot be brought up to (it was
    deleted, say): it is read again."""


class RoomFeed:
    def __init__(self, hub: "Hub", code: str) -> None:
        self.hub = hub
        self.code = code
        self.subscribers: set[Subscriber] = set()
        self.leading: set[Subscriber] = set()
        """The subscribers that lead (see `Subscriber.leads`), also in `subscribers`."""
        self.live: LiveRoom | None = None
        """The room as held, kept current by what its channel says; None until it is read (again)."""
        self._heard: list[Published] = []
        """What the channel said while the room was being read, to apply after the read."""
        self._reading = False
        self._drawn: RoomState | None = None
        """The state the phones were last drawn from."""
        self._groups: dict[Hashable, set[Subscriber]] = {}
        """The phones by their `group`, as at their last refresh."""
        self._grouped: dict[Subscriber, Hashable] = {}
        self._by_participant: dict[str, set[Subscriber]] = {}
        self._new: set[Subscriber] = set()
        """Phones not refreshed by the feed since they subscribed."""
        self._everyone = True
        """The next refresh looks at every phone (after the store was down, say)."""
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0
        self._failing = False
        self._heartbeat = asyncio.create_task(self._beat_presence(), name=f"presence-{code}")

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)
        if subscriber.leads:
            self.leading.add(subscriber)
        else:
            self._new.add(subscriber)
            self._by_participant.setdefault(subscriber.participant, set()).add(subscriber)

    def discard(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        self.leading.discard(subscriber)
        self._new.discard(subscriber)
        self._ungroup(subscriber)
        tabs = self._by_participant.get(subscriber.participant)
        if tabs is not None:
            tabs.discard(subscriber)
            if not tabs:
                del self._by_participant[subscriber.participant]

    def _ungroup(self, subscriber: Subscriber) -> None:
        group = self._grouped.pop(subscriber, None)
        members = self._groups.get(group) if group is not None else None
        if members is not None:
            members.discard(subscriber)
            if not members:
                del self._groups[group]

    def _regroup(self, subscriber: Subscriber) -> None:
        group = subscriber.group
        if self._grouped.get(subscriber) == group or subscriber not in self.subscribers:
            return
        self._ungroup(subscriber)
        self._grouped[subscriber] = group
        self._groups.setdefault(group, set()).add(subscriber)

    def _move(self, followers: list[Subscriber], old: Hashable, new: Hashable) -> None:
        """Moves phones from group `old` to `new` at once: each showed what `old` did and was
        handed what its leader, now in `new`, was sent (`_regroup` one by one was 8 % of a
        room-wide timer change at 2,000 phones)."""
        if not followers:
            return
        grouped = self._grouped
        for follower in followers:
            grouped[follower] = new
        self._groups.setdefault(new, set()).update(followers)
        members = self._groups.get(old)
        if members is not None:
            members.difference_update(followers)
            if not members:
                del self._groups[old]

    def store_is_down(self) -> None:
        for subscriber in list(self.subscribers):
            subscriber.store_down()
        self._everyone = True

    def poke(self) -> None:
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name=f"feed-{self.code}")

    def forget(self) -> None:
        """The room must be read whole again before it is next drawn (a change was missed)."""
        self.live = None
        self._heard.clear()
        self.poke()

    def hear(self, heard: Published | Beat) -> None:
        """A message from the room's channel: applied to the room held, or kept for the read under
        way (what was said before a read began, the read sees)."""
        live = self.live
        if isinstance(heard, Beat):
            if live is not None:
                live.beat(heard)
            return
        if live is None:
            if self._reading:
                self._heard.append(heard)
            self.poke()
        elif live.apply(heard):
            self.poke()
        else:
            self.forget()

    async def _read(self) -> RoomState | None:
        """The room as held now, read whole first when it is not held (None: it is gone)."""
        if self.live is None:
            self._reading = True
            try:
                loaded = await self.hub.store.load_live(self.code)
            finally:
                self._reading = False
                heard, self._heard = self._heard, []
            if loaded is None:
                return None
            live = LiveRoom(*loaded)
            # Subscribed before the read: whatever it missed was heard meanwhile.
            if not all(live.apply(published) for published in heard):
                raise _ReadAgain
            self.live = live
        return self.live.state(time.time() - PRESENCE_STALE_SECONDS)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._dirty and self.subscribers:
            wait = self._last + self.hub.coalesce - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty = False
            self._last = loop.time()
            try:
                state = await self._read()
            except _ReadAgain:
                self._dirty = True
                continue
            except StoreUnavailable as error:
                # Once per outage, not once per retry.
                log.log(
                    logging.DEBUG if self._failing else logging.WARNING,
                    "room %s: cannot read the store: %s",
                    self.code,
                    error,
                )
                self._failing = True
                self.store_is_down()
                self._dirty = True
                await asyncio.sleep(1.0)
                continue
            self._failing = False
            self._draw(state)

    def _touched(self, state: RoomState | None) -> tuple[frozenset[str] | None, bool]:
        """The participants whose phones' keys may differ from the last state drawn (None:
        anyone's), and whether other phones may show something new too."""
        live, drawn = self.live, self._drawn
        touched, elsewhere = (
            live.take_touched() if live is not None and state is not None else (None, True)
        )
        self._drawn = state
        if touched is None or drawn is None or state is None or self._everyone:
            return None, True
        # Whose card shows something can change with any exercise's data.
        return touched | (card_holders(state) ^ card_holders(drawn)), elsewhere

    def _draw(self, state: RoomState | None) -> None:
        """Draws the room's screens: the projector and the console, then the phones that may
        show something new: those of participants a change touched, those that have not been
        drawn by this feed yet, and (unless the changes show on the phones they touched alone)
        the members of each group of phones that show the same whose first member drawn was
        sent something."""
        live, drawn = self.live, self._drawn
        timer_alone = (
            live is not None
            and live.take_timer_alone()
            and state is not None
            and drawn is not None
            and not self._everyone
        )
        refresh = Refresh(timer_alone_since=drawn.version if timer_alone and drawn else None)
        for subscriber in list(self.leading):
            self._refresh(subscriber, state, refresh)
        touched, elsewhere = self._touched(state)
        if touched is None:
            self._everyone = False
            phones = [s for s in self.subscribers if s not in self.leading]
            for subscriber in phones:
                self._refresh(subscriber, state, refresh)
        else:
            due = set(self._new)
            for participant in touched:
                due |= self._by_participant.get(participant, set())
            phones = []
            for group, members in list(self._groups.items()) if elsewhere else ():
                first = next((m for m in members if m not in due), None)
                if first is None:
                    continue
                self._refresh(first, state, refresh)
                phones.append(first)
                moved = first.group
                if moved == group:
                    continue
                # The group's other phones are due what the first was sent: those no change
                # touched are handed it without being drawn (a timer change in a big room is
                # one group), and join its group together; the others are drawn.
                followed = []
                for follower in members - due - {first}:
                    if self._follow(follower, first, state, refresh):
                        followed.append(follower)
                    else:
                        phones.append(follower)
                self._move(followed, group, moved)
            for subscriber in due:
                self._refresh(subscriber, state, refresh)
            phones.extend(due)
        self._new.clear()
        for subscriber in phones:
            self._regroup(subscriber)

    def _refresh(self, subscriber: Subscriber, state: RoomState | None, refresh: Refresh) -> None:
        try:
            subscriber.refresh(state, refresh)
        except Exception:
            # One screen that cannot be drawn must not stop the room's other screens.
            log.exception("room %s: a screen could not be refreshed", self.code)

    def _follow(
        self, follower: Subscriber, leader: Subscriber, state: RoomState | None, refresh: Refresh
    ) -> bool:
        try:
            return follower.follow(leader, state, refresh)
        except Exception:
            log.exception("room %s: a screen could not be refreshed", self.code)
            return False

    async def _beat_presence(self) -> None:
        """Every `HEARTBEAT_SECONDS`, one round trip tells the store that this process's phones
        in the room are still connected (a phone not heard of for a minute shows as gone)."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            members = [s.presence for s in self.subscribers if s.presence is not None]
            if members:
                # A failed beat is retried by the next one; the listener reports the outage.
                with contextlib.suppress(StoreUnavailable):
                    version = await self.hub.store.heartbeat(self.code, members)
                    await self._check(version)

    async def _check(self, version: int) -> None:
        """Compares the room as held with the store's version of it, as a heartbeat told it. A
        room gone (one that expires publishes nothing) or a version beyond the one held, still
        beyond it a second later (the message of a change may be on its way), means something
        was missed: the room is read again. Without this, a lost last message would leave the
        room as held behind until its next change."""
        for wait in (0.0, 1.0):
            await asyncio.sleep(wait)
            live = self.live
            if live is None or 0 < version <= live.version:
                return
        self.forget()

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
        feed.add(subscriber)

    def unsubscribe(self, code: str, subscriber: Subscriber) -> None:
        """Synchronous, so that a connection being torn down (even cancelled) always leaves."""
        feed = self.feeds.get(code)
        if feed is None:
            return
        feed.discard(subscriber)
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

    def held(self, code: str, participant_id: str) -> RoomState | None:
        """The room as this process holds it, for a phone's page or websocket, when it holds the
        room and already knows the participant (one who has just joined must find themselves);
        else None, and the caller reads the room (see `reads`). In a join storm every phone
        opens its page and its websocket within a second of joining: a whole read of the room
        for each would cost in proportion to the room."""
        feed = self.feeds.get(code)
        live = feed.live if feed is not None and self.healthy else None
        if live is None or not live.knows(participant_id):
            return None
        return live.state(time.time() - PRESENCE_STALE_SECONDS)

    def head(self, code: str, people: Collection[str] = ()) -> RoomState | None:
        """The room's meta, revision and version as this process holds them, with its people,
        for a decision that needs no more (a join, a participant's action); None when it does not
        hold the room or one of `people`. What such a decision writes is checked when it
        is committed, as one on a fresh read is: a meta moved on meanwhile makes it "stale"."""
        feed = self.feeds.get(code)
        live = feed.live if feed is not None and self.healthy else None
        return None if live is None else live.head(people)

    def poke(self, code: str) -> None:
        feed = self.feeds.get(code)
        if feed is not None:
            feed.poke()

    def _hear(self, heard: Published | Beat) -> None:
        feed = self.feeds.get(heard.code)
        if feed is not None:
            feed.hear(heard)

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
                # Anything published while we were away is lost: every room is read again.
                for feed in self.feeds.values():
                    feed.forget()
                heard = loop.time()
                while True:
                    changed = await events.next(within=1.0)
                    if changed is None:
                        if loop.time() - heard > SILENCE_SECONDS:
                            raise StoreUnavailable("nothing heard on the pub/sub connection")
                        continue
                    heard = loop.time()
                    if not isinstance(changed, str):
                        self._hear(changed)
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
                    feed.store_is_down()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
