"""The exercise library: content files in `exercises/`, validated on load."""

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from workshop.kinds import Exercise

_exercise = TypeAdapter(Exercise)


@dataclass(frozen=True)
class ContentError:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class LibraryError(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def parse_exercise(text: str, file: str) -> tuple[Exercise | None, list[ContentError]]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return None, [ContentError(file, where, f"not valid YAML ({error.__class__.__name__})")]
    if not isinstance(raw, dict):
        return None, [ContentError(file, "", "expected a mapping of fields at the top level")]
    try:
        return _exercise.validate_python(raw), []
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            location = tuple(detail["loc"])
            # Errors inside a known kind are located under that kind's tag; the file has no such level.
            if location and location[0] == raw.get("kind"):
                location = location[1:]
            problems.append(ContentError(file, _field_path(location), detail["msg"]))
        return None, problems


def check_library(directory: Path) -> tuple[dict[str, Exercise], list[ContentError]]:
    """Every valid exercise by id, and every problem found, naming the file and the field."""
    exercises: dict[str, Exercise] = {}
    origin: dict[str, str] = {}
    errors: list[ContentError] = []
    if not directory.is_dir():
        return {}, [ContentError(str(directory), "", "the exercises folder does not exist")]
    for path in sorted(directory.glob("*.y*ml")):
        name = f"{directory.name}/{path.name}"
        exercise, problems = parse_exercise(path.read_text(encoding="utf-8"), name)
        errors.extend(problems)
        if exercise is None:
            continue
        if exercise.id in exercises:
            errors.append(
                ContentError(
                    name, "id", f"'{exercise.id}' is already used by {origin[exercise.id]}"
                )
            )
            continue
        exercises[exercise.id] = exercise
        origin[exercise.id] = name
    return exercises, errors


def load_library(directory: Path) -> dict[str, Exercise]:
    exercises, errors = check_library(directory)
    if errors:
        raise LibraryError(errors)
    return exercises
