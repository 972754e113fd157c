"""The poll's content model, its phases, and the data a run keeps.

Under room:{CODE}:run:{RUN}:, a run keeps one hash (see `workshop.store`); a poll has one round:

| name  | holds                                                   |
|-------|---------------------------------------------------------|
| votes | participant id -> option id (a later vote replaces it)  |
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workshop.i18n import N_
from workshop.kinds.base import ExerciseContent, Line, PhaseSpec, Slug, distinct_ids


class PollOption(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] = (
        Field(title=N_("Label"))
    )


class WarmupPoll(ExerciseContent):
    kind: Literal["warmup_poll"] = Field(title=N_("Kind"))
    question: Line = Field(title=N_("Question"))
    options: list[PollOption] = Field(
        min_length=2,
        max_length=8,
        title=N_("Options"),
        json_schema_extra={"item_title": N_("Option")},
    )

    @field_validator("options")
    @classmethod
    def _options_are_distinct(cls, options: list[PollOption]) -> list[PollOption]:
        return list(distinct_ids(options, N_("every option needs its own id")))


PHASES = (
    PhaseSpec(
        "vote",
        N_("Vote"),
        N_("Voting is open and results are hidden. Reveal when most have voted."),
    ),
    PhaseSpec(
        "reveal",
        N_("Results"),
        N_("Voting is closed; the projector shows the results."),
        reveals=True,
    ),
)

DATA = ("votes",)
"""Per-run hashes this kind keeps: votes maps participant id to option id."""

VOTES = "votes"
"""The run-relative name of the votes hash."""
