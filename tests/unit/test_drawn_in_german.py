"""Every screen drawn in German: the console, the projector and the phones at every step of every
exercise in the library, the pages around them, a notice, the personal card and the exports. None
of them may show a message of the catalogs in English (compared against the catalog itself), and
the same drawing in English stays as it was. The exercise editor too, for every kind: its labels,
hints, choices and problems."""

import html
import re
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from workshop import catalogs, i18n, preview
from workshop.editing import CHECK_AND_KEEP
from workshop.editor import Form, FormField, Problem, by_field
from workshop.exercises import load_library
from workshop.exports import to_markdown
from workshop.i18n import N_, Message
from workshop.kinds import KINDS, AnyExercise
from workshop.render import Audience, Renderer, room_context
from workshop.summary import build_card, build_summary

LIBRARY = load_library(Path(__file__).resolve().parents[2] / "exercises")
EXERCISES = sorted(LIBRARY.exercises.values(), key=lambda exercise: exercise.id)
RENDERER = Renderer()
JOIN_URL = "http://192.0.2.1:8000/r/ABC234"
HOST_PAGE = {
    "cohost_url": "http://192.0.2.1:8000/host/ABC234/claim#secret",
    "projector_url": "http://192.0.2.1:8000/screen/ABC234/open#key",
    "form_token": "token",
    "ttl_days": "7",
    "ttl_count": 7,
    "expires_on": "11 December 2026, 18:58 UTC",
    "unreachable": "offline",
}
PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)s|<[^>]+>")


def strings(value: Any) -> Iterator[str]:
    """Every text in a model's dump (its dicts and lists walked)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


@cache
def english_left_over() -> tuple[str, ...]:
    """The English of every message German says differently, as the parts a screen would show
    (between its placeholders and tags), long enough to tell apart from a word that happens to
    be in the exercise files: those files' text is not translated here, and is left out."""
    content = "\n".join(s for exercise in EXERCISES for s in strings(exercise.model_dump()))
    german = catalogs.read(i18n.catalog_path("de"), "de")
    found: set[str] = set()
    for message in german:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        said = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in said:
                continue
            for part in PLACEHOLDER_OR_TAG.split(english):
                part = part.strip(" .,:;()·→←")
                if len(part) >= 10 and " " in part and part not in content:
                    found.add(part)
    assert len(found) > 300, "the catalog's messages should be found here"
    return tuple(sorted(found))


