"""The room a process holds: published changes applied in order, a gap refused, and a state handed
out never changed by what comes after it."""

from workshop.changes import Beat, Committed, LiveRoom, Presence, Published
from workshop.effects import Write
from workshop.exercises import load_library
from workshop.models import Participant, RoomMeta, RoomState, Run
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
