"""The exercise library: every problem names the file and the field, and the real one is clean."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from workshop import cli
from workshop.exercises import (
    ContentError,
    LibraryError,
    check_library,
    load_library,
    parse_exercise,
)
from workshop.kinds import ExerciseTypes
from workshop.settings import DEFAULT_EXERCISES

REAL_LIBRARY = Path(__file__).resolve().parents[2] / "exercises"


def valid_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "warmup_poll",
        "id": "warmup-test",
        "title": "Warm-up: a test",
        "summary": "A question for the test.",
        "seeds": ["000"],
        "minutes": 4,
        "question": "Which one?",
        "options": [{"id": "one", "label": "One"}, {"id": "two", "label": "Two"}],
    }
    fields.update(changes)
    return fields


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_exercise(folder: Path, name: str, fields: dict[str, Any]) -> Path:
    return write(folder, name, yaml.safe_dump(fields, sort_keys=False))


def errors_for(tmp_path: Path, text: str, name: str = "broken.yaml") -> list[ContentError]:
    write(tmp_path / "lib", name, text)
    exercises, errors = check_library(tmp_path / "lib")
    assert exercises == {}
    assert errors, "expected at least one problem"
    assert all(error.file == f"lib/{name}" for error in errors)
    return errors


def test_the_real_library_loads_without_errors() -> None:
    assert REAL_LIBRARY == DEFAULT_EXERCISES
    exercises, errors = check_library(REAL_LIBRARY)
    assert errors == []
    assert set(exercises) == {
        "warmup-hardest-habit",
        "warmup-why-meet",
        "warmup-follow-up-call",
        "warmup-who-knows-you",
        "best-question-turnarounds",
        "best-question-first-meetings",
        "best-question-coaching",
        "challenge-pairs-respectful-challenge",
        "challenge-pairs-field-conversations",
        "advocacy-debate-customer-advocate",
        "advocacy-debate-committees",
    }
    assert all(isinstance(exercise, ExerciseTypes) for exercise in exercises.values())
    assert load_library(REAL_LIBRARY).exercises == exercises


def test_no_title_in_the_library_contains_another() -> None:
    """The console's library lists each exercise by its title and summary: a facilitator (and a
    browser test) finding "Warm-up: the hardest habit" must find one exercise, not two."""
    exercises = load_library(REAL_LIBRARY).exercises.values()
    for exercise in exercises:
        for other in exercises:
            if other.id != exercise.id:
                listed = f"{other.title} {other.summary}".casefold()
                assert exercise.title.casefold() not in listed, (exercise.id, other.id)


def test_a_valid_file_parses_into_an_exercise() -> None:
    exercise, errors = parse_exercise(yaml.safe_dump(valid_fields()), "lib/ok.yaml")
    assert errors == []
    assert exercise is not None
    assert exercise.id == "warmup-test"
    assert [option.id for option in exercise.options] == ["one", "two"]


def test_a_misspelt_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    fields = valid_fields()
    fields["optionz"] = fields.pop("options")
    errors = errors_for(tmp_path, yaml.safe_dump(fields))
    fields_named = {error.field for error in errors}
    assert "optionz" in fields_named
    assert "options" in fields_named
    assert "lib/broken.yaml: optionz (Optionz): no such field here (a typo?)" in (
        "\n".join(str(error) for error in errors)
    )


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    fields = valid_fields()
    del fields["question"]
    errors = errors_for(tmp_path, yaml.safe_dump(fields))
    assert [(error.field, error.where, error.message) for error in errors] == [
        ("question", "Question", "missing")
    ]


def test_a_bad_value_inside_a_list_names_its_position(tmp_path: Path) -> None:
    options = [{"id": "one", "label": "One"}, {"id": "Not A Slug", "label": "Two"}]
    errors = errors_for(tmp_path, yaml.safe_dump(valid_fields(options=options)))
    assert [(error.field, error.where) for error in errors] == [
        ("options.1.id", "Option 2, short name")
    ]


def test_duplicate_option_ids_are_reported(tmp_path: Path) -> None:
    options = [{"id": "same", "label": "One"}, {"id": "same", "label": "Two"}]
    errors = errors_for(tmp_path, yaml.safe_dump(valid_fields(options=options)))
    (error,) = errors
    assert error.field == "options"
    assert "options" in str(error)
    assert "own id" in error.message


def test_invalid_yaml_names_the_file_and_a_line(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, "kind: warmup_poll\nid: [unclosed\ntitle: x\n")
    (error,) = errors
    assert error.field.startswith("line ")
    assert int(error.field.removeprefix("line ")) >= 2
    assert "not valid YAML" in error.message


@pytest.mark.parametrize("text", ["- a list\n- of things\n", "just a sentence\n", ""])
def test_a_file_that_is_not_a_mapping_is_reported(tmp_path: Path, text: str) -> None:
    (error,) = errors_for(tmp_path, text)
    assert "mapping" in error.message


def test_a_duplicate_exercise_id_names_the_second_file_and_the_id_field(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    write_exercise(folder, "a-first.yaml", valid_fields(title="First"))
    write_exercise(folder, "b-second.yml", valid_fields(title="Second"))
    exercises, errors = check_library(folder)
    assert exercises["warmup-test"].title == "First"
    (error,) = errors
    assert error.file == "lib/b-second.yml"
    assert error.field == "id"
    assert "lib/a-first.yaml" in error.message


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    exercises, errors = check_library(tmp_path / "nowhere")
    assert exercises == {}
    (error,) = errors
    assert "does not exist" in error.message


def test_only_yaml_files_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    write_exercise(folder, "ok.yaml", valid_fields())
    write(folder, "README.md", "not: [an exercise")
    exercises, errors = check_library(folder)
    assert errors == []
    assert list(exercises) == ["warmup-test"]


def test_load_library_raises_with_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    write(folder, "one.yaml", "- not a mapping\n")
    write(folder, "two.yaml", "id: [broken\n")
    with pytest.raises(LibraryError) as caught:
        load_library(folder)
    assert [error.file for error in caught.value.errors] == ["lib/one.yaml", "lib/two.yaml"]
    assert "lib/one.yaml" in str(caught.value)
    assert "lib/two.yaml" in str(caught.value)


def test_content_errors_read_file_field_message() -> None:
    assert str(ContentError("lib/a.yaml", "question", "missing")) == "lib/a.yaml: question: missing"
    assert str(ContentError("lib/a.yaml", "options.2.label", "missing", "Option 3, label")) == (
        "lib/a.yaml: options.2.label (Option 3, label): missing"
    )
    assert str(ContentError("lib/a.yaml", "", "bad")) == "lib/a.yaml: bad"


def test_cli_check_fails_on_a_bad_folder_and_lists_each_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bad"
    fields = valid_fields()
    del fields["question"]
    write_exercise(folder, "missing.yaml", fields)
    write_exercise(folder, "typo.yaml", {**valid_fields(id="other"), "titel": "Oops"})

    assert cli.main(["exercises", "check", "--dir", str(folder)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert "bad/missing.yaml: question (Question): missing" in err
    assert "bad/typo.yaml: titel (Titel): no such field here (a typo?)" in err
    assert err[-1] == "2 problem(s) found."


def test_cli_check_passes_on_the_real_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["exercises", "check", "--dir", str(REAL_LIBRARY)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "11 exercise(s) and 3 agenda(s) OK" in captured.out
