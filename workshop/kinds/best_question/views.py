"""What each audience sees of a best-question round: the view model its stage templates lay out."""

from dataclasses import dataclass, replace
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
    can_dot: bool = False
    """The viewer may put a(nother) dot on this question now."""

    @property
    def rank_label(self) -> str:
        return f"{self.rank}{'=' if self.tied else ''}"


@dataclass(frozen=True)
class BestQuestionView:
    scenario: Scenario
    """The round's scenario; its facilitator notes for the facilitator only."""
    phase: str
    budget: int
    dots_left: int
    stacking: bool
    slots: list[SlotView]
    ballot: list[QuestionView]
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


def best_question_view(
    state: "RoomState", run: "Run", exercise: BestQuestion, viewer: "Audience"
) -> BestQuestionView:
    names = Names.of(run.hash(f"{run.round}:"))
    board = Board.decode(state.run_data, names)
    phase = run.current_phase.name
    host = viewer.kind == "host"
    me = viewer.participant_id if viewer.kind == "phone" else ""
    mine_dots = board.dots.get(me, {})
    ranks = {r.question: r for r in rules.ranking(board)}
    top = max((r.dots for r in ranks.values()), default=0)
    show_authors = host and not exercise.anonymous

    def view(question: str) -> QuestionView:
        ranked = ranks.get(question)
        state_name = "hidden" if board.is_hidden(question) else ""
        if not board.is_root(question):
            state_name = "merged"
        authors = board.authors(board.root(question)) if board.is_root(question) else set()
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
            mine=bool(me) and me in board.authors(board.root(question)),
            my_dots=mine_dots.get(question, 0),
            authors=names_of,
            state=state_name,
            share=round(100 * ranked.dots / top) if ranked and top else 0,
        )

    visible = board.visible()
    counts_shown = host or phase in ("reveal", "debrief")
    ranked = [view(r.question) for r in ranks.values()] if counts_shown else None
    ballot = []
    if viewer.kind == "phone" and phase == "vote":
        left = exercise.dots_per_person - board.spent(me)
        ballot = [
            replace(
                item,
                can_dot=left > 0 and not item.mine and (exercise.stacking or not item.my_dots),
            )
            for item in (view(q) for q in rules.shuffled_for(visible, me, run.phase_key))
        ]
    slots = []
    if viewer.kind == "phone":
        slots = [
            SlotView(n, board.questions[qid].text if qid in board.questions else "")
            for n in range(1, exercise.questions_per_person + 1)
            for qid in [question_id(me, n)]
        ]
    moderation = [view(q) for q in sorted(board.questions, key=lambda q: board.questions[q].at)]
    merge_targets = [view(q) for q in visible] if host else []
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
        questions_count=len(visible),
        writers=len({author_of(q) for q in board.questions}),
        voters=sum(1 for entries in board.dots.values() if entries),
        spotlight=view(run.spotlight) if run.spotlight in board.questions else None,
        moderation=moderation if host else [],
        merge_targets=merge_targets,
        can_merge=len(merge_targets) > 1,
        can_spotlight=host and phase in SPOTLIGHT_PHASES,
        mine_ranked=[q for q in (ranked or []) if q.mine],
    )


def _listed(ranked: list[QuestionView], phase: str, viewer: "Audience") -> list[QuestionView]:
    if viewer.kind != "screen":
        return ranked
    return ranked[: PROJECTOR_TOP_AT_REVEAL if phase == "reveal" else PROJECTOR_TOP_AT_DEBRIEF]
