"""Challenge pairs as a `Kind`: what the engine, the views, the summary and the exports ask of it,
answered from this package alone."""

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import TYPE_CHECKING, Any

from workshop.action_base import KindHostAction, ParticipantAction, Staged
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.kinds.base import CardPart, Kind, KindBase, Namer
from workshop.kinds.challenge_pairs import rules, seating, summary, views
from workshop.kinds.challenge_pairs.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    MoveParticipant,
    Rate,
    RepairPairs,
)
from workshop.kinds.challenge_pairs.content import (
    DATA,
    HABITS,
    PHASES,
    ChallengePairs,
    Names,
    Pair,
    data_names,
    decode_pairs,
    talk_now,
)
from workshop.kinds.challenge_pairs.summary import PairsSummary

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience

PAIRING_STEP = "pair"
"""The step at which everyone present is paired."""


def _names(run: "Run", number: int | None = None) -> Names:
    return Names.of(run.hash(f"{run.round if number is None else number}:"))


def _content(run: "Run") -> ChallengePairs:
    assert isinstance(run.exercise, ChallengePairs)
    return run.exercise


def _pairs(state: "RoomState", run: "Run", number: int | None = None) -> dict[str, Pair]:
    return decode_pairs(state.data(_names(run, number).pairs))


class ChallengePairsKind(KindBase[ChallengePairs, PairsSummary]):
    name = "challenge_pairs"
    label = "Challenge pairs"
    package = "workshop.kinds.challenge_pairs"
    content = ChallengePairs
    summary_model = PairsSummary
    phase_specs = PHASES
    rounds_field = "cases"
    round_names = DATA
    participant_actions: tuple[type[ParticipantAction], ...] = PARTICIPANT_ACTIONS
    host_actions: tuple[type[KindHostAction], ...] = HOST_ACTIONS
    csv_files: Mapping[str, list[str]] = summary.CSV_FILES

    # Actions and rules --------------------------------------------------------------------------

    def reads(self, run: "Run", participant_id: str, action: Staged) -> tuple[Read, ...]:
        if isinstance(action, (*PARTICIPANT_ACTIONS, *HOST_ACTIONS)):
            return self.step_reads(run)
        return ()

    def step_reads(self, run: "Run") -> tuple[Read, ...]:
        # Every round's pairs: a new pairing avoids earlier partners.
        return tuple(Read(run.hash(name)) for name in data_names(_content(run)))

    def decide(
        self,
        state: "RoomState",
        run: "Run",
        participant_id: str,
        action: ParticipantAction,
        now: float,
    ) -> Effects:
        if not isinstance(action, Rate):
            raise Rejected("That does not fit the current exercise; your screen is now up to date.")
        names = _names(run)
        scores = {h: score for h in HABITS if (score := getattr(action, h)) is not None}
        return rules.rate(
            names,
            _pairs(state, run),
            run.current_phase.name,
            participant_id,
            scores,
            action.landed,
            action.try_next,
            action.ticks,
            _content(run).cases[run.round].observer_checklist,
        )

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        match action:
            case RepairPairs():
                if not self.seats_people(run):
                    raise Rejected("Pairs are made when the exercise reaches “Pair up”.")
                return self._seat(state, run, fresh=True)
            case MoveParticipant(participant_id=who, to_pair=to_pair):
                person = state.participants.get(who)
                if person is None or person.removed:
                    raise Rejected("That participant is not in the room.")
                before = _pairs(state, run)
                after = seating.move(before, who, to_pair, talk_now(run.current_phase.name))
                writes, expects = seating.pair_writes(_names(run), before, after)
                return Effects(
                    writes=tuple(writes), expect=tuple(expects), notice=f"Moved {person.name}."
                )
        raise Rejected(action.elsewhere)

    def _seat(self, state: "RoomState", run: "Run", fresh: bool) -> Effects:
        history = seating.partners_so_far(_pairs(state, run, n) for n in range(run.round))
        return seating.seat_everyone(
            _names(run),
            _pairs(state, run),
            [p.id for p in state.present],
            history,
            f"{state.meta.code}|{run.id}|{run.round}|{state.rev}",
            fresh=fresh,
            at=talk_now(run.current_phase.name),
        )

    def on_step(self, state: "RoomState", run: "Run", forward: bool) -> Effects | None:
        """Everyone present is paired on reaching "Pair up" (unless pairs already stand there:
        the facilitator stepped back and forward again)."""
        if forward and run.current_phase.name == PAIRING_STEP and not _pairs(state, run):
            return self._seat(state, run, fresh=True)
        return None

    def seats_people(self, run: "Run") -> bool:
        return run.phase >= 1

    def reseat(self, state: "RoomState", run: "Run") -> Effects:
        if not _pairs(state, run):
            return Effects(notice="Nothing to rearrange.")
        return self._seat(state, run, fresh=False)

    # Views --------------------------------------------------------------------------------------

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> views.PairsView:
        return views.pairs_view(state, run, _content(run), viewer)

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return views.phone_key(state, run)

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        return views.phones_touched(run, write)

    def shows_on_touched_only(self, run: "Run", write: Write) -> bool:
        return views.shows_on_touched_only(run, write)

    # Summary and exports ------------------------------------------------------------------------

    def summary(self, state: "RoomState", run: "Run", name: Namer) -> tuple[PairsSummary, int]:
        return summary.pairs_summary(state, run, _content(run), name), 0

    def only_group(self, entry: PairsSummary, group: str) -> PairsSummary | None:
        return summary.only_pair(entry, group)

    def card(self, state: "RoomState", run: "Run", participant_id: str) -> CardPart:
        return CardPart(feedback=summary.card_feedback(state, run, _content(run), participant_id))

    def card_holders(self, state: "RoomState", run: "Run") -> frozenset[str]:
        return summary.card_holders(state, run)

    def markdown(self, entry: PairsSummary) -> list[str]:
        return summary.markdown(entry)

    def csv_rows(self, entry: PairsSummary) -> Mapping[str, list[list[Any]]]:
        return summary.csv_rows(entry)


KIND: Kind[ChallengePairs, PairsSummary] = ChallengePairsKind()
