"""Warm-up poll: one multiple-choice question, one changeable vote per person, results on reveal."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workshop.errors import Rejected
from workshop.kinds.base import ExerciseContent, Line, PhaseSpec, Slug, distinct_ids


class PollOption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class WarmupPoll(ExerciseContent):
    kind: Literal["warmup_poll"]
    question: Line
    options: list[PollOption] = Field(min_length=2, max_length=8)

    @field_validator("options")
    @classmethod
    def _options_are_distinct(cls, options: list[PollOption]) -> list[PollOption]:
        return list(distinct_ids(options, "option"))


PHASES = (
    PhaseSpec(
        "vote", "Vote", "Voting is open and results are hidden. Reveal when most have voted."
    ),
    PhaseSpec(
        "reveal", "Results", "Voting is closed; the projector shows the results.", reveals=True
    ),
)

DATA = ("votes",)
"""Per-run hashes this kind keeps: votes maps participant id to option id."""


def check_vote(poll: WarmupPoll, phase: str, option_id: str) -> None:
    if phase != "vote":
        raise Rejected("Voting is closed for this question.")
    if option_id not in {option.id for option in poll.options}:
        raise Rejected("That choice is not part of this question.")


@dataclass(frozen=True)
class Bar:
    option: PollOption
    count: int
    share: float
    """Fraction of all counted votes, 0 to 1."""


def tally(poll: WarmupPoll, votes: Mapping[str, str], eligible: Collection[str]) -> list[Bar]:
    """Count each eligible participant's current vote once; votes for unknown options are ignored."""
    counts = {option.id: 0 for option in poll.options}
    for participant_id, option_id in votes.items():
        if participant_id in eligible and option_id in counts:
            counts[option_id] += 1
    total = sum(counts.values())
    return [
        Bar(option, counts[option.id], counts[option.id] / total if total else 0.0)
        for option in poll.options
    ]
