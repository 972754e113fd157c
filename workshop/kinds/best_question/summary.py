"""What best question adds to the session summary, the personal card and the exports."""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from workshop.i18n import gettext
from workshop.kinds.base import CardQuestion, Namer, SummaryEntry
from workshop.kinds.best_question import rules
from workshop.kinds.best_question.content import BestQuestion, Board, Names
from workshop.markdown import md_heading, md_table
from workshop.words import count

if TYPE_CHECKING:
    from workshop.models import RoomState, Run


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

    @property
    def hidden_note(self) -> str:
        return gettext("%(questions)s left out") % {
            "questions": count(self.hidden, "hidden question", "hidden questions")
        }


class BestQuestionSummary(SummaryEntry):
    kind: Literal["best_question"] = "best_question"
    run: str
    title: str
    rounds: list[QuestionRound]


def _board(state: "RoomState", run: "Run", number: int) -> Board:
    return Board.decode(state.run_data, Names.of(run.hash(f"{number}:")))


def best_question_summary(
    state: "RoomState", run: "Run", exercise: BestQuestion, name: Namer
) -> BestQuestionSummary:
    """Every round reached so far (the earlier ones and the current one)."""
    rounds = []
    for number in range(run.round + 1):
        board = _board(state, run, number)
        ranked = rules.ranking(board)
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


def card_holders(state: "RoomState", run: "Run") -> frozenset[str]:
    """Who has a question in `card_questions`: the authors of every ranked question."""
    holders: set[str] = set()
    for number in range(run.round + 1):
        board = _board(state, run, number)
        for r in rules.ranking(board):
            holders.update(board.authors(r.question))
    return frozenset(holders)


def card_questions(
    state: "RoomState", run: "Run", exercise: BestQuestion, participant_id: str
) -> list[CardQuestion]:
    """The participant's questions that were ranked (hidden ones are not), with where."""
    questions: list[CardQuestion] = []
    for number in range(run.round + 1):
        board = _board(state, run, number)
        ranked = rules.ranking(board)
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
    return questions


def markdown(exercise: BestQuestionSummary) -> list[str]:
    out = [f"## {md_heading(exercise.title)}"]
    for r in exercise.rounds:
        heading = gettext("Round %(round)s: %(title)s") % {
            "round": r.round,
            "title": md_heading(r.scenario),
        }
        out += ["", f"### {heading}", ""]
        if r.questions:
            out.append(
                md_table(
                    [gettext("Rank"), gettext("Question"), gettext("Dots"), gettext("Written by")],
                    (
                        (f"{q.rank}{'=' if q.tied else ''}", q.text, q.dots, ", ".join(q.authors))
                        for q in r.questions
                    ),
                    numbers={0, 2},
                )
            )
        else:
            out.append(gettext("No questions this round."))
        if r.hidden:
            out += ["", f"{r.hidden_note}."]
    return out


CSV_FILES: dict[str, list[str]] = {
    "submissions.csv": [
        "run",
        "exercise",
        "round",
        "question_id",
        "rank",
        "tied",
        "text",
        "dots",
        "authors",
    ],
}


def csv_rows(ex: BestQuestionSummary) -> dict[str, list[list[Any]]]:
    submissions: list[list[Any]] = []
    votes: list[list[Any]] = []
    for r in ex.rounds:
        submissions += [
            [
                ex.run,
                ex.title,
                r.round,
                q.id,
                q.rank,
                int(q.tied),
                q.text,
                q.dots,
                "; ".join(q.authors),
            ]
            for q in r.questions
        ]
        votes += [[ex.run, ex.title, r.round, "dot", d.voter, d.question, d.dots] for d in r.dots]
    return {"submissions.csv": submissions, "votes.csv": votes}
