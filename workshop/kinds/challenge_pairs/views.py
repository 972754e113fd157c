"""What each audience sees of a pairs round: the view models its stage templates lay out."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop.kinds.challenge_pairs.content import (
    COLOURS,
    HABIT_LABELS,
    HABITS,
    ChallengePairs,
    ChallengerCard,
    CustomerCard,
    Half,
    Names,
    Pair,
    Rating,
    current_rating,
    decode_pairs,
    decode_ratings,
    half_of,
    seat_of,
)
from workshop.kinds.challenge_pairs.rules import summarise

if TYPE_CHECKING:
    from workshop.models import RoomState, Run
    from workshop.render import Audience


@dataclass(frozen=True)
class PersonView:
    """Someone present who has no seat yet, for the facilitator."""

    id: str
    name: str
    online: bool


@dataclass(frozen=True)
class SeatView:
    id: str
    name: str
    role: str
    online: bool
    rated: bool


@dataclass(frozen=True)
class PairView:
    id: str
    number: int
    colour: str
    colour_index: int
    seats: list[SeatView]

    @property
    def waiting(self) -> bool:
        return len(self.seats) < 2

    @property
    def flagged(self) -> bool:
        """Someone in the group has lost their connection."""
        return any(not seat.online for seat in self.seats)


@dataclass(frozen=True)
class HabitScore:
    label: str
    partner: list[int]
    own: float | None

    @property
    def partner_mean(self) -> str:
        return f"{sum(self.partner) / len(self.partner):.1f}" if self.partner else "-"

    @property
    def own_label(self) -> str:
        return f"{self.own:.1f}" if self.own is not None else "-"

    @property
    def gap(self) -> str:
        if self.own is None or not self.partner:
            return "-"
        return f"{self.own - sum(self.partner) / len(self.partner):+.1f}"


@dataclass(frozen=True)
class Comment:
    role: str
    landed: str
    try_next: str


@dataclass(frozen=True)
class SummaryRow:
    label: str
    distribution: list[int]
    partner_mean: str
    self_mean: str
    gap: str
    widths: list[int]
    """Bar length per score, 0-100, relative to the most frequent score of this habit."""


@dataclass(frozen=True)
class Contrast:
    """One conversation's two cards side by side, shown to the room at the debrief."""

    title: str
    conclusion: str
    """What the customer held."""
    missed: str
    """What the challenger's card said they may have missed."""


@dataclass(frozen=True)
class PairsView:
    title: str
    brief: str
    notes: str
    """The case's facilitator notes: for the console only."""
    phase: str
    half: int | None
    habits: list[tuple[str, str]]
    customer_card: CustomerCard | None
    challenger_card: ChallengerCard | None
    checklist: list[str]
    """The cards and the observer checklist this viewer reads now: a phone, in a conversation,
    sees those of its own role (an observer sees all three); nobody else sees any."""
    contrasts: list[Contrast]
    """The projector's and console's debrief: both conversations' cards side by side."""
    my_pair: PairView | None
    my_role: str | None
    partner_names: list[str]
    target_name: str
    my_rating: Rating | None
    feedback: list[HabitScore]
    comments: list[Comment]
    pairs: list[PairView]
    ratings_in: int
    ratings_expected: int
    summary: list[SummaryRow]
    unseated: list[PersonView]
    move_targets: list[tuple[str, str]]


ROLE_LABELS = {"challenger": "Challenger", "customer": "Customer", "observer": "Observer"}
TALKING = ("converse", "swap")
"""The phases in which pairs talk, each side reading its own card."""
ROLE_SEES = {
    "customer": frozenset({"customer"}),
    "challenger": frozenset({"challenger"}),
    "observer": frozenset({"observer", "customer", "challenger"}),
}
"""Which cards each role reads while the pair talks: each side only its own; the observer all."""


