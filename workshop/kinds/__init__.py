"""Exercise kinds: the registry.

Every kind is a package (`workshop/kinds/<name>/`) exposing a `Kind` (see `workshop.kinds.base`)
and what it adds to the shared unions: its content, its summary entry and its actions. The registry
below imports each package once; every other module asks the registry, never a kind's package.
"""

from typing import Annotated, Any

from pydantic import Field

from workshop.kinds import advocacy_debate as _debate  # registry: the advocacy debate
from workshop.kinds import best_question as _best  # registry: best question
from workshop.kinds import challenge_pairs as _pairs  # registry: challenge pairs
from workshop.kinds import warmup_poll as _poll  # registry: the warm-up poll
from workshop.kinds.base import ExerciseContent, Kind, PhaseSpec

KINDS: dict[str, Kind[Any, Any]] = {
    kind.name: kind for kind in (_poll.KIND, _best.KIND, _pairs.KIND, _debate.KIND)
}
"""Every kind, by its content's `kind` field."""

# What the kinds add to the shared unions (the content, the summary, the actions). The poll adds no
# action of its own: it takes the shared `Vote`.
KindContent = _poll.Content | _best.Content | _pairs.Content | _debate.Content
KindSummary = _poll.Summary | _best.Summary | _pairs.Summary | _debate.Summary
KindParticipantActions = (
    _best.ParticipantActions | _pairs.ParticipantActions | _debate.ParticipantActions
)
KindHostActions = _best.HostActions | _pairs.HostActions | _debate.HostActions
KIND_PARTICIPANT_ACTIONS = (
    *_poll.PARTICIPANT_ACTIONS,
    *_best.PARTICIPANT_ACTIONS,
    *_pairs.PARTICIPANT_ACTIONS,
    *_debate.PARTICIPANT_ACTIONS,
)
KIND_HOST_ACTIONS = (
    *_poll.HOST_ACTIONS,
    *_best.HOST_ACTIONS,
    *_pairs.HOST_ACTIONS,
    *_debate.HOST_ACTIONS,
)

AnyExercise = KindContent
Exercise = Annotated[AnyExercise, Field(discriminator="kind")]
ExerciseTypes = (_poll.Content, _best.Content, _pairs.Content, _debate.Content)


def kind_named(name: str) -> Kind[Any, Any]:
    kind = KINDS.get(name)
    if kind is None:
        raise LookupError(f"no kind of exercise is called {name!r}")
    return kind


def kind_of(exercise: ExerciseContent) -> Kind[Any, Any]:
    """The kind of an exercise (its content's `kind` field)."""
    return kind_named(getattr(exercise, "kind", ""))


def phases_of(exercise: AnyExercise) -> tuple[PhaseSpec, ...]:
    return kind_of(exercise).phases(exercise)


def rounds_of(exercise: AnyExercise) -> int:
    return kind_of(exercise).rounds(exercise)


def first_rounds(exercise: AnyExercise, count: int) -> AnyExercise:
    """The exercise cut to its first `count` rounds (all of them when it has no more)."""
    cut: AnyExercise = kind_of(exercise).first_rounds(exercise, count)
    return cut


def data_of(exercise: AnyExercise) -> tuple[str, ...]:
    """Every run-relative hash a run of this exercise may keep."""
    return kind_of(exercise).data_names(exercise)


__all__ = [
    "KINDS",
    "KIND_HOST_ACTIONS",
    "KIND_PARTICIPANT_ACTIONS",
    "AnyExercise",
    "Exercise",
    "ExerciseTypes",
    "Kind",
    "KindContent",
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
