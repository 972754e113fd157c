"""What each audience sees of a pairs round: the view models its stage templates lay out."""

import re
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop.effects import Write
from workshop.feedback import FeedbackView, feedback_view
from workshop.i18n import N_, Message
from workshop.kinds.challenge_pairs.content import (
    COLOURS,
    HABIT_LABELS,
    HABITS,
    MINUTES,
    PHASES,
    RATING,
    READING,
    RESISTANCE,
    TALKING,
    TALKS,
    ChallengePairs,
    ChallengerCard,
    CustomerCard,
    Half,
    Names,
    Pair,
    Rating,
    current_rating,
    decode_pairs,
    half_of,
)
from workshop.kinds.challenge_pairs.rules import summarise, summarise_ticks
from workshop.kinds.challenge_pairs.summary import (
    ROLE_WORDS,
    card_round,
    ratings_about,
    round_ratings,
)
from workshop.words import decimal

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
    plays: bool
    """Has a part in the current talk (a pair sits out a trio's turn)."""


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
class Item:
    """A checklist item, its habit (when the item names one) apart from its words."""

    number: int
    habit: str
    text: str


@dataclass(frozen=True)
class ScorePoint:
    """One score of a habit's 1 to 5 scale, and what it looks like when the rubric says (1, 3, 5)."""

    score: int
    anchor: str
    chosen: bool

    @property
    def name(self) -> str:
        """What a screen reader says for the choice: the score, and the rubric's words for it."""
        return f"{self.score}, {self.anchor}" if self.anchor else str(self.score)


SCORES = range(1, 6)


@dataclass(frozen=True)
class RubricHabit:
    """One habit of the rating form: what it means, what 1, 3 and 5 look like, the rater's score."""

    habit: str
    label: str
    means: str
    anchors: list[tuple[int, str]]
    chosen: int | None

    @property
    def points(self) -> list[ScorePoint]:
        """The scale as the form offers it: each score with its anchor words, if any."""
        words = dict(self.anchors)
        return [ScorePoint(s, words.get(s, ""), s == self.chosen) for s in SCORES]


@dataclass(frozen=True)
class Choice:
    """A checklist item offered to a rater as a tick."""

    item: Item
    ticked: bool


@dataclass(frozen=True)
class TickRow:
    """One checklist item at the debrief: how many partner ratings and self-ratings ticked it."""

    item: Item
    partners: int
    partner_ratings: int
    own: int
    self_ratings: int
    width: int
    """Share of partner ratings that ticked it, 0-100."""


@dataclass(frozen=True)
class Seen:
    """What partners ticked for this participant: an item and how many of them saw it."""

    item: Item
    count: int
    of: int


@dataclass(frozen=True)
class StepTime:
    title: str
    minutes: int
    current: bool


@dataclass(frozen=True)
class PairsView:
    title: str
    brief: str
    notes: str
    """The case's facilitator notes: for the console only."""
    phase: str
    half: int | None
    reading: bool
    """This phone reads its card before talking (a reading step, or a trio's turn)."""
    habits: list[tuple[str, str]]
    customer_card: CustomerCard | None
    challenger_card: ChallengerCard | None
    customer_resistance: str
    challenger_resistance: str
    """What the card's resistance means, in one line, for each card shown."""
    checklist: list[Item]
    """The cards and the observer checklist this viewer reads now: a phone, while reading or in a
    conversation, sees those of its own role (an observer sees all three); nobody else sees any."""
    contrasts: list[Contrast]
    """The projector's and console's debrief: both conversations' cards side by side."""
    my_pair: PairView | None
    my_role: str | None
    my_role_name: str
    """The person's role in words, for their screen ("" when they have none)."""
    sits_out: bool
    """This phone's pair has no part in the current talk (a trio's turn)."""
    partner_names: list[str]
    target_name: str
    my_rating: Rating | None
    rubric: list[RubricHabit]
    choices: list[Choice]
    """The rating form: each habit with its anchors, and the checklist as ticks."""
    feedback: FeedbackView | None
    """This phone's own feedback at the debrief: its habits beside its partners', and the comments
    addressed to it (the personal card shows the same)."""
    seen: list[Seen]
    seen_by: int
    """How many partner ratings `seen` counts over."""
    pairs: list[PairView]
    ratings_in: int
    ratings_expected: int
    summary: list[SummaryRow]
    ticks: list[TickRow]
    debrief: list[str]
    """The room's debrief: habits, what raters ticked, and the case's prompts (console, projector)."""
    unseated: list[PersonView]
    move_targets: list[tuple[str, str]]
    minutes: int | None
    """The console's suggested minutes for this step, and the round's plan."""
    plan: list[StepTime]
    trios: list[str]
    """For the console: who challenges in which talk, in each trio."""


