"""Respectful-challenge pairs: pair up, each side gets a private card, converse, rate, swap, debrief.

Per round the run keeps `pairs` (pair id -> Pair JSON; the first member challenges first, the second
is the customer first, a third is the observer) and `ratings` ("<half>|<rater id>" -> Rating JSON,
where half 1 is the first conversation and half 2 the swapped one). A rating written twice replaces
itself, so it counts once.
"""

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workshop.effects import Effects, Write
from workshop.errors import Rejected
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


def data_names(exercise: ChallengePairs) -> tuple[str, ...]:
    return tuple(
        f"{number}:{name}" for number in range(len(exercise.cases)) for name in ("pairs", "ratings")
    )


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
        return cls(f"{prefix}pairs", f"{prefix}ratings")


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


# Pairing ----------------------------------------------------------------------------------------


def partners_so_far(rounds_pairs: Iterable[Mapping[str, Pair]]) -> dict[str, set[str]]:
    """Who has already been in a pair or trio with whom, in earlier rounds."""
    history: dict[str, set[str]] = {}
    for pairs in rounds_pairs:
        for pair in pairs.values():
            for member in pair.members:
                history.setdefault(member, set()).update(m for m in pair.members if m != member)
    return history


def _fresh(history: Mapping[str, set[str]], a: str, b: str) -> bool:
    return b not in history.get(a, set())


def _repeats(groups: list[list[str]], history: Mapping[str, set[str]]) -> int:
    return sum(
        1
        for group in groups
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if not _fresh(history, a, b)
    )


def _greedy(order: list[str], history: Mapping[str, set[str]]) -> list[list[str]]:
    waiting = list(order)
    groups: list[list[str]] = []
    while len(waiting) >= 2:
        first = waiting.pop(0)
        partner = next((p for p in waiting if _fresh(history, first, p)), waiting[0])
        waiting.remove(partner)
        groups.append([first, partner])
    if waiting:
        groups.append(waiting)
    return groups


def _group_repeats(group: list[str], history: Mapping[str, set[str]]) -> int:
    return _repeats([group], history)


def _repair(groups: list[list[str]], history: Mapping[str, set[str]]) -> None:
    """Swaps people between two groups while that lowers the number of repeated partners."""
    improved = True
    while improved:
        improved = False
        for one in groups:
            if not _group_repeats(one, history):
                continue
            for other in groups:
                if other is one:
                    continue
                before = _group_repeats(one, history) + _group_repeats(other, history)
                for i, x in enumerate(one):
                    for j, y in enumerate(other):
                        one[i], other[j] = y, x
                        if _group_repeats(one, history) + _group_repeats(other, history) < before:
                            improved = True
                            break
                        one[i], other[j] = x, y
                    if improved:
                        break
                if improved:
                    break
            if improved:
                break


def _seat_single(groups: list[list[str]], single: str, history: Mapping[str, set[str]]) -> None:
    """An odd person out becomes the observer of a pair, a fresh one when possible."""
    pairs = [g for g in groups if len(g) == 2]
    if not pairs:
        groups.append([single])
        return
    fresh = [g for g in pairs if all(_fresh(history, single, m) for m in g)]
    (fresh or pairs)[0].append(single)


def make_pairs(
    people: Sequence[str], history: Mapping[str, set[str]], seed: str
) -> list[list[str]]:
    """Random pairs, avoiding earlier partners where possible; an odd person makes one trio."""
    rng = random.Random(seed)
    best: list[list[str]] | None = None
    best_repeats = 0
    for _ in range(8):
        order = sorted(people)
        rng.shuffle(order)
        groups = _greedy(order, history)
        single = groups.pop()[0] if groups and len(groups[-1]) == 1 else None
        if single is not None:
            _seat_single(groups, single, history)
        _repair(groups, history)
        repeats = _repeats(groups, history)
        if best is None or repeats < best_repeats:
            best, best_repeats = groups, repeats
        if repeats == 0:
            break
    return best or []


def rebalance(
    pairs: Mapping[str, Pair], present: Sequence[str], history: Mapping[str, set[str]], seed: str
) -> dict[str, Pair]:
    """Keeps everyone present in exactly one pair or trio as people arrive late or leave.

    Groups that still have two or three people keep their members and number, so conversations
    under way are not reshuffled. Members who left are dropped; people without a seat (late joiners,
    a partner left alone) pair up with each other; a last one joins a pair as its observer, or
    waits alone when every group is already a trio."""
    here = set(present)
    result: dict[str, Pair] = {}
    loose: list[str] = []
    for pair in pairs.values():
        members = [m for m in pair.members if m in here]
        if len(members) >= 2:
            result[pair.id] = pair.model_copy(update={"members": members})
        else:
            loose.extend(members)
    seated = {m for pair in result.values() for m in pair.members}
    loose.extend(p for p in present if p not in seated and p not in loose)
    if not loose:
        return result
    order = sorted(loose)
    random.Random(seed).shuffle(order)
    groups = _greedy(order, history)
    if groups and len(groups[-1]) == 1:
        # One person left over: they take the observer out of a trio to make a new pair (so there
        # is never more than one trio), or else join a pair as its observer.
        single = groups.pop()[0]
        trios = [pair for pair in result.values() if len(pair.members) == 3]
        open_pairs = [pair for pair in result.values() if len(pair.members) == 2]
        if trios:
            fresh = [t for t in trios if _fresh(history, single, t.members[2])]
            trio = (fresh or trios)[0]
            result[trio.id] = trio.model_copy(update={"members": trio.members[:2]})
            groups.append([trio.members[2], single])
        elif groups:
            fresh_new = [g for g in groups if all(_fresh(history, single, m) for m in g)]
            (fresh_new or groups)[0].append(single)
        elif open_pairs:
            fresh = [p for p in open_pairs if all(_fresh(history, single, m) for m in p.members)]
            chosen = (fresh or open_pairs)[0]
            result[chosen.id] = chosen.model_copy(update={"members": [*chosen.members, single]})
        else:
            groups.append([single])
    number = max((pair.number for pair in pairs.values()), default=0)
    for members in groups:
        number += 1
        result[f"p{number}"] = Pair(number=number, members=members)
    return result


