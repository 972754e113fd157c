"""Best question's content model, its phases, the data a run keeps, and the decoded round.

Per round R, under room:{CODE}:run:{RUN}:{R}:, a run keeps these hashes (see `workshop.store`):

| name      | holds                                                                            |
|-----------|----------------------------------------------------------------------------------|
| questions | "<author id>.<slot>" -> Question JSON (written only by its author)               |
| mod       | question id -> "hidden" or "merged:<id>" (written only by the facilitator)       |
| dots      | voter id -> JSON object of question id -> dots                                   |

A question id is `<author id>.<slot>`, so the per-person limit is structural. Hiding, merging or
withdrawing a question gives its dots back to the voters by rewriting their entries, so the stored
dots are always the dots that count.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workshop.i18n import N_
from workshop.kinds.base import (
    NOTES_MAX,
    ExerciseContent,
    Line,
    PhaseSpec,
    Slug,
    distinct_ids,
    round_data,
)

Para = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]

QUESTION_MAX = 280


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line = Field(title=N_("Title"))
    customer: Para = Field(title=N_("Who the customer is"))
    """Who the customer is."""
    said: Para = Field(title=N_("What they just said"))
    """What they just said."""
    rep_knows: Para = Field(title=N_("What the rep knows going in"))
    """What the rep knows going in."""
    notes: str = Field(default="", max_length=NOTES_MAX, title=N_("Facilitator notes"))
    debrief: list[Line] = Field(min_length=1, max_length=8, title=N_("Debrief questions"))


class BestQuestion(ExerciseContent):
    kind: Literal["best_question"] = Field(title=N_("Kind"))
    questions_per_person: int = Field(default=2, ge=1, le=5, title=N_("Questions per person"))
    dots_per_person: int = Field(default=3, ge=1, le=10, title=N_("Dots per person"))
    stacking: bool = Field(default=False, title=N_("More than one dot on the same question"))
    """May a participant put more than one dot on the same question?"""
    anonymous: bool = Field(
        default=False,
        title=N_("Fully anonymous"),
        description=N_("Not even the facilitator sees who wrote what."),
    )
    """Fully anonymous: not even the facilitator sees who wrote what."""
    scenarios: list[Scenario] = Field(
        min_length=1,
        max_length=12,
        title=N_("Scenarios"),
        json_schema_extra={"item_title": N_("Scenario")},
    )

    @field_validator("scenarios")
    @classmethod
    def _scenarios_are_distinct(cls, scenarios: list[Scenario]) -> list[Scenario]:
        return list(distinct_ids(scenarios, N_("every scenario needs its own id")))


PHASES = (
    PhaseSpec(
        "brief", N_("Brief"), N_("Read the scenario aloud; everyone sees it on their phone.")
    ),
    PhaseSpec(
        "write", N_("Write"), N_("People write their best question. Hide or merge as they arrive.")
    ),
    PhaseSpec(
        "vote",
        N_("Vote"),
        N_("Everyone places dots on other people's questions. Counts are hidden."),
    ),
    PhaseSpec(
        "reveal",
        N_("Reveal"),
        N_("The ranked list is on the projector. Spotlight one to discuss."),
        reveals=True,
    ),
    PhaseSpec("debrief", N_("Debrief"), N_("Discuss with the prompts on the projector.")),
)

SPOTLIGHT_PHASES = ("reveal", "debrief")
"""The steps in which the facilitator may put a question in the spotlight: once the ranking is
shown (a phase change clears the spotlight)."""


def rounds(exercise: BestQuestion) -> int:
    return len(exercise.scenarios)


DATA = ("questions", "mod", "dots")


def data_names(exercise: BestQuestion) -> tuple[str, ...]:
    return round_data(len(exercise.scenarios), DATA)


@dataclass(frozen=True)
class Names:
    """The room-relative hash names of one round."""

    questions: str
    mod: str
    dots: str

    @classmethod
    def of(cls, prefix: str) -> "Names":
        return cls(*(f"{prefix}{name}" for name in DATA))


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    at: float


def question_id(participant_id: str, slot: int) -> str:
    return f"{participant_id}.{slot}"


def author_of(question: str) -> str:
    return question.rsplit(".", 1)[0]


@dataclass
class Board:
    """One round's questions, moderation and dots, decoded; the rules read it, never write it."""

    questions: dict[str, Question] = field(default_factory=dict)
    mod: dict[str, str] = field(default_factory=dict)
    dots: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def decode(cls, data: Mapping[str, Mapping[str, str]], names: Names) -> "Board":
        return cls(
            questions={
                qid: Question.model_validate_json(raw)
                for qid, raw in data.get(names.questions, {}).items()
            },
            mod=dict(data.get(names.mod, {})),
            dots={
                voter: {q: int(n) for q, n in json.loads(raw).items()}
                for voter, raw in data.get(names.dots, {}).items()
            },
        )

    def root(self, question: str) -> str:
        """Follows merges to the question that now stands for this one."""
        seen = set()
        while (state := self.mod.get(question, "")).startswith("merged:") and question not in seen:
            seen.add(question)
            question = state.removeprefix("merged:")
        return question

    def is_hidden(self, question: str) -> bool:
        return self.mod.get(self.root(question)) == "hidden"

    def is_root(self, question: str) -> bool:
        return not self.mod.get(question, "").startswith("merged:")

    def authors(self, root: str) -> set[str]:
        """The root's author and the authors of every question merged into it."""
        return {author_of(q) for q in self.mod.keys() | {root} if self.root(q) == root}

    def spent(self, voter: str) -> int:
        return sum(self.dots.get(voter, {}).values())

    def visible(self) -> list[str]:
        """Questions that stand on their own and are not hidden, oldest first."""
        found = [q for q in self.questions if self.is_root(q) and self.mod.get(q) != "hidden"]
        return sorted(found, key=lambda q: (self.questions[q].at, q))

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(self.visible(), 0)
        for entries in self.dots.values():
            for question, number in entries.items():
                if question in totals:
                    totals[question] += number
        return totals
