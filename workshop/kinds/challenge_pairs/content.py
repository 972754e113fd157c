"""What a respectful-challenge pairs exercise is made of: its content (cases, each with two card
sets and an observer checklist), its phases, and the data a round keeps.

Per round the run keeps `pairs` (pair id -> Pair JSON; the first member challenges first, the second
is the customer first, a third is the observer) and `ratings` ("<half>|<rater id>" -> Rating JSON,
where half 1 is the first conversation and half 2 the swapped one). A rating written twice replaces
itself, so it counts once.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workshop.kinds.base import ExerciseContent, Line, PhaseSpec, Slug, distinct_ids

HABITS = ("candid", "collaborative", "compassionate", "curious")
"""The four habits seed 000 closes with; every rating scores all four, 1 to 5."""
HABIT_LABELS = {
    "candid": "Candid",
    "collaborative": "Collaborative",
    "compassionate": "Compassionate",
    "curious": "Curious",
}
Text = str


class CustomerCard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Line
    """Who the customer is, e.g. "Oncologist at a regional cancer centre"."""
    situation: Text = Field(min_length=1, max_length=1200)
    conclusion: Text = Field(min_length=1, max_length=600)
    """The view the customer holds and defends."""
    reasons: list[Line] = Field(min_length=1, max_length=6)


class ChallengerCard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Line
    """Who the challenger is, e.g. "Medical science liaison"."""
    situation: Text = Field(min_length=1, max_length=1200)
    data: list[Line] = Field(min_length=1, max_length=6)
    """What the challenger knows that bears on the customer's conclusion."""
    hint: Text = Field(min_length=1, max_length=600)
    """What the customer may have missed."""
    prompts: list[Line] = Field(min_length=1, max_length=6)
    """Questions that open the conversation up."""


class CardSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer: CustomerCard
    challenger: ChallengerCard


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line
    brief: Text = Field(min_length=1, max_length=1200)
    """The case in one paragraph, for the projector and every phone."""
    first: CardSet
    """Cards for the first conversation."""
    swapped: CardSet
    """Cards for the second conversation, after the roles swap."""
    observer_checklist: list[Line] = Field(min_length=2, max_length=8)
    notes: str = ""
    """Facilitator notes for this case."""
    seeds: list[str] = []


class ChallengePairs(ExerciseContent):
    kind: Literal["challenge_pairs"]
    cases: list[Case] = Field(min_length=1, max_length=8)

    @field_validator("cases")
    @classmethod
    def _cases_are_distinct(cls, cases: list[Case]) -> list[Case]:
        return list(distinct_ids(cases, "case"))


PHASES = (
    PhaseSpec("brief", "Brief", "Introduce the case and the four habits."),
    PhaseSpec("pair", "Pair up", "Everyone finds their partner by pair number and colour."),
    PhaseSpec(
        "converse", "Converse", "Pairs talk; each side reads only its own card. Start a timer."
    ),
    PhaseSpec(
        "rate", "Rate", "Customers and observers rate the challenger; challengers rate themselves."
    ),
    PhaseSpec("swap", "Swap roles", "Same pairs, roles swapped, new cards. Start a timer."),
    PhaseSpec("rate_swap", "Rate again", "Rate the new challenger."),
    PhaseSpec(
        "debrief",
        "Debrief",
        "The room's habits, self versus partner, and the cards side by side.",
        reveals=True,
    ),
)

Half = Literal[1, 2]
Role = Literal["challenger", "customer", "observer"]

COLOURS = (
    ("Blue", "#1f5fbf"),
    ("Red", "#b3261e"),
    ("Green", "#1b7a3a"),
    ("Orange", "#b85c00"),
    ("Purple", "#6a3fa0"),
    ("Teal", "#00796b"),
    ("Pink", "#b0306a"),
    ("Grey", "#555c66"),
)


def rounds(exercise: ChallengePairs) -> int:
    return len(exercise.cases)


DATA = ("pairs", "ratings")
"""The hashes each round of a run keeps (under "<round>:"); see the module's docstring."""


def data_names(exercise: ChallengePairs) -> tuple[str, ...]:
    return tuple(f"{number}:{name}" for number in range(len(exercise.cases)) for name in DATA)


def half_of(phase: str) -> Half | None:
    """Which conversation a phase belongs to: 1 before the swap, 2 after it."""
    if phase in ("converse", "rate"):
        return 1
    if phase in ("swap", "rate_swap"):
        return 2
    return None


@dataclass(frozen=True)
class Names:
    pairs: str
    ratings: str

    @classmethod
    def of(cls, prefix: str) -> "Names":
        return cls(*(f"{prefix}{name}" for name in DATA))


class Pair(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    members: list[str]
    """First: challenger in the first conversation; second: customer first; third: observer."""

    @property
    def id(self) -> str:
        return f"p{self.number}"

    @property
    def colour(self) -> tuple[str, str]:
        return COLOURS[(self.number - 1) % len(COLOURS)]

    def role_of(self, participant: str, half: Half) -> Role | None:
        if participant not in self.members:
            return None
        position = self.members.index(participant)
        if position >= 2 or len(self.members) < 2:
            return "observer" if position >= 2 else None
        challenger = 0 if half == 1 else 1
        return "challenger" if position == challenger else "customer"

    def challenger(self, half: Half) -> str | None:
        if len(self.members) < 2:
            return None
        return self.members[0 if half == 1 else 1]


class Rating(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: str
    """The challenger being rated."""
    rater_role: Role
    scores: dict[str, int]
    landed: str = ""
    try_next: str = ""


def decode_pairs(raw: Mapping[str, str]) -> dict[str, Pair]:
    pairs = (Pair.model_validate_json(value) for value in raw.values())
    return {pair.id: pair for pair in sorted(pairs, key=lambda p: p.number)}


def decode_ratings(raw: Mapping[str, str]) -> dict[tuple[int, str], Rating]:
    result = {}
    for key, value in raw.items():
        half, rater = key.split("|", 1)
        result[(int(half), rater)] = Rating.model_validate_json(value)
    return result


def seat_of(pairs: Mapping[str, Pair], participant: str) -> Pair | None:
    return next((pair for pair in pairs.values() if participant in pair.members), None)


def current_rating(
    pairs: Mapping[str, Pair], ratings: Mapping[tuple[int, str], Rating], half: Half, rater: str
) -> Rating | None:
    """The rater's rating for this half, if it still rates the challenger they now sit with
    (a rating of someone who has since left, or of a former partner, does not count as done)."""
    rating = ratings.get((half, rater))
    pair = seat_of(pairs, rater)
    if rating is None or pair is None or rating.target != pair.challenger(half):
        return None
    return rating