ROLE_LABELS = {
    "challenger": N_("Challenger"),
    "customer": N_("Customer"),
    "observer": N_("Observer"),
}
ROLE_SEES = {
    "customer": frozenset({"customer"}),
    "challenger": frozenset({"challenger"}),
    "observer": frozenset({"observer", "customer", "challenger"}),
}
"""Which cards each role reads while the pair reads and talks: each side only its own; the observer
all."""
TALK_NAMES = {
    1: N_("%(name)s in the first talk"),
    2: N_("%(name)s after the swap"),
    3: N_("%(name)s in the trio's turn"),
}
_TAGGED = re.compile(r"^\((\w+)\)\s*(.+)$")


def item_of(number: int, text: str) -> Item:
    """A checklist line; "(Curious) Asked …" names its habit."""
    match = _TAGGED.match(text)
    if match and match.group(1).lower() in HABIT_LABELS:
        return Item(number, HABIT_LABELS[match.group(1).lower()], match.group(2))
    return Item(number, "", text)


def seat_label(pair: Pair, participant: str, half: Half) -> str:
    role = pair.role_of(participant, half)
    if role is not None:
        return ROLE_LABELS[role]
    return N_("Waiting for a partner") if len(pair.members) < 2 else N_("Sitting this turn out")


@dataclass(frozen=True)
class PairsRound:
    """What every screen's view of a round is drawn from, worked out once per read of the room:
    a refresh draws the console, the projector and each seated phone from the same read, and each
    would otherwise decode the round and go through every pair again (counting the ratings in,
    through every pair for each member)."""

    pairs: dict[str, Pair]
    ratings: dict[tuple[int, str], Rating]
    seats: Mapping[str, Pair]
    """Each member's pair (the first that holds them, as `seat_of` finds it)."""
    views: Mapping[str, PairView]
    """Each pair as the screens show it, by pair id, in the pairs' order."""
    ratings_in: int
    ratings_expected: int

    def rating(self, half: Half, rater: str) -> Rating | None:
        """`current_rating`, without going through every pair to find the rater's."""
        return _rating(self.seats, self.ratings, half, rater)


def _rating(
    seats: Mapping[str, Pair], ratings: Mapping[tuple[int, str], Rating], half: Half, rater: str
) -> Rating | None:
    pair = seats.get(rater)
    return current_rating({pair.id: pair} if pair else {}, ratings, half, rater)


def _half(phase: str) -> Half:
    """The talk a step is about: its own, the last one's at the debrief, else the first."""
    return half_of(phase) or (2 if phase == "debrief" else 1)


def pairs_round(state: "RoomState", run: "Run") -> PairsRound:
    """The current round of `run` as every view draws from it, worked out once per read."""
    key = ("pairs", run.id, run.round)
    drawn: PairsRound | None = state.derived.get(key)
    if drawn is None:
        drawn = state.derived[key] = _pairs_round(state, run)
    return drawn


def _name(state: "RoomState", pid: str) -> str:
    person = state.participants.get(pid)
    return person.name if person else N_("someone who left")


def _pairs_round(state: "RoomState", run: "Run") -> PairsRound:
    pairs = decode_pairs(state.data(Names.of(run.hash(f"{run.round}:")).pairs))
    ratings = round_ratings(state, run, run.round)
    half = _half(run.current_phase.name)
    seats: dict[str, Pair] = {}
    for pair in pairs.values():
        for member in pair.members:
            seats.setdefault(member, pair)
    views: dict[str, PairView] = {}
    for pair in pairs.values():
        colour, _ = pair.colour
        seat_views = [
            SeatView(
                id=pid,
                name=_name(state, pid),
                role=seat_label(pair, pid, half),
                online=pid in state.online,
                rated=_rating(seats, ratings, half, pid) is not None,
                plays=pair.role_of(pid, half) is not None,
            )
            for pid in pair.members
        ]
        views[pair.id] = PairView(
            pair.id, pair.number, colour, (pair.number - 1) % len(COLOURS) + 1, seat_views
        )
    members = [(pair, m) for pair in pairs.values() for m in pair.members]
    return PairsRound(
        pairs=pairs,
        ratings=ratings,
        seats=seats,
        views=views,
        ratings_in=sum(1 for _, m in members if _rating(seats, ratings, half, m) is not None),
        ratings_expected=sum(1 for pair, m in members if pair.role_of(m, half)),
    )