def pairs_view(
    state: "RoomState", run: "Run", exercise: ChallengePairs, viewer: "Audience"
) -> PairsView:
    names = Names.of(run.hash(f"{run.round}:"))
    pairs = decode_pairs(state.data(names.pairs))
    ratings = decode_ratings(state.data(names.ratings))
    phase = run.current_phase.name
    half_now = half_of(phase)
    half: Half = half_now or (2 if phase == "debrief" else 1)
    case = exercise.cases[run.round]
    # A phone is drawn from its key alone (see `phone_key`): its own id only when seated or at
    # the debrief; the brief and the wait for a seat show nothing of anyone.
    me = _seated(viewer.personal) if viewer.kind == "phone" else ""

    def name(pid: str) -> str:
        person = state.participants.get(pid)
        return person.name if person else "someone who left"

    def pair_view(pair: Pair) -> PairView:
        colour, _ = pair.colour
        seats = [
            SeatView(
                id=pid,
                name=name(pid),
                role=ROLE_LABELS.get(pair.role_of(pid, half) or "", "Waiting for a partner"),
                online=pid in state.online,
                rated=current_rating(pairs, ratings, half, pid) is not None,
            )
            for pid in pair.members
        ]
        return PairView(
            pair.id,
            pair.number,
            colour,
            (pair.number - 1) % len(COLOURS) + 1,
            seats,
        )

    mine = seat_of(pairs, me) if me else None
    my_role = mine.role_of(me, half) if mine else None
    target = mine.challenger(half) if mine else None
    received = (
        [r for (h, rater), r in ratings.items() if r.target == me and rater != me] if me else []
    )
    own = (
        {h: r for (h, rater), r in ratings.items() if rater == me and r.rater_role == "challenger"}
        if me
        else {}
    )
    feedback = (
        [
            HabitScore(
                label=HABIT_LABELS[habit],
                partner=[r.scores[habit] for r in received],
                own=sum(r.scores[habit] for r in own.values()) / len(own) if own else None,
            )
            for habit in HABITS
        ]
        if me and phase == "debrief"
        else []
    )
    summary = []
    if viewer.kind != "phone" and phase == "debrief":
        for habit in summarise(ratings.values()):
            top = max(habit.distribution) or 1
            summary.append(
                SummaryRow(
                    label=habit.label,
                    distribution=habit.distribution,
                    partner_mean=f"{habit.partner_mean:.1f}"
                    if habit.partner_mean is not None
                    else "-",
                    self_mean=f"{habit.self_mean:.1f}" if habit.self_mean is not None else "-",
                    gap=f"{habit.gap:+.1f}" if habit.gap is not None else "-",
                    widths=[round(100 * n / top) for n in habit.distribution],
                )
            )
    seated = {m for pair in pairs.values() for m in pair.members}
    views = [pair_view(pair) for pair in pairs.values()]
    cards = case.first if half == 1 else case.swapped
    sees = ROLE_SEES.get(my_role or "", frozenset()) if phase in TALKING else frozenset()
    return PairsView(
        title=case.title,
        brief=case.brief,
        notes=case.notes if viewer.kind == "host" else "",
        phase=phase,
        half=half_now,
        habits=[(h, HABIT_LABELS[h]) for h in HABITS],
        customer_card=cards.customer if "customer" in sees else None,
        challenger_card=cards.challenger if "challenger" in sees else None,
        checklist=list(case.observer_checklist) if "observer" in sees else [],
        contrasts=[
            Contrast(title, cs.customer.conclusion, cs.challenger.hint)
            for title, cs in (("First conversation", case.first), ("Roles swapped", case.swapped))
        ]
        if viewer.kind != "phone" and phase == "debrief"
        else [],
        my_pair=pair_view(mine) if mine else None,
        my_role=my_role,
        partner_names=[name(m) for m in mine.members if m != me] if mine else [],
        target_name=name(target) if target and target != me else "",
        my_rating=current_rating(pairs, ratings, half, me) if me else None,
        feedback=feedback,
        comments=[
            Comment(ROLE_LABELS[r.rater_role], r.landed, r.try_next)
            for r in received
            if r.landed or r.try_next
        ],
        pairs=views if viewer.kind != "phone" else [],
        ratings_in=sum(
            1
            for pair in pairs.values()
            for member in pair.members
            if current_rating(pairs, ratings, half, member) is not None
        ),
        ratings_expected=sum(len(p.members) for p in pairs.values() if len(p.members) >= 2),
        summary=summary,
        unseated=[
            PersonView(p.id, p.name, p.id in state.online)
            for p in state.present
            if p.id not in seated
        ]
        if viewer.kind == "host"
        else [],
        move_targets=[(v.id, f"{v.colour} {v.number}") for v in views if len(v.seats) < 3]
        if viewer.kind == "host"
        else [],
    )


def _seated(personal: Hashable) -> str:
    """The participant a phone's key names, if any."""
    if isinstance(personal, tuple) and len(personal) == 2 and personal[0] == "own":
        return str(personal[1])
    return ""


def phone_key(state: "RoomState", run: "Run") -> Callable[[str], Hashable]:
    """All a phone's stage shows of its own. The brief is the same on every phone, and so is the
    wait for a seat; a seated phone shows its pair, role and partners, and the debrief its own
    feedback: those are rendered for it alone."""
    phase = run.current_phase.name
    if phase == "brief":
        return lambda participant_id: "brief"
    if phase == "debrief":
        return lambda participant_id: ("own", participant_id)
    pairs = decode_pairs(state.data(Names.of(run.hash(f"{run.round}:")).pairs))
    seated = {member for pair in pairs.values() for member in pair.members}
    return lambda participant_id: ("own", participant_id) if participant_id in seated else "waiting"
