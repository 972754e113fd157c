"""What a pairs exercise adds to the session summary, the personal card and the exports."""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.i18n import N_, gettext, translated
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
from workshop.kinds.challenge_pairs.rules import summarise, summarise_ticks
from workshop.markdown import md_heading, md_table
from workshop.words import count, decimal

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


ROLE_WORDS = {
    "challenger": N_("challenger"),
    "customer": N_("customer"),
    "observer": N_("observer"),
    "waiting": N_("waiting"),
}
"""The roles a summary records, as its tables show them."""


def role_word(role: str) -> str:
    return translated(role)


class Seat(BaseModel):
    participant: str
    first_role: str
    swapped_role: str
    third_role: str = ""
    """A trio's own turn (empty for a pair, which sits it out)."""

    @property
    def roles(self) -> list[str]:
        return [r for r in (self.first_role, self.swapped_role, self.third_role) if r]


class PairEntry(BaseModel):
    pair: str
    number: int
    colour: str
    seats: list[Seat]

    @property
    def label(self) -> str:
        """The pair as the screens name it: "Blue 3"."""
        return gettext("%(colour)s %(number)s") % {
            "colour": translated(self.colour),
            "number": self.number,
        }


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
    ticks: list[str] = []
    """The checklist items the rater ticked (what they saw the challenger do)."""


class ChecklistRow(BaseModel):
    item: str
    partners: int
    """How many partner ratings (customers and observers) ticked it, of `partner_ratings`."""
    partner_ratings: int
    own: int
    """How many self-ratings ticked it, of `self_ratings`."""
    self_ratings: int


class PairsRound(BaseModel):
    round: int
    case: str
    pairs: list[PairEntry]
    habits: list[HabitRow]
    ratings: list[RatingEntry]
    checklist: list[ChecklistRow] = []
    """The case's checklist, item by item, with how often raters ticked it."""

    @property
    def ratings_note(self) -> str:
        """How many ratings the round's figures count: "6 partner ratings and 4 self-ratings"."""
        partner = sum(1 for g in self.ratings if g.rater_role != "challenger")
        own = len(self.ratings) - partner
        return gettext("%(partner)s and %(own)s") % {
            "partner": count(partner, "partner rating", "partner ratings"),
            "own": count(own, "self-rating", "self-ratings"),
        }

    @property
    def trio_turn(self) -> bool:
        """Some group of this round had a trio's turn."""
        return any(seat.third_role for pair in self.pairs for seat in pair.seats)


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
        checklist = exercise.cases[number].observer_checklist
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
                                third_role=pair.role_of(m, 3) or "",
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
                        ticks=[checklist[n - 1] for n in rating.ticks if 0 < n <= len(checklist)],
                    )
                    for (half, rater), rating in sorted(ratings.items())
                ],
                checklist=_checklist_rows(ratings.values(), checklist),
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


def _checklist_rows(ratings: Iterable[Rating], checklist: list[str]) -> list[ChecklistRow]:
    return [
        ChecklistRow(
            item=row.item,
            partners=row.partners,
            partner_ratings=row.partner_ratings,
            own=row.own,
            self_ratings=row.self_ratings,
        )
        for row in summarise_ticks(ratings, checklist)
    ]


def _ratings_of(entries: list[RatingEntry], checklist: list[str]) -> list[Rating]:
    """Ratings rebuilt from exported entries (for a summary cut down to one pair)."""
    return [
        Rating(
            target=e.target,
            rater_role=e.rater_role,
            scores=e.scores,
            landed=e.landed,
            try_next=e.try_next,
            ticks=tuple(n for n, item in enumerate(checklist, 1) if item in e.ticks),
        )
        for e in entries
    ]


def only_pair(exercise: PairsSummary, pair: str) -> PairsSummary | None:
    """The part of a pairs summary that concerns one pair: its seats and the ratings given in it,
    with the habits and the checklist's ticks worked out again from those."""
    rounds = []
    for r in exercise.rounds:
        pairs = [p for p in r.pairs if p.pair == pair]
        if not pairs:
            continue
        ratings = [g for g in r.ratings if g.pair == pair]
        checklist = [row.item for row in r.checklist]
        rebuilt = _ratings_of(ratings, checklist)
        rounds.append(
            r.model_copy(
                update={
                    "pairs": pairs,
                    "ratings": ratings,
                    "habits": _habit_rows_of(rebuilt),
                    "checklist": _checklist_rows(rebuilt, checklist),
                }
            )
        )
    return exercise.model_copy(update={"rounds": rounds}) if rounds else None


def round_ratings(state: "RoomState", run: "Run", number: int) -> dict[tuple[int, str], Rating]:
    """A round's ratings, decoded once per read of the room (every phone's view asks at the
    debrief, and a refresh draws them all from the same read). Not to be changed."""
    key = ("pairs ratings", run.id, number)
    ratings: dict[tuple[int, str], Rating] | None = state.derived.get(key)
    if ratings is None:
        ratings = state.derived[key] = decode_ratings(state.data(_names(run, number).ratings))
    return ratings


