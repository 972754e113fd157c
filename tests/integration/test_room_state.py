"""Each process holds the rooms its screens follow and keeps them current from what commits publish.

The room as held must be the room as a fresh read gives it, and render the same, at every step of
a workshop through every kind of exercise; a version missed, or a message not understood, makes
the process read the room again; and a change made through one process reaches the room held by
another without it reading the room again.
"""

import asyncio
import functools
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, live, projector_cookie
from tests.security.workshop_run import LiveRoom, Writing, live_room, play_every_kind, runtime_of
from workshop import hub as hub_module
from workshop.app import create_app
from workshop.changes import LiveRoom as HeldRoom
from workshop.hub import RoomFeed
from workshop.models import RoomMeta, RoomState
from workshop.render import Audience
from workshop.runtime import Runtime
from workshop.settings import Settings
from workshop.store import room_channel, room_key

NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan")
WRITING = Writing(
    title="Held rooms",
    long_text=lambda n: f"Question or post number {n}",
    comment=lambda rater, rated: f"Comment from {rater} to {rated}",
)
CONNECTION = Request(
    {"type": "http", "scheme": "http", "server": ("testserver", 80), "path": "/", "headers": []}
)
WAIT_SECONDS = 10.0


def settings(redis_url: str | None) -> Settings:
    return Settings(redis_url=redis_url, secret_key="test-signing-key", coalesce_seconds=0.0)


