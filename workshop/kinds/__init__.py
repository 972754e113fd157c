"""Exercise kinds: each module holds one kind's content model, phases and pure rules."""

from typing import Annotated

from pydantic import Field

from workshop.kinds import best_question, warmup_poll
from workshop.kinds.base import PhaseSpec

Exercise = Annotated[
    warmup_poll.WarmupPoll | best_question.BestQuestion, Field(discriminator="kind")
]
ExerciseTypes = (warmup_poll.WarmupPoll, best_question.BestQuestion)


def phases_of(
    exercise: warmup_poll.WarmupPoll | best_question.BestQuestion,
) -> tuple[PhaseSpec, ...]:
    match exercise:
        case warmup_poll.WarmupPoll():
            return warmup_poll.PHASES
        case best_question.BestQuestion():
            return best_question.PHASES


def rounds_of(exercise: warmup_poll.WarmupPoll | best_question.BestQuestion) -> int:
    match exercise:
        case warmup_poll.WarmupPoll():
            return 1
        case best_question.BestQuestion():
            return best_question.rounds(exercise)


def data_of(exercise: warmup_poll.WarmupPoll | best_question.BestQuestion) -> tuple[str, ...]:
    """Every run-relative hash a run of this exercise may keep."""
    match exercise:
        case warmup_poll.WarmupPoll():
            return warmup_poll.DATA
        case best_question.BestQuestion():
            return best_question.data_names(exercise)


__all__ = ["Exercise", "ExerciseTypes", "PhaseSpec", "data_of", "phases_of", "rounds_of"]
