"""What an exercise will look like before it goes live: a room of sample people, played in memory to
a chosen step by the same rules a live room follows, for the same templates to draw.

Nothing here touches the store: the rules' changes are applied to a `RoomState` in memory.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from workshop import actions as a
from workshop import engine
from workshop.effects import Effects, applied
from workshop.i18n import Message
from workshop.kinds import AnyExercise, kind_of
from workshop.models import Participant, RoomMeta, RoomState, Run

SAMPLE_NAMES = ("Alex", "Sam", "Kim", "Noor", "Ravi")
"""The sample room: five people, so that a pairs exercise seats a pair and a trio."""
RUN_ID = "r1"


@dataclass(frozen=True)
class Step:
    number: int
    label: str


def steps(exercise: AnyExercise) -> list[Step]:
    """Every step of the exercise in the order the facilitator moves through them."""
    kind = kind_of(exercise)
    phases = kind.phases(exercise)
    rounds = kind.rounds(exercise)
    found = []
    for round_number in range(rounds):
        for index, phase in enumerate(phases):
            label = (
                Message(
                    "%(word)s %(number)s: %(step)s",
                    word=kind.round_word,
                    number=round_number + 1,
                    step=phase.title,
                )
                if rounds > 1
                else phase.title
            )
            found.append(Step(round_number * len(phases) + index, label))
    return found


def sample_people(now: float) -> dict[str, Participant]:
    return {
        f"p{number}": Participant(id=f"p{number}", name=name, joined_at=now + number)
        for number, name in enumerate(SAMPLE_NAMES, start=1)
    }


def played_to(code: str, exercise: AnyExercise, step: int, now: float) -> RoomState:
    """A room of sample people in which `exercise` has been started and moved on `step` times
    (stopping at its last step)."""
    people = sample_people(now)
    meta = RoomMeta(
        code=code,
        created_at=now,
        host_key_hash="",
        agenda=(Run(id=RUN_ID, exercise=exercise),),
        runs_created=1,
    )
    state = RoomState(meta=meta, rev=0, version=0, participants=people, online=frozenset(people))
    state = _apply(
        state, a.StartRun(type="start_run", action_id="preview-start", run_id=RUN_ID), now
    )
    for number in range(min(step, len(steps(exercise)) - 1)):
        run = state.meta.current_run
        assert run is not None
        moved = a.NextPhase(
            type="next_phase", action_id=f"preview-step-{number}", seen_phase=run.phase_key
        )
        state = _apply(state, moved, now)
    return state


def _apply(state: RoomState, action: a.Action, now: float) -> RoomState:
    effects = engine.apply(state, engine.HOST, action, {}, now)
    state = _commit(state, effects)
    if engine.seats_people(state.meta):
        reseat = a.Reseat(type="reseat", action_id=f"{action.action_id}-seat")
        state = _commit(state, engine.apply(state, engine.HOST, reseat, {}, now))
    return state


def _commit(state: RoomState, effects: Effects) -> RoomState:
    data = applied(state.run_data, effects.writes, effects.drop)
    meta = effects.meta or state.meta
    return replace(
        state, meta=meta, version=state.version + 1, run_data=_only_runs(data), arrivals=None
    )


def _only_runs(data: Mapping[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The preview's people are fixed: what the rules write about people themselves (a join's
    name record) is not kept."""
    return {name: fields for name, fields in data.items() if name.startswith("run:")}


def kind_label(exercise: AnyExercise) -> str:
    return kind_of(exercise).label
