"""Participants' actions arriving together are read, decided and committed together, on both stores.
Every answer must be what the action would have got alone: saved, already saved, refused with its
reason, or the room gone."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.test_store import _loaded, act, make_store, run, start_poll
from workshop import engine
from workshop.errors import Rejected, StoreUnavailable
from workshop.service import Outcome, RoomNotFound, Rooms
from workshop.store import Store

__all__ = ["make_store"]  # the fixture, used by name below

OPTIONS = ["candid", "collaborative", "compassionate", "curious"]


class Counting:
    """Counts the store's round trips for actions: one batch of reads is one call."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.load_many = 0
        self.commit_many = 0
        self.sizes: list[int] = []
        load_many, commit_many = store.load_many, store.commit_many

        async def counted_load(requests: Any) -> Any:
            self.load_many += 1
            self.sizes.append(len(requests))
            return await load_many(requests)

        async def counted_commit(commits: Any) -> Any:
            self.commit_many += 1
            return await commit_many(commits)

        store.load_many = counted_load  # type: ignore[method-assign]
        store.commit_many = counted_commit  # type: ignore[method-assign]


def vote(pid: str, n: int, option: str) -> tuple[engine.Actor, Any]:
    return engine.Actor("participant", pid), act(
        {"type": "vote", "action_id": f"vote-{n:05d}", "option": option}
    )


def test_a_burst_of_votes_is_taken_in_a_few_batches_and_every_vote_counts(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(300)]
        await start_poll(rooms, code)
        counting = Counting(store)
        outcomes = await asyncio.gather(
            *(rooms.act(code, *vote(pid, i, OPTIONS[i % 4])) for i, pid in enumerate(people))
        )
        assert all(o.notice and not o.duplicate for o in outcomes)
        counted = list((await _loaded(store, code)).data("run:r1:votes").values())
        assert {o: counted.count(o) for o in OPTIONS} == dict.fromkeys(OPTIONS, 75)
        # The first vote goes alone; the rest wait for it and go in batches of up to 256.
        assert sum(counting.sizes) == 300
        assert counting.load_many <= 4, counting.sizes
        assert counting.commit_many == counting.load_many

    run(make_store, body)


