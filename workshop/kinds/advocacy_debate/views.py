"""What each audience sees of a debate: the view models its stage templates lay out."""

from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workshop.effects import Write
from workshop.i18n import N_, Message
from workshop.kinds.advocacy_debate import content as advocacy_debate
from workshop.kinds.advocacy_debate import rules
from workshop.kinds.advocacy_debate.content import (
    AdvocacyDebate,
    Debate,
    Names,
    side_of_team,
    team_label,
)
from workshop.words import points

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


@dataclass(frozen=True)
class PostView:
    id: str
    text: str
    side: str
    score: int
    mine: bool
    upvoted: bool
    hidden: bool
    author: str
    """The author's name, for the facilitator only."""
    kind: str
    answers_text: str
    replies: list["PostView"]


@dataclass(frozen=True)
class TeamView:
    id: str
    label: str
    side: str
    names: list[str]


@dataclass(frozen=True)
class VerdictRow:
    choice: str
    label: str
    first: int
    final: int
    shift: str
    first_width: int
    final_width: int


@dataclass(frozen=True)
class SideHighlight:
    side: str
    label: str
    argument: PostView | None
    rebuttal: PostView | None
    other: str = ""
    """The other side's label: whose rebuttals answer this side's argument."""


@dataclass(frozen=True)
class SideColumn:
    """One side's newest posts of the step, as the projector shows them while they come in."""

    side: str
    label: str
    count: int
    posts: list[PostView]


@dataclass(frozen=True)
class Segment:
    choice: str
    label: str
    count: int
    percent: int
    x: float
    width: float
    labelled: bool
    """Wide enough to carry its percentage."""


@dataclass(frozen=True)
class ShiftBar:
    """The room's opinion at one vote, as one bar cut into For, Undecided and Against."""

    when: str
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class DebateView:
    case: advocacy_debate.Case
    phase: str
    choose_sides: bool
    my_vote: str | None
    my_side: str | None
    my_team: str
    teammates: list[str]
    teams: list[TeamView]
    own_posts: list[PostView]
    """Arguments phase: the viewer's side's arguments. Rebuttals phase: the viewer's side's rebuttals."""
    targets: list[PostView]
    """Rebuttals phase: the other side's top arguments, each with the viewer's side's rebuttals."""
    my_facts: list[str]
    """The facts the case gives the viewer's side."""
    argument_counts: dict[str, int]
    rebuttal_counts: dict[str, int]
    voted: int
    eligible: int
    rows: list[VerdictRow]
    both: int
    winner: str | None
    highlights: list[SideHighlight]
    moderation: list[PostView]
    columns: list[SideColumn] = field(default_factory=list)
    """Arguments and rebuttals, on the projector: each side's newest posts of the step."""
    shift_bars: list[ShiftBar] = field(default_factory=list)
    """The verdict: the room before and after."""
    moves: list[str] = field(default_factory=list)
    """The verdict in plain words: who moved where, and who stayed."""


SIDE_LABELS = {"for": N_("For"), "against": N_("Against")}
SCREEN_NEWEST = 3
"""How many of each side's newest posts the projector shows while they come in."""
SEGMENT_LABELLED = 12
"""A bar's segment carries its percentage from this share of the room on."""
BAR_ORDER = ("for", "undecided", "against")


TEAM_STEPS = ("teams", "arguments", "rebuttals")
"""The steps whose phone shows its team (or the wait for one)."""


@dataclass(frozen=True)
class DebateRoom:
    """What every screen's view of a round is drawn from, worked out once per read of the room:
    a refresh draws the console, the projector and each phone with a team from the same read,
    and each would otherwise decode the round, sort its posts and count its votes again."""

    debate: Debate
    shown: Mapping[tuple[str, advocacy_debate.Side], list[str]]
    """Visible posts per kind and side, most upvoted first, then oldest (`Debate.shown`)."""
    rebuttals: Mapping[str, list[str]]
    """Visible rebuttals per argument, in the same order (`Debate.rebuttals_of`)."""
    members: Mapping[str, list[tuple[str, str]]]
    """Each team's members present, as (name, participant id), by name."""
    verdict: rules.Verdict
    voted: Mapping[str, int]
    """How many people present voted, per ballot ("first", "final")."""

    def top_arguments(self, side: advocacy_debate.Side) -> list[str]:
        return self.shown[("argument", side)][: advocacy_debate.TOP_ARGUMENTS]


def debate_room(state: "RoomState", run: "Run") -> DebateRoom:
    """The current round of `run` as every view draws from it, worked out once per read."""
    key = ("debate", run.id, run.round)
    room: DebateRoom | None = state.derived.get(key)
    if room is None:
        room = state.derived[key] = _debate_room(state, run)
    return room


