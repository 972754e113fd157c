"""The advocacy debate as a `Kind`: what the engine, the views, the summary and the exports ask of
it, answered from this package alone."""

from collections.abc import Callable, Collection, Hashable, Mapping
from typing import TYPE_CHECKING, Any

from workshop.action_base import KindHostAction, ParticipantAction, Staged, Vote
from workshop.effects import Effects, Read, Write
from workshop.errors import Rejected
from workshop.kinds.advocacy_debate import rules, summary, views
from workshop.kinds.advocacy_debate.actions import (
    HOST_ACTIONS,
    PARTICIPANT_ACTIONS,
    BalanceTeams,
    ChooseSide,
    HidePost,
    Post,
    Upvote,
)
from workshop.kinds.advocacy_debate.content import (
    DATA,
    PHASES,
    AdvocacyDebate,
    Debate,
    Names,
    data_names,
    side_of_team,
)
from workshop.kinds.advocacy_debate.summary import DebateSummary
from workshop.kinds.base import CardPart, Kind, KindBase, Namer

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


def _names(run: "Run") -> Names:
    return Names.of(run.hash(f"{run.round}:"))


def _content(run: "Run") -> AdvocacyDebate:
    assert isinstance(run.exercise, AdvocacyDebate)
    return run.exercise


class AdvocacyDebateKind(KindBase[AdvocacyDebate, DebateSummary]):
    name = "advocacy_debate"
    label = "Advocacy debate"
    round_word = "Debate"
    package = "workshop.kinds.advocacy_debate"
    content = AdvocacyDebate
    summary_model = DebateSummary
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
        return tuple(Read(run.hash(name)) for name in data_names(_content(run)))

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
        debate = Debate.decode(state.run_data, names)
        phase = run.current_phase.name
        person = participant_id
        match action:
            case Vote(option=option):
                return rules.vote(names, phase, person, option)
            case Post(text=text, answers=answers, action_id=action_id):
                post_id = f"{person}.{action_id}"
                return rules.post(names, debate, phase, person, post_id, text, answers, now)
            case Upvote(post=post, on=on):
                return rules.upvote(names, debate, phase, person, post, on)
            case ChooseSide(side=side):
                return rules.choose_side(names, debate, exercise.choose_sides, phase, person, side)
        raise Rejected("That does not fit the current exercise; your screen is now up to date.")

    def host(self, state: "RoomState", run: "Run", action: KindHostAction) -> Effects:
        match action:
            case HidePost(post=post, hidden=hidden):
                names = _names(run)
                debate = Debate.decode(state.run_data, names)
                return rules.hide(names, debate, post, hidden)
            case BalanceTeams():
                return self._form_teams(state, run)
        raise Rejected(action.elsewhere)

    def _form_teams(self, state: "RoomState", run: "Run") -> Effects:
        """Balanced teams: whoever already has a side keeps it unless the sides must be evened
        out; everyone else is drawn at random."""
        names = _names(run)
        debate = Debate.decode(state.run_data, names)
        chosen = {p: side_of_team(t) for p, t in debate.teams.items()}
        present = [p.id for p in state.present]
        teams = rules.split_teams(
            present,
            _content(run).team_size,
            f"{state.meta.code}|{run.id}|{run.round}|{state.rev}",
            chosen,
        )
        writes = [
            Write.put(names.teams, p, t) for p, t in teams.items() if debate.teams.get(p) != t
        ]
        sides = {
            side: sum(1 for t in teams.values() if t.startswith(side))
            for side in ("for", "against")
        }
        return Effects(
            writes=tuple(writes),
            notice=f"Teams formed: {sides['for']} for, {sides['against']} against.",
        )

    def on_step(self, state: "RoomState", run: "Run", forward: bool) -> Effects | None:
        """Teams are drawn on reaching "teams"; when people choose their side, whoever has not
        chosen is placed (and the sides evened out) on leaving it. Coming back to "teams" when
        they stand seats whoever joined while the facilitator had stepped back."""
        if not forward:
            return None
        choose_sides = _content(run).choose_sides
        step = run.current_phase.name
        standing = bool(state.data(_names(run).teams))
        if choose_sides and step == "arguments":
            return self._form_teams(state, run)
        if not choose_sides and step == "teams":
            if standing:
                return Effects(writes=self.reseat(state, run).writes, notice="")
            return self._form_teams(state, run)
        return None

    def seats_people(self, run: "Run") -> bool:
        return rules.teams_stand(_content(run).choose_sides, run.current_phase.name)

    def reseat(self, state: "RoomState", run: "Run") -> Effects:
        names = _names(run)
        present = state.present_ids
        # Sizes count only people still here; the record of who was on which team is left alone.
        teams = {p: t for p, t in state.data(names.teams).items() if p in present}
        writes = []
        for person in state.present:
            if person.id not in teams:
                teams[person.id] = rules.seat_late(teams, person.id, _content(run).team_size)
                writes.append(Write.put(names.teams, person.id, teams[person.id]))
        return Effects(writes=tuple(writes), notice="Seated the newcomers." if writes else "Done.")

    # Views --------------------------------------------------------------------------------------

    def view(self, state: "RoomState", run: "Run", viewer: "Audience") -> views.DebateView:
        return views.debate_view(state, run, _content(run), viewer)

    def phone_key(self, state: "RoomState", run: "Run") -> Callable[[str], Hashable] | None:
        return views.phone_key(state, run)

    def phones_touched(self, run: "Run", write: Write) -> Collection[str] | None:
        return views.phones_touched(run, write)

    # Summary and exports ------------------------------------------------------------------------

    def summary(self, state: "RoomState", run: "Run", name: Namer) -> tuple[DebateSummary, int]:
        entry = summary.debate_summary(state, run, _content(run), name)
        return entry, sum(r.hidden for r in entry.rounds)

    def only_group(self, entry: DebateSummary, group: str) -> DebateSummary | None:
        return summary.only_team(entry, group)

    def card(self, state: "RoomState", run: "Run", participant_id: str) -> CardPart:
        return CardPart(posts=summary.card_posts(state, run, _content(run), participant_id))

    def card_holders(self, state: "RoomState", run: "Run") -> frozenset[str]:
        return summary.card_holders(state, run)

    def markdown(self, entry: DebateSummary) -> list[str]:
        return summary.markdown(entry)

    def csv_rows(self, entry: DebateSummary) -> Mapping[str, list[list[Any]]]:
        return summary.csv_rows(entry)


KIND: Kind[AdvocacyDebate, DebateSummary] = AdvocacyDebateKind()
