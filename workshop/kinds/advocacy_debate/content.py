"""The debate's content model, its phases, and the data a run keeps.

Per round R, under room:{CODE}:run:{RUN}:{R}:, a run keeps these hashes (see `workshop.store`):

| name    | holds                                                                     |
|---------|---------------------------------------------------------------------------|
| first   | participant id -> "for" / "against" / "undecided" (the first vote)        |
| final   | the same, for the final vote                                              |
| teams   | participant id -> team id ("for-1", "against-2")                          |
| posts   | "<author id>.<action id>" -> Post JSON (kept when the author leaves)      |
| upvotes | "<voter id>|<post id>" -> "1"                                             |
| hidden  | post id -> "1" (hidden by the facilitator)                                |
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workshop.i18n import N_, Message
from workshop.kinds.base import (
    NOTES_MAX,
    ExerciseContent,
    Line,
    PhaseSpec,
    Slug,
    distinct_ids,
    round_data,
)

Side = Literal["for", "against"]
Choice = Literal["for", "against", "undecided"]
SIDES: tuple[Side, Side] = ("for", "against")
CHOICES: tuple[Choice, ...] = ("for", "against", "undecided")
CHOICE_LABELS = {"for": N_("For"), "against": N_("Against"), "undecided": N_("Undecided")}
POST_MAX = 280
TOP_ARGUMENTS = 5
"""How many of the other side's arguments each side sees to rebut."""


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line = Field(title=N_("Title"))
    case: str = Field(min_length=1, max_length=1500, title=N_("The case"))
    """The case in a paragraph, for the projector and every phone."""
    motion: Line = Field(title=N_("Motion"))
    for_facts: list[Line] = Field(min_length=1, max_length=8, title=N_("Facts for"))
    against_facts: list[Line] = Field(min_length=1, max_length=8, title=N_("Facts against"))
    notes: str = Field(default="", max_length=NOTES_MAX, title=N_("Facilitator notes"))
    debrief: list[Line] = Field(min_length=1, max_length=8, title=N_("Debrief questions"))


class AdvocacyDebate(ExerciseContent):
    kind: Literal["advocacy_debate"] = Field(title=N_("Kind"))
    choose_sides: bool = Field(default=False, title=N_("People choose their side"))
    """Let people pick their side (the facilitator can still even the sides out)."""
    team_size: int = Field(default=8, ge=2, le=50, title=N_("Largest team"))
    """A side larger than this is split into several teams."""
    cases: list[Case] = Field(
        min_length=1, max_length=8, title=N_("Cases"), json_schema_extra={"item_title": N_("Case")}
    )

    @field_validator("cases")
    @classmethod
    def _cases_are_distinct(cls, cases: list[Case]) -> list[Case]:
        return list(distinct_ids(cases, N_("every case needs its own id")))


PHASES = (
    PhaseSpec("case", N_("Case"), N_("Read the case and the motion aloud.")),
    PhaseSpec(
        "first_vote",
        N_("First vote"),
        N_("Everyone votes for, against or undecided. Results stay hidden."),
    ),
    PhaseSpec("teams", N_("Teams"), N_("People find their team. Even the sides out if needed.")),
    PhaseSpec(
        "arguments",
        N_("Arguments"),
        N_("Teams post and upvote arguments for their side. Start a timer."),
    ),
    PhaseSpec(
        "rebuttals", N_("Rebuttals"), N_("Each side answers the other side's top arguments.")
    ),
    PhaseSpec("final_vote", N_("Final vote"), N_("Everyone votes again.")),
    PhaseSpec(
        "verdict",
        N_("Verdict"),
        N_("The side that moved more of the room wins. Debrief."),
        reveals=True,
    ),
)


def rounds(exercise: AdvocacyDebate) -> int:
    return len(exercise.cases)


DATA = ("first", "final", "teams", "posts", "upvotes", "hidden")


def data_names(exercise: AdvocacyDebate) -> tuple[str, ...]:
    return round_data(len(exercise.cases), DATA)


@dataclass(frozen=True)
class Names:
    first: str
    final: str
    teams: str
    posts: str
    upvotes: str
    hidden: str

    @classmethod
    def of(cls, prefix: str) -> "Names":
        return cls(*(f"{prefix}{name}" for name in DATA))


class Post(BaseModel):
    model_config = ConfigDict(frozen=True)

    author: str
    side: Side
    team: str
    kind: Literal["argument", "rebuttal"]
    text: str
    answers: str = ""
    """For a rebuttal: the argument it answers."""
    at: float


def side_of_team(team: str) -> Side:
    return "for" if team.startswith("for") else "against"


def team_label(team: str) -> str:
    """A team as the screens name it: "For · team 1" for "for-1"."""
    side, _, number = team.partition("-")
    label = CHOICE_LABELS.get(side, side)
    return Message("%(side)s · team %(number)s", side=label, number=number) if number else label


@dataclass
class Debate:
    """One round's votes, teams, posts, upvotes and moderation, decoded."""

    first: dict[str, str]
    final: dict[str, str]
    teams: dict[str, str]
    posts: dict[str, Post]
    upvotes: dict[str, set[str]]
    """post id -> voters."""
    hidden: set[str]

    @classmethod
    def decode(cls, data: Mapping[str, Mapping[str, str]], names: Names) -> "Debate":
        upvotes: dict[str, set[str]] = {}
        for key in data.get(names.upvotes, {}):
            voter, post = key.split("|", 1)
            upvotes.setdefault(post, set()).add(voter)
        return cls(
            first=dict(data.get(names.first, {})),
            final=dict(data.get(names.final, {})),
            teams=dict(data.get(names.teams, {})),
            posts={
                pid: Post.model_validate_json(raw) for pid, raw in data.get(names.posts, {}).items()
            },
            upvotes=upvotes,
            hidden=set(data.get(names.hidden, {})),
        )

    def side(self, participant: str) -> Side | None:
        team = self.teams.get(participant)
        return side_of_team(team) if team else None

    def score(self, post: str) -> int:
        return len(self.upvotes.get(post, set()))

    def shown(self, kind: str, side: Side) -> list[str]:
        """Visible posts of one kind and side, most upvoted first, then oldest."""
        found = [
            p
            for p, post in self.posts.items()
            if post.kind == kind and post.side == side and p not in self.hidden
        ]
        return sorted(found, key=lambda p: (-self.score(p), self.posts[p].at, p))

    def top_arguments(self, side: Side) -> list[str]:
        return self.shown("argument", side)[:TOP_ARGUMENTS]

    def rebuttals_of(self, argument: str) -> list[str]:
        found = [
            p
            for p, post in self.posts.items()
            if post.kind == "rebuttal" and post.answers == argument and p not in self.hidden
        ]
        return sorted(found, key=lambda p: (-self.score(p), self.posts[p].at, p))