About = tuple[list[Rating], list[Rating]]
"""A participant's ratings in a round: of them by others (as challenger), and their own of
themselves, each in the order of `decode_ratings`."""


def ratings_about(state: "RoomState", run: "Run", number: int, participant_id: str) -> About:
    """A participant's `About` for a round."""
    return _about(state, run, number).get(participant_id, ([], []))


def _about(state: "RoomState", run: "Run", number: int) -> Mapping[str, About]:
    """Each participant's `About` for a round, worked out once per read."""
    key = ("pairs ratings about", run.id, number)
    about: dict[str, About] | None = state.derived.get(key)
    if about is None:
        about = state.derived[key] = {}
        for (_, rater), r in round_ratings(state, run, number).items():
            if r.target != rater:
                about.setdefault(r.target, ([], []))[0].append(r)
            if r.rater_role == "challenger":
                about.setdefault(rater, ([], []))[1].append(r)
    return about


def card_holders(state: "RoomState", run: "Run") -> frozenset[str]:
    """Who has a round in `card_feedback`: a partner rated them, or they rated themselves."""
    holders: set[str] = set()
    for number in range(run.round + 1):
        for (_, rater), r in round_ratings(state, run, number).items():
            if r.target != rater:
                holders.add(r.target)
            elif r.rater_role == "challenger":
                holders.add(rater)
    return frozenset(holders)


def card_feedback(
    state: "RoomState", run: "Run", exercise: ChallengePairs, participant_id: str
) -> list[CardRound]:
    """Per round: the scores partners gave this participant as challenger, their own rating of
    themselves, and the comments addressed to them (by the rater's role, never their name)."""
    rounds = (card_round(state, run, exercise, participant_id, n) for n in range(run.round + 1))
    return [r for r in rounds if r is not None]


def card_round(
    state: "RoomState", run: "Run", exercise: ChallengePairs, participant_id: str, number: int
) -> CardRound | None:
    """One round of `card_feedback` (None when nobody rated this participant as challenger, not
    even themselves): the phone's debrief and the personal card both show it."""
    about_me, mine = ratings_about(state, run, number, participant_id)
    if not about_me and not mine:
        return None
    return CardRound(
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


def markdown(exercise: PairsSummary) -> list[str]:
    out = [f"## {md_heading(exercise.title)}"]
    for r in exercise.rounds:
        heading = gettext("Round %(round)s: %(title)s") % {
            "round": r.round,
            "title": md_heading(r.case),
        }
        out += ["", f"### {heading}", "", "#### " + gettext("Pairs"), ""]
        trio = r.trio_turn
        if r.pairs:
            out.append(
                md_table(
                    [
                        gettext("Group"),
                        gettext("Person"),
                        gettext("First conversation"),
                        gettext("Swapped"),
                    ]
                    + ([gettext("Trio's turn")] if trio else []),
                    (
                        [
                            pair.label,
                            s.participant,
                            role_word(s.first_role),
                            role_word(s.swapped_role),
                        ]
                        + ([role_word(s.third_role) or "-"] if trio else [])
                        for pair in r.pairs
                        for s in pair.seats
                    ),
                )
            )
        else:
            out.append(gettext("Nobody was paired."))
        out += ["", "#### " + gettext("Habits"), ""]
        if not r.ratings:
            out.append(gettext("No ratings this round."))
            continue
        out += [
            gettext(
                "How many partner ratings gave each score (1 to 5); the partners' and the "
                "challengers' own averages, and the gap (own minus partners'); over %(ratings)s."
            )
            % {"ratings": r.ratings_note},
            "",
            md_table(
                [
                    gettext("Habit"),
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                    gettext("Partners"),
                    gettext("Self"),
                    gettext("Gap"),
                ],
                (
                    (
                        translated(h.habit),
                        *h.distribution,
                        decimal(h.partner_mean),
                        decimal(h.self_mean),
                        decimal(h.gap, signed=True),
                    )
                    for h in r.habits
                ),
                numbers=range(1, 9),
            ),
        ]
        if r.checklist:
            out += [
                "",
                "#### " + gettext("What raters saw"),
                "",
                gettext(
                    "How many partner ratings, and how many self-ratings, ticked each item of the "
                    "case's checklist."
                ),
                "",
                md_table(
                    [gettext("Checklist item"), gettext("Partners"), gettext("Self")],
                    (
                        (
                            c.item,
                            gettext("%(done)s of %(of)s")
                            % {"done": c.partners, "of": c.partner_ratings},
                            gettext("%(done)s of %(of)s") % {"done": c.own, "of": c.self_ratings},
                        )
                        for c in r.checklist
                    ),
                    numbers={1, 2},
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
        "checklist_ticked",
    ]
}
TICK_SEPARATOR = " | "
"""Between the checklist items one rating ticked, in `checklist_ticked`."""


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
                TICK_SEPARATOR.join(g.ticks),
            ]
            for pr in ex.rounds
            for g in pr.ratings
        ]
    }
