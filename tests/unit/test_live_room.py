"""The room a process holds: published changes applied in order, a gap refused, and a state handed
out never changed by what comes after it."""

from hypothesis import given
from hypothesis import strategies as st

from workshop.changes import Beat, Committed, LiveRoom, Presence, Published
from workshop.effects import Write
from workshop.exercises import load_library
from workshop.models import Participant, RoomMeta, RoomState, Run, Timer
from workshop.settings import DEFAULT_EXERCISES

POLL = load_library(DEFAULT_EXERCISES).exercises["warmup-hardest-habit"]
META = RoomMeta(
    code="ABCDEF",
    created_at=1.0,
    host_key_hash="x",
    agenda=(Run(id="r1", exercise=POLL, started=True),),
    current="r1",
)
ADA = Participant(id="ada", name="Ada", joined_at=2.0)
GRACE = Participant(id="grace", name="Grace", joined_at=3.0)
VOTES = "run:r1:votes"


def held(version: int = 5) -> LiveRoom:
    state = RoomState(META, 1, version, participants={"ada": ADA}, run_data={VOTES: {}})
    return LiveRoom(state, {"ada|tab": 100.0})


def committed(*writes: Write, meta: RoomMeta | None = None) -> Committed:
    return Committed(meta, writes)


def vote(who: str, option: str) -> Committed:
    return committed(Write.put(VOTES, who, option))


def test_changes_are_applied_in_order_and_old_ones_skipped() -> None:
    room = held()
    joined = committed(Write.put("people", "grace", GRACE.model_dump_json()))
    assert room.apply(Published("ABCDEF", 7, (joined, vote("grace", "a"))))
    assert room.apply(Published("ABCDEF", 8, (vote("grace", "b"),)))
    # Heard again (or read already): nothing changes.
    assert room.apply(Published("ABCDEF", 7, (joined, vote("grace", "c"))))
    state = room.state(0.0)
    assert state.version == 8
    assert state.present == (ADA, GRACE)
    assert state.data(VOTES) == {"grace": "b"}
    retitled = META.model_copy(update={"title": "Kick-off"})
    assert room.apply(Published("ABCDEF", 9, (committed(meta=retitled),)))
    assert (room.state(0.0).meta.title, room.state(0.0).rev) == ("Kick-off", 2)


def test_a_missed_version_or_a_message_not_understood_cannot_be_applied() -> None:
    room = held()
    assert not room.apply(Published("ABCDEF", 7, (vote("ada", "a"),)))  # version 6 was missed
    assert not room.apply(Published("ABCDEF", 0, None))
    assert room.state(0.0).version == 5 and room.state(0.0).data(VOTES) == {}


def test_a_state_handed_out_never_changes() -> None:
    room = held()
    before = room.state(0.0)
    assert room.apply(Published("ABCDEF", 6, (vote("ada", "a"),)))
    removed = ADA.model_copy(update={"removed": True})
    assert room.apply(
        Published("ABCDEF", 7, (committed(Write.put("people", "ada", removed.model_dump_json())),))
    )
    after = room.state(0.0)
    assert before.data(VOTES) == {} and before.present == (ADA,)
    assert after.data(VOTES) == {"ada": "a"} and after.present == ()
    # Between two states, the records nobody changed are shared, not copied.
    assert room.state(0.0).participants is after.participants


def test_presence_comes_goes_and_goes_stale() -> None:
    room = held()
    assert room.state(50.0).online == {"ada"}
    assert room.state(150.0).online == frozenset()  # not heard of since 100
    came = Presence("grace|phone", True, at=120.0, stale_before=60.0)
    assert room.apply(Published("ABCDEF", 6, (came,)))
    assert room.state(110.0).online == {"grace"}
    # A heartbeat keeps present those who are, and brings back nobody.
    room.beat(Beat("ABCDEF", ("ada|tab", "linus|tab"), at=200.0))
    assert room.state(150.0).online == {"ada"}
    left = Presence("ada|tab", False, at=210.0, stale_before=205.0)
    assert room.apply(Published("ABCDEF", 7, (left,)))
    # Leaving also forgets whoever was not heard of since `stale_before` (as the store does).
    assert room.state(0.0).online == frozenset()


