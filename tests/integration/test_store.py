"""The store against both backends: the embedded one and a real redis-server."""

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from redis.asyncio.client import PubSub

from workshop import engine
from workshop.actions import action_adapter
from workshop.changes import Committed, Published
from workshop.effects import Effects, Write
from workshop.exercises import load_library
from workshop.models import Participant, RoomMeta, RoomState
from workshop.service import Rooms
from workshop.settings import DEFAULT_EXERCISES
from workshop.store import Store, room_key

LIBRARY = load_library(DEFAULT_EXERCISES)
TTL = 3600


@pytest.fixture(params=["embedded", "redis"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], Store]:
    url = request.getfixturevalue("clean_redis_url") if request.param == "redis" else None
    return lambda: Store.connect(url, TTL)


def run(
    make_store: Callable[[], Store], body: Callable[[Store, Rooms], Coroutine[Any, Any, None]]
) -> None:
    async def main() -> None:
        store = make_store()
        try:
            await body(store, Rooms(store, LIBRARY))
        finally:
            await store.close()

    asyncio.run(main())


def act(payload: dict[str, Any]) -> Any:
    return action_adapter.validate_python(payload)


async def start_poll(rooms: Rooms, code: str) -> None:
    await rooms.act(
        code,
        engine.HOST,
        act(
            {
                "type": "add_exercise",
                "action_id": "add-00001",
                "exercise_id": "warmup-hardest-habit",
            }
        ),
    )
    await rooms.act(
        code, engine.HOST, act({"type": "start_run", "action_id": "start-0001", "run_id": "r1"})
    )


async def _room_keys(store: Store, code: str) -> list[str]:
    return sorted([key async for key in store.client.scan_iter(match=f"room:{{{code}}}:*")])


async def _loaded(store: Store, code: str) -> RoomState:
    state = await store.load(code)
    assert state is not None
    return state


