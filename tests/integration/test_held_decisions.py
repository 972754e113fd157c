"""Participants' actions decided on the room as the process holds it (`Hub.head`), not on a read
of the store: on both stores, each answer must be what a decision on a fresh read would give,
with the room held behind the store as much as when it is current."""

import asyncio
from collections.abc import Callable, Hashable

import pytest

from tests.integration.test_batched_actions import OPTIONS, Counting, vote
from tests.integration.test_store import _loaded, act, make_store, run, start_poll
from workshop import engine
from workshop.caching import Refresh
from workshop.errors import Rejected
from workshop.hub import Hub
from workshop.models import RoomState
from workshop.service import Rooms
from workshop.store import Store

__all__ = ["make_store"]  # the fixture, used by name below


class Projector:
    """A screen that only keeps the room followed (so that the hub holds it)."""

    presence = None
    leads = True
    participant = ""
    group: Hashable = None

    def refresh(self, state: RoomState | None, refresh: Refresh) -> None:
        pass

    def store_down(self) -> None:
        pass

    def follow(self, leader: "Projector", state: RoomState | None, refresh: Refresh) -> bool:
        return False


async def held_by(store: Store, rooms: Rooms, code: str) -> Hub:
    """A hub that follows the room, for `rooms` to decide on, once it holds the room as the store
    has it now."""
    hub = Hub(store, coalesce=0.0)
    await hub.start()
    await hub.subscribe(code, Projector())
    rooms.held = hub.head
    await caught_up(store, hub, code)
    return hub


async def caught_up(store: Store, hub: Hub, code: str) -> None:
    version = (await _loaded(store, code)).version
    async with asyncio.timeout(5):
        while (head := hub.head(code)) is None or head.version < version:
            hub.poke(code)
            await asyncio.sleep(0.01)


def test_a_burst_of_votes_is_decided_on_the_held_room_without_reading_the_store(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(300)]
        await start_poll(rooms, code)
        hub = await held_by(store, rooms, code)
        counting = Counting(store)
        outcomes = await asyncio.gather(
            *(rooms.act(code, *vote(pid, i, OPTIONS[i % 4])) for i, pid in enumerate(people))
        )
        assert all(o.notice and not o.duplicate for o in outcomes)
        counted = list((await _loaded(store, code)).data("run:r1:votes").values())
        assert {o: counted.count(o) for o in OPTIONS} == dict.fromkeys(OPTIONS, 75)
        assert counting.load_many == 0, counting.sizes
        assert 1 <= counting.commit_many <= 4
        await hub.stop()

    run(make_store, body)


def test_one_who_just_joined_and_a_room_not_held_are_read_from_the_store(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        other, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        bob = await rooms.join(other, "Bob")
        await start_poll(rooms, code)
        await start_poll(rooms, other)
        grace = await rooms.join(code, "Grace")
        hub = await held_by(store, rooms, code)
        # As if the hub had not heard of Grace yet (held rooms lag their store a little).
        rooms.held = lambda room, people: None if grace in people else hub.head(room, people)
        counting = Counting(store)
        outcomes = await asyncio.gather(
            rooms.act(code, *vote(ada, 1, "candid")),
            rooms.act(code, *vote(grace, 2, "curious")),
            rooms.act(other, *vote(bob, 3, "curious")),
        )
        assert not any(o.duplicate for o in outcomes)
        assert (await _loaded(store, code)).data("run:r1:votes") == {
            ada: "candid",
            grace: "curious",
        }
        assert (await _loaded(store, other)).data("run:r1:votes") == {bob: "curious"}
        # Grace and Bob were read from the store (his room is not held), Ada was not.
        assert sum(counting.sizes) == 2, counting.sizes
        await hub.stop()

    run(make_store, body)


def test_a_replayed_frame_decided_on_the_held_room_is_saved_once(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        await start_poll(rooms, code)
        hub = await held_by(store, rooms, code)
        first = await rooms.act(code, *vote(ada, 1, "candid"))
        await rooms.act(code, *vote(ada, 2, "curious"))  # a change of mind
        again = await rooms.act(code, *vote(ada, 1, "candid"))  # the first frame, sent again
        assert not first.duplicate and again.duplicate
        assert again.notice == "Already saved ✓"
        assert (await _loaded(store, code)).data("run:r1:votes") == {ada: "curious"}
        await hub.stop()

    run(make_store, body)


def test_a_vote_decided_on_a_held_room_behind_the_store_gets_the_fresh_answer(
    make_store: Callable[[], Store],
) -> None:
    """The room as held still says voting is open, the store says it closed: the commit finds the
    meta moved on, and the vote is decided again on a fresh read, which refuses it."""

    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        await start_poll(rooms, code)
        saved = await rooms.act(code, *vote(ada, 1, "candid"))
        behind = await _loaded(store, code)
        rooms.held = lambda _code, people: RoomState(
            behind.meta,
            behind.rev,
            behind.version,
            participants={p: behind.participants[p] for p in people},
        )
        await rooms.act(code, engine.HOST, act({"type": "next_phase", "action_id": "next-0001"}))
        with pytest.raises(Rejected, match="Voting is closed"):
            await rooms.act(code, *vote(ada, 2, "curious"))
        # A frame saved before the room moved on, sent again, is still answered as saved.
        again = await rooms.act(code, *vote(ada, 1, "candid"))
        assert again.duplicate and not saved.duplicate
        assert (await _loaded(store, code)).data("run:r1:votes") == {ada: "candid"}

    run(make_store, body)


def test_the_held_head_is_the_room_as_the_store_has_it_without_run_data(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(3)]
        await start_poll(rooms, code)
        hub = await held_by(store, rooms, code)
        fresh = await _loaded(store, code)
        head = hub.head(code, people[:2])
        assert head is not None
        assert (head.meta, head.rev, head.version) == (fresh.meta, fresh.rev, fresh.version)
        assert head.participants == fresh.participants
        assert head.run_data == {} and not head.online
        assert hub.head(code, people[2:]) is head  # one state until the next change
        assert hub.head(code, ["nobody"]) is None
        assert hub.head("ZZZZ", ()) is None
        nobody = hub.head(code)  # as a join asks
        assert nobody is not None and nobody.version == fresh.version and not nobody.participants
        # A change makes a new one; the one handed out stays as it was.
        ada = await rooms.join(code, "Ada")
        await caught_up(store, hub, code)
        after = hub.head(code, [ada])
        assert after is not None and after is not head
        assert ada in after.participants and ada not in head.participants
        await hub.stop()

    run(make_store, body)
