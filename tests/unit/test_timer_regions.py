"""After a change of the timer alone, the console, the projector and the phones draw only the regions
that show the timer, from the timer alone: checked here to be all that such a change can change, at
every step of every exercise (on every sample participant's phone), and drawn the same as from the
whole room."""

import dataclasses
import time

import pytest

from workshop import preview
from workshop.exercises import load_library
from workshop.kinds import AnyExercise
from workshop.models import RoomState, Timer
from workshop.render import REGIONS, TIMER_REGIONS, Audience, Renderer, room_context, timer_context
from workshop.settings import DEFAULT_EXERCISES

LIBRARY = load_library(DEFAULT_EXERCISES)
EXERCISES = sorted(LIBRARY.exercises.values(), key=lambda exercise: exercise.id)
RENDERER = Renderer()
JOIN_URL = "http://192.0.2.1:8000/r/ABC234"
NOW = 1_000_000.0
TIMERS = (
    None,
    Timer(running=True, deadline=NOW + 300, total=300),
    Timer(running=False, remaining=42, total=300),
    Timer(running=True, deadline=NOW - 5, total=60),  # run out
)
SCREENS = (Audience("host"), Audience("screen"))
HOST_EXTRA = {"form_token": "token", "unreachable": ""}


def with_timer(state: RoomState, timer: Timer | None) -> RoomState:
    return dataclasses.replace(state, meta=state.meta.model_copy(update={"timer": timer}))


def audiences(state: RoomState) -> list[Audience]:
    return [*SCREENS, *(Audience("phone", pid) for pid in sorted(state.participants))]


def drawn(state: RoomState, audience: Audience) -> dict[str, str]:
    context = room_context(state, audience, NOW, JOIN_URL, LIBRARY)
    if audience.kind == "host":
        context |= HOST_EXTRA
    return RENDERER.regions(f"{audience.kind}.html", context, REGIONS[audience.kind])


def test_every_screen_shows_the_timer() -> None:
    for kind in ("host", "screen", "phone"):
        assert "timer" in REGIONS[kind]
    assert set(REGIONS["host"]) >= TIMER_REGIONS


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_a_change_of_the_timer_alone_changes_only_the_timer_regions(
    exercise: AnyExercise,
) -> None:
    for step in preview.steps(exercise):
        state = preview.played_to("ABC234", exercise, step.number, time.time())
        for audience in audiences(state):
            names = REGIONS[audience.kind]
            timed = tuple(name for name in names if name in TIMER_REGIONS)
            before = drawn(with_timer(state, None), audience)
            for timer in TIMERS:
                after = drawn(with_timer(state, timer), audience)
                where = f"{exercise.id}, step {step.number}, {audience.key}, {timer}"
                changed = {name for name in names if before[name] != after[name]}
                assert changed <= TIMER_REGIONS, where
                # The timer regions, drawn from the timer alone, as from the whole room.
                alone = RENDERER.regions(
                    f"{audience.kind}.html",
                    timer_context(with_timer(state, timer).meta, NOW),
                    timed,
                )
                assert alone == {name: after[name] for name in timed}, where
            assert changed, f"{exercise.id}: a timer shows on the {audience.kind}"