def _debate_room(state: "RoomState", run: "Run") -> DebateRoom:
    debate = Debate.decode(state.run_data, Names.of(run.hash(f"{run.round}:")))
    present = state.present_ids
    shown = {
        (kind, side): debate.shown(kind, side)
        for kind in ("argument", "rebuttal")
        for side in advocacy_debate.SIDES
    }
    rebuttals: dict[str, list[str]] = {}
    for side in advocacy_debate.SIDES:
        for post_id in shown[("rebuttal", side)]:
            rebuttals.setdefault(debate.posts[post_id].answers, []).append(post_id)
    for answers in rebuttals.values():
        answers.sort(key=lambda p: (-debate.score(p), debate.posts[p].at, p))
    members: dict[str, list[tuple[str, str]]] = {}
    for pid, team in debate.teams.items():
        person = state.participants.get(pid)
        if pid in present and person is not None:
            members.setdefault(team, []).append((person.name, pid))
    for listed in members.values():
        listed.sort()
    return DebateRoom(
        debate=debate,
        shown=shown,
        rebuttals=rebuttals,
        members=members,
        verdict=rules.verdict(debate, present),
        voted={
            "first": sum(1 for p in debate.first if p in present),
            "final": sum(1 for p in debate.final if p in present),
        },
    )


def debate_view(
    state: "RoomState", run: "Run", exercise: AdvocacyDebate, viewer: "Audience"
) -> DebateView:
    room = debate_room(state, run)
    debate = room.debate
    phase = run.current_phase.name
    # A phone is drawn from its key alone (see `phone_key`): its own id only when it has a team,
    # its vote while people vote, and nothing at the case, the verdict or the wait for a team.
    me, my_vote = _personal(viewer.personal) if viewer.kind == "phone" else ("", None)
    present = state.present_ids
    host = viewer.kind == "host"

    def name(pid: str) -> str:
        person = state.participants.get(pid)
        return person.name if person else N_("someone who left")

    def view(post_id: str, replies: list[str] | None = None) -> PostView:
        post = debate.posts[post_id]
        answered = debate.posts.get(post.answers)
        return PostView(
            id=post_id,
            text=post.text,
            side=post.side,
            score=debate.score(post_id),
            mine=post.author == me,
            upvoted=me in debate.upvotes.get(post_id, set()),
            hidden=post_id in debate.hidden,
            author=name(post.author) if host else "",
            kind=post.kind,
            answers_text=(
                N_("(a post the facilitator hid)")
                if post.answers in debate.hidden
                else answered.text
                if answered
                else ""
            ),
            replies=[view(r) for r in (replies or [])],
        )

    my_team = debate.teams.get(me, "") if me in present else ""
    my_side = side_of_team(my_team) if my_team else None
    team_views = [
        TeamView(t, team_label(t), side_of_team(t), [n for n, _ in members])
        for t, members in sorted(
            room.members.items(),
            key=lambda item: (item[0].split("-")[0] != "for", int(item[0].split("-")[1])),
        )
    ]
    own_posts: list[PostView] = []
    targets: list[PostView] = []
    if my_side is not None:
        other: advocacy_debate.Side = "against" if my_side == "for" else "for"
        if phase == "arguments":
            own_posts = [view(p) for p in room.shown[("argument", my_side)]]
        elif phase == "rebuttals":
            targets = [
                view(p, [r for r in room.rebuttals.get(p, []) if debate.posts[r].side == my_side])
                for p in room.top_arguments(other)
            ]
    verdict = room.verdict
    top = max([*verdict.first.values(), *verdict.final.values(), 1])
    rows = [
        VerdictRow(
            choice=c,
            label=advocacy_debate.CHOICE_LABELS[c],
            first=verdict.first[c],
            final=verdict.final[c],
            shift=Message("%(shift)s pts", shift=points(verdict.shift[c])),
            first_width=round(100 * verdict.first[c] / top),
            final_width=round(100 * verdict.final[c] / top),
        )
        for c in advocacy_debate.CHOICES
    ]
    highlights = []
    if phase == "verdict":
        for side in advocacy_debate.SIDES:
            arguments = room.shown[("argument", side)]
            rebuttals = room.shown[("rebuttal", side)]
            highlights.append(
                SideHighlight(
                    side=side,
                    label=SIDE_LABELS[side],
                    argument=view(arguments[0], room.rebuttals.get(arguments[0], []))
                    if arguments
                    else None,
                    rebuttal=view(rebuttals[0]) if rebuttals else None,
                    other=SIDE_LABELS["against" if side == "for" else "for"],
                )
            )
    columns: list[SideColumn] = []
    if viewer.kind == "screen" and phase in ("arguments", "rebuttals"):
        kind = "argument" if phase == "arguments" else "rebuttal"
        for side in advocacy_debate.SIDES:
            shown = room.shown[(kind, side)]
            newest = sorted(shown, key=lambda p: debate.posts[p].at, reverse=True)
            columns.append(
                SideColumn(
                    side, SIDE_LABELS[side], len(shown), [view(p) for p in newest[:SCREEN_NEWEST]]
                )
            )
    return DebateView(
        columns=columns,
        shift_bars=_shift_bars(verdict) if phase == "verdict" else [],
        moves=_moves(verdict) if phase == "verdict" else [],
        case=exercise.cases[run.round],
        phase=phase,
        choose_sides=exercise.choose_sides,
        my_vote=my_vote,
        my_side=my_side,
        my_team=team_label(my_team) if my_team else "",
        teammates=[n for n, p in room.members.get(my_team, []) if p != me] if my_team else [],
        teams=team_views,
        own_posts=own_posts,
        targets=targets,
        my_facts=list(
            exercise.cases[run.round].for_facts
            if my_side == "for"
            else exercise.cases[run.round].against_facts
            if my_side == "against"
            else []
        ),
        argument_counts={s: len(room.shown[("argument", s)]) for s in advocacy_debate.SIDES},
        rebuttal_counts={s: len(room.shown[("rebuttal", s)]) for s in advocacy_debate.SIDES},
        voted=room.voted["first" if phase == "first_vote" else "final"],
        eligible=len(present),
        rows=rows if phase == "verdict" or host else [],
        both=verdict.both,
        winner=SIDE_LABELS[verdict.winner] if verdict.winner else None,
        highlights=highlights,
        moderation=[view(p) for p in sorted(debate.posts, key=lambda p: debate.posts[p].at)]
        if host
        else [],
    )


