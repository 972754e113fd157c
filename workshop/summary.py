"""One session summary built from a room's state: every export format is drawn from this model.

Hidden (moderated) posts and questions are left out and counted. With `anonymise`, every name is
replaced by a stable pseudonym ("Participant 3", by order of arrival).
"""

import datetime
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from workshop.kinds import (
    KindSummary,
    challenge_pairs,
    kind_named,
    kind_of,
)
from workshop.kinds.base import CardPost, CardQuestion, Namer
from workshop.models import RoomState, Run

SCHEMA_VERSION = 1


class Person(BaseModel):
    ref: str
    """Stable within one summary: "P1", "P2", … in order of arrival."""
    name: str
    present: bool


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


class PairsSummary(BaseModel):
    kind: Literal["challenge_pairs"] = "challenge_pairs"
    run: str
    title: str
    rounds: list[PairsRound]


ExerciseSummary = Annotated[PairsSummary | KindSummary, Field(discriminator="kind")]


class Summary(BaseModel):
    schema_version: int = SCHEMA_VERSION
    room: str
    title: str
    date: str
    """The day the room was created (UTC, ISO 8601)."""
    exported_at: str
    anonymised: bool
    participants: list[Person]
    exercises: list[ExerciseSummary]
    hidden_items: int
    """Posts and questions the facilitator hid; they are left out of this summary."""


def build_summary(state: RoomState, now: float, anonymise: bool = False) -> Summary:
    """`state` must hold the data of every run (`Store.load(..., every_run=True)`)."""
    everyone = sorted(state.participants.values(), key=lambda p: (p.joined_at, p.id))
    refs = {p.id: f"P{n}" for n, p in enumerate(everyone, start=1)}

    def name(pid: str) -> str:
        person = state.participants.get(pid)
        if person is None:
            return "unknown"
        return f"Participant {refs[pid][1:]}" if anonymise else person.name

    exercises: list[PairsSummary | KindSummary] = []
    hidden = 0
    for run in state.meta.agenda:
        if not run.started:
            continue
        match run.exercise:
            case challenge_pairs.ChallengePairs() as exercise:
                exercises.append(_pairs(state, run, exercise, name))
            case _:
                kind = kind_of(run.exercise)
                assert kind is not None
                entry, left_out = kind.summary(state, run, name)
                hidden += left_out
                exercises.append(entry)
    return Summary(
        room=state.meta.code,
        title=state.meta.title,
        date=_day(state.meta.created_at),
        exported_at=datetime.datetime.fromtimestamp(now, datetime.UTC).isoformat(
            timespec="seconds"
        ),
        anonymised=anonymise,
        participants=[
            Person(ref=refs[p.id], name=name(p.id), present=not p.removed) for p in everyone
        ],
        exercises=exercises,
        hidden_items=hidden,
    )


def _day(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()


def _played_rounds(run: Run) -> range:
    """Rounds reached so far: every earlier round and the current one."""
    return range(run.round + 1)


def _pairs(
    state: RoomState, run: Run, exercise: challenge_pairs.ChallengePairs, name: Namer
) -> PairsSummary:
    rounds = []
    for number in _played_rounds(run):
        names = challenge_pairs.Names.of(run.hash(f"{number}:"))
        pairs = challenge_pairs.decode_pairs(state.data(names.pairs))
        ratings = challenge_pairs.decode_ratings(state.data(names.ratings))
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
                        pair=(seat.id if (seat := challenge_pairs.seat_of(pairs, rater)) else ""),
                        scores=rating.scores,
                        landed=rating.landed,
                        try_next=rating.try_next,
                    )
                    for (half, rater), rating in sorted(ratings.items())
                ],
            )
        )
    return PairsSummary(run=run.id, title=exercise.title, rounds=rounds)


def _habit_rows_of(ratings: Iterable[challenge_pairs.Rating]) -> list[HabitRow]:
    return [
        HabitRow(
            habit=h.label,
            distribution=h.distribution,
            partner_mean=h.partner_mean,
            self_mean=h.self_mean,
            gap=h.gap,
        )
        for h in challenge_pairs.summarise(ratings)
    ]


