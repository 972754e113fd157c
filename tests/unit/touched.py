"""What a kind's `phone_key` and `phones_touched` promise the hub, checked while a room plays.

A room is held as a process holds it (`changes.LiveRoom`), and each decision's effects are applied
to it as their commit would be published: write by write, so that each write is checked alone
(stricter than the hub needs: it looks at the phones every write of a commit touched, together).
After every write it checks that each phone whose keys changed is one the room says it touched,
as the hub would ask it (`take_touched`: a person's record, and what the kind's `phones_touched`
names), and, where the changes say they show on the touched phones alone, that every other phone
is drawn as before. After every
decision it checks that phones with equal keys are shown the same HTML in every region they share.
A decision that changes the meta is applied whole: the hub then looks at every phone.

No I/O: the effects come from the engine's pure decisions.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass

from workshop.changes import Committed, LiveRoom, Published
from workshop.effects import Effects
from workshop.errors import Rejected
from workshop.exercises import Library
from workshop.models import RoomState
from workshop.render import PHONE_SHARED_REGIONS, Audience, Renderer, phone_keys, room_context

RENDERER = Renderer()
NO_LIBRARY = Library(exercises={}, agendas={})
"""A phone's page lists no exercises: its context needs no library."""
JOIN_URL = "http://192.0.2.1:8000/r/ABC234"
SHARED_DRAWN = 3
"""How many phones of each group of equal keys are drawn and compared (the rest are alike)."""

Move = Callable[[RoomState], Effects]
"""A decision on the room as it stands (raises `Rejected` when the rules refuse it)."""


def keys_of(state: RoomState, people: Iterable[str]) -> dict[str, Hashable]:
    """Each phone's keys as a refresh compares them: its own regions' (but whether its card shows
    something, which the hub tells apart itself) and its shared regions'."""
    keys = phone_keys(state)
    return {pid: (own[0], shared) for pid in people for own, shared in [keys(pid)]}


def shared_html(state: RoomState, participant_id: str) -> dict[str, str]:
    """A phone's regions that phones with equal keys share, rendered for it."""
    context = room_context(state, Audience("phone", participant_id), 0.0, JOIN_URL, NO_LIBRARY)
    return RENDERER.regions("phone.html", context, PHONE_SHARED_REGIONS)


def assert_equal_keys_draw_alike(state: RoomState) -> int:
    """Phones with equal shared keys get byte-identical regions; returns how many groups of two
    phones or more were compared."""
    groups: dict[Hashable, list[str]] = {}
    keys = phone_keys(state)
    for pid in state.participants:
        groups.setdefault(keys(pid)[1], []).append(pid)
    compared = 0
    for key, members in groups.items():
        if len(members) < 2:
            continue
        first, *others = sorted(members)[:SHARED_DRAWN]
        drawn = shared_html(state, first)
        for other in others:
            assert shared_html(state, other) == drawn, f"{first} and {other} share {key!r}"
        compared += 1
    return compared


@dataclass
class Played:
    """A room held as a process holds it, and what playing it has checked so far."""

    live: LiveRoom
    writes_checked: int = 0
    alone_checked: int = 0
    """Writes said to show on the phones they touch alone (`Kind.shows_on_touched_only`), whose
    other phones were drawn before and after and found the same."""
    groups_compared: int = 0
    rejected: int = 0

    @classmethod
    def of(cls, state: RoomState) -> "Played":
        live = LiveRoom(state, {})
        live.take_touched()  # A room just read starts with every phone to look at.
        return cls(live)

    @property
    def state(self) -> RoomState:
        return self.live.state(0.0)

    def _publish(self, change: Committed) -> tuple[frozenset[str] | None, bool]:
        live = self.live
        assert live.apply(Published(live.meta.code, live.version + 1, (change,)))
        return live.take_touched()

    def commit(self, effects: Effects) -> None:
        """Applies `effects` as their commit's message would be, checking each write (a change
        of the meta with its writes, as one)."""
        assert effects.drop == ()
        if effects.meta is not None:
            self._check(Committed(effects.meta, effects.writes), set())
            return
        for write in effects.writes:
            self._check(
                Committed(None, (write,)), {write.field} if write.hash == "people" else set()
            )

    def _check(self, change: Committed, newcomers: set[str]) -> None:
        before = self.state
        people = set(before.participants) | newcomers
        keys = keys_of(before, people)
        drawn = {pid: shared_html(before, pid) for pid in people}
        touched, elsewhere = self._publish(change)
        if touched is None:
            return
        after = keys_of(self.state, people)
        changed = {pid for pid in people if keys[pid] != after[pid]}
        assert changed <= touched, (
            f"{change} changed the keys of {sorted(changed - touched)}, not touched: "
            + "; ".join(f"{pid}: {keys[pid]!r} -> {after[pid]!r}" for pid in changed - touched)
        )
        self.writes_checked += 1
        if not elsewhere:
            # Said to show on the touched phones alone: the hub draws no other phone.
            for pid in people - touched:
                assert shared_html(self.state, pid) == drawn[pid], f"{change} changed {pid}'s phone"
            self.alone_checked += 1

    def play(self, moves: Iterable[Move]) -> Iterator[RoomState]:
        """Takes each move the rules accept, checks it, and yields the room after it."""
        for move in moves:
            try:
                effects = move(self.state)
            except Rejected:
                self.rejected += 1
                continue
            self.commit(effects)
            state = self.state
            self.groups_compared += assert_equal_keys_draw_alike(state)
            yield state
