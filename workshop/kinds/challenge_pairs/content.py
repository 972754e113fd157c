"""What a respectful-challenge pairs exercise is made of: its content (cases, each with two card
sets, an observer checklist and debrief prompts), the anchored rubric every rater reads, its phases,
and the data a round keeps.

Per round the run keeps `pairs` (pair id -> Pair JSON) and `ratings` ("<talk>|<rater id>" -> Rating
JSON). A round has up to three talks: 1, the first conversation; 2, the one after the roles swap;
3, a trio's own turn, in which its third member challenges (pairs sit it out). A rating written
twice replaces itself, so it counts once.

Who plays which role in which talk is `Pair.role_of`: in a pair the first member challenges first
and the second after the swap; in a trio the three rotate, so that each challenges once, is the
customer once and observes once.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)

from workshop.i18n import N_, Message
from workshop.kinds.base import (
    NOTES_MAX,
    ExerciseContent,
    Line,
    PhaseSpec,
    SeedRef,
    Slug,
    distinct_ids,
    round_data,
)

HABITS = ("candid", "collaborative", "compassionate", "curious")
"""The four habits seed 000 closes with; every rating scores all four, 1 to 5."""
HABIT_LABELS = {
    "candid": N_("Candid"),
    "collaborative": N_("Collaborative"),
    "compassionate": N_("Compassionate"),
    "curious": N_("Curious"),
}
Text = str
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]

Resistance = Literal["gentle", "firm", "stubborn"]
"""How hard a side holds its ground: the same three words on every card."""

RESISTANCE: Mapping[str, Mapping[str, str]] = {
    "customer": {
        "gentle": N_("You are open. A fair question, or a fact you had not weighed, moves you."),
        "firm": (
            N_(
                "Push back once or twice. Move only for a reason that fits what you see in your "
                "own work."
            )
        ),
        "stubborn": (
            N_(
                "Defend your view hard. Move only if their questions lead you to the reason yourself."
            )
        ),
    },
    "challenger": {
        "gentle": N_("Offer your view once. If they answer it with good reasons, let it go."),
        "firm": (
            N_(
                "Keep your view on the table through the first push-back, calmly, without "
                "saying it louder."
            )
        ),
        "stubborn": (
            N_(
                "Hold your view until they have answered the evidence itself, and stay warm "
                "while you do."
            )
        ),
    },
}
"""What each step of the scale asks of the one playing the card, by side, in one line."""
RESISTANCE_LABELS = {"gentle": N_("Gentle"), "firm": N_("Firm"), "stubborn": N_("Stubborn")}
"""Each step of the scale in a word, for the editor's choice."""


IF_OPENINGS = ("If ", "Wenn ", "Si ")
"""How a card's if-then line begins, in each language an exercise file may be written in."""


