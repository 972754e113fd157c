"""The ratings: who may rate whom in each talk, what a rating must hold (every habit scored, ticks
only of items on the case's checklist), and the room's summary of the four habits (partners against
self) and of what raters ticked. Pure; a decision returns `Effects` or raises `Rejected`."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from workshop.effects import Effects, Write
from workshop.errors import Rejected
from workshop.i18n import N_, Message
from workshop.kinds.challenge_pairs.content import (
    HABIT_LABELS,
    HABITS,
    RATING,
    Names,
    Pair,
    Rating,
    seat_of,
)

COMMENT_MAX = 200


def ticked(ticks: Sequence[str], checklist: Sequence[str]) -> tuple[int, ...]:
    """The checklist items a rater ticked, by number (from 1), once each and in the list's order.
    An item the case's checklist does not have is refused."""
    numbers = set()
    for tick in ticks:
        value = tick.strip()
        if not value.isdecimal() or not 1 <= int(value) <= len(checklist):
            shown = value if len(value) <= 20 else value[:20] + "…"
            raise Rejected(
                Message(
                    "“%(item)s” is not on this case's checklist. Tick only the items on your screen.",
                    item=shown,
                )
            )
        numbers.add(int(value))
    return tuple(sorted(numbers))


def rate(
    names: Names,
    pairs: Mapping[str, Pair],
    phase: str,
    rater: str,
    scores: Mapping[str, int],
    landed: str,
    try_next: str,
    ticks: Sequence[str] = (),
    checklist: Sequence[str] = (),
) -> Effects:
    half = RATING.get(phase)
    if half is None:
        raise Rejected(N_("Ratings are collected after each conversation."))
    pair = seat_of(pairs, rater)
    if pair is None:
        raise Rejected(N_("You are not in a pair this round."))
    role = pair.role_of(rater, half)
    target = pair.challenger(half)
    if role is None or target is None:
        if len(pair.members) >= 2:
            raise Rejected(N_("Only a trio plays this turn; your pair has nothing to rate now."))
        raise Rejected(N_("You are waiting for a partner, so there is nobody to rate yet."))
    missing = [HABIT_LABELS[h] for h in HABITS if h not in scores]
    if missing:
        raise Rejected(
            Message.counted(
                "Please rate every habit: %(habits)s is missing.",
                "Please rate every habit: %(habits)s are missing.",
                len(missing),
                habits=Message.joined(*missing, sep=", "),
            )
        )
    if any(not 1 <= scores[h] <= 5 for h in HABITS):
        raise Rejected(N_("Each habit is rated from 1 to 5."))
    landed, try_next = " ".join(landed.split()), " ".join(try_next.split())
    if len(landed) > COMMENT_MAX or len(try_next) > COMMENT_MAX:
        raise Rejected(
            Message(
                "Keep each comment to one sentence (at most %(most)s characters).",
                most=COMMENT_MAX,
            )
        )
    rating = Rating(
        target=target,
        rater_role=role,
        scores={h: scores[h] for h in HABITS},
        landed=landed,
        try_next=try_next,
        ticks=ticked(ticks, checklist),
    )
    return Effects(
        writes=(Write.put(names.ratings, f"{half}|{rater}", rating.model_dump_json()),),
        notice=N_("Rating saved ✓") if role != "challenger" else N_("Self-rating saved ✓"),
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


@dataclass(frozen=True)
class TickSummary:
    """One checklist item: how many partner ratings ticked it (of how many), and how many
    self-ratings did."""

    number: int
    item: str
    partners: int
    partner_ratings: int
    own: int
    self_ratings: int


def summarise_ticks(ratings: Iterable[Rating], checklist: Sequence[str]) -> list[TickSummary]:
    """Per item of the checklist, in its order: partner ticks and self ticks, each with the number
    of ratings that could have ticked it."""
    given = list(ratings)
    partners = [r for r in given if r.rater_role != "challenger"]
    own = [r for r in given if r.rater_role == "challenger"]
    return [
        TickSummary(
            number=number,
            item=item,
            partners=sum(number in r.ticks for r in partners),
            partner_ratings=len(partners),
            own=sum(number in r.ticks for r in own),
            self_ratings=len(own),
        )
        for number, item in enumerate(checklist, start=1)
    ]
