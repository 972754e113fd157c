"""What each audience sees of a best-question round: the view model its stage templates lay out."""

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop.kinds.best_question import rules
from workshop.kinds.best_question.content import (
    SPOTLIGHT_PHASES,
    BestQuestion,
    Board,
    Names,
    Scenario,
    author_of,
    question_id,
)

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience

PROJECTOR_TOP_AT_REVEAL = 8
"""How many of the ranked questions the projector lists at the reveal."""
PROJECTOR_TOP_AT_DEBRIEF = 3
"""How many it lists during the debrief, beside the prompts."""


@dataclass(frozen=True)
class SlotView:
    slot: int
    text: str


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    dots: int
    rank: int
    tied: bool
    mine: bool
    my_dots: int
    authors: list[str]
    """Names, for the facilitator only (and never in a fully anonymous exercise)."""
    state: str
    """Empty, "hidden" or "merged"."""

    share: int
    """Bar length, 0-100, relative to the question with the most dots."""

    @property
    def rank_label(self) -> str:
        return f"{self.rank}{'=' if self.tied else ''}"


@dataclass(frozen=True)
class BallotItem:
    """One question on a phone's ballot as that phone sees it: every phone has its own order,
    but an item that two phones see alike is drawn once (see `Renderer.piece`)."""

    id: str
    text: str
    mine: bool
    my_dots: int
    can_dot: bool
    """The phone may put a(nother) dot on it now."""


@dataclass(frozen=True)
class BestQuestionView:
    scenario: Scenario
    """The round's scenario; its facilitator notes for the facilitator only."""
    phase: str
    budget: int
    dots_left: int
    stacking: bool
    slots: list[SlotView]
    ballot: list[BallotItem]
    """The viewer's own shuffled list of questions to vote on."""
    ranked: list[QuestionView] | None
    """Ranked with counts; None while counts are hidden from this audience."""
    listed: list[QuestionView]
    """The ranked questions this audience's list shows: all of them on a phone, the top
    `PROJECTOR_TOP_AT_REVEAL` on the projector at the reveal and the top `PROJECTOR_TOP_AT_DEBRIEF`
    during the debrief; none while counts are hidden."""
    questions_count: int
    writers: int
    voters: int
    spotlight: QuestionView | None
    moderation: list[QuestionView]
    """Every question of the round, hidden and merged ones included (facilitator only)."""
    merge_targets: list[QuestionView]
    can_merge: bool
    """There are at least two questions on the board to merge (facilitator only)."""
    can_spotlight: bool
    """The facilitator may put a question in the spotlight now (see `SPOTLIGHT_PHASES`)."""
    mine_ranked: list[QuestionView]


@dataclass(frozen=True)
class PhoneShows:
    """All a phone's stage shows of its own in the current step (its `phone_key`): phones with
    equal ones share one render of their stage."""

    voter: str = ""
    """While voting: whose ballot it is (its order, its dots, its own questions)."""
    slots: tuple[str, ...] = ()
    """While writing: the texts of its own slots, "" for an empty one."""
    mine: frozenset[str] = frozenset()
    """Once ranked: the questions it wrote, or that stand for one it wrote (merged into them)."""


@dataclass(frozen=True)
class BoardRead:
    """One round's board, worked out once per read of the room, however many screens are drawn
    from it: the ranking, and who wrote what."""

    board: Board
    ranks: dict[str, rules.Ranked]
    top: int
    """The most dots any question has."""
    visible: list[str]
    authors: dict[str, frozenset[str]]
    """Each standing question: its author and the authors of every question merged into it."""
    written: dict[str, frozenset[str]]
    """Each author: the standing questions that are theirs (the inverse of `authors`)."""
    voters: int


def board_read(state: "RoomState", run: "Run") -> BoardRead:
    key = ("best question", run.id, run.round)
    read: BoardRead | None = state.derived.get(key)
    if read is None:
        board = Board.decode(state.run_data, Names.of(run.hash(f"{run.round}:")))
        ranks = {r.question: r for r in rules.ranking(board)}
        authors: dict[str, set[str]] = {}
        written: dict[str, set[str]] = {}
        for question in board.questions.keys() | board.mod.keys():
            root = board.root(question)
            author = author_of(question)
            authors.setdefault(root, set()).add(author)
            written.setdefault(author, set()).add(root)
        read = state.derived[key] = BoardRead(
            board=board,
            ranks=ranks,
            top=max((r.dots for r in ranks.values()), default=0),
            visible=board.visible(),
            authors={root: frozenset(people) for root, people in authors.items()},
            written={author: frozenset(roots) for author, roots in written.items()},
            voters=sum(1 for entries in board.dots.values() if entries),
        )
    return read