class RoleCard(BaseModel):
    """What every card holds, whichever side it is for: enough to play it after two minutes of
    reading, with no other preparation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Line = Field(title=N_("Role"), description=N_("Who this side is."))
    """Who this side is, e.g. "Oncologist at a regional cancer centre"."""
    situation: Text = Field(min_length=1, max_length=1200, title=N_("Situation"))
    knows: list[Line] = Field(min_length=1, max_length=6, title=N_("What they know"))
    """What this side knows (the facts it can bring up)."""
    unknowns: list[Line] = Field(min_length=1, max_length=4, title=N_("What they do not know"))
    """What this side does not know."""
    moved_by: ShortText = Field(title=N_("What would honestly move them"))
    """What would honestly move this side."""
    resistance: Resistance = Field(
        title=N_("How hard they hold their ground"),
        description=N_("gentle, firm or stubborn."),
        json_schema_extra={"choice_titles": {**RESISTANCE_LABELS}},
    )
    """How hard to hold its ground; `RESISTANCE` says what each step means."""
    if_then: Line = Field(
        title=N_("If they …, you …"), description=N_("One line that begins “If ”.")
    )
    """One line: "If they do X, you …"."""

    @field_validator("if_then")
    @classmethod
    def _starts_with_if(cls, line: str) -> str:
        if not line.startswith(IF_OPENINGS):
            raise ValueError(N_('begins "If they …, you …"'))
        return line


class CustomerCard(RoleCard):
    conclusion: Text = Field(min_length=1, max_length=600, title=N_("The view they defend"))
    """The view the customer holds and defends."""
    reasons: list[Line] = Field(min_length=1, max_length=6, title=N_("Their reasons"))


class ChallengerCard(RoleCard):
    hint: Text = Field(min_length=1, max_length=600, title=N_("What the customer may have missed"))
    """What the customer may have missed."""
    prompts: list[Line] = Field(min_length=1, max_length=6, title=N_("Questions that open it up"))
    """Questions that open the conversation up."""


class CardSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer: CustomerCard = Field(title=N_("Customer card"))
    challenger: ChallengerCard = Field(title=N_("Challenger card"))


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line = Field(title=N_("Title"))
    brief: Text = Field(
        min_length=1,
        max_length=1200,
        title=N_("Brief"),
        description=N_("The case in one paragraph, for every screen."),
    )
    """The case in one paragraph, for the projector and every phone."""
    first: CardSet = Field(title=N_("Cards for the first talk"))
    """Cards for the first conversation (and for a trio's own turn, played the other way round)."""
    swapped: CardSet = Field(title=N_("Cards after the swap"))
    """Cards for the second conversation, after the roles swap."""
    observer_checklist: list[Line] = Field(
        min_length=2, max_length=8, title=N_("Observer checklist")
    )
    """What can be seen or heard when the challenger does it well. The observer reads it during a
    talk; every rater ticks what they saw."""
    debrief: list[Line] = Field(min_length=2, max_length=6, title=N_("Debrief questions"))
    """Questions for the room at the debrief, on the console and the projector."""
    notes: str = Field(default="", max_length=NOTES_MAX, title=N_("Facilitator notes"))
    """Facilitator notes for this case."""
    seeds: list[SeedRef] = Field(default=[], max_length=5, title=N_("Source documents"))

    def cards(self, talk: "Half") -> CardSet:
        """The cards of a talk: the first set, the swapped one, and the first again for a trio's
        turn (its new challenger has watched the first talk; its customer argued the other side)."""
        return self.swapped if talk == 2 else self.first


# The rubric ---------------------------------------------------------------------------------------


class HabitRubric(BaseModel):
    """One habit, and what a 1, a 3 and a 5 look like from across the table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    habit: Literal["candid", "collaborative", "compassionate", "curious"] = Field(
        title=N_("Habit"),
        description=N_("Which of the four habits this is; the four keep their order."),
        json_schema_extra={"choice_titles": {**HABIT_LABELS}},
    )
    means: Line = Field(title=N_("What it means"))
    one: Line = Field(title=N_("What a 1 looks like"))
    three: Line = Field(title=N_("What a 3 looks like"))
    five: Line = Field(title=N_("What a 5 looks like"))

    @property
    def anchors(self) -> dict[int, str]:
        """The words for 1, 3 and 5, by score."""
        return {1: self.one, 3: self.three, 5: self.five}

    @property
    def label(self) -> str:
        return HABIT_LABELS[self.habit]


RUBRIC: tuple[HabitRubric, ...] = TypeAdapter(tuple[HabitRubric, ...]).validate_python(
    [
        {
            "habit": "candid",
            "means": "Says what they actually think, plainly, once they understand the other view.",
            "one": "Kept their own reading back, or hedged it until it said nothing.",
            "three": "Offered another reading, but vaguely or only when pushed.",
            "five": "Said plainly where and why they read it differently, and named what is uncertain.",
        },
        {
            "habit": "collaborative",
            "means": "Works the problem with the customer rather than winning against them.",
            "one": "Argued to win, recited facts at them, or told them what to do.",
            "three": "Invited them in now and then, but mostly presented.",
            "five": "Looked at the evidence together, built on their ideas and left the decision to them.",
        },
        {
            "habit": "compassionate",
            "means": "Takes the customer's reasons, worries and limits seriously before challenging.",
            "one": "Brushed past their worry, their workload or how they felt.",
            "three": "Acknowledged the concern in passing, then moved on to their own point.",
            "five": "Named the concern out loud first, asked permission for a hard question, kept it kind.",
        },
        {
            "habit": "curious",
            "means": "Asks how the customer reached their view, and wants the answer.",
            "one": "Asked nothing about how they see it; told or pitched instead.",
            "three": "Asked how they see it, then moved on before the answer was finished.",
            "five": "Asked how they read it before offering a view, waited through silence, followed up.",
        },
    ]
)
"""The anchored rubric every rater reads next to the 1 to 5 choice, habit by habit, in the order of
`HABITS`. The words come from what the seeds show: asking how the physician reads the evidence and
offering another reading (000), asking permission and waiting through the silence (002)."""
assert tuple(h.habit for h in RUBRIC) == HABITS


class ChallengePairs(ExerciseContent):
    kind: Literal["challenge_pairs"] = Field(title=N_("Kind"))
    cases: list[Case] = Field(
        min_length=1, max_length=8, title=N_("Cases"), json_schema_extra={"item_title": N_("Case")}
    )
    rubric: tuple[HabitRubric, ...] = Field(
        default=RUBRIC,
        min_length=len(HABITS),
        max_length=len(HABITS),
        title=N_("The rubric"),
        description=N_("What each habit means, and what a 1, a 3 and a 5 look like."),
        json_schema_extra={"item_title": N_("Habit")},
    )
    """The anchored rubric raters read; the one above unless an exercise words it its own way."""

    @field_validator("cases")
    @classmethod
    def _cases_are_distinct(cls, cases: list[Case]) -> list[Case]:
        return list(distinct_ids(cases, N_("every case needs its own id")))

    @field_validator("rubric")
    @classmethod
    def _the_four_habits_in_order(cls, rubric: tuple[HabitRubric, ...]) -> tuple[HabitRubric, ...]:
        if tuple(habit.habit for habit in rubric) != HABITS:
            raise ValueError(
                Message("the four habits, in this order: %(habits)s", habits=", ".join(HABITS))
            )
        return rubric


# Phases -------------------------------------------------------------------------------------------

PHASES = (
    PhaseSpec("brief", N_("Brief"), N_("Introduce the case and the four habits, curiosity first.")),
    PhaseSpec("pair", N_("Pair up"), N_("Everyone finds their partner by pair number and colour.")),
    PhaseSpec(
        "read",
        N_("Read your card"),
        N_(
            "Everyone reads their own card on their phone, in silence: 2 minutes, no talking yet. "
            "Customers: note how hard to resist and what would honestly move you."
        ),
    ),
    PhaseSpec(
        "converse",
        N_("Converse"),
        N_(
            "Pairs talk; each side has only its own card. Start a 7-minute timer; walk round, don't coach."
        ),
    ),
    PhaseSpec(
        "rate",
        N_("Rate"),
        N_(
            "Customers and observers rate the challenger and tick what they saw; challengers rate "
            "themselves. About 2 minutes."
        ),
    ),
    PhaseSpec(
        "read_swap",
        N_("Read your new card"),
        N_(
            "Roles swap (in a trio they rotate) and the cards are new: 2 minutes of reading, no talking."
        ),
    ),
    PhaseSpec("swap", N_("Swap roles"), N_("Same pairs, roles swapped. Start a 7-minute timer.")),
    PhaseSpec(
        "rate_swap",
        N_("Rate again"),
        N_("Rate the new challenger and tick what you saw: 2 minutes."),
    ),
    PhaseSpec(
        "trio",
        N_("Trio's turn"),
        N_(
            "Only a trio plays: whoever has not challenged yet does, with the first cards. 5 minutes "
            "(1 to read, 4 to talk); pairs meanwhile tell each other one thing that landed. With no "
            "trio, press Next."
        ),
    ),
    PhaseSpec(
        "rate_trio",
        N_("Trio rates"),
        N_("The trio rates its third challenger: 1 minute. With no trio, press Next."),
    ),
    PhaseSpec(
        "debrief",
        N_("Debrief"),
        N_("The room's habits, what raters saw, self versus partner, then the cards side by side."),
        reveals=True,
    ),
)

MINUTES: Mapping[str, int] = {
    "brief": 2,
    "pair": 2,
    "read": 2,
    "converse": 7,
    "rate": 2,
    "read_swap": 2,
    "swap": 7,
    "rate_swap": 2,
    "trio": 5,
    "rate_trio": 1,
    "debrief": 6,
}
"""The minutes suggested for each step, shown on the console with a button for that timer."""
assert tuple(MINUTES) == tuple(phase.name for phase in PHASES)

Half = Literal[1, 2, 3]
"""A talk of the round: 1, the first conversation; 2, after the swap; 3, a trio's own turn."""
TALKS: tuple[Half, ...] = (1, 2, 3)
Role = Literal["challenger", "customer", "observer"]

READING = ("read", "read_swap")
"""The steps in which everyone reads their card before talking."""
TALKING = ("converse", "swap", "trio")
"""The steps in which pairs talk, each side reading its own card (a trio reads in its turn too)."""
RATING: Mapping[str, Half] = {"rate": 1, "rate_swap": 2, "rate_trio": 3}
"""The rating steps, and the talk each one rates."""
_TALK_OF: Mapping[str, Half] = {
    "read": 1,
    "converse": 1,
    "rate": 1,
    "read_swap": 2,
    "swap": 2,
    "rate_swap": 2,
    "trio": 3,
    "rate_trio": 3,
}

COLOURS = (
    (N_("Blue"), "#1f5fbf"),
    (N_("Red"), "#b3261e"),
    (N_("Green"), "#1b7a3a"),
    (N_("Orange"), "#b85c00"),
    (N_("Purple"), "#6a3fa0"),
    (N_("Teal"), "#00796b"),
    (N_("Pink"), "#b0306a"),
    (N_("Grey"), "#555c66"),
)


def rounds(exercise: ChallengePairs) -> int:
    return len(exercise.cases)


DATA = ("pairs", "ratings")
"""The hashes each round of a run keeps (under "<round>:"); see the module's docstring."""


def data_names(exercise: ChallengePairs) -> tuple[str, ...]:
    return round_data(len(exercise.cases), DATA)


def half_of(phase: str) -> Half | None:
    """Which talk a step belongs to (its reading, its conversation, its rating): 1 before the swap,
    2 after it, 3 for a trio's turn; None for the brief, pairing up and the debrief."""
    return _TALK_OF.get(phase)


def talk_now(phase: str) -> int:
    """Where a step stands among the talks: 0 before the first, 1 to 3 during one, 4 after them.
    A group that becomes a trio records it, so that the talk under way is not reshuffled."""
    half = half_of(phase)
    if half is not None:
        return half
    return 4 if phase == "debrief" else 0


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
    """In a pair: the first challenges in talk 1, the second in talk 2. In a trio the three rotate
    (see `seats`); a third member who joined late observes until the talk after they joined."""
    since: int = 0
    """For a trio whose third member joined after the first talk (`talk_now`: 2 or later), when
    they joined; 0 otherwise. The talk under way goes on as a pair's, with them observing. For a
    group of two, 3 means a trio that lost its observer during its own turn: the two talking go
    on with it."""

    @property
    def id(self) -> str:
        return f"p{self.number}"

    @property
    def colour(self) -> tuple[str, str]:
        return COLOURS[(self.number - 1) % len(COLOURS)]

    def rotates(self, half: Half) -> bool:
        """A trio rotates in a talk that began after its third member joined, and in its own turn
        (a late third member who arrives during it challenges at once)."""
        return len(self.members) >= 3 and (half > self.since or half == self.since == 3)

    def seats(self, half: Half) -> tuple[int, int] | None:
        """Positions of the challenger and the customer in a talk (everyone else observes), or None
        when the group does not talk then: someone alone, or a pair during a trio's turn.

        Talk 1: 0 challenges 1; talk 2: 1 challenges 0. A rotating trio: talk 1, 0 challenges 1
        (2 observes); talk 2, 1 challenges 2 (0 observes); talk 3, 2 challenges 0 (1 observes)."""
        if len(self.members) < 2:
            return None
        if self.rotates(half):
            return (half - 1) % 3, half % 3
        if half == 3:
            return (0, 1) if len(self.members) == 2 and self.since == 3 else None
        return (0, 1) if half == 1 else (1, 0)

    def role_of(self, participant: str, half: Half) -> Role | None:
        if participant not in self.members:
            return None
        seats = self.seats(half)
        if seats is None:
            return None
        position = self.members.index(participant)
        if position == seats[0]:
            return "challenger"
        return "customer" if position == seats[1] else "observer"

    def challenger(self, half: Half) -> str | None:
        seats = self.seats(half)
        return self.members[seats[0]] if seats else None

    def talkers(self, half: Half) -> tuple[str, str] | None:
        """The challenger and the customer of a talk."""
        seats = self.seats(half)
        return (self.members[seats[0]], self.members[seats[1]]) if seats else None


class Rating(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: str
    """The challenger being rated."""
    rater_role: Role
    scores: dict[str, int]
    landed: str = ""
    try_next: str = ""
    ticks: tuple[int, ...] = ()
    """The checklist items the rater saw (numbered from 1, in the case's order); none for a rating
    stored before raters ticked."""


def decode_pairs(raw: Mapping[str, str]) -> dict[str, Pair]:
    pairs = (Pair.model_validate_json(value) for value in raw.values())
    return {pair.id: pair for pair in sorted(pairs, key=lambda p: p.number)}


def decode_ratings(raw: Mapping[str, str]) -> dict[tuple[int, str], Rating]:
    """By talk and rater: in an order of their own, not the store's (a hash's order is Redis's
    to choose, and a process holding the room keeps its fields in the order they were written)."""
    result = {}
    for key, value in sorted(raw.items()):
        half, rater = key.split("|", 1)
        result[(int(half), rater)] = Rating.model_validate_json(value)
    return result


def seat_of(pairs: Mapping[str, Pair], participant: str) -> Pair | None:
    return next((pair for pair in pairs.values() if participant in pair.members), None)


def current_rating(
    pairs: Mapping[str, Pair], ratings: Mapping[tuple[int, str], Rating], half: Half, rater: str
) -> Rating | None:
    """The rater's rating for this talk, if it still rates the challenger they now sit with
    (a rating of someone who has since left, or of a former partner, does not count as done)."""
    rating = ratings.get((half, rater))
    pair = seat_of(pairs, rater)
    if rating is None or pair is None or rating.target != pair.challenger(half):
        return None
    return rating
