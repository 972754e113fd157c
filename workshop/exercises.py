"""The exercise library: content files in `exercises/` and ready agendas in `exercises/agendas/`,
validated on load.

An exercise file is written in English, and may carry translations of its texts under
`translations:`, by language (`de:`, `es:`): each a partial copy of the file holding only texts,
mappings by key and lists by position. A translation is laid over the original and the result is
checked with the same content model; what the room keeps is the original alone.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from workshop.agendas import Agenda
from workshop.editor import Form
from workshop.i18n import LANGUAGES, N_, SOURCE, Message, language_name
from workshop.kinds import KINDS, Exercise

AGENDAS_FOLDER = "agendas"
TRANSLATIONS = "translations"
"""The top-level field holding an exercise file's translations, by language."""


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
    return Message(
        "“%(kind)s” is not a kind of exercise this app knows; kind: must be one of %(known)s",
        kind=str(kind) if kind else N_("(no kind)"),
        known=", ".join(KINDS),
    )


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
    exercise, _, problems = parse_translated_exercise(text, file)
    return exercise, problems


def parse_translated_exercise(
    text: str, file: str
) -> tuple[Exercise | None, dict[str, Exercise], list[ContentError]]:
    """An exercise as its file gives it, its translations by language, and every problem with
    either (a translation's, once the original is valid)."""
    raw, problems = _load(text, file)
    if raw is None:
        return None, {}, problems
    kind = KINDS.get(str(raw.get("kind", "")))
    if kind is None:
        return None, {}, [ContentError(file, "kind", unknown_kind(raw.get("kind")), "Kind")]
    translations = raw.pop(TRANSLATIONS, None)
    exercise, problems = _checked(raw, file, kind.content)
    if exercise is None or translations is None:
        return exercise, {}, problems
    if not isinstance(translations, dict):
        message = "expected a translation for each language, such as de: and es:"
        return exercise, {}, [ContentError(file, TRANSLATIONS, message, "Translations")]
    translated: dict[str, Exercise] = {}
    for language, translation in translations.items():
        version, found = _translated(exercise, str(language), translation, file)
        problems.extend(found)
        if version is not None:
            translated[str(language)] = version
    return exercise, translated, problems


def _translated(
    exercise: Exercise, language: str, translation: object, file: str
) -> tuple[Exercise | None, list[ContentError]]:
    """The exercise in `language`: the translation laid over it, checked as the original is."""
    prefix = f"{TRANSLATIONS}.{language}"
    others = [code for code in LANGUAGES if code != SOURCE]
    if language not in others:
        message = (
            f"the file itself is in {language_name(SOURCE)}"
            if language == SOURCE
            else f"“{language}” is not a language this app speaks"
        )
        message += f"; a translation is for one of {', '.join(others)}"
        return None, [ContentError(file, prefix, message, "Translations")]
    name = language_name(language)
    form = Form(type(exercise))
    merged, wrong = _laid_over(exercise.model_dump(mode="json"), translation, (), form)
    errors: list[ContentError] = []
    for location, message in wrong:
        place = form.place(location)
        if place.line is not None:
            message = f"line {place.line}: {message}"
        path = ".".join([prefix, *(str(part) for part in location)])
        errors.append(
            ContentError(file, path, message, ", ".join(filter(None, [name, place.where])))
        )
    if errors or not isinstance(merged, dict):
        return None, errors
    version, problems = _checked(merged, file, type(exercise))
    for problem in problems:
        path = f"{prefix}.{problem.field}" if problem.field else prefix
        where = ", ".join(filter(None, [name, problem.where]))
        errors.append(ContentError(file, path, problem.message, where))
    return version, errors


_Location = tuple[str | int, ...]


