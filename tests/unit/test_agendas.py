"""Ready agendas: the files in `exercises/agendas/` and starting one from the console."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_engine import ADA, GONE, act, fresh_meta, state_of
from workshop import engine, i18n
from workshop.agendas import AGENDA_MAX, Agenda, AgendaItem
from workshop.engine import HOST
from workshop.errors import Rejected
from workshop.exercises import check_all, load_library, parse_agenda
from workshop.kinds import rounds_of
from workshop.models import RoomMeta
from workshop.settings import DEFAULT_EXERCISES

LIBRARY = load_library(DEFAULT_EXERCISES)
NINETY = LIBRARY.agendas["breakthrough-90"]
AGENDAS = sorted(LIBRARY.agendas.values(), key=lambda agenda: agenda.id)
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "facilitator-guide.md"

ROUND_MINUTES = {
    "warmup_poll": 4,
    "best_question": 10,
    "challenge_pairs": 26,
    "advocacy_debate": 15,
}
"""The least time one round of each kind takes: the sum of its steps' timings in the facilitator
guide (a poll: vote and results; a best-question round: brief, write, vote, reveal, debrief; a
pairs case: brief, pair up, two conversations, two ratings, debrief; a debate case: case and first
vote, teams, arguments, rebuttals, final vote, verdict)."""
FRAMING_MINUTES = 15
"""What an item may plan beyond its rounds: a welcome, a story from a seed, a format explained. More
than that would be a break hidden inside an exercise, where the agenda's length no longer says how
much is exercise."""


def stated_minutes(title: str) -> int | None:
    """The length an agenda's title states: "(90 min)", "(3 h 30 + a break)", "(6 h)"."""
    match = re.search(r"\((?:(\d+) [Mm]in|(\d+) h(?: (\d{2}))?)\b", title)
    if match is None:
        return None
    minutes, hours, more = match.groups()
    return int(minutes) if minutes else int(hours) * 60 + int(more or 0)


def agenda_fields(**update: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "short",
        "title": "A short session",
        "summary": "Two exercises.",
        "items": [
            {"exercise": "warmup-hardest-habit", "minutes": 5},
            {"exercise": "best-question-turnarounds", "minutes": 20, "rounds": 1},
        ],
    }
    return fields | update


def start(meta: RoomMeta, agenda_id: str) -> RoomMeta:
    effects = engine.apply(
        state_of(meta, ADA, GONE),
        HOST,
        act("start_agenda", agenda_id=agenda_id),
        LIBRARY.exercises,
        0.0,
        LIBRARY.agendas,
    )
    assert effects.meta is not None
    return effects.meta


def test_the_ninety_minute_agenda_adds_up_and_names_real_exercises() -> None:
    assert NINETY.title == "Breakthrough conversations (90 min)"
    assert NINETY.minutes == 90
    kinds = [LIBRARY.exercises[item.exercise].kind for item in NINETY.items]
    assert kinds == ["warmup_poll", "best_question", "challenge_pairs", "advocacy_debate"]


def test_the_half_day_and_the_full_day_add_up_and_use_every_kind() -> None:
    half = LIBRARY.agendas["breakthrough-half-day"]
    full = LIBRARY.agendas["breakthrough-full-day"]
    assert (half.minutes, full.minutes) == (210, 390)
    for agenda in (half, full):
        kinds = {LIBRARY.exercises[item.exercise].kind for item in agenda.items}
        assert kinds == set(ROUND_MINUTES), agenda.id


def test_a_title_states_minutes_or_hours_and_minutes() -> None:
    assert stated_minutes("Breakthrough conversations (90 min)") == 90
    assert stated_minutes("A half day (3 h 30 + a break)") == 210
    assert stated_minutes("A day (6 h + breaks)") == 360
    assert stated_minutes("A short session") is None


def test_every_agenda_file_is_in_the_library() -> None:
    files = sorted(path.stem for path in (DEFAULT_EXERCISES / "agendas").glob("*.yaml"))
    assert [agenda.id for agenda in AGENDAS] == files


@pytest.mark.parametrize("agenda", AGENDAS, ids=lambda agenda: agenda.id)
def test_every_agenda_title_states_what_its_items_and_close_add_up_to(agenda: Agenda) -> None:
    assert stated_minutes(agenda.title) == agenda.minutes, (
        f"{agenda.id}: the title says {agenda.title!r}, the items and the close add up to"
        f" {agenda.minutes} min"
    )


@pytest.mark.parametrize("agenda", AGENDAS, ids=lambda agenda: agenda.id)
def test_every_agenda_speaks_german_and_spanish_with_the_same_length(agenda: Agenda) -> None:
    for language in ("de", "es"):
        spoken = agenda.in_language(language)
        assert spoken.title != agenda.title and spoken.summary != agenda.summary, language
        assert stated_minutes(spoken.title) == agenda.minutes, (language, spoken.title)
        assert spoken.items == agenda.items
    assert agenda.in_language("en") == agenda


def test_an_agenda_started_in_a_german_room_is_named_in_german() -> None:
    meta = fresh_meta().model_copy(update={"language": "de"})
    effects = engine.apply(
        state_of(meta, ADA, GONE),
        HOST,
        act("start_agenda", agenda_id=NINETY.id),
        LIBRARY.exercises_in("de"),
        0.0,
        LIBRARY.agendas,
    )
    assert effects.meta is not None
    with i18n.speaking("de"):
        said = str(i18n.say(effects.notice))
    assert NINETY.in_language("de").title in said
    assert effects.meta.agenda[0].exercise == LIBRARY.in_language(NINETY.items[0].exercise, "de")


