"""The room as the rules see it: plain data, no I/O."""

import functools
import operator
import secrets
import unicodedata
from collections.abc import Hashable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from workshop.i18n import Language
from workshop.kinds import Exercise, PhaseSpec, phases_of, rounds_of

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Room codes avoid characters that are easily misread: no 0/O, 1/I/L."""
CODE_LENGTH = 6
NAME_MAX = 40
TITLE_MAX = 80


def new_room_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Codes are typed on phones: accept lower case, spaces and dashes."""
    return "".join(ch for ch in raw.upper() if not ch.isspace() and ch != "-")


def is_room_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def normalise_name(raw: str) -> str:
    """Control characters removed, runs of white space folded to one space, trimmed.

    Never makes a name longer and is idempotent; Unicode normalisation is left to `name_key`, so a
    name is shown as it was typed.
    """
    text = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in " \t\n")
    return " ".join(text.split())


def name_key(name: str) -> str:
    """What two names are compared by. Names that differ only in case, in how accents are encoded
    or in a compatibility form of a letter (a fullwidth "A", the "fi" ligature, a circled "A")
    count as the same. The name a person typed is kept and shown; only uniqueness and the
    console's people search use this.

    NFKC, then case folding, then NFKC again, as in Unicode's compatibility caseless matching
    (folding can undo a normalisation). NFKC can also make white space (a lone diaeresis becomes
    a space and a combining diaeresis), so the white space is folded last: the key of a key is
    the key itself.
    """
    text = unicodedata.normalize("NFKC", normalise_name(name))
    return normalise_name(unicodedata.normalize("NFKC", text.casefold()))


def run_hash(run_id: str, name: str) -> str:
    return f"run:{run_id}:{name}"


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    joined_at: float
    removed: bool = False


class Timer(BaseModel):
    """Server-authoritative countdown: a deadline while running, the time left while paused."""

    model_config = ConfigDict(frozen=True)

    running: bool
    deadline: float = 0.0
    remaining: float = 0.0
    total: float = 0.0

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.deadline - now) if self.running else max(0.0, self.remaining)


class Run(BaseModel):
    """One exercise on the room's agenda, with its content frozen when it was added."""

    model_config = ConfigDict(frozen=True)

    id: str
    exercise: Exercise
    phase: int = 0
    round: int = 0
    """Which scenario of a multi-round exercise is being played (0-based)."""
    started: bool = False
    spotlight: str = ""
    """The item the facilitator put in focus on the projector, if any."""
    minutes: int | None = None
    """The time planned for it by a ready agenda; unset: the exercise's own estimate."""
    language: str = ""
    """The language the library gave its exercise in; '' when the words are the facilitator's
    own (written, uploaded or adapted), which a change of the room's language leaves as they
    are."""

    @property
    def planned_minutes(self) -> int:
        return self.minutes if self.minutes is not None else self.exercise.minutes

    @property
    def phases(self) -> tuple[PhaseSpec, ...]:
        return phases_of(self.exercise)

    @property
    def rounds(self) -> int:
        return rounds_of(self.exercise)

    @property
    def current_phase(self) -> PhaseSpec:
        return self.phases[self.phase]

    @property
    def phase_key(self) -> str:
        """Names the exact step, so an action sent for an earlier step is recognised as stale."""
        return f"{self.id}.{self.round}:{self.current_phase.name}"

    def hash(self, name: str) -> str:
        """The room-relative name of one of this run's hashes."""
        return run_hash(self.id, name)


class ScreenLook(BaseModel):
    """How the projector looks, set from the console: its theme for a bright or a dim room, the
    screen blanked (as a presentation tool's B key does), and the join details shown in full
    while an exercise runs, for latecomers."""

    model_config = ConfigDict(frozen=True)

    theme: Literal["light", "dark"] = "light"
    blank: bool = False
    show_join: bool = False


class RoomMeta(BaseModel):
    """The small, rarely changing part of a room, stored as one document."""

    model_config = ConfigDict(frozen=True)

    code: str
    title: str = ""
    created_at: float
    host_key_hash: str
    locked: bool = False
    agenda: tuple[Run, ...] = ()
    current: str | None = None
    timer: Timer | None = None
    runs_created: int = 0
    screen: ScreenLook = ScreenLook()
    language: Language = "en"
    """What the console, the projector and every phone that has not chosen its own speak."""

    def run(self, run_id: str) -> Run | None:
        for run in self.agenda:  # a plain loop: every action and every draw asks, several times
            if run.id == run_id:
                return run
        return None

    def with_run(self, changed: Run) -> "RoomMeta":
        """This meta with `changed` in place of the agenda's run of the same id."""
        return self.model_copy(
            update={"agenda": tuple(changed if r.id == changed.id else r for r in self.agenda)}
        )

    @property
    def current_run(self) -> Run | None:
        return self.run(self.current) if self.current else None


_ARRIVAL = operator.attrgetter("joined_at", "id")
_ID = operator.attrgetter("id")

_IDS_KEPT = 16
_ids_of: dict[int, tuple[tuple["Participant", ...], frozenset[str]]] = {}
"""The ids of the last few orders of arrival asked about, by identity: the room a process holds
hands the same order to every state until someone joins or leaves, and a vote flood makes a new
state for each redraw, each of which asks who is present."""


def ids_of(present: tuple["Participant", ...]) -> frozenset[str]:
    known = _ids_of.get(id(present))
    if known is not None and known[0] is present:
        return known[1]
    ids = frozenset(map(_ID, present))
    if len(_ids_of) >= _IDS_KEPT:
        _ids_of.clear()
    _ids_of[id(present)] = (present, ids)  # the order is kept: its id is not reused meanwhile
    return ids


def arrival_order(participants: dict[str, "Participant"]) -> tuple["Participant", ...]:
    """Participants still in the room, in order of arrival."""
    return tuple(sorted((p for p in participants.values() if not p.removed), key=_ARRIVAL))


@dataclass(frozen=True)
class RoomState:
    """A consistent read of a room: its meta document plus the hashes a decision or a view needs."""

    meta: RoomMeta
    rev: int
    version: int
    participants: dict[str, Participant] = field(default_factory=dict)
    online: AbstractSet[str] = frozenset()
    """The participants with a connection (read-only: a process holding the room hands out a
    view of what it keeps, which it copies before it next changes)."""
    run_data: dict[str, dict[str, str]] = field(default_factory=dict)
    """room-relative hash name (see `run_hash`) -> field -> value, for what was loaded."""
    replayed: bool = False
    """The action this read was made for has already been applied."""
    arrivals: tuple[Participant, ...] | None = None
    """`present`, when the reader already has it (the store keeps it with the people it holds
    between reads, so a big room is sorted once per change to its people, not once per read)."""

    @functools.cached_property
    def present(self) -> tuple[Participant, ...]:
        """Participants still in the room, in order of arrival (every screen's view asks for it)."""
        return self.arrivals if self.arrivals is not None else arrival_order(self.participants)

    @functools.cached_property
    def current_run(self) -> Run | None:
        """The running exercise, looked up once per read (each phone's refresh asks)."""
        return self.meta.current_run

    @functools.cached_property
    def present_ids(self) -> frozenset[str]:
        return ids_of(self.present)

    @functools.cached_property
    def derived(self) -> dict[Hashable, Any]:
        """Views worked out from this read and kept with it (see `render`): one refresh draws
        several screens from the same read, and each would otherwise count the whole room."""
        return {}

    def data(self, name: str) -> dict[str, str]:
        return self.run_data.get(name, {})
