"""The exercise editor's form comes from the kind's content model alone: a field added to a model
shows in the editor with no editor code changed; what the form sends reads back as the exercise;
every problem names its field in the facilitator's words; files round-trip."""

from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field

from workshop.editor import Form, FormField, copy_id, plain_words, to_yaml
from workshop.exercises import check_library, load_library
from workshop.kinds import KINDS, AnyExercise
from workshop.kinds.base import ExerciseContent, Line

LIBRARY = load_library(Path(__file__).resolve().parents[2] / "exercises")
EXERCISES = sorted(LIBRARY.exercises.values(), key=lambda exercise: exercise.id)


def sent(field: FormField) -> list[tuple[str, str]]:
    """What a browser sends for the form drawn from `field`: one value per control, a tick box
    only when ticked."""
    if field.control in ("group", "list"):
        return [item for child in field.children for item in sent(child)]
    if field.control == "check":
        return [(field.name, "true")] if field.value else []
    return [(field.name, str(field.value))]


def find(field: FormField, name: str) -> FormField:
    if field.name == name:
        return field
    for child in field.children:
        try:
            return find(child, name)
        except LookupError:
            continue
    raise LookupError(name)


def names(field: FormField) -> list[str]:
    return [field.name, *(name for child in field.children for name in names(child))]


# A throwaway kind's model, and the same model with one more field ---------------------------------


class Prompt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Line
    follow_ups: list[Line] = Field(min_length=1, max_length=3)


class Throwaway(ExerciseContent):
    kind: Literal["throwaway"]
    prompts: list[Prompt] = Field(min_length=1, max_length=4)
    mood: Literal["calm", "lively"] = "calm"


class ThrowawayWithMore(Throwaway):
    closing_line: str = Field(
        default="", max_length=300, title="What to say at the end", description="Read aloud."
    )
    rounds_to_play: int = Field(default=2, ge=1, le=5)
    anonymous: bool = False


def test_a_field_added_to_a_model_shows_in_the_editor_with_nothing_else_changed() -> None:
    before = Form(Throwaway).fields(Form(Throwaway).blank())
    form = Form(ThrowawayWithMore)
    after = form.fields(form.blank())

    assert set(names(after)) - set(names(before)) == {
        "closing_line",
        "rounds_to_play",
        "anonymous",
    }
    closing = find(after, "closing_line")
    assert (closing.control, closing.label) == ("textarea", "What to say at the end")
    assert closing.hint == "Read aloud. At most 300 characters."
    rounds = find(after, "rounds_to_play")
    assert (rounds.control, rounds.label, rounds.minimum, rounds.maximum, rounds.value) == (
        "number",
        "Rounds to play",
        1,
        5,
        2,
    )
    assert find(after, "anonymous").control == "check"
    assert find(after, "mood").choices == ("calm", "lively")
    prompts = find(after, "prompts")
    assert (prompts.control, prompts.item_label, len(prompts.children)) == ("list", "Prompt", 1)
    assert find(after, "prompts.0.follow_ups").control == "lines"

    # And what is typed into the new fields is what the exercise holds.
    typed = dict(sent(after)) | {
        "id": "throwaway-one",
        "title": "A throwaway",
        "summary": "For the test.",
        "seeds": "000",
        "minutes": "5",
        "prompts.0.text": "What did you notice?",
        "prompts.0.follow_ups": "And then?\n\nWhat else?\n",
        "closing_line": "Thank you.",
        "rounds_to_play": "3",
        "anonymous": "true",
    }
    exercise, problems = form.check(form.read(typed.items()))
    assert problems == []
    assert isinstance(exercise, ThrowawayWithMore)
    assert (exercise.closing_line, exercise.rounds_to_play, exercise.anonymous) == (
        "Thank you.",
        3,
        True,
    )
    assert exercise.prompts[0].follow_ups == ["And then?", "What else?"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_what_the_form_sends_reads_back_as_the_same_exercise(exercise: AnyExercise) -> None:
    form = Form(KINDS[exercise.kind].content)
    drawn = form.fields(exercise.model_dump(mode="json"))
    checked, problems = form.check(form.read(sent(drawn)))
    assert problems == []
    assert checked == exercise


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_a_downloaded_file_passes_the_check_and_loads_back_equal(
    exercise: AnyExercise, tmp_path: Path
) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / f"{exercise.id}.yaml").write_text(to_yaml(exercise), encoding="utf-8")
    loaded, errors = check_library(folder)
    assert errors == []
    assert loaded == {exercise.id: exercise}


def test_long_texts_are_written_as_blocks_people_can_review() -> None:
    poll = next(e for e in EXERCISES if e.kind == "warmup_poll")
    changed = poll.model_copy(update={"notes": "First line.\nSecond line."})
    text = to_yaml(changed)
    assert "notes: |-\n  First line.\n  Second line.\n" in text
    assert yaml.safe_load(text)["notes"] == "First line.\nSecond line."


def pairs_data() -> dict[str, Any]:
    pairs = next(e for e in EXERCISES if e.kind == "challenge_pairs")
    return pairs.model_dump(mode="json")


