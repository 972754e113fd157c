"""The editor's preview: a sample room played in memory to any step of any exercise, drawn by the
live templates, with no connection to the room."""

import time
from pathlib import Path

import pytest

from workshop import preview
from workshop.exercises import load_library
from workshop.kinds import AnyExercise
from workshop.render import Audience, Renderer, room_context

LIBRARY = load_library(Path(__file__).resolve().parents[2] / "exercises")
EXERCISES = sorted(LIBRARY.exercises.values(), key=lambda exercise: exercise.id)
RENDERER = Renderer()


def drawn(exercise: AnyExercise, step: int, audience: Audience) -> str:
    now = time.time()
    state = preview.played_to("ABC234", exercise, step, now)
    context = room_context(state, audience, now, "http://192.0.2.1:8000/", LIBRARY)
    return RENDERER.page(f"{audience.kind}.html", **context, preview=True)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_every_step_of_every_exercise_can_be_previewed(exercise: AnyExercise) -> None:
    steps = preview.steps(exercise)
    assert [step.number for step in steps] == list(range(len(steps)))
    for step in steps:
        state = preview.played_to("ABC234", exercise, step.number, time.time())
        run = state.meta.current_run
        assert run is not None
        assert run.round * len(run.phases) + run.phase == step.number
        for audience in (Audience("screen"), Audience("phone", "p1")):
            page = drawn(exercise, step.number, audience)
            assert "ws-connect" not in page
            assert exercise.title in page


def test_the_preview_shows_the_exercises_own_words() -> None:
    pairs = next(e for e in EXERCISES if e.kind == "challenge_pairs")
    labels = [step.label for step in preview.steps(pairs)]
    assert labels[0] == "Round 1: Brief"
    read = labels.index("Round 1: Read your card")
    case = pairs.cases[0]
    cards = (case.first.customer.role, case.first.challenger.role)
    phones = [drawn(pairs, read, Audience("phone", pid)) for pid in preview.sample_people(0.0)]
    # Every sample phone holds a card of the first case; both sides are played.
    assert all(any(role in phone for role in cards) for phone in phones)
    assert {role for role in cards for phone in phones if role in phone} == set(cards)
    assert case.brief[:60] in drawn(pairs, 0, Audience("screen"))


def test_a_step_past_the_end_stops_at_the_last() -> None:
    poll = next(e for e in EXERCISES if e.kind == "warmup_poll")
    state = preview.played_to("ABC234", poll, 99, time.time())
    run = state.meta.current_run
    assert run is not None and run.current_phase.name == "reveal"