def phone_shows(read: BoardRead, phase: str, slots: int, participant_id: str) -> PhoneShows:
    """What `participant_id`'s phone shows of its own in `phase` (see `PhoneShows`)."""
    if phase == "write":
        questions = read.board.questions
        return PhoneShows(
            slots=tuple(
                questions[qid].text if qid in questions else ""
                for n in range(1, slots + 1)
                for qid in [question_id(participant_id, n)]
            )
        )
    if phase == "vote":
        return PhoneShows(voter=participant_id)
    if phase in ("reveal", "debrief"):
        return PhoneShows(mine=read.written.get(participant_id, frozenset()))
    return PhoneShows()


def phone_key(state: "RoomState", run: "Run", exercise: BestQuestion) -> Callable[[str], Hashable]:
    """Each phone's `PhoneShows`: in a big room most phones wrote nothing, so once the ranking is
    revealed they all share one render of it."""
    return functools.partial(
        phone_shows,
        board_read(state, run),
        run.current_phase.name,
        exercise.questions_per_person,
    )


def best_question_view(
    state: "RoomState", run: "Run", exercise: BestQuestion, viewer: "Audience"
) -> BestQuestionView:
    read = board_read(state, run)
    board = read.board
    phase = run.current_phase.name
    host = viewer.kind == "host"
    shows = PhoneShows()
    if viewer.kind == "phone":
        personal = viewer.personal
        shows = (
            personal
            if isinstance(personal, PhoneShows)
            else phone_shows(read, phase, exercise.questions_per_person, viewer.participant_id)
        )
    me = shows.voter
    mine_dots = board.dots.get(me, {})
    show_authors = host and not exercise.anonymous

    def view(question: str) -> QuestionView:
        ranked = read.ranks.get(question)
        root = board.root(question)
        stands = board.is_root(question)
        state_name = "hidden" if board.is_hidden(question) else ""
        if not stands:
            state_name = "merged"
        authors = read.authors.get(question, frozenset()) if stands else frozenset()
        names_of = (
            sorted(
                state.participants[p].name
                for p in authors | {author_of(question)}
                if p in state.participants
            )
            if show_authors
            else []
        )
        return QuestionView(
            id=question,
            text=board.questions[question].text,
            dots=ranked.dots if ranked else 0,
            rank=ranked.rank if ranked else 0,
            tied=ranked.tied if ranked else False,
            mine=root in shows.mine or (bool(me) and me in read.authors.get(root, ())),
            my_dots=mine_dots.get(question, 0),
            authors=names_of,
            state=state_name,
            share=round(100 * ranked.dots / read.top) if ranked and read.top else 0,
        )

    counts_shown = host or phase in ("reveal", "debrief")
    ranked = [view(question) for question in read.ranks] if counts_shown else None
    ballot = []
    if me and phase == "vote":
        left = exercise.dots_per_person - board.spent(me)
        for question in rules.shuffled_for(read.visible, me, run.phase_key):
            mine = me in read.authors.get(question, ())
            dots = mine_dots.get(question, 0)
            can_dot = left > 0 and not mine and (exercise.stacking or not dots)
            text = board.questions[question].text
            ballot.append(BallotItem(question, text, mine, dots, can_dot))
    slots = [SlotView(n, text) for n, text in enumerate(shows.slots, start=1)]
    moderation = (
        [view(q) for q in sorted(board.questions, key=lambda q: board.questions[q].at)]
        if host
        else []
    )
    merge_targets = [view(q) for q in read.visible] if host else []
    scenario = exercise.scenarios[run.round]
    return BestQuestionView(
        scenario=scenario if host else scenario.model_copy(update={"notes": ""}),
        phase=phase,
        budget=exercise.dots_per_person,
        dots_left=exercise.dots_per_person - board.spent(me) if me else 0,
        stacking=exercise.stacking,
        slots=slots,
        ballot=ballot,
        ranked=ranked,
        listed=_listed(ranked or [], phase, viewer),
        questions_count=len(read.visible),
        writers=len({author_of(q) for q in board.questions}),
        voters=read.voters,
        spotlight=view(run.spotlight) if run.spotlight in board.questions else None,
        moderation=moderation,
        merge_targets=merge_targets,
        can_merge=len(merge_targets) > 1,
        can_spotlight=host and phase in SPOTLIGHT_PHASES,
        mine_ranked=[q for q in (ranked or []) if q.mine],
    )


def _listed(ranked: list[QuestionView], phase: str, viewer: "Audience") -> list[QuestionView]:
    if viewer.kind != "screen":
        return ranked
    return ranked[: PROJECTOR_TOP_AT_REVEAL if phase == "reveal" else PROJECTOR_TOP_AT_DEBRIEF]