def test_who_is_online_in_a_state_handed_out_never_changes() -> None:
    room = held()
    before = room.state(50.0)
    assert room.apply(Published("ABCDEF", 6, (Presence("grace|phone", True, 120.0, 60.0),)))
    after = room.state(100.0)
    assert before.online == {"ada"} and after.online == {"ada", "grace"}
    # A second tab, then the first one closing: still online.
    assert room.apply(Published("ABCDEF", 7, (Presence("grace|tab", True, 130.0, 60.0),)))
    assert room.apply(Published("ABCDEF", 8, (Presence("grace|phone", False, 140.0, 60.0),)))
    assert room.state(100.0).online == {"ada", "grace"}
    assert room.apply(Published("ABCDEF", 9, (Presence("grace|tab", False, 150.0, 60.0),)))
    assert room.state(100.0).online == {"ada"}
    assert before.online == {"ada"} and after.online == {"ada", "grace"}


MEMBERS = ["ada|tab", "ada|phone", "grace|phone", "linus|tab"]


@st.composite
def presence_steps(draw: st.DrawFn) -> list[tuple[str, str, float, float]]:
    """Connections coming and going, heartbeats and questions, at moments that mostly move on."""
    steps = []
    now = 100.0
    for _ in range(draw(st.integers(1, 30))):
        now += draw(st.sampled_from([0.0, 1.0, 20.0, 61.0]))
        what = draw(st.sampled_from(["on", "off", "beat", "ask"]))
        member = draw(st.sampled_from(MEMBERS))
        steps.append((what, member, now, now - draw(st.sampled_from([0.0, 30.0, 60.0, 200.0]))))
    return steps


@given(presence_steps())
def test_who_is_online_is_who_was_heard_of_since(
    steps: list[tuple[str, str, float, float]],
) -> None:
    """Kept up to date as connections come and go, who is online is what a look at when each
    connection was last heard of says, whatever is asked when."""
    room = held()
    heard = {"ada|tab": 100.0}
    version = 5
    for what, member, at, earlier in steps:
        if what == "ask":
            expected = {m.split("|")[0] for m, last in heard.items() if last >= earlier}
            assert room.state(earlier).online == expected
        elif what == "beat":
            room.beat(Beat("ABCDEF", (member, "ada|tab"), at))
            for m in (member, "ada|tab"):
                if m in heard:
                    heard[m] = max(heard[m], at)
        else:
            version += 1
            change = Presence(member, what == "on", at, stale_before=earlier)
            assert room.apply(Published("ABCDEF", version, (change,)))
            if what == "on":
                heard[member] = at
            else:
                heard.pop(member, None)
            heard = {m: last for m, last in heard.items() if last >= earlier}


def test_it_says_when_the_changes_since_it_was_last_asked_were_to_the_timer_alone() -> None:
    room = held()
    # Nothing has been drawn from it yet: not the timer alone.
    assert not room.take_timer_alone()
    timed = META.model_copy(update={"timer": Timer(running=True, deadline=60.0, total=60.0)})
    assert room.apply(Published("ABCDEF", 6, (committed(meta=timed),)))
    assert room.take_timer_alone()
    assert room.take_timer_alone()  # and nothing since
    paused = timed.model_copy(update={"timer": Timer(running=False, remaining=30.0)})
    assert room.apply(Published("ABCDEF", 8, (committed(meta=paused), vote("ada", "a"))))
    assert not room.take_timer_alone()
    retitled = paused.model_copy(update={"title": "Kick-off", "timer": None})
    assert room.apply(Published("ABCDEF", 9, (committed(meta=retitled),)))
    assert not room.take_timer_alone()
    assert room.apply(Published("ABCDEF", 10, (Presence("grace|tab", True, 5.0, 0.0),)))
    assert not room.take_timer_alone()
