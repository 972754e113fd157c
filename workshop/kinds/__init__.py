"""Exercise kinds, and the registry of those that own themselves.

A kind that owns itself is a package (`workshop/kinds/<name>/`) exposing a `Kind` (see
`workshop.kinds.base`); the registry below has one line per such kind, and every other module asks
the registry, never the kind's package. The kind still written as a single module (challenge
pairs) is handled by the old per-kind branches here and in the engine, the views, the summary and
the exports.
"""

from typing import Annotated, Any

from pydantic import Field

from workshop.kinds import advocacy_debate as _debate  # registry: the advocacy debate
from workshop.kinds import best_question as _best  # registry: best question
from workshop.kinds import challenge_pairs
from workshop.kinds import warmup_poll as _poll  # registry: the warm-up poll
from workshop.kinds.base import ExerciseContent, Kind, PhaseSpec

KINDS: dict[str, Kind[Any, Any]] = {
    kind.name: kind for kind in (_poll.KIND, _debate.KIND, _best.KIND)
}
"""Every kind that owns itself, by its content's `kind` field."""

# What the registered kinds add to the shared unions (the content, the summary, the actions). The
# poll adds no action of its own: it takes the shared `Vote`.
KindContent = _poll.Content | _debate.Content | _best.Content
KindSummary = _poll.Summary | _debate.Summary | _best.Summary
KindParticipantActions = _debate.ParticipantActions | _best.ParticipantActions
KindHostActions = _debate.HostActions | _best.HostActions
KIND_PARTICIPANT_ACTIONS = (
    *_poll.PARTICIPANT_ACTIONS,
    *_debate.PARTICIPANT_ACTIONS,
    *_best.PARTICIPANT_ACTIONS,
)
KIND_HOST_ACTIONS = (*_poll.HOST_ACTIONS, *_debate.HOST_ACTIONS, *_best.HOST_ACTIONS)

AnyExercise = challenge_pairs.ChallengePairs | KindContent
Exercise = Annotated[AnyExercise, Field(discriminator="kind")]
ExerciseTypes = (
    challenge_pairs.ChallengePairs,
    _poll.Content,
    _debate.Content,
    _best.Content,
)


def kind_of(exercise: ExerciseContent) -> Kind[Any, Any] | None:
    """The registered kind of an exercise; None for a kind still handled by the old branches."""
    return KINDS.get(getattr(exercise, "kind", ""))


def kind_named(name: str) -> Kind[Any, Any] | None:
    return KINDS.get(name)


def _registered(exercise: ExerciseContent) -> Kind[Any, Any]:
    kind = kind_of(exercise)
    if kind is None:
        raise TypeError(f"{type(exercise).__name__} is not a registered kind")
    return kind


def phases_of(exercise: AnyExercise) -> tuple[PhaseSpec, ...]:
    match exercise:
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.PHASES
        case _:
            return _registered(exercise).phases(exercise)


def rounds_of(exercise: AnyExercise) -> int:
    match exercise:
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.rounds(exercise)
        case _:
            return _registered(exercise).rounds(exercise)


def first_rounds(exercise: AnyExercise, count: int) -> AnyExercise:
    """The exercise cut to its first `count` rounds (all of them when it has no more)."""
    match exercise:
        case challenge_pairs.ChallengePairs():
            return exercise.model_copy(update={"cases": exercise.cases[:count]})
        case _:
            cut: AnyExercise = _registered(exercise).first_rounds(exercise, count)
            return cut


def data_of(exercise: AnyExercise) -> tuple[str, ...]:
    """Every run-relative hash a run of this exercise may keep."""
    match exercise:
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.data_names(exercise)
        case _:
            return _registered(exercise).data_names(exercise)


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
