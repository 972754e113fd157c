"""Parsing websocket frames into actions with `action_adapter`."""

from typing import Any

import pytest
from pydantic import ValidationError

from workshop import actions as a
from workshop.actions import action_adapter

ACTION_ID = "abc-1234_XYZ"


def frame(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "action_id": ACTION_ID, **fields}


def parse(payload: dict[str, Any]) -> a.Action:
    return action_adapter.validate_python(payload)


def test_a_vote_frame_parses_into_a_vote() -> None:
    action = parse(frame("vote", option="curious", seen_phase="r1.0:vote"))
    assert isinstance(action, a.Vote)
    assert action.action_id == ACTION_ID
    assert action.option == "curious"
    assert action.seen_phase == "r1.0:vote"


def test_seen_phase_is_optional() -> None:
    action = parse(frame("next_phase"))
    assert isinstance(action, a.NextPhase)
    assert action.seen_phase == ""


EVERY_TYPE: list[tuple[dict[str, Any], type]] = [
    (frame("add_exercise", exercise_id="warmup-why-meet"), a.AddExercise),
    (frame("remove_run", run_id="r2"), a.RemoveRun),
    (frame("start_run", run_id="r1"), a.StartRun),
    (frame("next_phase", seen_phase="r1.0:vote"), a.NextPhase),
    (frame("previous_phase", seen_phase="r1.0:reveal"), a.PreviousPhase),
    (frame("timer_start", minutes=2.5), a.TimerStart),
    (frame("timer_pause"), a.TimerPause),
    (frame("timer_resume"), a.TimerResume),
    (frame("timer_add", seconds=-60), a.TimerAdd),
    (frame("timer_clear"), a.TimerClear),
    (frame("set_locked", locked=True), a.SetLocked),
    (frame("set_screen", theme="dark"), a.SetScreen),
    (frame("remove_participant", participant_id="p1"), a.RemoveParticipant),
    (frame("set_title", title="Team day"), a.SetTitle),
    (frame("vote", option="yes"), a.Vote),
]


@pytest.mark.parametrize(
    ("fields", "cls"), EVERY_TYPE, ids=[fields["type"] for fields, _ in EVERY_TYPE]
)
def test_every_action_type_parses_into_its_class(fields: dict[str, Any], cls: type) -> None:
    assert type(parse(fields)) is cls


def test_an_unknown_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse(frame("delete_room"))


def test_a_frame_without_a_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse({"action_id": ACTION_ID, "option": "yes"})


def test_a_missing_action_id_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse({"type": "vote", "option": "yes"})


@pytest.mark.parametrize(
    "action_id", ["", "short7c", "x" * 65, "has space1", "semi;colon", "ünïcödé1"]
)
def test_a_malformed_action_id_is_rejected(action_id: str) -> None:
    with pytest.raises(ValidationError):
        parse({**frame("vote", option="yes"), "action_id": action_id})


@pytest.mark.parametrize("action_id", ["eight888", "x" * 64, "A-b_9-zz"])
def test_action_ids_of_8_to_64_safe_characters_are_accepted(action_id: str) -> None:
    assert parse({**frame("timer_clear"), "action_id": action_id}).action_id == action_id


@pytest.mark.parametrize(
    "payload",
    [
        frame("vote", option=123),
        frame("vote", option=None),
        frame("vote", option=["yes"]),
        frame("vote", option="yes", seen_phase=1),
        frame("timer_start", minutes="soon"),
        frame("timer_start", minutes=0),
        frame("timer_start", minutes=181),
        frame("timer_add", seconds=1.5),
        frame("timer_add", seconds=3601),
        frame("set_locked", locked="maybe"),
        frame("set_title", title={"text": "x"}),
        {"type": "vote", "action_id": 12345678, "option": "yes"},
    ],
)
def test_wrong_types_and_out_of_range_values_are_rejected(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(payload)


@pytest.mark.parametrize(
    "payload",
    [
        frame("vote", option="x" * 2001),
        frame("vote", option="yes", seen_phase="x" * 2001),
        frame("set_title", title="x" * 2001),
        frame("add_exercise", exercise_id="x" * 2001),
    ],
)
def test_strings_longer_than_2000_characters_are_rejected(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(payload)


def test_a_string_of_exactly_2000_characters_is_accepted() -> None:
    action = parse(frame("set_title", title="x" * 2000))
    assert isinstance(action, a.SetTitle)
    assert len(action.title) == 2000


def test_extra_keys_are_ignored() -> None:
    plain = frame("vote", option="yes", seen_phase="r1.0:vote")
    noisy = {**plain, "HEADERS": {"HX-Request": "true"}, "note": "x" * 5000, "participant": "p9"}
    action = parse(noisy)
    assert action == parse(plain)
    assert not hasattr(action, "HEADERS")
    assert "note" not in action.model_dump()


def test_parsed_actions_cannot_be_changed() -> None:
    action = parse(frame("vote", option="yes"))
    assert isinstance(action, a.Vote)
    with pytest.raises(ValidationError):
        action.option = "no"  # type: ignore[misc]
