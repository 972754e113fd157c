"""The exercise library: content files in `exercises/` and ready agendas in `exercises/agendas/`,
validated on load."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from workshop.agendas import Agenda
from workshop.editor import Form
from workshop.kinds import KINDS, Exercise

AGENDAS_FOLDER = "agendas"


@dataclass(frozen=True)
class ContentError:
    file: str
    field: str
    """Where in the file: its keys and list positions ("options.2.label"), or a line number."""
    message: str
    where: str = ""
    """The same place in the facilitator's words ("Option 3, label"), as the editor names it."""

    def __str__(self) -> str:
        place = f"{self.field} ({self.where})" if self.where else self.field
        return f"{self.file}: {place}: {self.message}" if place else f"{self.file}: {self.message}"


class LibraryError(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def unknown_kind(kind: object) -> str:
    known = ", ".join(KINDS)
    named = str(kind) if kind else "(no kind)"
    return f"“{named}” is not a kind of exercise this app knows; kind: must be one of {known}"


_Parsed = TypeVar("_Parsed", bound=BaseModel)


def _load(text: str, file: str) -> tuple[dict[str, Any] | None, list[ContentError]]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        return None, [ContentError(file, where, f"not valid YAML ({error.__class__.__name__})")]
    if not isinstance(raw, dict):
        return None, [ContentError(file, "", "expected a mapping of fields at the top level")]
    return raw, []


def _checked(
    raw: dict[str, Any], file: str, model: type[_Parsed]
) -> tuple[_Parsed | None, list[ContentError]]:
    """The model's check of a file's fields, each problem worded as the editor words it."""
    checked, problems = Form(model).check(raw)
    errors = [ContentError(file, p.location, p.message, p.where) for p in problems]
    return (checked if isinstance(checked, model) else None), errors


def parse_exercise(text: str, file: str) -> tuple[Exercise | None, list[ContentError]]:
    raw, problems = _load(text, file)
    if raw is None:
        return None, problems
    kind = KINDS.get(str(raw.get("kind", "")))
    if kind is None:
        return None, [ContentError(file, "kind", unknown_kind(raw.get("kind")), "Kind")]
    exercise, problems = _checked(raw, file, kind.content)
    return exercise, problems


def parse_agenda(
    text: str, file: str, exercises: dict[str, Exercise]
) -> tuple[Agenda | None, list[ContentError]]:
    """An agenda, checked against the exercises it names."""
    raw, problems = _load(text, file)
    if raw is None:
        return None, problems
    agenda, problems = _checked(raw, file, Agenda)
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
