"""Ready agendas: the files in `exercises/agendas/` and starting one from the console."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_engine import ADA, GONE, act, fresh_meta, state_of
from workshop import engine
from workshop.agendas import AGENDA_MAX, Agenda, AgendaItem
from workshop.engine import HOST
from workshop.errors import Rejected
from workshop.exercises import check_all, load_library, parse_agenda
from workshop.kinds import rounds_of
from workshop.models import RoomMeta
from workshop.settings import DEFAULT_EXERCISES

LIBRARY = load_library(DEFAULT_EXERCISES)
NINETY = LIBRARY.agendas["breakthrough-90"]


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
        ({"items": [{"exercise": "warmup-hardest-habit"}]}, "items.0.minutes", "Field required"),
        (
            {"items": [{"exercise": "warmup-hardest-habit", "minutes": 5, "round": 1}]},
            "items.0.round",
            "Extra inputs",
        ),
        ({"items": []}, "items", "at least 1"),
        ({"title": ""}, "title", "at least 1"),
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
