"""What a pairs exercise adds to the session summary, the personal card and the exports."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.kinds.base import CardComment, CardHabit, CardRound, Namer, SummaryEntry
from workshop.kinds.challenge_pairs.content import (
    HABIT_LABELS,
    HABITS,
    ChallengePairs,
    Names,
    Rating,
    decode_pairs,
    decode_ratings,
    seat_of,
)
from workshop.kinds.challenge_pairs.rules import summarise
from workshop.markdown import md_table, md_text

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


class Seat(BaseModel):
    participant: str
    first_role: str
    swapped_role: str


class PairEntry(BaseModel):
    pair: str
    number: int
    colour: str
    seats: list[Seat]


class HabitRow(BaseModel):
    habit: str
    distribution: list[int]
    """How many partner ratings gave 1, 2, 3, 4 and 5."""
    partner_mean: float | None
    self_mean: float | None
    gap: float | None


class RatingEntry(BaseModel):
    half: int
    rater: str
    rater_role: str
    target: str
    pair: str
    scores: dict[str, int]
    landed: str
    try_next: str


class PairsRound(BaseModel):
    round: int
    case: str
    pairs: list[PairEntry]
    habits: list[HabitRow]
    ratings: list[RatingEntry]


class PairsSummary(SummaryEntry):
    kind: Literal["challenge_pairs"] = "challenge_pairs"
    run: str
    title: str
    rounds: list[PairsRound]


def _names(run: "Run", number: int) -> Names:
    return Names.of(run.hash(f"{number}:"))


def pairs_summary(
    state: "RoomState", run: "Run", exercise: ChallengePairs, name: Namer
) -> PairsSummary:
    rounds = []
    for number in range(run.round + 1):
        names = _names(run, number)
        pairs = decode_pairs(state.data(names.pairs))
        ratings = decode_ratings(state.data(names.ratings))
        rounds.append(
            PairsRound(
                round=number + 1,
                case=exercise.cases[number].title,
                pairs=[
                    PairEntry(
                        pair=pair.id,
                        number=pair.number,
                        colour=pair.colour[0],
                        seats=[
                            Seat(
                                participant=name(m),
                                first_role=pair.role_of(m, 1) or "waiting",
                                swapped_role=pair.role_of(m, 2) or "waiting",
                            )
                            for m in pair.members
                        ],
                    )
                    for pair in pairs.values()
                ],
                habits=_habit_rows_of(ratings.values()),
                ratings=[
                    RatingEntry(
                        half=half,
                        rater=name(rater),
                        rater_role=rating.rater_role,
                        target=name(rating.target),
                        pair=(seat.id if (seat := seat_of(pairs, rater)) else ""),
                        scores=rating.scores,
                        landed=rating.landed,
                        try_next=rating.try_next,
                    )
                    for (half, rater), rating in sorted(ratings.items())
                ],
            )
        )
    return PairsSummary(run=run.id, title=exercise.title, rounds=rounds)


def _habit_rows_of(ratings: Iterable[Rating]) -> list[HabitRow]:
    return [
        HabitRow(
            habit=h.label,
            distribution=h.distribution,
            partner_mean=h.partner_mean,
            self_mean=h.self_mean,
            gap=h.gap,
        )
        for h in summarise(ratings)
    ]


def _habit_rows(entries: list[RatingEntry]) -> list[HabitRow]:
    """Habit rows recomputed from exported ratings (for a summary cut down to one pair)."""
    return _habit_rows_of(
        Rating(
            target=e.target,
            rater_role=e.rater_role,
            scores=e.scores,
            landed=e.landed,
            try_next=e.try_next,
        )
        for e in entries
    )


def only_pair(exercise: PairsSummary, pair: str) -> PairsSummary | None:
    """The part of a pairs summary that concerns one pair: its seats and the ratings given in it,
    with the habits worked out again from those."""
    rounds = []
    for r in exercise.rounds:
        pairs = [p for p in r.pairs if p.pair == pair]
        if not pairs:
            continue
        ratings = [g for g in r.ratings if g.pair == pair]
        rounds.append(
            r.model_copy(
                update={"pairs": pairs, "ratings": ratings, "habits": _habit_rows(ratings)}
            )
        )
    return exercise.model_copy(update={"rounds": rounds}) if rounds else None


def card_feedback(
    state: "RoomState", run: "Run", exercise: ChallengePairs, participant_id: str
) -> list[CardRound]:
    """Per round: the scores partners gave this participant as challenger, their own rating of
    themselves, and the comments addressed to them (by the rater's role, never their name)."""
    feedback = []
    for number in range(run.round + 1):
        ratings = decode_ratings(state.data(_names(run, number).ratings))
        about_me = [
            r
            for (_, rater), r in ratings.items()
            if r.target == participant_id and rater != participant_id
        ]
        mine = [
            r
            for (_, rater), r in ratings.items()
            if rater == participant_id and r.rater_role == "challenger"
        ]
        if not about_me and not mine:
            continue
        feedback.append(
            CardRound(
                exercise=exercise.title,
                round=number + 1,
                case=exercise.cases[number].title,
                habits=[
                    CardHabit(
                        habit=HABIT_LABELS[h],
                        received=[r.scores[h] for r in about_me],
                        own=sum(r.scores[h] for r in mine) / len(mine) if mine else None,
                    )
                    for h in HABITS
                ],
                comments=[
                    CardComment(role=r.rater_role, landed=r.landed, try_next=r.try_next)
                    for r in about_me
                    if r.landed or r.try_next
                ],
            )
        )
    return feedback


def _number(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def markdown(exercise: PairsSummary) -> list[str]:
    out = [f"## {md_text(exercise.title)}"]
    for r in exercise.rounds:
        out += ["", f"### Round {r.round}: {md_text(r.case)}", "", "Pairs:", ""]
        for pair in r.pairs:
            seats = ", ".join(
                f"{s.participant} ({s.first_role}, then {s.swapped_role})" for s in pair.seats
            )
            out.append(f"- {pair.colour} {pair.number}: {md_text(seats)}")
        out += [
            "",
            md_table(
                ["Habit", "1", "2", "3", "4", "5", "Partners", "Self", "Gap"],
                (
                    (
                        h.habit,
                        *h.distribution,
                        _number(h.partner_mean),
                        _number(h.self_mean),
                        _number(h.gap, True),
                    )
                    for h in r.habits
                ),
            ),
        ]
    return out


CSV_FILES = {
    "ratings.csv": [
        "run",
        "exercise",
        "round",
        "half",
        "pair",
        "rater",
        "rater_role",
        "challenger",
        *HABITS,
        "what_landed",
        "what_to_try",
    ]
}


def csv_rows(ex: PairsSummary) -> dict[str, list[list[Any]]]:
    return {
        "ratings.csv": [
            [
                ex.run,
                ex.title,
                pr.round,
                g.half,
                g.pair,
                g.rater,
                g.rater_role,
                g.target,
                *(g.scores.get(h, "") for h in HABITS),
                g.landed,
                g.try_next,
            ]
            for pr in ex.rounds
            for g in pr.ratings
        ]
    }
