"""One session summary built from a room's state: every export format is drawn from this model.

Hidden (moderated) posts and questions are left out and counted. With `anonymise`, every name is
replaced by a stable pseudonym ("Participant 3", by order of arrival).
"""

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from workshop.kinds import (
    KindSummary,
    best_question,
    kind_named,
    kind_of,
)
from workshop.kinds.base import CardPost, CardQuestion, CardRound, Namer
from workshop.models import RoomState, Run

SCHEMA_VERSION = 1


class Person(BaseModel):
    ref: str
    """Stable within one summary: "P1", "P2", … in order of arrival."""
    name: str
    present: bool


class QuestionEntry(BaseModel):
    id: str
    rank: int
    tied: bool
    text: str
    dots: int
    authors: list[str]


class Dot(BaseModel):
    voter: str
    question: str
    dots: int


class QuestionRound(BaseModel):
    round: int
    scenario: str
    questions: list[QuestionEntry]
    dots: list[Dot]
    hidden: int
    """Questions the facilitator hid, left out of this summary."""


class BestQuestionSummary(BaseModel):
    kind: Literal["best_question"] = "best_question"
    run: str
    title: str
    rounds: list[QuestionRound]


ExerciseSummary = Annotated[BestQuestionSummary | KindSummary, Field(discriminator="kind")]


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

    exercises: list[BestQuestionSummary | KindSummary] = []
    hidden = 0
    for run in state.meta.agenda:
        if not run.started:
            continue
        match run.exercise:
            case best_question.BestQuestion() as exercise:
                summary = _best_question(state, run, exercise, name)
                hidden += sum(r.hidden for r in summary.rounds)
                exercises.append(summary)
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


def _best_question(
    state: RoomState, run: Run, exercise: best_question.BestQuestion, name: Namer
) -> BestQuestionSummary:
    rounds = []
    for number in _played_rounds(run):
        names = best_question.Names.of(run.hash(f"{number}:"))
        board = best_question.Board.decode(state.run_data, names)
        ranked = best_question.ranking(board)
        rounds.append(
            QuestionRound(
                round=number + 1,
                scenario=exercise.scenarios[number].title,
                questions=[
                    QuestionEntry(
                        id=r.question,
                        rank=r.rank,
                        tied=r.tied,
                        text=r.text,
                        dots=r.dots,
                        authors=sorted(name(a) for a in board.authors(r.question)),
                    )
                    for r in ranked
                ],
                dots=[
                    Dot(voter=name(voter), question=question, dots=n)
                    for voter, entries in sorted(board.dots.items())
                    for question, n in sorted(entries.items())
                    if question in {r.question for r in ranked}
                ],
                hidden=sum(1 for q in board.questions if board.is_hidden(q) and board.is_root(q)),
            )
        )
    return BestQuestionSummary(run=run.id, title=exercise.title, rounds=rounds)


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
            case best_question.BestQuestion() as exercise:
                for number in _played_rounds(run):
                    board = best_question.Board.decode(
                        state.run_data, best_question.Names.of(run.hash(f"{number}:"))
                    )
                    ranked = best_question.ranking(board)
                    questions += [
                        CardQuestion(
                            exercise=exercise.title,
                            round=number + 1,
                            text=r.text,
                            rank=r.rank,
                            tied=r.tied,
                            dots=r.dots,
                            of=len(ranked),
                        )
                        for r in ranked
                        if participant_id in board.authors(r.question)
                    ]
            case _:
                kind = kind_of(run.exercise)
                assert kind is not None
                part = kind.card(state, run, participant_id)
                questions += part.questions
                feedback += part.feedback
                posts += part.posts
    return PersonalCard(
        room=state.meta.code,
        title=state.meta.title,
        date=_day(state.meta.created_at),
        name=person.name,
        questions=questions,
        feedback=feedback,
        posts=posts,
    )


def filter_summary(summary: Summary, group: str) -> Summary:
    """The part of a summary that concerns one group: a debate team or a pair, by its id (the
    exercises it took no part in are dropped)."""
    exercises: list[BestQuestionSummary | KindSummary] = []
    for exercise in summary.exercises:
        kind = kind_named(exercise.kind)
        if kind is not None:
            part = kind.only_group(exercise, group)
            if part is not None:
                exercises.append(part)
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
