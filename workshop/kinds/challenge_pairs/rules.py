"""The ratings: who may rate whom in each half, what a rating must hold, and the room's summary of
the four habits (partners against self). Pure; a decision returns `Effects` or raises `Rejected`."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workshop.effects import Effects, Write
from workshop.errors import Rejected
from workshop.kinds.challenge_pairs.content import (
    HABIT_LABELS,
    HABITS,
    Half,
    Names,
    Pair,
    Rating,
    seat_of,
)


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
        writes=(Write.put(names.ratings, f"{half}|{rater}", rating.model_dump_json()),),
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
