"""Best question as a `Kind`: what the engine, the views, the summary and the exports ask of it,
answered from this package alone."""

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import TYPE_CHECKING, Any

from workshop.action_base import KindHostAction, ParticipantAction, Staged
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.kinds.base import CardPart, Kind, KindBase, Namer
from workshop.kinds.best_question import rules, summary, views
from workshop.kinds.best_question.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    HideQuestion,
    MergeQuestions,
    PlaceDot,
    RemoveDot,
    Spotlight,
    SubmitQuestion,
    WithdrawQuestion,
)
from workshop.kinds.best_question.content import (
    DATA,
    PHASES,
    BestQuestion,
    Board,
    Names,
    author_of,
)
from workshop.kinds.best_question.summary import BestQuestionSummary

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


def _names(run: "Run") -> Names:
    return Names.of(run.hash(f"{run.round}:"))


def _content(run: "Run") -> BestQuestion:
    assert isinstance(run.exercise, BestQuestion)
    return run.exercise


class BestQuestionKind(KindBase[BestQuestion, BestQuestionSummary]):
    name = "best_question"
    label = "Best question"
    package = "workshop.kinds.best_question"
    content = BestQuestion
    summary_model = BestQuestionSummary
    phase_specs = PHASES
    rounds_field = "scenarios"
    round_names = DATA
    participant_actions: tuple[type[ParticipantAction], ...] = PARTICIPANT_ACTIONS
    host_actions: tuple[type[KindHostAction], ...] = HOST_ACTIONS
    csv_files: Mapping[str, list[str]] = summary.CSV_FILES

    # Actions and rules --------------------------------------------------------------------------

    def reads(self, run: "Run", participant_id: str, action: Staged) -> tuple[Read, ...]:
        names = _names(run)
        match action:
            case PlaceDot(question=question):
                return rules.reads_for_dot(names, participant_id, question)
            case RemoveDot():
                return (Read(names.mod), Read(names.dots, participant_id))
            case WithdrawQuestion() | HideQuestion() | MergeQuestions() | Spotlight():
                return rules.reads_for_board(names)
        # Writing a question replaces the author's own slot whatever it held.
        return ()

    def decide(
        self,
        state: "RoomState",
        run: "Run",
        participant_id: str,
        action: ParticipantAction,
        now: float,
    ) -> Effects:
        exercise = _content(run)
        names = _names(run)
        board = Board.decode(state.run_data, names)
        phase = run.current_phase.name
        person = participant_id
        match action:
            case SubmitQuestion(slot=slot, text=text):
                return rules.submit(exercise, names, phase, person, slot, text, now)
            case WithdrawQuestion(slot=slot):
                return rules.withdraw(names, board, phase, person, slot)
            case PlaceDot(question=question):
                return rules.place_dot(exercise, names, board, phase, person, question)
            case RemoveDot(question=question):
                return rules.remove_dot(names, board, phase, person, question)
        raise Rejected("That does not fit the current exercise; your screen is now up to date.")

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        names = _names(run)
        board = Board.decode(state.run_data, names)
        match action:
            case HideQuestion(question=question, hidden=hidden):
                return rules.hide(names, board, question, hidden)
            case MergeQuestions(question=question, into=into):
                return rules.merge(_content(run), names, board, question, into)
            case Spotlight(question=question):
                return rules.spotlight(state.meta, run, board, question)
        raise Rejected(action.elsewhere)

    # Views --------------------------------------------------------------------------------------

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> views.BestQuestionView:
        return views.best_question_view(state, run, _content(run), viewer)

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return views.phone_key(state, run, _content(run))

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        # A phone's key (`views.PhoneShows`) is its own slots, its ballot or the questions that
        # are its own: a dot changes the voter's alone, a question its author's. Moderation can
        # make a question stand for another author's: anyone's may change.
        names = _names(run)
        if write.hash == names.dots:
            return (write.field,)
        if write.hash == names.questions:
            return (author_of(write.field),)
        return None

    def shows_on_touched_only(self, run: "Run", write: Write) -> bool:
        # Phones never show another's dots before the reveal, and dots are placed only before it.
        return write.hash == _names(run).dots and run.current_phase.name == "vote"

    # Summary and exports ------------------------------------------------------------------------

    def summary(
        self, state: "RoomState", run: "Run", name: Namer
    ) -> tuple[BestQuestionSummary, int]:
        entry = summary.best_question_summary(state, run, _content(run), name)
        return entry, sum(r.hidden for r in entry.rounds)

    def card(self, state: "RoomState", run: "Run", participant_id: str) -> CardPart:
        return CardPart(questions=summary.card_questions(state, run, _content(run), participant_id))

    def card_holders(self, state: "RoomState", run: "Run") -> frozenset[str]:
        return summary.card_holders(state, run)

    def markdown(self, entry: BestQuestionSummary) -> list[str]:
        return summary.markdown(entry)

    def csv_rows(self, entry: BestQuestionSummary) -> Mapping[str, list[list[Any]]]:
        return summary.csv_rows(entry)


KIND: Kind[BestQuestion, BestQuestionSummary] = BestQuestionKind()