def pairs_from_groups(groups: list[list[str]]) -> dict[str, Pair]:
    pairs = (Pair(number=n, members=g) for n, g in enumerate(groups, start=1))
    return {pair.id: pair for pair in pairs}


def pair_writes(
    names: Names, before: Mapping[str, Pair], after: Mapping[str, Pair]
) -> tuple[list[Write], list[tuple[str, str, str]]]:
    """Writes that turn `before` into `after`, each guarded by the value it replaces."""
    writes: list[Write] = []
    expects: list[tuple[str, str, str]] = []
    for pair_id in before.keys() | after.keys():
        old, new = before.get(pair_id), after.get(pair_id)
        if old == new:
            continue
        expects.append((names.pairs, pair_id, old.model_dump_json() if old else ""))
        if new is None:
            writes.append(Write("hdel", names.pairs, pair_id))
        else:
            writes.append(Write("hset", names.pairs, pair_id, new.model_dump_json()))
    return writes, expects


def move(pairs: Mapping[str, Pair], participant: str, to_pair: str) -> dict[str, Pair]:
    """The facilitator's hand: moves someone into another pair, or into a new pair of their own."""
    result = {
        pair_id: pair.model_copy(update={"members": [m for m in pair.members if m != participant]})
        for pair_id, pair in pairs.items()
    }
    if to_pair == "new":
        number = max((pair.number for pair in pairs.values()), default=0) + 1
        result[f"p{number}"] = Pair(number=number, members=[participant])
    else:
        if to_pair not in result:
            raise Rejected("That pair no longer exists.")
        target = result[to_pair]
        if len(target.members) >= 3:
            raise Rejected("That group already has three people.")
        result[to_pair] = target.model_copy(update={"members": [*target.members, participant]})
    return {pair_id: pair for pair_id, pair in result.items() if pair.members}


# Ratings ----------------------------------------------------------------------------------------


def rate(
    names: Names,
    pairs: Mapping[str, Pair],
    phase: str,
    rater: str,
    scores: Mapping[str, int],
    landed: str,
    try_next: str,
) -> Effects:
    if phase not in ("rate", "rate_swap"):
        raise Rejected("Ratings are collected after each conversation.")
    half: Half = 1 if phase == "rate" else 2
    pair = seat_of(pairs, rater)
    if pair is None:
        raise Rejected("You are not in a pair this round.")
    role = pair.role_of(rater, half)
    target = pair.challenger(half)
    if role is None or target is None:
        raise Rejected("You are waiting for a partner, so there is nobody to rate yet.")
    missing = [HABIT_LABELS[h] for h in HABITS if h not in scores]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise Rejected(f"Please rate every habit: {', '.join(missing)} {verb} missing.")
    if any(not 1 <= scores[h] <= 5 for h in HABITS):
        raise Rejected("Each habit is rated from 1 to 5.")
    landed, try_next = " ".join(landed.split()), " ".join(try_next.split())
    if len(landed) > 200 or len(try_next) > 200:
        raise Rejected("Keep each comment to one sentence (at most 200 characters).")
    rating = Rating(
        target=target,
        rater_role=role,
        scores={h: scores[h] for h in HABITS},
        landed=landed,
        try_next=try_next,
    )
    return Effects(
        writes=(Write("hset", names.ratings, f"{half}|{rater}", rating.model_dump_json()),),
        notice="Rating saved ✓" if role != "challenger" else "Self-rating saved ✓",
    )


@dataclass(frozen=True)
class HabitSummary:
    habit: str
    label: str
    distribution: list[int]
    """How many partner ratings gave 1, 2, 3, 4 and 5."""
    partner_mean: float | None
    self_mean: float | None

    @property
    def gap(self) -> float | None:
        """Self minus partner: positive when people rate themselves higher than others do."""
        if self.partner_mean is None or self.self_mean is None:
            return None
        return self.self_mean - self.partner_mean


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(ratings: Iterable[Rating]) -> list[HabitSummary]:
    partner: dict[str, list[int]] = {h: [] for h in HABITS}
    own: dict[str, list[int]] = {h: [] for h in HABITS}
    for rating in ratings:
        bucket = own if rating.rater_role == "challenger" else partner
        for habit in HABITS:
            bucket[habit].append(rating.scores[habit])
    return [
        HabitSummary(
            habit=h,
            label=HABIT_LABELS[h],
            distribution=[partner[h].count(score) for score in range(1, 6)],
            partner_mean=_mean(partner[h]),
            self_mean=_mean(own[h]),
        )
        for h in HABITS
    ]
