"""Exercise kinds: each module holds one kind's content model, phases and pure rules."""

from typing import Annotated

from pydantic import Field

from workshop.kinds import advocacy_debate, best_question, challenge_pairs, warmup_poll
from workshop.kinds.base import PhaseSpec

AnyExercise = (
    warmup_poll.WarmupPoll
    | best_question.BestQuestion
    | challenge_pairs.ChallengePairs
    | advocacy_debate.AdvocacyDebate
)
Exercise = Annotated[AnyExercise, Field(discriminator="kind")]
ExerciseTypes = (
    warmup_poll.WarmupPoll,
    best_question.BestQuestion,
    challenge_pairs.ChallengePairs,
    advocacy_debate.AdvocacyDebate,
)


def phases_of(exercise: AnyExercise) -> tuple[PhaseSpec, ...]:
    match exercise:
        case warmup_poll.WarmupPoll():
            return warmup_poll.PHASES
        case best_question.BestQuestion():
            return best_question.PHASES
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.PHASES
        case advocacy_debate.AdvocacyDebate():
            return advocacy_debate.PHASES


def rounds_of(exercise: AnyExercise) -> int:
    match exercise:
        case warmup_poll.WarmupPoll():
            return 1
        case best_question.BestQuestion():
            return best_question.rounds(exercise)
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.rounds(exercise)
        case advocacy_debate.AdvocacyDebate():
            return advocacy_debate.rounds(exercise)


def first_rounds(exercise: AnyExercise, count: int) -> AnyExercise:
    """The exercise cut to its first `count` rounds (all of them when it has no more)."""
    match exercise:
        case warmup_poll.WarmupPoll():
            return exercise
        case best_question.BestQuestion():
            return exercise.model_copy(update={"scenarios": exercise.scenarios[:count]})
        case challenge_pairs.ChallengePairs() | advocacy_debate.AdvocacyDebate():
            return exercise.model_copy(update={"cases": exercise.cases[:count]})


def data_of(exercise: AnyExercise) -> tuple[str, ...]:
    """Every run-relative hash a run of this exercise may keep."""
    match exercise:
        case warmup_poll.WarmupPoll():
            return warmup_poll.DATA
        case best_question.BestQuestion():
            return best_question.data_names(exercise)
        case challenge_pairs.ChallengePairs():
            return challenge_pairs.data_names(exercise)
        case advocacy_debate.AdvocacyDebate():
            return advocacy_debate.data_names(exercise)


__all__ = [
    "AnyExercise",
    "Exercise",
    "ExerciseTypes",
    "PhaseSpec",
    "data_of",
    "first_rounds",
    "phases_of",
    "rounds_of",
]
