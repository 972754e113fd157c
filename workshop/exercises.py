"""The exercise library: content files in `exercises/` and ready agendas in `exercises/agendas/`,
validated on load."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from workshop.agendas import Agenda
from workshop.kinds import Exercise

AGENDAS_FOLDER = "agendas"


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


_Parsed = TypeVar("_Parsed")


def _parse(
    text: str, file: str, validate: Callable[[dict[str, Any]], _Parsed]
) -> tuple[_Parsed | None, list[ContentError]]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return None, [ContentError(file, where, f"not valid YAML ({error.__class__.__name__})")]
    if not isinstance(raw, dict):
        return None, [ContentError(file, "", "expected a mapping of fields at the top level")]
    try:
        return validate(raw), []
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            location = tuple(detail["loc"])
            # Errors inside a known kind are located under that kind's tag; the file has no such level.
            if location and location[0] == raw.get("kind"):
                location = location[1:]
            problems.append(ContentError(file, _field_path(location), detail["msg"]))
        return None, problems


def parse_exercise(text: str, file: str) -> tuple[Exercise | None, list[ContentError]]:
    return _parse(text, file, _exercise.validate_python)


def parse_agenda(
    text: str, file: str, exercises: dict[str, Exercise]
) -> tuple[Agenda | None, list[ContentError]]:
    """An agenda, checked against the exercises it names."""
    agenda, problems = _parse(text, file, Agenda.model_validate)
    if agenda is None:
        return None, problems
    for number, item in enumerate(agenda.items):
        if item.exercise not in exercises:
            problems.append(
                ContentError(
                    file,
                    f"items.{number}.exercise",
                    f"there is no exercise '{item.exercise}' in the library",
                )
            )
    return (None if problems else agenda), problems


def check_agendas(
    directory: Path, exercises: dict[str, Exercise]
) -> tuple[dict[str, Agenda], list[ContentError]]:
    """Every valid agenda in `directory` (which may be absent) by id, and every problem found."""
    agendas: dict[str, Agenda] = {}
    errors: list[ContentError] = []
    for path in sorted(directory.glob("*.y*ml")):
        name = f"{directory.parent.name}/{directory.name}/{path.name}"
        agenda, problems = parse_agenda(path.read_text(encoding="utf-8"), name, exercises)
        errors.extend(problems)
        if agenda is None:
            continue
        if agenda.id in agendas:
            errors.append(ContentError(name, "id", f"'{agenda.id}' is already used"))
            continue
        agendas[agenda.id] = agenda
    return agendas, errors


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


@dataclass(frozen=True)
class Library:
    exercises: dict[str, Exercise]
    agendas: dict[str, Agenda]


def check_all(directory: Path) -> tuple[Library, list[ContentError]]:
    """The exercises and the ready agendas, and every problem in either."""
    exercises, errors = check_library(directory)
    agendas, agenda_errors = check_agendas(directory / AGENDAS_FOLDER, exercises)
    return Library(exercises, agendas), errors + agenda_errors


def load_library(directory: Path) -> Library:
    library, errors = check_all(directory)
    if errors:
        raise LibraryError(errors)
    return library
