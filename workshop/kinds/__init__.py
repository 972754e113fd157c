"""Exercise kinds: the registry.

Every kind is a package exposing `KIND`, a `Kind` (see `workshop.kinds.base`): its content model,
summary entry, actions, rules, views and templates. The registry loads the built-in kinds below,
then any named in `WORKSHOP_EXTRA_KINDS` (comma-separated Python packages, for a kind of one's own),
and builds the shared unions from them: the exercise files' model, the summary's entries and the
actions a screen can send. Every other module asks the registry, never a kind's package.
"""

import importlib
import os
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from workshop.action_base import KindHostAction, ParticipantAction, Vote
from workshop.kinds.base import ExerciseContent, Kind, PhaseSpec, SummaryEntry

BUILT_IN = ("warmup_poll", "best_question", "challenge_pairs", "advocacy_debate")
"""The kinds that ship with the app, by package under `workshop.kinds`, in the console's order."""
EXTRA_KINDS_VARIABLE = "WORKSHOP_EXTRA_KINDS"


def _load(packages: list[str]) -> dict[str, Kind[Any, Any]]:
    kinds: dict[str, Kind[Any, Any]] = {}
    for package in packages:
        kind: Kind[Any, Any] = importlib.import_module(package).KIND
        if kind.name in kinds:
            raise ValueError(f"two kinds of exercise are called {kind.name!r}")
        kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind[Any, Any]] = _load(
    [
        *(f"workshop.kinds.{name}" for name in BUILT_IN),
        *filter(
            None, (name.strip() for name in os.environ.get(EXTRA_KINDS_VARIABLE, "").split(","))
        ),
    ]
)
"""Every kind, by its content's `kind` field."""

KIND_PARTICIPANT_ACTIONS: tuple[type[ParticipantAction], ...] = (
    Vote,  # shared: the poll and the debate take it
    *(
        action
        for kind in KINDS.values()
        for action in kind.participant_actions
        if action is not Vote
    ),
)
KIND_HOST_ACTIONS: tuple[type[KindHostAction], ...] = tuple(
    action for kind in KINDS.values() for action in kind.host_actions
)

if TYPE_CHECKING:
    # What the rest of the app may rely on, whatever the kinds: their common bases.
    AnyExercise = ExerciseContent
    KindSummary = SummaryEntry
    KindParticipantActions = ParticipantAction
    KindHostActions = KindHostAction
else:
    AnyExercise = Union[tuple(kind.content for kind in KINDS.values())]  # noqa: UP007
    KindSummary = Union[tuple(kind.summary_model for kind in KINDS.values())]  # noqa: UP007
    KindParticipantActions = Union[KIND_PARTICIPANT_ACTIONS]  # noqa: UP007
    KindHostActions = Union[KIND_HOST_ACTIONS]  # noqa: UP007
Exercise = Annotated[AnyExercise, Field(discriminator="kind")]
ExerciseTypes = tuple(kind.content for kind in KINDS.values())


def kind_named(name: str) -> Kind[Any, Any]:
    kind = KINDS.get(name)
    if kind is None:
        raise LookupError(f"no kind of exercise is called {name!r}")
    return kind


def kind_of(exercise: ExerciseContent) -> Kind[Any, Any]:
    """The kind of an exercise (its content's `kind` field)."""
    return kind_named(exercise.kind)


def phases_of(exercise: ExerciseContent) -> tuple[PhaseSpec, ...]:
    return kind_of(exercise).phases(exercise)


def rounds_of(exercise: ExerciseContent) -> int:
    return kind_of(exercise).rounds(exercise)


def first_rounds(exercise: ExerciseContent, count: int) -> ExerciseContent:
    """The exercise cut to its first `count` rounds (all of them when it has no more)."""
    cut: ExerciseContent = kind_of(exercise).first_rounds(exercise, count)
    return cut


def data_of(exercise: ExerciseContent) -> tuple[str, ...]:
    """Every run-relative hash a run of this exercise may keep."""
    return kind_of(exercise).data_names(exercise)


__all__ = [
    "BUILT_IN",
    "EXTRA_KINDS_VARIABLE",
    "KINDS",
    "KIND_HOST_ACTIONS",
    "KIND_PARTICIPANT_ACTIONS",
    "AnyExercise",
    "Exercise",
    "ExerciseTypes",
    "Kind",
    "KindHostActions",
    "KindParticipantActions",
    "KindSummary",
    "PhaseSpec",
    "data_of",
    "first_rounds",
    "kind_named",
    "kind_of",
    "phases_of",
    "rounds_of",
]