def _habit_rows(entries: list[RatingEntry]) -> list[HabitRow]:
    """Habit rows recomputed from exported ratings (for a summary cut down to one pair)."""
    return _habit_rows_of(
        challenge_pairs.Rating(
            target=e.target,
            rater_role=e.rater_role,
            scores=e.scores,
            landed=e.landed,
            try_next=e.try_next,
        )
        for e in entries
    )


class CardHabit(BaseModel):
    habit: str
    received: list[int]
    """Scores partners gave this participant as challenger."""
    own: float | None
    """This participant's own rating of themselves."""


class CardComment(BaseModel):
    role: str
    """The rater's role: customer or observer; never their name."""
    landed: str
    try_next: str


class CardRound(BaseModel):
    exercise: str
    round: int
    case: str
    habits: list[CardHabit]
    comments: list[CardComment]


class PersonalCard(BaseModel):
    """One participant's own feedback: nothing by or about anyone else except the comments
    addressed to them (without the commenter's name)."""

    schema_version: int = SCHEMA_VERSION
    room: str
    title: str
    date: str
    name: str
    questions: list[CardQuestion]
    feedback: list[CardRound]
    posts: list[CardPost]


def build_card(state: RoomState, participant_id: str) -> PersonalCard:
    person = state.participants[participant_id]
    questions: list[CardQuestion] = []
    feedback: list[CardRound] = []
    posts: list[CardPost] = []
    for run in state.meta.agenda:
        if not run.started:
            continue
        match run.exercise:
            case challenge_pairs.ChallengePairs() as exercise:
                for number in _played_rounds(run):
                    names = challenge_pairs.Names.of(run.hash(f"{number}:"))
                    ratings = challenge_pairs.decode_ratings(state.data(names.ratings))
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
                                    habit=challenge_pairs.HABIT_LABELS[h],
                                    received=[r.scores[h] for r in about_me],
                                    own=sum(r.scores[h] for r in mine) / len(mine)
                                    if mine
                                    else None,
                                )
                                for h in challenge_pairs.HABITS
                            ],
                            comments=[
                                CardComment(role=r.rater_role, landed=r.landed, try_next=r.try_next)
                                for r in about_me
                                if r.landed or r.try_next
                            ],
                        )
                    )
            case _:
                kind = kind_of(run.exercise)
                assert kind is not None
                questions += kind.card_questions(state, run, participant_id)
                posts += kind.card_posts(state, run, participant_id)
    return PersonalCard(
        room=state.meta.code,
        title=state.meta.title,
        date=_day(state.meta.created_at),
        name=person.name,
        questions=questions,
        feedback=feedback,
        posts=posts,
    )


def filter_summary(summary: Summary, team: str = "", pair: str = "") -> Summary:
    """The part of a summary that concerns one debate team or one pair (others are dropped)."""
    exercises: list[PairsSummary | KindSummary] = []
    for exercise in summary.exercises:
        kind = kind_named(exercise.kind)
        if team and kind is not None:
            part = kind.only_team(exercise, team)
            if part is not None:
                exercises.append(part)
        elif pair and isinstance(exercise, PairsSummary):
            pair_rounds = []
            for pr in exercise.rounds:
                pairs = [p for p in pr.pairs if p.pair == pair]
                if not pairs:
                    continue
                ratings = [g for g in pr.ratings if g.pair == pair]
                pair_rounds.append(
                    pr.model_copy(
                        update={"pairs": pairs, "ratings": ratings, "habits": _habit_rows(ratings)}
                    )
                )
            if pair_rounds:
                exercises.append(exercise.model_copy(update={"rounds": pair_rounds}))
    people = {
        name
        for exercise in exercises
        for r in getattr(exercise, "rounds", [])
        for name in [
            *(m for t in getattr(r, "teams", []) for m in t.members),
            *(s.participant for p in getattr(r, "pairs", []) for s in p.seats),
        ]
    }
    return summary.model_copy(
        update={
            "exercises": exercises,
            "participants": [p for p in summary.participants if p.name in people],
        }
    )