def pairs_view(
    state: "RoomState", run: "Run", exercise: ChallengePairs, viewer: "Audience"
) -> PairsView:
    drawn = pairs_round(state, run)
    pairs, ratings = drawn.pairs, drawn.ratings
    phase = run.current_phase.name
    half_now = half_of(phase)
    half = _half(phase)
    case = exercise.cases[run.round]
    # A phone is drawn from its key alone (see `phone_key`): its own id only when seated or at
    # the debrief; the brief and the wait for a seat show nothing of anyone.
    me = _seated(viewer.personal) if viewer.kind == "phone" else ""
    host = viewer.kind == "host"
    room = viewer.kind != "phone"
    debrief = phase == "debrief"
    items = [item_of(number, text) for number, text in enumerate(case.observer_checklist, 1)]

    def name(pid: str) -> str:
        return _name(state, pid)

    mine = drawn.seats.get(me) if me else None
    my_role = mine.role_of(me, half) if mine else None
    target = mine.challenger(half) if mine else None
    received = ratings_about(state, run, run.round, me)[0] if me else []
    feedback = None
    if me and debrief:
        given = card_round(state, run, exercise, me, run.round)
        feedback = feedback_view(given) if given is not None else None
    my_rating = drawn.rating(half, me) if me else None
    rating_now = bool(me and phase in RATING and my_role is not None)
    summary = []
    if room and debrief:
        for habit in summarise(ratings.values()):
            top = max(habit.distribution) or 1
            summary.append(
                SummaryRow(
                    label=habit.label,
                    distribution=habit.distribution,
                    partner_mean=decimal(habit.partner_mean),
                    self_mean=decimal(habit.self_mean),
                    gap=decimal(habit.gap, signed=True),
                    widths=[round(100 * n / top) for n in habit.distribution],
                )
            )
    seated = drawn.seats
    views = list(drawn.views.values())
    cards = case.cards(half)
    shows_cards = phase in READING or phase in TALKING
    sees = ROLE_SEES.get(my_role or "", frozenset()) if shows_cards else frozenset()
    customer_card = cards.customer if "customer" in sees else None
    challenger_card = cards.challenger if "challenger" in sees else None
    return PairsView(
        title=case.title,
        brief=case.brief,
        notes=case.notes if host else "",
        phase=phase,
        half=half_now,
        reading=phase in READING or (phase == "trio" and bool(sees)),
        habits=[(h, HABIT_LABELS[h]) for h in HABITS],
        customer_card=customer_card,
        challenger_card=challenger_card,
        customer_resistance=RESISTANCE["customer"][customer_card.resistance]
        if customer_card
        else "",
        challenger_resistance=RESISTANCE["challenger"][challenger_card.resistance]
        if challenger_card
        else "",
        checklist=items if "observer" in sees else [],
        contrasts=[
            Contrast(title, cs.customer.conclusion, cs.challenger.hint)
            for title, cs in (
                (N_("First conversation"), case.first),
                (N_("Roles swapped"), case.swapped),
            )
        ]
        if room and debrief
        else [],
        my_pair=drawn.views[mine.id] if mine else None,
        my_role=my_role,
        my_role_name=ROLE_WORDS[my_role] if my_role else "",
        sits_out=bool(mine and my_role is None and len(mine.members) >= 2),
        partner_names=[name(m) for m in mine.members if m != me] if mine else [],
        target_name=name(target) if target and target != me else "",
        my_rating=my_rating,
        rubric=[
            RubricHabit(
                habit=h.habit,
                label=h.label,
                means=h.means,
                anchors=sorted(h.anchors.items()),
                chosen=my_rating.scores.get(h.habit) if my_rating else None,
            )
            for h in exercise.rubric
        ]
        if rating_now
        else [],
        choices=[Choice(item, bool(my_rating and item.number in my_rating.ticks)) for item in items]
        if rating_now
        else [],
        feedback=feedback,
        seen=[
            Seen(item, count, len(received))
            for item in items
            if (count := sum(item.number in r.ticks for r in received))
        ]
        if me and debrief
        else [],
        seen_by=len(received),
        pairs=views if room else [],
        ratings_in=drawn.ratings_in,
        ratings_expected=drawn.ratings_expected,
        summary=summary,
        ticks=_tick_rows(ratings.values(), case.observer_checklist) if room and debrief else [],
        debrief=list(case.debrief) if room and debrief else [],
        unseated=[
            PersonView(p.id, p.name, p.id in state.online)
            for p in state.present
            if p.id not in seated
        ]
        if host
        else [],
        move_targets=[
            (v.id, Message("%(colour)s %(number)s", colour=v.colour, number=v.number))
            for v in views
            if len(v.seats) < 3
        ]
        if host
        else [],
        minutes=MINUTES[phase] if host else None,
        plan=[StepTime(p.title, MINUTES[p.name], p.name == phase) for p in PHASES] if host else [],
        trios=_trio_plan(pairs, name) if host else [],
    )


