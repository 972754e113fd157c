"""Best question's rules: writing, withdrawing, dots, moderation, the spotlight, and the ranking.
Pure, no I/O."""

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.i18n import N_, Message
from workshop.kinds.best_question.content import (
    QUESTION_MAX,
    SPOTLIGHT_PHASES,
    BestQuestion,
    Board,
    Names,
    Question,
    question_id,
)

if TYPE_CHECKING:
    from workshop.models import RoomMeta, Run


def clean_text(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise Rejected(N_("Write a question first."))
    if len(text) > QUESTION_MAX:
        raise Rejected(
            Message(
                "Questions can be at most %(most)s characters; this one has %(has)s.",
                most=QUESTION_MAX,
                has=len(text),
            )
        )
    return text


# The ranking -------------------------------------------------------------------------------------


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
        return Write.remove(names.dots, voter)
    return Write.put(names.dots, voter, _dots_value(kept))


def _expect_dots(names: Names, board: Board, voter: str) -> tuple[str, str, str]:
    entries = board.dots.get(voter)
    return (names.dots, voter, _dots_value(entries) if entries else "")


def submit(
    exercise: BestQuestion, names: Names, phase: str, author: str, slot: int, text: str, now: float
) -> Effects:
    if phase != "write":
        raise Rejected(N_("Questions can be written only while writing is open."))
    if not 1 <= slot <= exercise.questions_per_person:
        raise Rejected(
            Message.counted(
                "You can write up to %(num)s question.",
                "You can write up to %(num)s questions.",
                exercise.questions_per_person,
            )
        )
    question = Question(text=clean_text(text), at=now)
    return Effects(
        writes=(Write.put(names.questions, question_id(author, slot), question.model_dump_json()),),
        notice=N_("Question saved ✓"),
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
        raise Rejected(N_("Questions can be withdrawn only while writing is open."))
    question = question_id(author, slot)
    if question not in board.questions:
        raise Rejected(N_("There is no question to withdraw there."))
    writes, expects = _return_dots(names, board, {question})
    own_state = board.mod.get(question, "")
    if own_state:
        writes.append(Write.remove(names.mod, question))
        expects.append((names.mod, question, own_state))
    for other, state in board.mod.items():
        if state == f"merged:{question}":
            expects.append((names.mod, other, state))
            if own_state:
                writes.append(Write.put(names.mod, other, own_state))
            else:
                writes.append(Write.remove(names.mod, other))
    return Effects(
        writes=(Write.remove(names.questions, question), *writes),
        expect=tuple(expects),
        notice=N_("Question withdrawn."),
    )


def place_dot(
    exercise: BestQuestion, names: Names, board: Board, phase: str, voter: str, question: str
) -> Effects:
    if phase != "vote":
        raise Rejected(N_("Voting is not open."))
    if question not in board.questions:
        raise Rejected(N_("That question is no longer on the board."))
    root = board.root(question)
    if root not in board.questions or board.is_hidden(root):
        raise Rejected(N_("That question is no longer on the board."))
    if voter in board.authors(root):
        raise Rejected(N_("You can't vote for your own question."))
    entries = dict(board.dots.get(voter, {}))
    if board.spent(voter) >= exercise.dots_per_person:
        raise Rejected(
            Message.counted(
                "You have used all %(num)s dot. Take one back to move it.",
                "You have used all %(num)s dots. Take one back to move it.",
                exercise.dots_per_person,
            )
        )
    if entries.get(root, 0) and not exercise.stacking:
        raise Rejected(N_("You already put a dot on this question."))
    entries[root] = entries.get(root, 0) + 1
    left = exercise.dots_per_person - board.spent(voter) - 1
    return Effects(
        writes=(_set_dots(names, voter, entries),),
        expect=(
            _expect_dots(names, board, voter),
            (names.mod, question, board.mod.get(question, "")),
            (names.mod, root, board.mod.get(root, "")),
        ),
        notice=Message("Dot placed ✓ (%(left)s left)", left=left),
    )


def remove_dot(names: Names, board: Board, phase: str, voter: str, question: str) -> Effects:
    if phase != "vote":
        raise Rejected(N_("Voting is not open."))
    entries = dict(board.dots.get(voter, {}))
    root = board.root(question)
    if not entries.get(root):
        raise Rejected(N_("You have no dot on that question."))
    entries[root] -= 1
    return Effects(
        writes=(_set_dots(names, voter, entries),),
        expect=(_expect_dots(names, board, voter),),
        notice=N_("Dot taken back."),
    )


def _on_board(board: Board, question: str) -> None:
    if question not in board.questions:
        raise Rejected(N_("That question is no longer on the board."))


def hide(names: Names, board: Board, question: str, hidden: bool) -> Effects:
    _on_board(board, question)
    root = board.root(question)
    expect = (names.mod, root, board.mod.get(root, ""))
    if not hidden:
        if board.mod.get(root) != "hidden":
            return Effects(notice=N_("That question is already shown."))
        return Effects(
            writes=(Write.remove(names.mod, root),),
            expect=(expect,),
            notice=N_("Question shown again."),
        )
    if board.mod.get(root) == "hidden":
        return Effects(notice=N_("That question is already hidden."))
    writes, expects = _return_dots(names, board, {root})
    return Effects(
        writes=(Write.put(names.mod, root, "hidden"), *writes),
        expect=(expect, *expects),
        notice=N_("Question hidden; its dots went back to the voters."),
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
        raise Rejected(N_("Those are already one question."))
    if board.is_hidden(source_root) or board.is_hidden(target_root):
        raise Rejected(N_("Show the hidden question again before merging it."))
    authors = board.authors(source_root) | board.authors(target_root)
    writes: list[Write] = [Write.put(names.mod, source_root, f"merged:{target_root}")]
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
    return Effects(writes=tuple(writes), expect=tuple(expects), notice=N_("Questions merged."))


def spotlight(meta: "RoomMeta", run: "Run", board: Board, question: str) -> Effects:
    """Puts a question on the board in the projector's spotlight, or clears it (an empty
    `question`). Only at the reveal or the debrief: until then questions stay off the projector."""
    if question:
        if run.current_phase.name not in SPOTLIGHT_PHASES:
            raise Rejected(
                N_("A question can go in the spotlight only at the reveal or the debrief.")
            )
        if question not in board.visible():
            raise Rejected(N_("That question is not on the board."))
    focused = run.model_copy(update={"spotlight": question})
    return Effects(
        meta=meta.with_run(focused),
        notice=N_("Spotlight on.") if question else N_("Spotlight off."),
    )