@pytest.fixture(params=["embedded", "redis"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("clean_redis_url") if request.param == "redis" else None


def on_loop(client: TestClient, work: Callable[[], Awaitable[Any]]) -> Any:
    assert client.portal is not None
    return client.portal.call(work)


async def held_and_fresh(runtime: Runtime, code: str) -> tuple[RoomState, RoomState]:
    """The room as this process holds it, once it has heard of everything committed, beside a
    fresh whole read of the store."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            fresh = await runtime.store.load(code, every_run=True)
            assert fresh is not None
            feed = runtime.hub.feeds.get(code)
            live = feed.live if feed is not None else None
            if live is not None and live.version == fresh.version:
                return live.state(time.time() - 60), fresh
            await asyncio.sleep(0.01)


def regions(runtime: Runtime, state: RoomState, audience: Audience) -> dict[str, str]:
    drawn = runtime.render_regions(state, audience, CONNECTION)
    # The timer counts down from "now", which differs between two renders; nothing else may.
    drawn.pop("timer")
    return drawn


def assert_same_room(runtime: Runtime, held: RoomState, fresh: RoomState, step: str) -> None:
    assert (held.meta, held.rev, held.version) == (fresh.meta, fresh.rev, fresh.version), step
    assert held.participants == fresh.participants, step
    assert held.present == fresh.present, step
    assert held.online == fresh.online, step
    assert held.run_data == fresh.run_data, step
    audiences = [Audience("host"), Audience("screen")] + [
        Audience("phone", person.id) for person in fresh.participants.values()
    ]
    for audience in audiences:
        assert regions(runtime, held, audience) == regions(runtime, fresh, audience), (
            f"{audience.key} after {step}"
        )


def test_the_room_held_is_the_room_read_afresh_at_every_step_of_every_kind(
    store_url: str | None,
) -> None:
    compared: list[str] = []
    with TestClient(create_app(settings(store_url))) as client:
        runtime = runtime_of(client)
        reads = count_whole_reads(runtime)

        def on_step(room: LiveRoom, step: str) -> None:
            held, fresh = on_loop(client, lambda: held_and_fresh(runtime, room.code))
            assert_same_room(runtime, held, fresh, step)
            compared.append(step)

        with live_room(client, NAMES, on_step) as room:
            on_step(room, "the start")
            play_every_kind(room, WRITING)
            # Someone removed, the room locked, the projector dark, the timer running: all held.
            removed = room.ids()[NAMES[-1]]
            room.host.act("Removed", type="remove_participant", participant_id=removed)
            room.host.act("locked", type="set_locked", locked="true")
            room.host.act("dark", type="set_screen", theme="dark")
            room.host.act("Timer started", type="timer_start", minutes="3")
            room.host.act("Removed", type="remove_run", run_id="r1")
            on_step(room, "the end")
        # A phone that leaves is gone from the room held as from the store.
        with live(client, room.code, "host", room.host_cookie):
            on_step(room, "everyone left")
    assert len(compared) > 20, compared
    # The whole workshop was held from one read (two at most, should a change land while the
    # room's first read was under way).
    assert reads() <= 2


def count_whole_reads(runtime: Runtime) -> Callable[[], int]:
    """Counts the hub's whole-room reads of the store from now on."""
    store = runtime.store
    made = [0]
    load_live = store.load_live

    async def counted(code: str) -> Any:
        made[0] += 1
        return await load_live(code)

    store.load_live = counted  # type: ignore[method-assign]
    return lambda: made[0]


@pytest.mark.parametrize(
    "message",
    [
        # A version this process never heard of: it missed at least one change.
        '{"v": 1000000, "c": [{"w": []}]}',
        # Not a change at all.
        "not a change",
    ],
)
def test_a_missed_version_or_a_message_not_understood_makes_the_room_read_again(
    message: str,
) -> None:
    with TestClient(create_app(settings(None))) as client:
        runtime = runtime_of(client)
        code, host_cookie = create_room(client)
        with live(client, code, "host", host_cookie) as console:
            console.until("room-header", code)
            on_loop(client, lambda: held_and_fresh(runtime, code))
            reads = count_whole_reads(runtime)
            feed = runtime.hub.feeds[code]
            held_before = feed.live

            async def publish() -> None:
                await runtime.store.client.publish(room_channel(code), message)

            on_loop(client, publish)
            held, fresh = on_loop(client, lambda: held_and_fresh(runtime, code))
            assert feed.live is not held_before
            assert reads() == 1
            assert_same_room(runtime, held, fresh, "a read again")
            # And it goes on from there.
            console.act("Title saved", type="set_title", title="After the gap")
            held, fresh = on_loop(client, lambda: held_and_fresh(runtime, code))
            assert held.meta.title == "After the gap"
            assert reads() == 1


@contextmanager
def two_apps(redis_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps, each with its own store connections, hub and pub/sub connection, on one Redis:
    two processes in all but the process."""
    with ExitStack() as stack:
        a = stack.enter_context(TestClient(create_app(settings(redis_url))))
        b = stack.enter_context(TestClient(create_app(settings(redis_url))))
        yield a, b


@pytest.mark.redis
def test_a_change_through_one_process_reaches_the_room_another_holds(
    clean_redis_url: str,
) -> None:
    with two_apps(clean_redis_url) as (a, b):
        code, host_cookie = create_room(a)
        phones = {name: join(a, code, name) for name in ("Ada", "Grace")}
        projector = projector_cookie(a, code, host_cookie)
        runtime_b = runtime_of(b)
        with (
            live(b, code, "screen", projector) as screen,
            live(a, code, "host", host_cookie) as console,
            live(a, code, "phone", phones["Ada"]) as ada,
        ):
            screen.until("join-panel", code)
            on_loop(b, lambda: held_and_fresh(runtime_b, code))
            reads = count_whole_reads(runtime_b)
            feed: RoomFeed = runtime_b.hub.feeds[code]
            console.act("Title saved", type="set_title", title="Held across processes")
            console.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
            console.act("Started", type="start_run", run_id="r1")
            ada.act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")
            held, fresh = on_loop(b, lambda: held_and_fresh(runtime_b, code))
            assert held.meta.title == "Held across processes"
            assert held.data("run:r1:votes") == fresh.data("run:r1:votes") != {}
            assert_same_room(runtime_b, held, fresh, "changes made through the other process")
            # B drew its projector from what it heard, without reading the room again.
            assert reads() == 0
            assert isinstance(feed.live, HeldRoom)
            screen.until("stage", "<strong>1</strong> of 2 voted")


def test_a_phone_joining_a_room_held_here_opens_without_a_whole_read() -> None:
    with TestClient(create_app(settings(None))) as client:
        runtime = runtime_of(client)
        code, host_cookie = create_room(client)
        with live(client, code, "host", host_cookie) as console:
            console.until("room-header", code)
            on_loop(client, lambda: held_and_fresh(runtime, code))
            whole_reads = [0]
            shared_load = runtime.hub.reads._load

            async def counted(code: str) -> RoomState | None:
                whole_reads[0] += 1
                return await shared_load(code)

            runtime.hub.reads._load = counted
            cookie = join(client, code, "Ada")
            on_loop(client, lambda: held_and_fresh(runtime, code))
            page = client.get(f"/r/{code}", headers={"cookie": cookie})
            assert page.status_code == 200 and "Ada" in page.text
            with live(client, code, "phone", cookie) as phone:
                assert "Ada" in phone.until("me", "Ada")
                console.until("roster", "Ada")
            assert whole_reads[0] == 0
            # A participant this process has not heard of yet is read for, as before.
            assert runtime.hub.held(code, "someone-else") is None


def test_a_vote_draws_the_voters_phone_and_one_of_the_phones_that_show_the_same() -> None:
    """Where a change leaves what phones show their own as it was, a refresh draws one phone of
    each group that shows the same, and hands the rest of the group what it was sent."""
    names = ("Ada", "Grace", "Linus", "Barbara", "Alan", "Edsger")
    with TestClient(create_app(settings(None))) as client:
        runtime = runtime_of(client)
        code, host_cookie = create_room(client)
        cookies = {name: join(client, code, name) for name in names}
        with ExitStack() as stack:
            console = stack.enter_context(live(client, code, "host", host_cookie))
            phones = {
                name: stack.enter_context(live(client, code, "phone", cookies[name]))
                for name in names
            }
            console.until("roster", f"({len(names)} connected)")
            console.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
            console.act("Started", type="start_run", run_id="r1")
            for phone in phones.values():
                phone.until("stage", "Tap your answer")
            on_loop(client, lambda: held_and_fresh(runtime, code))
            drawn = count_phone_draws(runtime)
            phones["Ada"].act("Vote saved", type="vote", option="curious", seen_phase="r1.0:vote")
            phones["Ada"].until("stage", 'aria-pressed="true"')
            console.until("stage", "1 of 6 voted")
            # Ada's phone, and one of the five that show the same and were sent nothing.
            ada = next(
                p.id
                for p in on_loop(client, lambda: held_and_fresh(runtime, code))[0].present
                if p.name == "Ada"
            )
            assert ada in drawn
            assert len(drawn) <= 2, drawn
            # A change to what every phone shows draws them all.
            drawn.clear()
            console.act("Now:", type="next_phase", seen_phase="r1.0:vote")
            for phone in phones.values():
                phone.until("stage", "You voted" if phone is phones["Ada"] else "did not vote")
            assert len(drawn) >= len(names)
            # The timer is the same on every phone: it is drawn on one phone of each group (Ada's
            # answer is hers alone; everyone else shows the same), and the others are sent what
            # that one was sent.
            drawn.clear()
            console.act("Timer", type="timer_start", minutes=7)
            for phone in phones.values():
                phone.until("timer", "7:00")
            assert 1 <= len(drawn) <= 2, drawn
            drawn.clear()
            console.act("Timer", type="timer_add", seconds=60)
            for phone in phones.values():
                phone.until("timer", "8:00")
            assert 1 <= len(drawn) <= 2, drawn


def test_a_dot_draws_the_voters_phone_alone_though_every_ballot_is_its_own() -> None:
    """Each phone's ballot has an order of its own, so each phone is a group of one; a dot shows
    on the voter's phone alone (and the console and projector), so no other phone is drawn."""
    names = ("Ada", "Grace", "Linus", "Barbara")
    with TestClient(create_app(settings(None))) as client:
        runtime = runtime_of(client)
        code, host_cookie = create_room(client)
        cookies = {name: join(client, code, name) for name in names}
        with ExitStack() as stack:
            console = stack.enter_context(live(client, code, "host", host_cookie))
            phones = {
                name: stack.enter_context(live(client, code, "phone", cookies[name]))
                for name in names
            }
            console.act("Added", type="add_exercise", exercise_id="best-question-turnarounds")
            console.act("Started", type="start_run", run_id="r1")
            console.act("Now:", type="next_phase", seen_phase="r1.0:brief")
            for name in ("Ada", "Grace"):
                phones[name].until("stage", "Question 1")
                phones[name].act(
                    "Question saved",
                    type="submit_question",
                    seen_phase="r1.0:write",
                    slot=1,
                    text=f"What would {name} ask?",
                )
            console.act("Now:", type="next_phase", seen_phase="r1.0:write")
            for phone in phones.values():
                phone.until("stage", "dots left")
            on_loop(client, lambda: held_and_fresh(runtime, code))
            ada_question = re.search(
                r'name="question" value="([^"]+)"', phones["Grace"].regions["stage"]
            )
            assert ada_question is not None
            drawn = count_phone_draws(runtime)
            phones["Grace"].act(
                "Dot placed", type="place_dot", seen_phase="r1.0:vote", question=ada_question[1]
            )
            phones["Grace"].until("stage", "2</strong> of 3 dots left")
            console.until("stage", "· 1 voted")
            assert set(drawn) <= {p.id for p in held_people(client, runtime, code, "Grace")}
            assert drawn, "the voter's phone was drawn"


def held_people(client: TestClient, runtime: Runtime, code: str, *names: str) -> list[Any]:
    state = on_loop(client, lambda: held_and_fresh(runtime, code))[0]
    return [person for person in state.present if person.name in names]


def count_phone_draws(runtime: Runtime) -> list[str]:
    """From now on, the participant of each phone the room's feed draws, once per draw."""
    drawn: list[str] = []
    for connection in list(runtime.connections):
        if connection.audience.kind == "phone":
            connection.refresh = functools.partial(
                _counted, connection.refresh, drawn, connection.audience.participant_id
            )
    return drawn


def _counted(
    draw: Callable[[RoomState | None, Any], None],
    drawn: list[str],
    who: str,
    state: RoomState | None,
    refresh: Any,
) -> None:
    drawn.append(who)
    draw(state, refresh)


def test_a_change_whose_message_was_lost_is_caught_by_the_next_heartbeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub_module, "HEARTBEAT_SECONDS", 0.05)
    with TestClient(create_app(settings(None))) as client:
        runtime = runtime_of(client)
        code, host_cookie = create_room(client)
        cookie = join(client, code, "Ada")
        with (
            live(client, code, "host", host_cookie) as console,
            live(client, code, "phone", cookie),
        ):
            console.until("roster", "(1 connected)")
            on_loop(client, lambda: held_and_fresh(runtime, code))
            reads = count_whole_reads(runtime)

            async def commit_unheard() -> None:
                # As a commit whose message never arrived: the store moves on, nobody is told.
                redis = runtime.store.client
                doc = await redis.hget(room_key(code, "meta"), "doc")
                meta = RoomMeta.model_validate_json(doc).model_copy(update={"title": "Told nobody"})
                await redis.hset(room_key(code, "meta"), "doc", meta.model_dump_json())
                await redis.hincrby(room_key(code, "meta"), "rev", 1)
                await redis.incr(room_key(code, "version"))

            on_loop(client, commit_unheard)
            held, fresh = on_loop(client, lambda: held_and_fresh(runtime, code))
            assert held.meta.title == "Told nobody"
            assert reads() == 1
            assert_same_room(runtime, held, fresh, "a lost message")
            console.until("room-header", "Told nobody")
