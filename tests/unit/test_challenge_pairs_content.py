"""The content of every pairs exercise in the library: cards that play after a short read with no
other preparation, the anchored rubric every rater reads, and debrief prompts for every case."""

import re
from typing import Any

import pytest
from pydantic import ValidationError

from workshop.exercises import load_library
from workshop.kinds.challenge_pairs import (
    HABITS,
    RESISTANCE,
    RUBRIC,
    Case,
    ChallengePairs,
    ChallengerCard,
    CustomerCard,
    HabitRubric,
    RoleCard,
)
from workshop.settings import DEFAULT_EXERCISES

EXERCISES = [
    exercise
    for exercise in load_library(DEFAULT_EXERCISES).exercises.values()
    if isinstance(exercise, ChallengePairs)
]
CASES = [(exercise.id, case) for exercise in EXERCISES for case in exercise.cases]
SIDES = [
    (f"{exercise_id}/{case.id}/{which}/{side}", getattr(getattr(case, which), side))
    for exercise_id, case in CASES
    for which in ("first", "swapped")
    for side in ("customer", "challenger")
]


def case_named(case_id: str) -> Case:
    return next(case for _, case in CASES if case.id == case_id)


def test_the_library_has_the_pairs_exercises_and_their_cases() -> None:
    assert {exercise.id for exercise in EXERCISES} == {
        "challenge-pairs-respectful-challenge",
        "challenge-pairs-field-conversations",
    }
    assert len(CASES) >= 6


@pytest.mark.parametrize(("where", "card"), SIDES, ids=[where for where, _ in SIDES])
def test_every_side_of_every_case_can_be_played_from_its_card(where: str, card: RoleCard) -> None:
    assert card.situation.strip()
    assert card.knows and all(line.strip() for line in card.knows)
    assert card.unknowns and all(line.strip() for line in card.unknowns)
    assert card.moved_by.strip()
    side = "customer" if isinstance(card, CustomerCard) else "challenger"
    assert card.resistance in RESISTANCE[side]
    assert re.match(r"^If [^,]+, \S", card.if_then), card.if_then
    if isinstance(card, CustomerCard):
        assert card.conclusion.strip() and card.reasons
    else:
        assert isinstance(card, ChallengerCard)
        assert card.hint.strip() and card.prompts


@pytest.mark.parametrize(("exercise_id", "case"), CASES, ids=[c.id for _, c in CASES])
def test_every_case_has_debrief_prompts_a_checklist_notes_and_seeds(
    exercise_id: str, case: Case
) -> None:
    assert len(case.debrief) >= 2
    assert all(line.endswith("?") for line in case.debrief), case.debrief
    assert len(case.observer_checklist) >= 2
    assert len(set(case.observer_checklist)) == len(case.observer_checklist)
    assert case.notes.strip()
    assert case.seeds


def test_every_habit_has_what_1_3_and_5_look_like_in_the_order_of_the_habits() -> None:
    assert [h.habit for h in RUBRIC] == list(HABITS)
    for habit in RUBRIC:
        assert sorted(habit.anchors) == [1, 3, 5]
        assert len(set(habit.anchors.values())) == 3
        assert habit.means.strip()


def test_a_habit_without_its_three_anchors_is_refused() -> None:
    with pytest.raises(ValidationError, match="three"):
        HabitRubric.model_validate(
            {"habit": "curious", "means": "Asks.", "one": "No.", "five": "Yes."}
        )


def test_an_exercise_may_word_the_rubric_its_own_way_but_keeps_the_four_habits_in_order() -> None:
    pairs = EXERCISES[0]
    data = pairs.model_dump()
    assert pairs.kind == "challenge_pairs" and pairs.rubric == RUBRIC
    data["rubric"][3]["five"] = "Asked how the customer got there, then waited."
    reworded = type(pairs).model_validate(data)
    assert reworded.rubric[3].anchors[5] == "Asked how the customer got there, then waited."
    data["rubric"] = [data["rubric"][1], data["rubric"][0], *data["rubric"][2:]]
    with pytest.raises(ValidationError, match="the four habits, in this order"):
        type(pairs).model_validate(data)


def test_every_resistance_has_a_one_line_meaning_for_each_side() -> None:
    for side in ("customer", "challenger"):
        assert set(RESISTANCE[side]) == {"gentle", "firm", "stubborn"}
        for meaning in RESISTANCE[side].values():
            assert meaning[0].isupper() and meaning.endswith(".")
            assert len(meaning) <= 110


def card_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "role": "Nurse",
        "situation": "A hard year.",
        "knows": ["The audit."],
        "unknowns": ["Why they ask."],
        "moved_by": "Time to think.",
        "resistance": "firm",
        "if_then": "If they wait, you remember.",
        "conclusion": "Nothing went well.",
        "reasons": ["Vacancies."],
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resistance": "immovable"}, "resistance"),
        ({"if_then": "When they wait, you remember."}, "if_then"),
        ({"knows": []}, "knows"),
        ({"unknowns": []}, "unknowns"),
        ({"moved_by": ""}, "moved_by"),
    ],
)
def test_a_card_missing_what_makes_it_playable_is_refused(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerCard.model_validate(card_fields(**changes))
    assert [error["loc"][0] for error in caught.value.errors()] == [field]


# The two cards the issue names


def test_only_the_nurse_knows_about_his_audit_and_he_brings_it_up_when_asked_well() -> None:
    case = case_named("nurse-nothing-went-well")
    nurse, manager = case.first.customer, case.first.challenger
    assert any("audit" in line for line in nurse.knows)
    assert "proud" in nurse.if_then and "audit" in nurse.if_then
    challenger_text = " ".join(
        [manager.situation, manager.hint, *manager.knows, *manager.unknowns, *manager.prompts]
    )
    assert "audit" not in challenger_text.lower()
    assert any("achieved" in line or "proud" in line for line in manager.unknowns + manager.prompts)


def test_the_practice_manager_names_the_diabetes_review_backlog_among_her_problems() -> None:
    case = case_named("no-vendor-meetings")
    manager = case.first.customer
    assert "diabetes review" in manager.situation
    assert any("diabetes review" in line for line in manager.knows)
    assert "diabetes review" in manager.if_then
