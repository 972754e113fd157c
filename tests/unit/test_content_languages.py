"""Exercise files in more than one language: translations laid over the original's texts, checked
as the original is, and the library's badges."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from workshop.exercises import (
    ContentError,
    Library,
    check_all,
    check_library,
    parse_exercise,
    parse_translated_exercise,
)
from workshop.kinds.challenge_pairs.content import ChallengePairs
from workshop.settings import DEFAULT_EXERCISES

NINETY_MINUTES = (
    "warmup-hardest-habit",
    "best-question-turnarounds",
    "challenge-pairs-respectful-challenge",
    "advocacy-debate-customer-advocate",
)
LIBRARY, LIBRARY_ERRORS = check_all(DEFAULT_EXERCISES)


def poll(**translations: Any) -> str:
    fields: dict[str, Any] = {
        "kind": "warmup_poll",
        "id": "warmup-test",
        "title": "Warm-up: a test",
        "summary": "A question for the test.",
        "seeds": ["000"],
        "minutes": 4,
        "question": "Which one?",
        "options": [{"id": "one", "label": "One"}, {"id": "two", "label": "Two"}],
        "translations": translations,
    }
    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)


def problems(text: str) -> list[str]:
    exercise, _, found = parse_translated_exercise(text, "poll.yaml")
    assert exercise is not None, "the original is valid"
    assert found, "expected a problem"
    return [str(problem) for problem in found]


def texts_and_values(data: object, path: str = "") -> tuple[dict[str, Any], set[str]]:
    """Every leaf of the data by its path, and the paths of every list with its length."""
    leaves: dict[str, Any] = {}
    lists: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found, shapes = texts_and_values(value, f"{path}.{key}")
            leaves |= found
            lists |= shapes
    elif isinstance(data, list):
        lists.add(f"{path}#{len(data)}")
        for position, value in enumerate(data):
            found, shapes = texts_and_values(value, f"{path}.{position}")
            leaves |= found
            lists |= shapes
    else:
        leaves[path] = data
    return leaves, lists


# The real library ---------------------------------------------------------------------------------


def test_the_library_loads_cleanly_with_its_translations() -> None:
    assert LIBRARY_ERRORS == []


@pytest.mark.parametrize("exercise_id", NINETY_MINUTES)
def test_the_ninety_minute_agenda_is_in_german_and_spanish(exercise_id: str) -> None:
    assert LIBRARY.languages(exercise_id) == ("en", "de", "es")
    original = LIBRARY.exercises[exercise_id]
    for language in ("de", "es"):
        translated = LIBRARY.in_language(exercise_id, language)
        assert translated is not original
        assert type(translated) is type(original)
        assert translated.title != original.title
        assert translated.summary != original.summary


@pytest.mark.parametrize("exercise_id", NINETY_MINUTES)
def test_a_translation_keeps_every_id_number_and_list_length(exercise_id: str) -> None:
    original = LIBRARY.exercises[exercise_id]
    before, lists = texts_and_values(original.model_dump(mode="json"))
    for language in ("de", "es"):
        after, translated_lists = texts_and_values(
            LIBRARY.in_language(exercise_id, language).model_dump(mode="json")
        )
        assert translated_lists == lists
        assert after.keys() == before.keys()
        for path, value in before.items():
            if not isinstance(value, str) or path.endswith((".id", ".kind", ".resistance")):
                assert after[path] == value, path
            if ".seeds." in path or path.endswith(".habit"):
                assert after[path] == value, path


def test_the_agenda_plays_the_exercises_that_have_translations() -> None:
    agenda = LIBRARY.agendas["breakthrough-90"]
    assert tuple(item.exercise for item in agenda.items) == NINETY_MINUTES


def test_an_exercise_without_a_translation_falls_back_to_the_original() -> None:
    untranslated = next(e for e in LIBRARY.exercises if e not in LIBRARY.translations)
    assert LIBRARY.languages(untranslated) == ("en",)
    assert LIBRARY.in_language(untranslated, "de") is LIBRARY.exercises[untranslated]
    assert LIBRARY.in_language(untranslated, "en") is LIBRARY.exercises[untranslated]
    # A language an exercise has no translation in, and one the app does not speak.
    library = Library(LIBRARY.exercises, LIBRARY.agendas, {"warmup-hardest-habit": {}})
    original = LIBRARY.exercises["warmup-hardest-habit"]
    assert library.in_language("warmup-hardest-habit", "es") is original
    assert LIBRARY.in_language("warmup-hardest-habit", "fr") is original
    with pytest.raises(KeyError):
        LIBRARY.in_language("no-such-exercise", "de")


# A translation laid over the original -------------------------------------------------------------


def test_a_translation_replaces_texts_and_keeps_everything_else() -> None:
    text = poll(
        de={
            "title": "Aufwärmen: ein Test",
            "options": [{"label": "Eins"}, {"id": "two", "label": "Zwei"}],
        },
        es={"question": "¿Cuál?"},
    )
    exercise, translated, found = parse_translated_exercise(text, "poll.yaml")
    assert found == []
    assert exercise is not None and exercise.title == "Warm-up: a test"
    german, spanish = translated["de"], translated["es"]
    assert german.title == "Aufwärmen: ein Test"
    assert german.question == "Which one?"
    assert [(o.id, o.label) for o in german.options] == [("one", "Eins"), ("two", "Zwei")]
    assert (spanish.title, spanish.question) == ("Warm-up: a test", "¿Cuál?")
    # The room keeps the original alone: nothing of the translations is in it.
    original, _ = parse_exercise(text, "poll.yaml")
    assert original == exercise
    assert "translations" not in exercise.model_dump()


def test_a_misspelt_field_is_named_with_its_language() -> None:
    assert problems(poll(de={"titel": "Aufwärmen"})) == [
        "poll.yaml: translations.de.titel (German, Titel): the original has no such field (a typo?)"
    ]


def test_a_changed_id_is_refused() -> None:
    text = poll(es={"options": [{"id": "uno", "label": "Uno"}, {"label": "Dos"}]})
    assert problems(text) == [
        "poll.yaml: translations.es.options.0.id (Spanish, Option 1, short name): "
        "is not a text to translate: keep “one” as in the original"
    ]


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({"minutes": 5}, "translations.de.minutes (German, Minutes): is not a text to translate: keep “4”"),
        ({"kind": "best_question"}, "translations.de.kind (German, Kind): is not a text to translate: keep “warmup_poll”"),
        ({"seeds": ["001"]}, "translations.de.seeds.0 (German, Source documents): line 1: is not a text to translate: keep “000”"),
        ({"minutes": "4"}, "translations.de.minutes (German, Minutes): is not a text to translate: keep “4”"),
    ],
)  # fmt: skip
def test_a_value_that_is_not_a_text_stays_as_it_is(changed: dict[str, Any], expected: str) -> None:
    (message,) = problems(poll(de=changed))
    assert message.startswith(f"poll.yaml: {expected}")


def test_repeating_a_value_that_is_not_a_text_is_allowed() -> None:
    _, translated, found = parse_translated_exercise(
        poll(de={"minutes": 4, "id": "warmup-test"}), "x"
    )
    assert found == [] and translated["de"].minutes == 4


def test_a_list_of_another_length_is_refused() -> None:
    assert problems(poll(de={"options": [{"label": "Eins"}]})) == [
        "poll.yaml: translations.de.options (German, Options): a translation keeps the original's "
        "number of entries (2, not 1), in the same order"
    ]


def test_a_translated_text_keeps_the_models_limits() -> None:
    label = "x" * 130
    assert problems(poll(de={"options": [{"label": label}, {"label": "Zwei"}]})) == [
        "poll.yaml: translations.de.options.0.label (German, Option 1, label): "
        "too long, 130 of 80 characters"
    ]
    assert problems(poll(es={"question": ""})) == [
        "poll.yaml: translations.es.question (Spanish, Question): cannot be empty"
    ]


def test_a_language_the_app_does_not_speak_is_refused() -> None:
    assert problems(poll(fr={"title": "Échauffement"})) == [
        "poll.yaml: translations.fr (Translations): “fr” is not a language this app speaks; "
        "a translation is for one of de, es"
    ]
    assert problems(poll(en={"title": "Warm-up"})) == [
        "poll.yaml: translations.en (Translations): the file itself is in English; "
        "a translation is for one of de, es"
    ]


def test_a_translation_that_is_not_a_mapping_is_refused() -> None:
    assert problems(poll(de=["Aufwärmen"])) == [
        "poll.yaml: translations.de (German): expected fields, as the original has here"
    ]
    text = poll().replace("translations: {}", "translations: [de]")
    assert problems(text) == [
        "poll.yaml: translations (Translations): "
        "expected a translation for each language, such as de: and es:"
    ]


def test_a_bad_translation_is_left_out_and_the_rest_of_the_library_loads(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "poll.yaml").write_text(
        poll(de={"titel": "Aufwärmen"}, es={"title": "Calentamiento"}), encoding="utf-8"
    )
    exercises, errors = check_library(folder)
    assert list(exercises) == ["warmup-test"]
    assert [error.field for error in errors] == ["translations.de.titel"]
    library, _ = check_all(folder)
    assert library.languages("warmup-test") == ("en", "es")
    assert library.in_language("warmup-test", "de") is library.exercises["warmup-test"]
    assert library.in_language("warmup-test", "es").title == "Calentamiento"


def test_an_invalid_original_is_reported_without_its_translations() -> None:
    text = poll(de={"titel": "Aufwärmen"}).replace("minutes: 4", "minutes: 0")
    exercise, translated, found = parse_translated_exercise(text, "poll.yaml")
    assert exercise is None and translated == {}
    assert [problem.field for problem in found] == ["minutes"]
    assert all(isinstance(problem, ContentError) for problem in found)


def test_a_translation_may_word_what_the_file_leaves_to_the_model() -> None:
    """The pairs' file keeps the model's rubric; its translations word it in their language."""
    pairs = LIBRARY.exercises["challenge-pairs-respectful-challenge"]
    german = LIBRARY.in_language(pairs.id, "de")
    assert isinstance(german, ChallengePairs) and isinstance(pairs, ChallengePairs)
    assert [h.habit for h in german.rubric] == [h.habit for h in pairs.rubric]
    assert german.rubric[3].means.startswith("Fragt, wie der Kunde")


def test_a_cards_if_then_line_begins_in_its_own_language() -> None:
    german = LIBRARY.in_language("challenge-pairs-respectful-challenge", "de")
    spanish = LIBRARY.in_language("challenge-pairs-respectful-challenge", "es")
    assert isinstance(german, ChallengePairs) and isinstance(spanish, ChallengePairs)
    assert all(case.first.customer.if_then.startswith("Wenn ") for case in german.cases)
    assert all(case.swapped.challenger.if_then.startswith("Si ") for case in spanish.cases)
    text = (DEFAULT_EXERCISES / "challenge-pairs-respectful-challenge.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    raw["translations"] = {
        "es": {
            "cases": [
                {"first": {"customer": {"if_then": "Cuando te pregunten, contesta."}}},
                {},
                {},
            ]
        }
    }
    assert problems(yaml.safe_dump(raw, allow_unicode=True)) == [
        "poll.yaml: translations.es.cases.0.first.customer.if_then (Spanish, Case 1, cards for "
        'the first talk, customer card, if they …, you …): begins "If they …, you …"'
    ]


def test_a_room_adds_each_exercise_in_its_language_where_a_translation_exists() -> None:
    library = LIBRARY
    german = library.exercises_in("de")
    assert german is library.exercises_in("de")
    assert set(german) == set(library.exercises)
    assert german["warmup-hardest-habit"].title == "Zum Einstieg: die schwierigste Gewohnheit"
    untranslated = next(i for i in library.exercises if library.languages(i) == ("en",))
    assert german[untranslated] is library.exercises[untranslated]
    assert library.exercises_in("en")["warmup-hardest-habit"].title == "Warm-up: the hardest habit"