def _seated(personal: Hashable) -> str:
    """The participant a phone's key names, if any."""
    if isinstance(personal, tuple) and len(personal) == 2 and personal[0] == "own":
        return str(personal[1])
    return ""


def _tick_rows(ratings: Iterable[Rating], checklist: Sequence[str]) -> list[TickRow]:
    return [
        TickRow(
            item=item_of(row.number, row.item),
            partners=row.partners,
            partner_ratings=row.partner_ratings,
            own=row.own,
            self_ratings=row.self_ratings,
            width=round(100 * row.partners / row.partner_ratings) if row.partner_ratings else 0,
        )
        for row in summarise_ticks(ratings, checklist)
    ]


def _trio_plan(pairs: Mapping[str, Pair], name: Callable[[str], str]) -> list[str]:
    lines: list[str] = []
    for pair in pairs.values():
        if len(pair.members) < 3:
            continue
        turns = [
            Message(TALK_NAMES[talk].text, name=name(challenger))
            for talk in TALKS
            if (challenger := pair.challenger(talk))
        ]
        colour, _ = pair.colour
        lines.append(
            Message(
                "%(colour)s %(number)s challenges: %(turns)s.",
                colour=colour,
                number=pair.number,
                turns=Message.joined(*turns, sep=", "),
            )
        )
    return lines


def phone_key(state: "RoomState", run: "Run") -> Callable[[str], Hashable]:
    """All a phone's stage shows of its own. The brief is the same on every phone, and so is the
    wait for a seat; a seated phone shows its pair, role and partners, and the debrief its own
    feedback: those are rendered for it alone."""
    phase = run.current_phase.name
    if phase == "brief":
        return lambda participant_id: "brief"
    if phase == "debrief":
        return lambda participant_id: ("own", participant_id)
    seated = pairs_round(state, run).seats
    return lambda participant_id: ("own", participant_id) if participant_id in seated else "waiting"


def phones_touched(run: "Run", write: Write) -> Collection[str] | None:
    """Whose `phone_key` a write to the run's data may change. At the brief every phone has the
    same key, and at the debrief each its own id: no write changes either. In between a key says
    whether the phone is seated, which the round's pairs alone decide: a write there names a
    pair's members after it, not those who left the pair, so anyone's key may change. Ratings and
    other rounds' data change nobody's key; a rating, while ratings are collected, is said to touch
    its rater, whose form shows it (see `shows_on_touched_only`)."""
    names = Names.of(run.hash(f"{run.round}:"))
    if write.hash == names.ratings and run.current_phase.name in RATING:
        # Nobody's key, but the rater's stage: its form shows the rating sent.
        return (write.field.split("|", 1)[1],)
    if run.current_phase.name in ("brief", "debrief"):
        return ()
    return None if write.hash == names.pairs else ()


def shows_on_touched_only(run: "Run", write: Write) -> bool:
    """A rating, while ratings are collected, shows on the rater's phone alone (and its target's
    card link, which the hub tells apart): nobody sees another's rating before the debrief."""
    return (
        write.hash == Names.of(run.hash(f"{run.round}:")).ratings
        and run.current_phase.name in RATING
    )