def test_room_codes_are_allocated_once(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        state = await _loaded(store, code)
        assert not await store.create_room(state.meta)
        assert state.rev == 1

    run(make_store, body)


def test_join_is_unique_by_name_and_every_key_expires(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        with pytest.raises(engine.Rejected, match="already taken"):
            await rooms.join(code, "  ada ")
        await start_poll(rooms, code)
        await rooms.act(
            code,
            engine.Actor("participant", ada),
            act({"type": "vote", "action_id": "vote-00001", "option": "curious"}),
        )
        await store.set_presence(code, f"{ada}|c1", online=True)
        keys = await _room_keys(store, code)
        assert {
            room_key(code, n)
            for n in ("meta", "version", "seen", "people", "names", "presence", "run:r1:votes")
        } <= set(keys)
        for key in keys:
            ttl = await store.client.ttl(key)
            assert 0 < ttl <= TTL, key

    run(make_store, body)


def test_replayed_action_changes_nothing(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = engine.Actor("participant", await rooms.join(code, "Ada"))
        await start_poll(rooms, code)
        first = act({"type": "vote", "action_id": "vote-first", "option": "curious"})
        second = act({"type": "vote", "action_id": "vote-second", "option": "candid"})
        assert not (await rooms.act(code, ada, first)).duplicate
        await rooms.act(code, ada, second)
        replay = await rooms.act(code, ada, first)
        assert replay.duplicate
        state = await _loaded(store, code)
        assert state.data("run:r1:votes") == {ada.participant_id: "candid"}

    run(make_store, body)


def test_decision_on_an_old_revision_is_refused(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        old = await _loaded(store, code)
        await rooms.act(
            code,
            engine.HOST,
            act({"type": "set_locked", "action_id": "lock-00001", "locked": True}),
        )
        effects = engine.join(old, "p1", "Late", 0.0)  # decided while the room was still open
        assert (await store.commit(old, effects)).status == "stale"
        with pytest.raises(engine.Rejected, match="closed to new participants"):
            await rooms.join(code, "Late")

    run(make_store, body)


def test_a_join_decided_on_the_room_as_held_is_decided_again_once_it_moved(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        held = await _loaded(store, code)
        ada = await rooms.join(code, "Ada", held)
        assert (await _loaded(store, code)).participants[ada].name == "Ada"
        with pytest.raises(engine.Rejected, match="already taken"):
            await rooms.join(code, "ADA", held)
        await rooms.act(
            code,
            engine.HOST,
            act({"type": "set_locked", "action_id": "lock-00001", "locked": True}),
        )
        # Held from before the lock: refused on the fresh read, not let in.
        with pytest.raises(engine.Rejected, match="closed to new participants"):
            await rooms.join(code, "Late", held)

    run(make_store, body)


def test_concurrent_votes_are_all_counted(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        people = [await rooms.join(code, f"P{i}") for i in range(40)]
        await start_poll(rooms, code)
        options = ["candid", "collaborative", "compassionate", "curious"]
        votes = [
            rooms.act(
                code,
                engine.Actor("participant", pid),
                act({"type": "vote", "action_id": f"vote-{i:05d}", "option": options[i % 4]}),
            )
            for i, pid in enumerate(people)
        ]
        # A facilitator change lands in the middle of the burst; votes decided before it retry.
        votes.insert(
            20,
            rooms.act(
                code,
                engine.HOST,
                act({"type": "set_title", "action_id": "title-0001", "title": "Kick-off"}),
            ),
        )
        await asyncio.gather(*votes)
        state = await _loaded(store, code)
        counted = list(state.data("run:r1:votes").values())
        assert len(counted) == 40
        assert {o: counted.count(o) for o in options} == dict.fromkeys(options, 10)

    run(make_store, body)


def test_delete_removes_every_key(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        await start_poll(rooms, code)
        await rooms.act(
            code,
            engine.Actor("participant", ada),
            act({"type": "vote", "action_id": "vote-00001", "option": "curious"}),
        )
        await store.set_presence(code, f"{ada}|c1", online=True)
        assert await _room_keys(store, code)
        await rooms.delete(code)
        assert await _room_keys(store, code) == []
        assert await store.load(code) is None

    run(make_store, body)


def test_presence_tracks_connections(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        before = (await _loaded(store, code)).version
        await store.set_presence(code, f"{ada}|tab1", online=True)
        await store.set_presence(code, f"{ada}|tab2", online=True)
        await store.set_presence(code, f"{ada}|tab1", online=False)
        state = await _loaded(store, code)
        assert state.online == {ada}
        assert state.version == before + 3
        await store.set_presence(code, f"{ada}|tab2", online=False)
        assert (await _loaded(store, code)).online == frozenset()

    run(make_store, body)


def test_one_heartbeat_call_keeps_many_connections_present(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        members = [f"{await rooms.join(code, name)}|tab" for name in ("Ada", "Grace", "Linus")]
        for member in members:
            await store.set_presence(code, member, online=True)
        presence = room_key(code, "presence")
        # Their last word was long ago: without a heartbeat they would count as gone.
        for member in members:
            await store.client.zadd(presence, {member: 1.0})
        assert (await _loaded(store, code)).online == frozenset()
        version = (await _loaded(store, code)).version
        await store.heartbeat(code, members)
        state = await _loaded(store, code)
        assert state.online == {m.split("|")[0] for m in members}
        assert state.version == version  # a heartbeat re-renders no screen
        # A room deleted meanwhile gets no key back.
        await rooms.delete(code)
        await store.heartbeat(code, members)
        assert not await store.client.exists(presence)

    run(make_store, body)


def raw_pubsub(store: Store) -> PubSub:
    """The store's own pub/sub, to read exactly what a commit publishes."""
    return store.listener.pubsub(ignore_subscribe_messages=True)


def test_commits_publish_the_new_version_with_what_changed(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        pubsub = raw_pubsub(store)
        await pubsub.subscribe(f"room:{{{code}}}:events")
        events = store.room_events()
        await events.follow(code)
        outcome = await rooms.act(
            code,
            engine.HOST,
            act({"type": "set_title", "action_id": "title-0001", "title": "Kick-off"}),
        )
        message = None
        async with asyncio.timeout(5):
            while message is None or message["type"] != "message":
                message = await pubsub.get_message(timeout=1.0)
        told = json.loads(message["data"])
        assert told["v"] == outcome.version
        assert [RoomMeta.model_validate_json(c["m"]).title for c in told["c"]] == ["Kick-off"]
        await pubsub.aclose()
        # What the hub hears of it: the room, its new version and the change (a beat, "", is a
        # sign of life only).
        heard: list[object] = []
        async with asyncio.timeout(5):
            while not any(isinstance(h, Published) for h in heard):
                heard.append(await events.next(within=1.0))
        published = next(h for h in heard if isinstance(h, Published))
        assert (published.code, published.version, published.since) == (
            code,
            outcome.version,
            outcome.version - 1,
        )
        assert published.changes is not None
        (change,) = published.changes
        assert isinstance(change, Committed) and change.meta is not None
        assert change.meta.title == "Kick-off" and change.writes == ()
        assert set(heard) - {published} <= {"", None}
        await events.close()

    run(make_store, body)


def test_failed_joins_are_counted_per_client_and_expire(make_store: Callable[[], Store]) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        assert await store.failed_joins("10.0.0.7") == 0
        assert await store.record_failed_join("10.0.0.7", 600) == 1
        assert await store.record_failed_join("10.0.0.7", 600) == 2
        assert await store.failed_joins("10.0.0.8") == 0
        ttl = await store.client.ttl("workshop:join-failures:10.0.0.7")
        assert 0 < ttl <= 600

    run(make_store, body)


def test_a_change_refreshes_what_it_writes_and_every_key_once_they_run_down(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada = await rooms.join(code, "Ada")
        await start_poll(rooms, code)
        people, votes, meta = (room_key(code, n) for n in ("people", "run:r1:votes", "meta"))
        low = TTL - store.ttl_slack // 2  # still within the slack
        for key in (people, meta):
            await store.client.expire(key, low)
        vote = {"type": "vote", "action_id": "vote-00001", "option": "curious"}
        await rooms.act(code, engine.Actor("participant", ada), act(vote))
        assert await store.client.ttl(votes) > low  # written: full TTL
        assert await store.client.ttl(people) <= low  # not written, not yet due
        # Once the meta hash runs below TTL - slack, the next change refreshes every key.
        for key in (people, meta):
            await store.client.expire(key, TTL - store.ttl_slack - 5)
        again = {"type": "vote", "action_id": "vote-00002", "option": "candid"}
        await rooms.act(code, engine.Actor("participant", ada), act(again))
        for key in await _room_keys(store, code):
            assert await store.client.ttl(key) > TTL - store.ttl_slack, key

    run(make_store, body)


def test_a_batch_of_changes_to_a_room_is_judged_change_by_change_and_published_once(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        state = await _loaded(store, code)
        pubsub = raw_pubsub(store)
        await pubsub.subscribe(f"room:{{{code}}}:events")

        def named(title: str) -> Effects:
            return Effects(meta=state.meta.model_copy(update={"title": title}))

        def arrival(pid: str, name: str) -> Effects:
            record = Participant(id=pid, name=name, joined_at=1.0).model_dump_json()
            return Effects(
                writes=(Write.put("people", pid, record), Write.put("names", name, pid)),
                must_be_absent=(("names", name),),
            )

        results = await store.commit_many(
            [
                (state, arrival("p1", "ada"), "join-00001"),
                (state, arrival("p1", "ada"), "join-00001"),  # the same frame again
                (state, arrival("p2", "ada"), "join-00002"),  # the name is taken by then
                (state, named("First"), "title-0001"),
                (state, named("Second"), "title-0002"),  # decided on the revision "First" moved
            ]
        )
        assert [r.status for r in results] == ["ok", "duplicate", "taken", "ok", "stale"]
        assert results[2].taken == "ada"
        assert results[1].version == results[0].version
        assert results[3].version == results[0].version + 1
        after = await store.load(code, run_data=False)
        assert after is not None
        assert after.meta.title == "First" and after.version == results[3].version
        assert await store.client.hget(room_key(code, "names"), "ada") == "p1"
        published = []
        async with asyncio.timeout(5):
            while not published:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message["type"] == "message":
                    published.append(message["data"])
        # One message for the whole batch, with its last version and the two changes applied
        # (the join and the title); nothing else follows it.
        assert len(published) == 1
        told = json.loads(published[0])
        assert told["v"] == results[3].version
        first, second = told["c"]
        assert first["w"][0][:3] == ["put", "people", "p1"] and "m" not in first
        assert second["w"] == [] and RoomMeta.model_validate_json(second["m"]).title == "First"
        assert await pubsub.get_message(timeout=0.2) is None
        await pubsub.aclose()

    run(make_store, body)


def test_whole_room_reads_hold_everyone_until_someone_joins_or_leaves(
    make_store: Callable[[], Store],
) -> None:
    async def body(store: Store, rooms: Rooms) -> None:
        code, _ = await rooms.create()
        ada, grace, linus = [await rooms.join(code, name) for name in ("Ada", "Grace", "Linus")]
        await start_poll(rooms, code)
        first = await _loaded(store, code)
        token = await store.client.hget(room_key(code, "meta"), "people")
        await rooms.act(
            code,
            engine.Actor("participant", ada),
            act({"type": "vote", "action_id": "vote-00001", "option": "curious"}),
        )
        voted = await _loaded(store, code)
        # A vote changes nobody: the read shares the people it held, and sees the vote.
        assert voted.participants is first.participants
        assert voted.present is first.present
        assert voted.data("run:r1:votes") == {ada: "curious"}
        assert await store.client.hget(room_key(code, "meta"), "people") == token

        # Another process (a store of its own) changes the people; this one sees it next read.
        elsewhere = Rooms(Store(store.client, store.backend, TTL), LIBRARY)
        barbara = await elsewhere.join(code, "Barbara")
        await elsewhere.act(
            code,
            engine.HOST,
            act({"type": "remove_participant", "participant_id": grace, "action_id": "remove-01"}),
        )
        later = await _loaded(store, code)
        assert set(later.participants) == {ada, grace, linus, barbara}
        assert later.participants[grace].removed
        assert [p.name for p in later.present] == ["Ada", "Linus", "Barbara"]
        assert [p.name for p in first.present] == ["Ada", "Grace", "Linus"]

        # Deleted and made again under the same code, the room starts with nobody.
        await store.delete_room(code)
        assert await store.create_room(later.meta)
        assert (await _loaded(store, code)).participants == {}
        newcomer = await rooms.join(code, "Alan")
        assert set((await _loaded(store, code)).participants) == {newcomer}

    run(make_store, body)
