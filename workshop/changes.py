"""What a commit changed, as every process hears it, and the room a process holds by applying it.

Every change to a room bumps its version by one and is published with it (see `store`): a commit's
writes and new meta, a phone coming or going. A process that follows a room reads it whole once
(`LiveRoom`), then applies each published change in order instead of reading it again. A change it
cannot place (a version missed, a message it does not understand) makes it read the room again.
Heartbeats are published too, without a version: they only keep present who is already present.

Pure: no I/O.
"""

import functools
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from workshop.effects import Write
from workshop.kinds import data_of, kind_of
from workshop.models import Participant, RoomMeta, RoomState, arrival_order


@dataclass(frozen=True)
class Committed:
    """One decision's committed effects."""

    meta: RoomMeta | None
    """The new meta, when the decision changed it (its revision then moves up by one)."""
    writes: tuple[Write, ...] = ()
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Presence:
    """One connection marked online or gone, and everyone not heard of since `stale_before`
    forgotten (as `lua/presence.lua` does)."""

    member: str
    online: bool
    at: float
    stale_before: float


Change = Committed | Presence


@dataclass(frozen=True)
class Published:
    """What one message on a room's channel says: the room is now at `version`, after `changes`
    (one version each, in order). `changes` None: the message cannot be applied (the room was
    deleted, or the message is not understood), so the room must be read again."""

    code: str
    version: int
    changes: tuple[Change, ...] | None

    @property
    def since(self) -> int:
        """The version the changes apply to."""
        return self.version - len(self.changes or ())


@dataclass(frozen=True)
class Beat:
    """Connections still there at `at` (see `Store.heartbeat`)."""

    code: str
    members: tuple[str, ...]
    at: float


@functools.lru_cache(maxsize=16384)
def _person(record: str) -> Participant:
    return Participant.model_validate_json(record)


def _held_hashes(meta: RoomMeta) -> tuple[str, ...]:
    """The run data a whole-room read holds: every hash of each exercise started so far, and of the
    current one (as `Store.load` reads them with `every_run`)."""
    return tuple(
        run.hash(name)
        for run in meta.agenda
        if run.started or run.id == meta.current
        for name in data_of(run.exercise)
    )


