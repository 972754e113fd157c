"""The warm-up poll as a `Kind`: what the engine, the views, the summary and the exports ask of it,
answered from this package alone."""

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import TYPE_CHECKING, Any

from workshop.action_base import KindHostAction, ParticipantAction, Staged, Vote
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.i18n import N_
from workshop.kinds.base import Kind, KindBase, Namer
from workshop.kinds.warmup_poll import rules, summary, views
from workshop.kinds.warmup_poll.actions import HOST_ACTIONS, PARTICIPANT_ACTIONS
from workshop.kinds.warmup_poll.content import DATA, PHASES, VOTES, WarmupPoll
from workshop.kinds.warmup_poll.summary import PollSummary

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


def _content(run: "Run") -> WarmupPoll:
    assert isinstance(run.exercise, WarmupPoll)
    return run.exercise


class WarmupPollKind(KindBase[WarmupPoll, PollSummary]):
    name = "warmup_poll"
    label = N_("Poll")
    package = "workshop.kinds.warmup_poll"
    content = WarmupPoll
    summary_model = PollSummary
    phase_specs = PHASES
    run_names = DATA
    participant_actions: tuple[type[ParticipantAction], ...] = PARTICIPANT_ACTIONS
    host_actions: tuple[type[KindHostAction], ...] = HOST_ACTIONS
    csv_files: Mapping[str, list[str]] = summary.CSV_FILES

    # Actions and rules --------------------------------------------------------------------------

    def reads(self, run: "Run", participant_id: str, action: Staged) -> tuple[Read, ...]:
        # A vote replaces the voter's own field whatever it held: it relies on no data.
        return ()

    def decide(
        self,
        state: "RoomState",
        run: "Run",
        participant_id: str,
        action: ParticipantAction,
        now: float,
    ) -> Effects:
        match action:
            case Vote(option=option):
                phase = run.current_phase.name
                return rules.vote(_content(run), run.hash(VOTES), phase, participant_id, option)
        raise Rejected(N_("That does not fit the current exercise; your screen is now up to date."))

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        raise Rejected(action.elsewhere)

    # Views --------------------------------------------------------------------------------------

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> views.PollView:
        return views.poll_view(state, run, _content(run), viewer)

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return views.phone_key(state, run)

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        # A phone's key is the answer it chose: a vote changes the voter's alone.
        return (write.field,) if write.hash == run.hash(VOTES) else None

    # Summary and exports ------------------------------------------------------------------------

    def summary(self, state: "RoomState", run: "Run", name: Namer) -> tuple[PollSummary, int]:
        return summary.poll_summary(state, run, _content(run), name), 0

    def markdown(self, entry: PollSummary) -> list[str]:
        return summary.markdown(entry)

    def csv_rows(self, entry: PollSummary) -> Mapping[str, list[list[Any]]]:
        return summary.csv_rows(entry)


KIND: Kind[WarmupPoll, PollSummary] = WarmupPollKind()