def _personal(personal: Hashable) -> tuple[str, str | None]:
    """What a phone's key (see `phone_key`) names: the participant, when the phone shows its team,
    and the vote it shows."""
    match personal:
        case ("team", str(participant_id)):
            return participant_id, None
        case ("vote", str(choice)):
            return "", choice
    return "", None


def _ballot(names: Names, phase: str) -> str | None:
    """The ballot people fill at `phase`, when they vote then."""
    return {"first_vote": names.first, "final_vote": names.final}.get(phase)


def phone_key(state: "RoomState", run: "Run") -> Callable[[str], Hashable]:
    """All a phone's stage shows of its own. The case and the verdict are the same on every
    phone; a vote, the phone's choice; from the teams on, a phone without a team waits (or
    chooses its side) as any other does, and one with a team shows its team, side and
    teammates, and which posts are its own or upvoted by it: those are rendered for it alone."""
    phase = run.current_phase.name
    names = Names.of(run.hash(f"{run.round}:"))
    ballot = _ballot(names, phase)
    if ballot is not None:
        votes = state.data(ballot)
        return lambda participant_id: ("vote", votes.get(participant_id))
    if phase not in TEAM_STEPS:
        return lambda participant_id: phase
    teams = state.data(names.teams)
    present = state.present_ids

    def key(participant_id: str) -> Hashable:
        seated = participant_id in present and bool(teams.get(participant_id))
        return ("team", participant_id) if seated else "no team"

    return key


def phones_touched(run: "Run", write: Write) -> Collection[str] | None:
    """Whose `phone_key` a write to the run's data may change: while people vote, the voter's
    (a write to that step's ballot); from the teams on, whoever is given a team (or moved to
    another, which leaves their key as it was). Posts, upvotes and moderation change nobody's,
    nor does anything at the case or the verdict."""
    phase = run.current_phase.name
    names = Names.of(run.hash(f"{run.round}:"))
    ballot = _ballot(names, phase)
    if ballot is not None:
        return (write.field,) if write.hash == ballot else ()
    if phase in TEAM_STEPS:
        return (write.field,) if write.hash == names.teams else ()
    return ()


def _shift_bars(verdict: rules.Verdict) -> list[ShiftBar]:
    bars = []
    for when, counts in ((N_("Before"), verdict.first), (N_("After"), verdict.final)):
        total = sum(counts.values())
        segments = []
        x = 0.0
        for choice in BAR_ORDER:
            share = 100 * counts[choice] / total if total else 0.0
            segments.append(
                Segment(
                    choice,
                    advocacy_debate.CHOICE_LABELS[choice],
                    counts[choice],
                    round(share),
                    round(x, 2),
                    round(share, 2),
                    share >= SEGMENT_LABELLED,
                )
            )
            x += share
        bars.append(ShiftBar(when, total, segments))
    return bars


def _moves(verdict: rules.Verdict) -> list[str]:
    """Who changed their vote, in words: "3 people moved to For"."""
    lines: list[str] = [
        Message.counted(
            "%(num)s person moved to %(choice)s",
            "%(num)s people moved to %(choice)s",
            moved,
            choice=advocacy_debate.CHOICE_LABELS[choice],
        )
        for choice in BAR_ORDER
        if (moved := verdict.moved_to.get(choice, 0))
    ]
    stayed = verdict.both - sum(verdict.moved_to.values())
    if stayed:
        lines.append(
            Message.counted(
                "%(num)s person kept their vote", "%(num)s people kept their vote", stayed
            )
        )
    return lines
