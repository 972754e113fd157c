"""Best-question rounds: write the question that could turn the conversation, then dot-vote.

Per round the run keeps three hashes (names relative to the run, prefixed by the round number):
`questions` (question id -> Question JSON, written only by its author), `mod` (question id ->
"hidden" or "merged:<id>", written only by the facilitator) and `dots` (voter id -> JSON object of
question id -> dots). A question id is `<author id>.<slot>`, so the per-person limit is structural.
Hiding, merging or withdrawing a question gives its dots back to the voters by rewriting their
entries, so the stored dots are always the dots that count.
"""

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.kinds.base import ExerciseContent, Line, PhaseSpec, Slug, distinct_ids

Para = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]

QUESTION_MAX = 280


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Line
    customer: Para
    """Who the customer is."""
    said: Para
    """What they just said."""
    rep_knows: Para
    """What the rep knows going in."""
    notes: str = ""
    debrief: list[Line] = Field(min_length=1, max_length=8)


class BestQuestion(ExerciseContent):
    kind: Literal["best_question"]
    questions_per_person: int = Field(default=2, ge=1, le=5)
    dots_per_person: int = Field(default=3, ge=1, le=10)
    stacking: bool = False
    """May a participant put more than one dot on the same question?"""
    anonymous: bool = False
    """Fully anonymous: not even the facilitator sees who wrote what."""
    scenarios: list[Scenario] = Field(min_length=1, max_length=12)

    @field_validator("scenarios")
    @classmethod
    def _scenarios_are_distinct(cls, scenarios: list[Scenario]) -> list[Scenario]:
        return list(distinct_ids(scenarios, "scenario"))


PHASES = (
    PhaseSpec("brief", "Brief", "Read the scenario aloud; everyone sees it on their phone."),
    PhaseSpec("write", "Write", "People write their best question. Hide or merge as they arrive."),
    PhaseSpec(
        "vote", "Vote", "Everyone places dots on other people's questions. Counts are hidden."
    ),
    PhaseSpec(
        "reveal",
        "Reveal",
        "The ranked list is on the projector. Spotlight one to discuss.",
        reveals=True,
    ),
    PhaseSpec("debrief", "Debrief", "Discuss with the prompts on the projector."),
)


def rounds(exercise: BestQuestion) -> int:
    return len(exercise.scenarios)


def data_names(exercise: BestQuestion) -> tuple[str, ...]:
    return tuple(
        f"{number}:{name}"
        for number in range(len(exercise.scenarios))
        for name in ("questions", "mod", "dots")
    )


@dataclass(frozen=True)
class Names:
    """The room-relative hash names of one round."""

    questions: str
    mod: str
    dots: str

    @classmethod
    def of(cls, prefix: str) -> "Names":
        return cls(f"{prefix}questions", f"{prefix}mod", f"{prefix}dots")


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    at: float


def question_id(participant_id: str, slot: int) -> str:
    return f"{participant_id}.{slot}"


def author_of(question: str) -> str:
    return question.rsplit(".", 1)[0]