def _laid_over(
    original: object, translation: object, location: _Location, form: Form
) -> tuple[object, list[tuple[_Location, str]]]:
    """A translation laid over the original's data: its texts in place of the original's, every
    other value as it was, and what it tries to change that is not a text."""
    if isinstance(original, dict):
        if not isinstance(translation, dict):
            return original, [(location, "expected fields, as the original has here")]
        merged = dict(original)
        wrong: list[tuple[_Location, str]] = []
        for key, value in translation.items():
            if key not in original:
                wrong.append(((*location, str(key)), "the original has no such field (a typo?)"))
                continue
            merged[key], found = _laid_over(original[key], value, (*location, key), form)
            wrong.extend(found)
        return merged, wrong
    if isinstance(original, list):
        if not isinstance(translation, list):
            return original, [(location, "expected a list, as the original has here")]
        if len(translation) != len(original):
            message = (
                f"a translation keeps the original's number of entries ({len(original)}, not "
                f"{len(translation)}), in the same order"
            )
            return original, [(location, message)]
        entries: list[object] = []
        wrong = []
        for position, (before, after) in enumerate(zip(original, translation, strict=True)):
            entry, found = _laid_over(before, after, (*location, position), form)
            entries.append(entry)
            wrong.extend(found)
        return entries, wrong
    if isinstance(original, str) and isinstance(translation, str) and form.place(location).text:
        return translation, []
    if type(translation) is type(original) and translation == original:
        return original, []
    kept = original if isinstance(original, str) else json.dumps(original)
    return original, [(location, f"is not a text to translate: keep “{kept}” as in the original")]


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
    exercises, _, errors = check_translated_library(directory)
    return exercises, errors


def check_translated_library(
    directory: Path,
) -> tuple[dict[str, Exercise], dict[str, dict[str, Exercise]], list[ContentError]]:
    """Every valid exercise by id, its valid translations by id and language, and every problem
    found, naming the file and the field."""
    exercises: dict[str, Exercise] = {}
    translations: dict[str, dict[str, Exercise]] = {}
    origin: dict[str, str] = {}
    errors: list[ContentError] = []
    if not directory.is_dir():
        return {}, {}, [ContentError(str(directory), "", "the exercises folder does not exist")]
    for path in sorted(directory.glob("*.y*ml")):
        name = f"{directory.name}/{path.name}"
        text = path.read_text(encoding="utf-8")
        exercise, translated, problems = parse_translated_exercise(text, name)
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
        if translated:
            translations[exercise.id] = translated
    return exercises, translations, errors


@dataclass(frozen=True)
class Library:
    exercises: dict[str, Exercise]
    agendas: dict[str, Agenda]
    translations: dict[str, dict[str, Exercise]] = field(default_factory=dict)
    """Each exercise's translated versions, by exercise id and then language."""
    _in: dict[str, dict[str, Exercise]] = field(default_factory=dict, repr=False, compare=False)

    def in_language(self, exercise_id: str, language: str) -> Exercise:
        """The exercise in `language`, or as its file gives it when it has no such translation."""
        original = self.exercises[exercise_id]
        return self.translations.get(exercise_id, {}).get(language, original)

    def exercises_in(self, language: str) -> dict[str, Exercise]:
        """Every exercise as a room speaking `language` adds it to its agenda (see `in_language`),
        worked out once per language."""
        found = self._in.get(language)
        if found is None:
            found = self._in[language] = {
                exercise_id: self.in_language(exercise_id, language)
                for exercise_id in self.exercises
            }
        return found

    def languages(self, exercise_id: str) -> tuple[str, ...]:
        """The languages the exercise can be played in: the file's own first, then its
        translations in the app's order."""
        translated = self.translations.get(exercise_id, {})
        return (SOURCE, *(language for language in LANGUAGES if language in translated))


def check_all(directory: Path) -> tuple[Library, list[ContentError]]:
    """The exercises and the ready agendas, and every problem in either."""
    exercises, translations, errors = check_translated_library(directory)
    agendas, agenda_errors = check_agendas(directory / AGENDAS_FOLDER, exercises)
    return Library(exercises, agendas, translations), errors + agenda_errors


def load_library(directory: Path) -> Library:
    library, errors = check_all(directory)
    if errors:
        raise LibraryError(errors)
    return library