@pytest.mark.parametrize("agenda", AGENDAS, ids=lambda agenda: agenda.id)
def test_every_agenda_item_has_time_for_its_rounds_and_no_more(agenda: Agenda) -> None:
    for number, item in enumerate(agenda.items):
        exercise = LIBRARY.exercises[item.exercise]
        available = rounds_of(exercise)
        played = item.rounds or available
        assert played <= available, f"items.{number}: {played} rounds of {available}"
        assert exercise.kind in ROUND_MINUTES, f"no round time for the kind {exercise.kind}"
        least = ROUND_MINUTES[exercise.kind] * played
        assert least <= item.minutes <= least + FRAMING_MINUTES, (
            f"items.{number} ({item.exercise}): {item.minutes} min for {played} round(s);"
            f" expected {least} to {least + FRAMING_MINUTES}"
        )


@pytest.mark.parametrize("agenda", AGENDAS, ids=lambda agenda: agenda.id)
def test_every_agenda_has_a_section_in_the_facilitator_guide(agenda: Agenda) -> None:
    """The guide names the agenda as the console does and points at its file."""
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert f"**{agenda.title}**" in guide
    assert f"`exercises/agendas/{agenda.id}.yaml`" in guide


def test_starting_an_agenda_adds_every_exercise_and_starts_the_first() -> None:
    meta = start(fresh_meta(), NINETY.id)
    assert [run.exercise.id for run in meta.agenda] == [item.exercise for item in NINETY.items]
    assert [run.planned_minutes for run in meta.agenda] == [item.minutes for item in NINETY.items]
    assert meta.current == meta.agenda[0].id
    assert meta.agenda[0].started and not any(run.started for run in meta.agenda[1:])
    for run, item in zip(meta.agenda, NINETY.items, strict=True):
        full = rounds_of(LIBRARY.exercises[item.exercise])
        assert run.rounds == min(full, item.rounds or full)


def test_an_agenda_started_while_something_runs_is_only_added() -> None:
    running = start(fresh_meta(), NINETY.id)
    again = start(running, NINETY.id)
    assert again.current == running.current
    assert len(again.agenda) == 2 * len(NINETY.items)
    assert len({run.id for run in again.agenda}) == len(again.agenda)


def test_unknown_agendas_and_overfull_agendas_are_refused() -> None:
    with pytest.raises(Rejected, match="no ready agenda 'nope'"):
        start(fresh_meta(), "nope")
    meta = fresh_meta()
    while len(meta.agenda) + len(NINETY.items) <= AGENDA_MAX:
        meta = start(meta, NINETY.id)
    with pytest.raises(Rejected, match=f"at most {AGENDA_MAX}"):
        start(meta, NINETY.id)


def test_participants_cannot_start_an_agenda() -> None:
    with pytest.raises(Rejected, match="Only the facilitator"):
        engine.apply(
            state_of(fresh_meta(), ADA),
            engine.Actor("participant", ADA.id),
            act("start_agenda", agenda_id=NINETY.id),
            LIBRARY.exercises,
            0.0,
            LIBRARY.agendas,
        )


def test_a_valid_agenda_file_parses() -> None:
    agenda, errors = parse_agenda(yaml.safe_dump(agenda_fields()), "x.yaml", LIBRARY.exercises)
    assert errors == []
    assert agenda == Agenda(
        id="short",
        title="A short session",
        summary="Two exercises.",
        items=[
            AgendaItem(exercise="warmup-hardest-habit", minutes=5),
            AgendaItem(exercise="best-question-turnarounds", minutes=20, rounds=1),
        ],
    )
    assert agenda.minutes == 25


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"items": [{"exercise": "warmup-hardest-habbit", "minutes": 5}]},
            "items.0.exercise",
            "no exercise 'warmup-hardest-habbit'",
        ),
        ({"items": [{"exercise": "warmup-hardest-habit"}]}, "items.0.minutes", "missing"),
        (
            {"items": [{"exercise": "warmup-hardest-habit", "minutes": 5, "round": 1}]},
            "items.0.round",
            "no such field here",
        ),
        ({"items": []}, "items", "at least 1"),
        ({"title": ""}, "title", "cannot be empty"),
        (
            {"translations": {"de": {"title": "Kurz", "summary": "Zwei.", "sumary": "Zwei."}}},
            "translations.de.sumary",
            "no such field here",
        ),
        (
            {"translations": {"fr": {"title": "Court", "summary": "Deux."}}},
            "translations.fr.[key]",
            "one of",
        ),
    ],
)
def test_a_typo_in_an_agenda_names_the_file_and_the_field(
    fields: dict[str, Any], field: str, message: str
) -> None:
    agenda, errors = parse_agenda(
        yaml.safe_dump(agenda_fields(**fields)), "exercises/agendas/x.yaml", LIBRARY.exercises
    )
    assert agenda is None
    assert [(e.file, e.field) for e in errors] == [("exercises/agendas/x.yaml", field)]
    assert message in errors[0].message


def test_the_library_check_covers_agendas(tmp_path: Path) -> None:
    library = tmp_path / "exercises"
    (library / "agendas").mkdir(parents=True)
    for path in DEFAULT_EXERCISES.glob("*.yaml"):
        (library / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = agenda_fields(items=[{"exercise": "no-such-thing", "minutes": 5}])
    (library / "agendas" / "broken.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    loaded, errors = check_all(library)
    assert [str(error) for error in errors] == [
        "exercises/agendas/broken.yaml: items.0.exercise:"
        " there is no exercise 'no-such-thing' in the library"
    ]
    assert loaded.agendas == {}
    assert set(loaded.exercises) == set(LIBRARY.exercises)
