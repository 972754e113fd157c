"""The whole show of hands: content, action, rules, view, summary, as one `Kind`."""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from workshop.action_base import KindHostAction, ParticipantAction, Staged
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.kinds.base import (
    ExerciseContent,
    Kind,
    KindBase,
    Line,
    Namer,
    PhaseSpec,
    SummaryEntry,
)

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience

HANDS = "hands"
"""The one hash a run keeps: participant id -> "up" or "down"."""
PHASES = (
    PhaseSpec("ask", "Hands up?", "Ask the question; everyone answers on their phone."),
    PhaseSpec("count", "The count", "Show the room how many hands went up.", reveals=True),
)


class ShowOfHands(ExerciseContent):
    kind: Literal["show_of_hands"]
    question: Line


class RaiseHand(ParticipantAction):
    type: Literal["raise_hand"]
    up: bool


class LowerAllHands(KindHostAction):
    type: Literal["lower_all_hands"]

    elsewhere: ClassVar[str] = "The current exercise has no hands to lower."


class HandsSummary(SummaryEntry):
    kind: Literal["show_of_hands"] = "show_of_hands"
    question: str
    up: int
    down: int


@dataclass(frozen=True)
class HandsView:
    question: str
    phase: str
    up: int | None
    """Hands up; None until the count."""
    down: int | None
    mine: str | None
    """The phone's own answer ("up" or "down"), for a phone only."""


def _content(run: "Run") -> ShowOfHands:
    assert isinstance(run.exercise, ShowOfHands)
    return run.exercise


def _counts(state: "RoomState", run: "Run") -> tuple[int, int]:
    hands = state.data(run.hash(HANDS))
    present = state.present_ids
    up = sum(1 for pid, hand in hands.items() if hand == "up" and pid in present)
    down = sum(1 for pid, hand in hands.items() if hand == "down" and pid in present)
    return up, down


class ShowOfHandsKind(KindBase[ShowOfHands, HandsSummary]):
    name = "show_of_hands"
    label = "Show of hands"
    package = "tests.kinds.show_of_hands"
    content = ShowOfHands
    summary_model = HandsSummary
    participant_actions: tuple[type[ParticipantAction], ...] = (RaiseHand,)
    host_actions: tuple[type[KindHostAction], ...] = (LowerAllHands,)
    phase_specs = PHASES
    run_names = (HANDS,)
    csv_files: Mapping[str, list[str]] = {"hands.csv": ["run", "question", "up", "down"]}

    def reads(self, run: "Run", participant_id: str, action: Staged) -> tuple[Read, ...]:
        return (Read(run.hash(HANDS)),) if isinstance(action, LowerAllHands) else ()

    def decide(
        self,
        state: "RoomState",
        run: "Run",
        participant_id: str,
        action: ParticipantAction,
        now: float,
    ) -> Effects:
        if not isinstance(action, RaiseHand):
            raise Rejected("That does not fit the current exercise; your screen is now up to date.")
        if run.current_phase.name != "ask":
            raise Rejected("The hands are counted; it is too late to change yours.")
        hand = "up" if action.up else "down"
        return Effects(
            writes=(Write.put(run.hash(HANDS), participant_id, hand),),
            notice="Hand up ✋" if action.up else "Hand down",
        )

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        if not isinstance(action, LowerAllHands):
            raise Rejected(action.elsewhere)
        hands = state.data(run.hash(HANDS))
        return Effects(
            writes=tuple(Write.remove(run.hash(HANDS), pid) for pid in hands),
            notice="Every hand is down.",
        )

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> HandsView:
        counted = run.current_phase.name == "count" and viewer.kind != "phone"
        up, down = _counts(state, run) if counted else (None, None)
        # A phone is drawn from its key alone (`phone_key`): its own hand.
        mine = str(viewer.personal) if viewer.kind == "phone" and viewer.personal else None
        return HandsView(_content(run).question, run.current_phase.name, up, down, mine)

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return state.data(run.hash(HANDS)).get

    def summary(self, state: "RoomState", run: "Run", name: Namer) -> tuple[HandsSummary, int]:
        up, down = _counts(state, run)
        question = _content(run).question
        entry = HandsSummary(
            run=run.id, title=run.exercise.title, question=question, up=up, down=down
        )
        return entry, 0

    def markdown(self, entry: HandsSummary) -> list[str]:
        return [f"## {entry.title}", "", f"{entry.question}: {entry.up} up, {entry.down} down."]

    def csv_rows(self, entry: HandsSummary) -> Mapping[str, list[list[Any]]]:
        return {"hands.csv": [[entry.run, entry.question, entry.up, entry.down]]}


KIND: Kind[ShowOfHands, HandsSummary] = ShowOfHandsKind()