def test_a_problem_names_the_field_in_the_facilitators_words() -> None:
    form = Form(KINDS["challenge_pairs"].content)
    data = pairs_data()
    data["cases"][1]["first"]["customer"]["situation"] = "x" * 1400
    data["cases"][0]["swapped"]["challenger"]["prompts"][1] = "y" * 201
    data["cases"][0]["id"] = "Case One"
    data["minutes"] = "forty"
    data["title"] = "   "
    exercise, problems = form.check(data)
    assert exercise is None
    assert {str(problem) for problem in problems} == {
        "Case 2, cards for the first talk, customer card, situation: "
        "too long, 1,400 of 1,200 characters",
        "Case 1, cards after the swap, challenger card, questions that open it up: "
        "line 2: too long, 201 of 200 characters",
        "Case 1, short name: lower-case letters, digits and dashes only (e.g. case-2)",
        "Minutes: a whole number, please",
        "Title: cannot be empty",
    }
    # Each problem points at the form field that holds it (a list of lines is one box).
    assert {problem.field for problem in problems} == {
        "cases.1.first.customer.situation",
        "cases.0.swapped.challenger.prompts",
        "cases.0.id",
        "minutes",
        "title",
    }
    drawn = form.fields(data, {p.field: [p.message] for p in problems})
    assert find(drawn, "cases.1.first.customer.situation").problems == (
        "too long, 1,400 of 1,200 characters",
    )


def test_a_rule_of_the_model_itself_is_worded_as_it_says() -> None:
    form = Form(KINDS["challenge_pairs"].content)
    data = pairs_data()
    data["cases"][0]["first"]["customer"]["if_then"] = "When they ask, you answer."
    _, problems = form.check(data)
    assert [str(problem) for problem in problems] == [
        "Case 1, cards for the first talk, customer card, if they …, you …: "
        'begins "If they …, you …"'
    ]
    data = pairs_data()
    data["cases"][1]["id"] = data["cases"][0]["id"]
    _, problems = form.check(data)
    assert [(str(problem), problem.field) for problem in problems] == [
        ("Cases: every case needs its own id", "cases")
    ]


def test_lists_grow_and_shrink_within_the_models_limits() -> None:
    form = Form(KINDS["warmup_poll"].content)
    data = form.blank()
    assert len(data["options"]) == 2  # the least a poll may have
    assert form.remove(data, "options.0")["options"] == data["options"]
    for _ in range(10):
        data, added = form.add(data, "options")
    assert len(data["options"]) == 8  # the most
    assert added == ""
    assert [option["id"] for option in data["options"]][2:4] == ["option-3", "option-4"]
    assert not find(form.fields(data), "options").can_add
    data = form.remove(data, "options.2")
    assert [option["id"] for option in data["options"]][2] == "option-4"
    data, added = form.add(data, "options")
    assert added == "options.7" and data["options"][7]["id"] == "option-9"
    # The new entry's first empty field gets the cursor.
    focused = find(form.fields(data, focus=added), "options.7.label")
    assert focused.focus


def test_an_entry_moves_up_one_place() -> None:
    form = Form(KINDS["challenge_pairs"].content)
    data = pairs_data()
    ids = [case["id"] for case in data["cases"]]
    data, moved = form.move_up(data, "cases.2")
    assert moved == "cases.1"
    assert [case["id"] for case in data["cases"]] == [ids[0], ids[2], ids[1]]
    for path in ("cases.0", "cases.9", "cases", "title"):
        assert form.move_up(data, path) == (data, "")


def test_nonsense_paths_change_nothing() -> None:
    form = Form(KINDS["warmup_poll"].content)
    data = form.blank()
    for path in ("", "question", "options.9", "nothing.0", "options.x", "options.0.label"):
        assert form.add(dict(data), path)[1] == ""
        assert form.remove(dict(data), path) == data


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_blank_exercise_of_every_kind_draws_and_says_what_is_missing(kind: str) -> None:
    form = Form(KINDS[kind].content)
    exercise, problems = form.check(form.blank())
    assert exercise is None
    assert problems and all(str(problem) for problem in problems)
    assert find(form.fields(form.blank()), "kind").control == "fixed"


def limitless(node: Any, path: str = "") -> list[str]:
    """Every text or list in a JSON Schema with no limit on its size."""
    if isinstance(node, list):
        return [found for item in node for found in limitless(item, path)]
    if not isinstance(node, dict):
        return []
    found = []
    if node.get("type") == "string" and not {"maxLength", "pattern", "enum", "const"} & set(node):
        found.append(path)
    if node.get("type") == "array" and "maxItems" not in node:
        found.append(path)
    for key, value in node.items():
        found += limitless(value, f"{path}.{key}" if path else key)
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_and_list_of_every_kind_has_a_limit(kind: str) -> None:
    """An exercise kept in a room, sent from the editor or uploaded stays small."""
    assert limitless(KINDS[kind].content.model_json_schema()) == []


def test_labels_in_plain_words() -> None:
    assert plain_words("moved_by") == "Moved by"
    assert plain_words("OpeningLine") == "Opening line"
    assert copy_id("warmup-why-meet") == "warmup-why-meet-copy"
    assert copy_id("challenge-pairs-respectful-challenge") == "challenge-pairs-respectful-copy"
    assert len(copy_id("x" * 40)) == 40