def test_in_one_batch_a_replay_is_saved_once_and_a_second_change_wins_in_order(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        grace = await rooms.join(code, "Grace")
        await start_poll(rooms, code)
        counting = Counting(store)
        # Something else keeps the batcher busy, so the next four wait and go as one batch.
        first = asyncio.ensure_future(rooms.act(code, *vote(grace, 1, "curious")))
        await asyncio.sleep(0)
        together = [
            rooms.act(code, *vote(ada, 2, "candid")),
            rooms.act(code, *vote(ada, 2, "candid")),  # the same frame twice (a replay)
            rooms.act(code, *vote(ada, 3, "compassionate")),  # then a change of mind
            rooms.act(code, *vote(grace, 4, "collaborative")),
        ]
        outcomes: list[Outcome] = [await first, *await asyncio.gather(*together)]
        assert counting.sizes[:2] == [1, 4]
        assert [o.duplicate for o in outcomes] == [False, False, True, False, False]
        votes = (await _loaded(store, code)).data("run:r1:votes")
        assert votes == {ada: "compassionate", grace: "collaborative"}

    run(make_store, body)


def test_refusals_and_gone_rooms_in_a_batch_are_answered_as_alone(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        gone, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        ghost = await rooms.join(gone, "Ghost")
        await start_poll(rooms, code)
        await rooms.delete(gone)
        busy = asyncio.ensure_future(rooms.act(code, *vote(ada, 1, "curious")))
        await asyncio.sleep(0)
        results = await asyncio.gather(
            rooms.act(code, *vote(ada, 2, "no-such-option")),
            rooms.act(gone, *vote(ghost, 3, "candid")),
            rooms.act(code, *vote(ada, 4, "candid")),
            return_exceptions=True,
        )
        await busy
        refused, not_found, saved = results
        assert isinstance(refused, Rejected) and not isinstance(refused, RoomNotFound)
        assert isinstance(not_found, RoomNotFound)
        assert isinstance(saved, Outcome) and not saved.duplicate
        assert (await _loaded(store, code)).data("run:r1:votes") == {ada: "candid"}

    run(make_store, body)


def test_a_store_failure_reaches_every_caller_of_the_batch(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(5)]
        await start_poll(rooms, code)

        async def failing(requests: Any) -> Any:
            raise StoreUnavailable("store unreachable")

        store.load_many = failing  # type: ignore[method-assign]
        results = await asyncio.gather(
            *(rooms.act(code, *vote(pid, i, "candid")) for i, pid in enumerate(people)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StoreUnavailable) for r in results), results
        # Nothing was saved, and the next batch works once the store answers.
        del store.load_many
        assert (await rooms.act(code, *vote(people[0], 9, "candid"))).notice

    run(make_store, body)


def test_timer_title_lock_and_removal_read_no_one_else(make_store: Callable[[], Store]) -> None:
    """In a big room, everyone's records are the largest read: the facilitator's actions on the
    room's own settings read none of them, and a removal reads only the one removed."""

    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(5)]
        reads: list[Any] = []
        load = store.load

        async def recorded(code: str, people: Any = None, **options: Any) -> Any:
            reads.append(None if people is None else sorted(people))
            return await load(code, people, **options)

        store.load = recorded  # type: ignore[method-assign]
        for n, action in enumerate(
            [
                {"type": "timer_start", "minutes": "2"},
                {"type": "timer_add", "seconds": "30"},
                {"type": "timer_pause"},
                {"type": "timer_resume"},
                {"type": "timer_clear"},
                {"type": "set_title", "title": "Kick-off"},
                {"type": "set_locked", "locked": "true"},
            ]
        ):
            outcome = await rooms.act(
                code, engine.HOST, act({**action, "action_id": f"host-{n:04d}"})
            )
            assert not outcome.duplicate, action
        assert reads == [[]] * 7
        reads.clear()
        outcome = await rooms.act(
            code,
            engine.HOST,
            act(
                {
                    "type": "remove_participant",
                    "participant_id": people[2],
                    "action_id": "remove-0001",
                }
            ),
        )
        assert outcome.notice == "Removed P2."
        assert reads == [[people[2]]]
        reads.clear()
        with pytest.raises(Rejected, match="not in the room"):
            await rooms.act(
                code,
                engine.HOST,
                act(
                    {
                        "type": "remove_participant",
                        "participant_id": "nobody",
                        "action_id": "remove-0002",
                    }
                ),
            )
        state = await _loaded(store, code)
        assert state.meta.title == "Kick-off" and state.meta.locked
        assert state.participants[people[2]].removed
        assert not state.participants[people[1]].removed

    run(make_store, body)


def test_a_caller_that_gives_up_is_still_saved_and_the_others_answered(
    make_store: Callable[[], Store],
) -> None:
    """A phone that disconnects while its vote waits for a batch: the vote counts (it reached the
    server), the rest of the batch is answered as usual, and nothing is logged as unretrieved."""

    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(6)]
        await start_poll(rooms, code)
        callers = [
            asyncio.create_task(rooms.act(code, *vote(pid, i, OPTIONS[0])))
            for i, pid in enumerate(people)
        ]
        await asyncio.sleep(0)  # every action is queued
        callers[3].cancel()
        done = await asyncio.gather(*callers, return_exceptions=True)
        assert isinstance(done[3], asyncio.CancelledError)
        assert all(isinstance(o, Outcome) and not o.duplicate for i, o in enumerate(done) if i != 3)
        votes = (await _loaded(store, code)).data("run:r1:votes")
        assert sorted(votes) == sorted(people)
        # Sent again on reconnect, the cancelled one's frame is recognised as saved.
        again = await rooms.act(code, *vote(people[3], 3, OPTIONS[0]))
        assert again.duplicate

    run(make_store, body)