def clean_text(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Rejected("Write a question first.")
    if len(text) > QUESTION_MAX:
        raise Rejected(
            f"Questions can be at most {QUESTION_MAX} characters; this one has {len(text)}."
        )
    return text


@dataclass
class Board:
    """One round's questions, moderation and dots, decoded; the rules read it, never write it."""

    questions: dict[str, Question] = field(default_factory=dict)
    mod: dict[str, str] = field(default_factory=dict)
    dots: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def decode(cls, data: Mapping[str, Mapping[str, str]], names: Names) -> "Board":
        return cls(
            questions={
                qid: Question.model_validate_json(raw)
                for qid, raw in data.get(names.questions, {}).items()
            },
            mod=dict(data.get(names.mod, {})),
            dots={
                voter: {q: int(n) for q, n in json.loads(raw).items()}
                for voter, raw in data.get(names.dots, {}).items()
            },
        )

    def root(self, question: str) -> str:
        """Follows merges to the question that now stands for this one."""
        seen = set()
        while (state := self.mod.get(question, "")).startswith("merged:") and question not in seen:
            seen.add(question)
            question = state.removeprefix("merged:")
        return question

    def is_hidden(self, question: str) -> bool:
        return self.mod.get(self.root(question)) == "hidden"

    def is_root(self, question: str) -> bool:
        return not self.mod.get(question, "").startswith("merged:")

    def authors(self, root: str) -> set[str]:
        """The root's author and the authors of every question merged into it."""
        return {author_of(q) for q in self.mod.keys() | {root} if self.root(q) == root}

    def spent(self, voter: str) -> int:
        return sum(self.dots.get(voter, {}).values())

    def visible(self) -> list[str]:
        """Questions that stand on their own and are not hidden, oldest first."""
        found = [q for q in self.questions if self.is_root(q) and self.mod.get(q) != "hidden"]
        return sorted(found, key=lambda q: (self.questions[q].at, q))

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(self.visible(), 0)
        for entries in self.dots.values():
            for question, number in entries.items():
                if question in totals:
                    totals[question] += number
        return totals


@dataclass(frozen=True)
class Ranked:
    question: str
    text: str
    dots: int
    rank: int
    tied: bool


def ranking(board: Board) -> list[Ranked]:
    """Most dots first; equal counts share a rank (1, 2, 2, 4) and are marked as ties."""
    counts = board.counts()
    order = sorted(counts, key=lambda q: (-counts[q], board.questions[q].at, q))
    result: list[Ranked] = []
    for position, question in enumerate(order):
        dots = counts[question]
        rank = result[-1].rank if result and result[-1].dots == dots else position + 1
        tied = sum(1 for q in order if counts[q] == dots) > 1
        result.append(Ranked(question, board.questions[question].text, dots, rank, tied))
    return result


def shuffled_for(questions: list[str], viewer: str, round_key: str) -> list[str]:
    """A stable order per participant and round, so nobody's list favours the first question."""
    seed = int.from_bytes(hashlib.sha256(f"{viewer}|{round_key}".encode()).digest()[:8], "big")
    order = sorted(questions)
    random.Random(seed).shuffle(order)
    return order


# Decisions ---------------------------------------------------------------------------------------


def reads_for_dot(names: Names, voter: str, question: str) -> tuple[Read, ...]:
    return (Read(names.mod), Read(names.dots, voter), Read(names.questions, question))


def reads_for_board(names: Names) -> tuple[Read, ...]:
    return (Read(names.questions), Read(names.mod), Read(names.dots))


def _dots_value(entries: Mapping[str, int]) -> str:
    return json.dumps(dict(sorted(entries.items())), separators=(",", ":"))


def _set_dots(names: Names, voter: str, entries: Mapping[str, int]) -> Write:
    kept = {q: n for q, n in entries.items() if n > 0}
    if not kept:
        return Write("hdel", names.dots, voter)
    return Write("hset", names.dots, voter, _dots_value(kept))


def _expect_dots(names: Names, board: Board, voter: str) -> tuple[str, str, str]:
    entries = board.dots.get(voter)
    return (names.dots, voter, _dots_value(entries) if entries else "")


def submit(
    exercise: BestQuestion, names: Names, phase: str, author: str, slot: int, text: str, now: float
) -> Effects:
    if phase != "write":
        raise Rejected("Questions can be written only while writing is open.")
    if not 1 <= slot <= exercise.questions_per_person:
        raise Rejected(f"You can write up to {exercise.questions_per_person} questions.")
    question = Question(text=clean_text(text), at=now)
    return Effects(
        writes=(
            Write("hset", names.questions, question_id(author, slot), question.model_dump_json()),
        ),
        notice="Question saved ✓",
    )


def _return_dots(
    names: Names, board: Board, gone: set[str]
) -> tuple[list[Write], list[tuple[str, str, str]]]:
    """Gives back every dot placed on `gone` questions."""
    writes, expects = [], []
    for voter, entries in board.dots.items():
        if gone & entries.keys():
            writes.append(
                _set_dots(names, voter, {q: n for q, n in entries.items() if q not in gone})
            )
            expects.append(_expect_dots(names, board, voter))
    return writes, expects


def withdraw(names: Names, board: Board, phase: str, author: str, slot: int) -> Effects:
    """Removes the question, gives back its dots, and hands its moderation state (hidden, or
    merged into another) to any question that had been merged into it."""
    if phase != "write":
        raise Rejected("Questions can be withdrawn only while writing is open.")
    question = question_id(author, slot)
    if question not in board.questions:
        raise Rejected("There is no question to withdraw there.")
    writes, expects = _return_dots(names, board, {question})
    own_state = board.mod.get(question, "")
    if own_state:
        writes.append(Write("hdel", names.mod, question))
        expects.append((names.mod, question, own_state))
    for other, state in board.mod.items():
        if state == f"merged:{question}":
            expects.append((names.mod, other, state))
            if own_state:
                writes.append(Write("hset", names.mod, other, own_state))
            else:
                writes.append(Write("hdel", names.mod, other))
    return Effects(
        writes=(Write("hdel", names.questions, question), *writes),
        expect=tuple(expects),
        notice="Question withdrawn.",
    )


def place_dot(
    exercise: BestQuestion, names: Names, board: Board, phase: str, voter: str, question: str
) -> Effects:
    if phase != "vote":
        raise Rejected("Voting is not open.")
    if question not in board.questions:
        raise Rejected("That question is no longer on the board.")
    root = board.root(question)
    if root not in board.questions or board.is_hidden(root):
        raise Rejected("That question is no longer on the board.")
    if voter in board.authors(root):
        raise Rejected("You can't vote for your own question.")
    entries = dict(board.dots.get(voter, {}))
    if board.spent(voter) >= exercise.dots_per_person:
        raise Rejected(
            f"You have used all {exercise.dots_per_person} dots. Take one back to move it."
        )
    if entries.get(root, 0) and not exercise.stacking:
        raise Rejected("You already put a dot on this question.")
    entries[root] = entries.get(root, 0) + 1
    left = exercise.dots_per_person - board.spent(voter) - 1
    return Effects(
        writes=(_set_dots(names, voter, entries),),
        expect=(
            _expect_dots(names, board, voter),
            (names.mod, question, board.mod.get(question, "")),
            (names.mod, root, board.mod.get(root, "")),
        ),
        notice=f"Dot placed ✓ ({left} left)",
    )


def remove_dot(names: Names, board: Board, phase: str, voter: str, question: str) -> Effects:
    if phase != "vote":
        raise Rejected("Voting is not open.")
    entries = dict(board.dots.get(voter, {}))
    root = board.root(question)
    if not entries.get(root):
        raise Rejected("You have no dot on that question.")
    entries[root] -= 1
    return Effects(
        writes=(_set_dots(names, voter, entries),),
        expect=(_expect_dots(names, board, voter),),
        notice="Dot taken back.",
    )


def _on_board(board: Board, question: str) -> None:
    if question not in board.questions:
        raise Rejected("That question is no longer on the board.")


def hide(names: Names, board: Board, question: str, hidden: bool) -> Effects:
    _on_board(board, question)
    root = board.root(question)
    expect = (names.mod, root, board.mod.get(root, ""))
    if not hidden:
        if board.mod.get(root) != "hidden":
            return Effects(notice="That question is already shown.")
        return Effects(
            writes=(Write("hdel", names.mod, root),),
            expect=(expect,),
            notice="Question shown again.",
        )
    if board.mod.get(root) == "hidden":
        return Effects(notice="That question is already hidden.")
    writes, expects = _return_dots(names, board, {root})
    return Effects(
        writes=(Write("hset", names.mod, root, "hidden"), *writes),
        expect=(expect, *expects),
        notice="Question hidden; its dots went back to the voters.",
    )


def merge(exercise: BestQuestion, names: Names, board: Board, source: str, target: str) -> Effects:
    """Folds `source` into `target`: dots move over, but nobody ends up voting twice (unless the
    exercise allows stacking) or for a question they now co-author."""
    _on_board(board, source)
    _on_board(board, target)
    source_root, target_root = board.root(source), board.root(target)
    _on_board(board, source_root)
    _on_board(board, target_root)
    if source_root == target_root:
        raise Rejected("Those are already one question.")
    if board.is_hidden(source_root) or board.is_hidden(target_root):
        raise Rejected("Show the hidden question again before merging it.")
    authors = board.authors(source_root) | board.authors(target_root)
    writes: list[Write] = [Write("hset", names.mod, source_root, f"merged:{target_root}")]
    expects = [
        (names.mod, source_root, board.mod.get(source_root, "")),
        (names.mod, target_root, board.mod.get(target_root, "")),
    ]
    for voter, entries in board.dots.items():
        if source_root not in entries and not (voter in authors and target_root in entries):
            continue
        moved = dict(entries)
        number = moved.pop(source_root, 0)
        if voter in authors:
            moved.pop(target_root, None)
        else:
            total = moved.get(target_root, 0) + number
            moved[target_root] = total if exercise.stacking else min(1, total)
        writes.append(_set_dots(names, voter, moved))
        expects.append(_expect_dots(names, board, voter))
    return Effects(writes=tuple(writes), expect=tuple(expects), notice="Questions merged.")