class LiveRoom:
    """One room as a process holds it between whole reads, kept current by published changes.

    `state` hands out a `RoomState` that shares the held dictionaries; the next change to one of
    them copies it first, so a state handed out never changes (copy on write: one copy per
    changed record and state, not per change)."""

    def __init__(self, state: RoomState, presence: Mapping[str, float]) -> None:
        self.meta = state.meta
        self.rev = state.rev
        self.version = state.version
        self._people = state.participants
        self._arrivals: tuple[Participant, ...] | None = state.arrivals
        self._data: dict[str, dict[str, str]] = dict(state.run_data)
        self._presence: dict[str, float] = {}
        """When each connection was last heard of."""
        self._tabs: dict[str, int] = {}
        """How many of `_presence`'s connections each participant has."""
        self._floor = float("inf")
        """At or before the moment every connection in `_presence` was last heard of (a bound,
        made exact again only when asked about a later moment: see `online`)."""
        self._everyone_heard = self._tabs.keys()
        """The participants of `_tabs`, as handed out to states: `_tabs` is copied before anyone
        is added to it or dropped from it once a state holds this view (copy on write, as for
        the records)."""
        self._tabs_shared = False
        for member, at in presence.items():
            self._hear(member, at)
        self._shared: set[str] = set(self._data) | {"people"}
        """Records that a state handed out holds: copied before they are next changed."""
        self._held: tuple[RoomMeta, tuple[str, ...]] = (self.meta, _held_hashes(self.meta))
        self._online: tuple[float, float, frozenset[str]] | None = None
        """Who was online as last worked out: since when, until when that holds (the first time
        someone then online goes stale), and their ids."""
        self._state: RoomState | None = None
        """The state last handed out, handed out again until something changes."""
        self._head: RoomState | None = None
        """The same for `head`."""
        self._touched: set[str] | None = None
        """The participants whose phone's keys the changes since `take_touched` may have changed
        (None: anyone's; so it starts)."""
        self._elsewhere = True
        """Those changes may show on phones they did not touch (see
        `Kind.shows_on_touched_only`)."""
        self._timer_alone = False
        """Every change since `take_timer_alone` was to the timer alone (so it starts: False)."""

    def apply(self, published: Published) -> bool:
        """Applies a message heard on the room's channel. False when it cannot be placed after
        what is held (a version was missed, or it says "read again"): the room must be read again.
        A message for versions already held is skipped."""
        changes = published.changes
        if changes is None:
            return False
        if published.version <= self.version:
            return True
        if published.since != self.version:
            return False
        for change in changes:
            if isinstance(change, Committed):
                self._commit(change)
            else:
                self._mark(change)
        self.version = published.version
        self._state = self._head = None
        return True

    def beat(self, beat: Beat) -> None:
        """Keeps present those of `beat.members` who are (a heartbeat brings nobody back)."""
        presence = self._presence
        for member in beat.members:
            if member in presence and presence[member] < beat.at:
                presence[member] = beat.at
        # Still a bound of when each was last heard of: only later moments were written.
        self._online = None

    def _own(self, name: str) -> dict[str, str]:
        """The run data record `name`, copied first if a state handed out holds it."""
        record = self._data.get(name)
        if record is None:
            record = self._data[name] = {}
        elif name in self._shared:
            record = self._data[name] = dict(record)
        self._shared.discard(name)
        return record

    def take_touched(self) -> tuple[frozenset[str] | None, bool]:
        """The participants whose phone's keys may have changed since the last call (None:
        anyone's), beside whose card holders the states compared (see `render`) tell apart; and
        whether those changes may show on other phones too."""
        touched, self._touched = self._touched, set()
        elsewhere, self._elsewhere = self._elsewhere, False
        return None if touched is None else frozenset(touched), elsewhere

    def take_timer_alone(self) -> bool:
        """Whether the changes since the last call changed the timer and nothing else: then only
        the regions that show the timer (`render.TIMER_REGIONS`) can differ from the last draw."""
        alone, self._timer_alone = self._timer_alone, True
        return alone

    def _touch(self, write: Write) -> None:
        touched = self._touched
        if touched is None:
            return
        if write.hash == "people":
            touched.add(write.field)
            self._elsewhere = True
            return
        run = self.meta.current_run
        if run is None or not write.hash.startswith(f"run:{run.id}:"):
            return  # another exercise's data: only whose card shows something can change
        kind = kind_of(run.exercise)
        some = kind.phones_touched(run, write)
        if some is None:
            self._touched = None
        else:
            touched.update(some)
        if not kind.shows_on_touched_only(run, write):
            self._elsewhere = True

    def _commit(self, change: Committed) -> None:
        meta = change.meta
        if change.writes or change.drop or meta is None or not _timer_alone(self.meta, meta):
            self._timer_alone = False
        if change.drop or (change.meta is not None and _keys_may_change(self.meta, change.meta)):
            self._touched = None
        if change.drop or change.meta is not None:
            self._elsewhere = True
        for write in change.writes:
            self._touch(write)
            if write.hash == "people":
                if "people" in self._shared:
                    self._people = dict(self._people)
                    self._shared.discard("people")
                people = self._people
                if write.op == "put":
                    person = _person(write.value)
                    self._arrivals = _arrived(self._arrivals, people.get(write.field), person)
                    people[write.field] = person
                else:
                    people.pop(write.field, None)
                    self._arrivals = None
            elif write.hash.startswith("run:"):
                record = self._own(write.hash)
                if write.op == "put":
                    record[write.field] = write.value
                else:
                    record.pop(write.field, None)
            # Other records (the names) are the rules' alone: no screen shows them.
        for name in change.drop:
            if name == "people":
                self._people, self._arrivals = {}, None
                self._shared.discard("people")
            else:
                self._data.pop(name, None)
                self._shared.discard(name)
        if change.meta is not None:
            self.meta = change.meta
            self.rev += 1

    def _mark(self, change: Presence) -> None:
        self._elsewhere = True
        self._timer_alone = False
        if change.online:
            self._hear(change.member, change.at)
        else:
            self._forget(change.member)
        if change.stale_before > self._floor:
            presence = self._presence
            for member in [m for m, at in presence.items() if at < change.stale_before]:
                self._forget(member)
            self._floor = min(presence.values(), default=float("inf"))
        self._online = None

    def _hear(self, member: str, at: float) -> None:
        presence = self._presence
        if member not in presence:
            participant = member.split("|", 1)[0]
            tabs = self._tabs.get(participant, 0)
            if not tabs:
                self._own_tabs()
            self._tabs[participant] = tabs + 1
        presence[member] = at
        self._floor = min(self._floor, at)

    def _forget(self, member: str) -> None:
        """Drops a connection (`_floor` stays a bound: dropping one cannot make it wrong)."""
        if self._presence.pop(member, None) is None:
            return
        participant = member.split("|", 1)[0]
        tabs = self._tabs[participant] - 1
        if tabs:
            self._tabs[participant] = tabs
        else:
            self._own_tabs()
            del self._tabs[participant]

    def _own_tabs(self) -> None:
        """Copies `_tabs` before someone is added or dropped, if a state holds its keys."""
        if self._tabs_shared:
            self._tabs = dict(self._tabs)
            self._everyone_heard = self._tabs.keys()
            self._tabs_shared = False

    def online(self, since: float) -> AbstractSet[str]:
        """The participants with a connection heard of at `since` or later. While every
        connection held was heard of since then (the usual case: the room's heartbeats keep them
        fresh, and the store forgets the stale), that is everyone with a connection, kept up to
        date as connections come and go: a join storm adds one at a time to a big room, and
        every arrival's page asks. Otherwise worked out again only when a connection comes, goes
        or is heard of, or one then counted goes stale."""
        if since > self._floor:
            # The bound may be behind (a connection that was heard of again, or that left).
            self._floor = min(self._presence.values(), default=float("inf"))
        if since <= self._floor:
            self._tabs_shared = True
            return self._everyone_heard
        known = self._online
        if known is None or not known[0] <= since <= known[1]:
            heard = [(member, at) for member, at in self._presence.items() if at >= since]
            ids = frozenset(member.split("|", 1)[0] for member, _ in heard)
            known = self._online = (since, min((at for _, at in heard), default=float("inf")), ids)
        return known[2]

    def state(self, online_since: float) -> RoomState:
        """The room as held now, as a whole-room read of the store would give it, with whoever
        was heard of at `online_since` or later online."""
        online = self.online(online_since)
        if self._state is not None and self._state.online is online:
            return self._state
        if self._held[0] is not self.meta:
            self._held = (self.meta, _held_hashes(self.meta))
        data = self._data
        run_data = {name: data.get(name) or {} for name in self._held[1]}
        if self._arrivals is None:
            self._arrivals = arrival_order(self._people)
        self._shared = set(data) | {"people"}
        self._state = RoomState(
            self.meta,
            self.rev,
            self.version,
            participants=self._people,
            online=online,
            run_data=run_data,
            arrivals=self._arrivals,
        )
        return self._state

    def head(self, people: Collection[str] = ()) -> RoomState | None:
        """The meta, its revision and the version as held, with everyone (but no run data and no
        one online), for decisions that need no more than their actor; None when one of `people`
        is not held (one who has just joined, say: the store has them first). One state for
        every decision until the next change: a vote flood decides hundreds on it. Asked for
        nobody (a join), it holds nobody: handing out the people would have the next arrival
        copy them all, once per arrival in a join storm."""
        if not people:
            return RoomState(self.meta, self.rev, self.version)
        held = self._people
        for participant_id in people:
            if participant_id not in held:
                return None
        if self._head is None:
            self._shared.add("people")
            self._head = RoomState(self.meta, self.rev, self.version, participants=held)
        return self._head

    def knows(self, participant_id: str) -> bool:
        """Whether the room as held has this participant (still there or removed)."""
        return participant_id in self._people


def _keys_may_change(before: RoomMeta, after: RoomMeta) -> bool:
    """Whether a change of the meta may change phones' keys (see `render.phone_keys`): what runs,
    its step, its round, any exercise of the agenda, or the room's language (every phone's own
    regions are drawn again in it). The timer, the lock, the projector's look and the title are the
    same on every phone."""
    return (
        after.current != before.current
        or after.agenda != before.agenda
        or after.language != before.language
    )


def _timer_alone(before: RoomMeta, after: RoomMeta) -> bool:
    """Whether the timer is all that differs between two versions of the meta."""
    return after.timer != before.timer and after == before.model_copy(update={"timer": after.timer})


def _arrived(
    arrivals: tuple[Participant, ...] | None, before: Participant | None, person: Participant
) -> tuple[Participant, ...] | None:
    """The order of arrival after `person` is written: a newcomer who arrived last is added at the
    end (a join storm adds thousands, one at a time); anything else is sorted again when asked."""
    if arrivals is None or before is not None:
        return None
    if person.removed:
        return arrivals
    if arrivals and (arrivals[-1].joined_at, arrivals[-1].id) > (person.joined_at, person.id):
        return None
    return (*arrivals, person)
