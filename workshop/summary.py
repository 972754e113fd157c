"""One session summary built from a room's state: every export format is drawn from this model.

Hidden (moderated) posts and questions are left out and counted. With `anonymise`, every name is
replaced by a stable pseudonym ("Participant 3", by order of arrival).
"""

import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from workshop import words
from workshop.i18n import gettext, ngettext
from workshop.kinds import KindSummary, kind_named, kind_of
from workshop.kinds.base import CardPost, CardQuestion, CardRound
from workshop.models import RoomState

SCHEMA_VERSION = 1


class Person(BaseModel):
    ref: str
    """Stable within one summary: "P1", "P2", … in order of arrival."""
    name: str
    present: bool


ExerciseSummary = Annotated[KindSummary, Field(discriminator="kind")]


class Summary(BaseModel):
    schema_version: int = SCHEMA_VERSION
    room: str
    title: str
    date: str
    """The day the room was created (UTC, ISO 8601)."""
    exported_at: str
    """When the summary was made (UTC, ISO 8601)."""
    anonymised: bool
    participants: list[Person]
    exercises: list[ExerciseSummary]
    hidden_items: int
    """Posts and questions the facilitator hid; they are left out of this summary."""

    @property
    def heading(self) -> str:
        return self.title or gettext("Workshop %(code)s") % {"code": self.room}

    @property
    def day(self) -> str:
        """The room's day as people write it: "4 December 2026"."""
        return words.day(_timestamp(self.date))

    @property
    def exported(self) -> str:
        """When the summary was made, as people write it: "4 December 2026, 18:58 UTC"."""
        return words.moment(_timestamp(self.exported_at))

    @property
    def hidden_note(self) -> str:
        """What is left out, in a sentence (empty when nothing is)."""
        if not self.hidden_items:
            return ""
        return ngettext(
            "%(items)s the facilitator hid is left out.",
            "%(items)s the facilitator hid are left out.",
            self.hidden_items,
        ) % {"items": words.count(self.hidden_items, "post or question", "posts and questions")}


def build_summary(state: RoomState, now: float, anonymise: bool = False) -> Summary:
    """`state` must hold the data of every run (`Store.load(..., every_run=True)`)."""
    everyone = sorted(state.participants.values(), key=lambda p: (p.joined_at, p.id))
    refs = {p.id: f"P{n}" for n, p in enumerate(everyone, start=1)}

    def name(pid: str) -> str:
        person = state.participants.get(pid)
        if person is None:
            return "unknown"
        return f"Participant {refs[pid][1:]}" if anonymise else person.name

    exercises: list[KindSummary] = []
    hidden = 0
    for run in state.meta.agenda:
        if not run.started:
            continue
        kind = kind_of(run.exercise)
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


def _timestamp(iso: str) -> float:
    """An ISO 8601 day or moment of a summary (UTC unless it says otherwise) as a timestamp."""
    at = datetime.datetime.fromisoformat(iso)
    return (at if at.tzinfo else at.replace(tzinfo=datetime.UTC)).timestamp()


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

    @property
    def heading(self) -> str:
        return self.title or gettext("Workshop %(code)s") % {"code": self.room}

    @property
    def day(self) -> str:
        """The room's day as people write it: "4 December 2026"."""
        return words.day(_timestamp(self.date))


def build_card(state: RoomState, participant_id: str) -> PersonalCard:
    person = state.participants[participant_id]
    questions: list[CardQuestion] = []
    feedback: list[CardRound] = []
    posts: list[CardPost] = []
    for run in state.meta.agenda:
        if not run.started:
            continue
        part = kind_of(run.exercise).card(state, run, participant_id)
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
    exercises it took no part in are dropped, and so is the count of what they hid)."""
    exercises: list[KindSummary] = []
    for exercise in summary.exercises:
        part = kind_named(exercise.kind).only_group(exercise, group)
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
    hidden = sum(
        getattr(r, "hidden", 0) for exercise in exercises for r in getattr(exercise, "rounds", [])
    )
    return summary.model_copy(
        update={
            "exercises": exercises,
            "participants": [p for p in summary.participants if p.name in people],
            "hidden_items": hidden,
        }
    )