def shown(page: str) -> str:
    """What a person reads or hears of a page: its text and its labels, entities decoded."""
    labels = " ".join(re.findall(r'(?:aria-label|title|alt)="([^"]*)"', page))
    page = re.sub(r"<style.*?</style>|<script.*?</script>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(f"{text} {labels}"))


def assert_in_german(page: str, where: str) -> None:
    text = shown(page)
    left = [english for english in english_left_over() if english in text]
    assert left == [], f"{where}: English left in the German page: {left}"


def pages(exercise: AnyExercise) -> Iterator[tuple[str, str]]:
    """The console, the projector and two phones at every step of `exercise`, drawn as a live
    room draws them."""
    now = time.time()
    for step in preview.steps(exercise):
        state = preview.played_to("ABC234", exercise, step.number, now)
        for audience in (
            Audience("host"),
            Audience("screen"),
            Audience("phone", "p1"),
            Audience("phone", "p4"),
        ):
            context = room_context(state, audience, now, JOIN_URL, LIBRARY)
            extra = HOST_PAGE if audience.kind == "host" else {}
            page = RENDERER.page(f"{audience.kind}.html", **context, **extra)
            yield f"{exercise.id}, step {step.number}, {audience.key}", page


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_every_screen_of_every_step_is_drawn_in_german(exercise: AnyExercise) -> None:
    with i18n.speaking("de"):
        drawn = list(pages(exercise))
    for where, page in drawn:
        assert_in_german(page, where)
        assert 'lang="de"' in page
    # The same screens in English: the words the German replaced are there.
    english = "".join(shown(page) for _, page in pages(exercise))
    assert "Now running" in english or "Nothing running" in english


def test_the_pages_around_a_room_are_drawn_in_german() -> None:
    with i18n.speaking("de"):
        drawn = {
            "home": RENDERER.page("home.html", code="", name="", error=""),
            "start": RENDERER.page("start.html"),
            "join": RENDERER.page(
                "join.html", code="ABC234", name="", error=N_("Please enter a name.")
            ),
            "claim": RENDERER.page("claim.html", code="ABC234"),
            "open screen": RENDERER.page("open_screen.html", code="ABC234"),
            "message": RENDERER.page(
                "message.html",
                heading=N_("Room deleted"),
                message=Message("Room %(code)s and everything in it is gone.", code="ABC234"),
            ),
            "notice": RENDERER.notice(
                Message(
                    "Names can be at most %(most)s characters; this one has %(has)s.",
                    most=40,
                    has=41,
                ),
                "error",
                1,
            ),
            "lobby": RENDERER.page(
                "screen.html",
                **room_context(
                    preview.played_to("ABC234", EXERCISES[0], 0, 0.0),
                    Audience("screen"),
                    0.0,
                    JOIN_URL,
                    LIBRARY,
                )
                | {"stage": None},
            ),
        }
    for where, page in drawn.items():
        assert_in_german(page, where)
    assert "Bitte geben Sie einen Namen ein." in drawn["join"]
    assert "Raum ABC234 und alles darin wurde gelöscht." in drawn["message"]


def test_a_notice_is_kept_for_each_language_it_was_said_in() -> None:
    renderer = Renderer()
    welcome = Message("Welcome, %(name)s.", name="Ada")
    english = renderer.notice(welcome, "ok", 1)
    with i18n.speaking("de"):
        german = renderer.notice(welcome, "ok", 2)
    with i18n.speaking("es"):
        spanish = renderer.notice(welcome, "ok", 3)
    assert "Welcome, Ada." in english
    assert "Willkommen, Ada." in german
    assert "Ada" in spanish and "Welcome" not in spanish
    assert renderer.notice(welcome, "ok", 4) == english.replace('data-seq="1"', 'data-seq="4"')


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_the_exports_and_the_card_are_drawn_in_german(exercise: AnyExercise) -> None:
    now = time.time()
    state = preview.played_to("ABC234", exercise, 99, now)
    with i18n.speaking("de"):
        summary = build_summary(state, now)
        report = RENDERER.page("export.html", summary=summary)
        markdown = to_markdown(summary)
        card = RENDERER.page("card.html", card=build_card(state, "p1"), feedback=[])
    assert_in_german(report, f"{exercise.id}: printable report")
    assert_in_german(markdown, f"{exercise.id}: Markdown")
    assert_in_german(card, f"{exercise.id}: personal card")
    assert "Teilnehmende" in markdown


# The exercise editor ------------------------------------------------------------------------------


def editor_page(kind: str, data: dict[str, Any], problems: list[Problem]) -> str:
    """The editor's page as `workshop.editing` draws it, with no preview."""
    form = Form(KINDS[kind].content)
    return RENDERER.page(
        "editor.html",
        code="ABC234",
        heading=N_("New exercise"),
        kind_label=KINDS[kind].label,
        form=form.fields(data, by_field(problems)),
        problems=problems,
        keep_note=CHECK_AND_KEEP,
        action="/host/ABC234/new",
        action_id="action",
        token="token",
        preview=None,
    )


def walk(field: FormField) -> Iterator[FormField]:
    yield field
    for child in field.children:
        yield from walk(child)


def blank(kind: str) -> dict[str, Any]:
    data = Form(KINDS[kind].content).blank()
    data |= {"id": "mine", "minutes": 10}
    return data


def mistaken(kind: str) -> dict[str, Any]:
    """An exercise of `kind` from the library with mistakes of every sort the editor words: a text
    too long, a number out of bounds, a field no model has, a short name that is not one."""
    data = next(e for e in EXERCISES if e.kind == kind).model_dump(mode="json")
    data["title"] = "x" * 201
    data["minutes"] = 1000
    data["summary"] = ""
    data["seeds"] = []
    data["id"] = "Not A Name"
    data["questoin"] = "typo"
    return data


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_exercise_editor_is_drawn_in_german(kind: str) -> None:
    """Every kind's editor, blank, holding each exercise of the library, and with problems: its
    labels, hints, choices and problems are the catalog's German; no catalog English is left."""
    form = Form(KINDS[kind].content)
    german_catalog = catalogs.read(i18n.catalog_path("de"), "de")
    filled = [e.model_dump(mode="json") for e in EXERCISES if e.kind == kind]
    _, problems = form.check(mistaken(kind))
    _, missing = form.check(blank(kind))
    assert len(problems) >= 5 and missing
    drawn: dict[str, str] = {}
    with i18n.speaking("de"):
        drawn["blank"] = editor_page(kind, blank(kind), missing)
        for number, data in enumerate(filled):
            drawn[f"filled {number}"] = editor_page(kind, data, [])
        drawn["with problems"] = editor_page(kind, mistaken(kind), problems)
        german = list(walk(form.fields(mistaken(kind), by_field(problems))))
        said = [str(problem.sentence.said()) for problem in problems]
    for where, page in drawn.items():
        assert_in_german(page, f"{kind} editor, {where}")
        assert 'lang="de"' in page
    english = list(walk(form.fields(mistaken(kind), by_field(problems))))
    for before, after in zip(english, german, strict=True):
        # Every label is a message the catalog translates ("Case 2": its "Case").
        label = re.sub(r" \d+$", "", before.label)
        if label:
            entry = german_catalog.get(label)
            assert entry is not None and entry.string, f"{kind}: {label!r} is not translated"
            assert after.label.startswith(str(entry.string)), (before.label, after.label)
        if before.hint:
            assert after.hint != before.hint, f"{kind}: {before.name}'s hint is in English"
        assert len(after.problems) == len(before.problems)
        for english_problem, german_problem in zip(before.problems, after.problems, strict=True):
            assert german_problem != english_problem
        for value, words in zip(after.choices, after.choice_labels, strict=True):
            assert words != value or german_catalog.get(value) is None
    assert [str(problem) for problem in problems] != said
    page = shown(drawn["with problems"])
    assert "Titel: zu lang, 201 von 200 Zeichen" in page
    assert "Minuten: höchstens 180" in page
    assert "Kurzname: nur Kleinbuchstaben, Ziffern und Bindestriche" in page
    assert "Questoin: dieses Feld gibt es hier nicht (ein Tippfehler?)" in page
    assert "Quelldokumente: braucht mindestens 1 (es sind 0)" in page
    assert "5 Sachen zu korrigieren" in page or "Sachen zu korrigieren" in page


def test_a_problem_deep_in_an_exercise_names_its_field_in_german() -> None:
    pairs = next(e for e in EXERCISES if e.kind == "challenge_pairs")
    data = pairs.model_dump(mode="json")
    data["cases"][1]["first"]["customer"]["situation"] = "x" * 1400
    data["cases"][0]["swapped"]["challenger"]["if_then"] = "When they"
    _, problems = Form(KINDS["challenge_pairs"].content).check(data)
    assert [str(problem) for problem in problems] == [
        'Case 1, cards after the swap, challenger card, if they …, you …: begins "If they …, you …"',
        "Case 2, cards for the first talk, customer card, situation: too long, 1,400 of 1,200 "
        "characters",
    ]
    with i18n.speaking("de"):
        german = [problem.sentence.said() for problem in problems]
    with i18n.speaking("es"):
        spanish = [problem.sentence.said() for problem in problems]
    assert german == [
        "Fall 1, Karten nach dem Rollentausch, Karte Herausforderer, Wenn sie …, dann Sie …: "
        "beginnt mit „Wenn sie …, dann Sie …“",
        "Fall 2, Karten für das erste Gespräch, Karte Kunde, Situation: zu lang, 1.400 von 1.200 "
        "Zeichen",
    ]
    assert spanish[1] == (
        "Caso 2, tarjetas para la primera conversación, tarjeta del cliente, situación: demasiado "
        "largo, 1.400 de 1.200 caracteres"
    )
