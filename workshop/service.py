"""Read, decide, commit: the loop every change goes through, for HTTP and websocket alike."""

import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from workshop import engine
from workshop.actions import PARTICIPANT_ACTIONS, Action, RemoveParticipant, Reseat
from workshop.errors import Rejected
from workshop.exercises import Library
from workshop.identity import hash_secret, new_host_secret, new_participant_id
from workshop.models import RoomState, new_room_code
from workshop.store import Store

_ATTEMPTS = 20


class RoomNotFound(Rejected):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"There is no workshop with the code {code}. Check the code on the screen."
        )


@dataclass(frozen=True)
class Outcome:
    notice: str
    version: int
    duplicate: bool = False


class Rooms:
    def __init__(
        self,
        store: Store,
        library: Library,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock

    async def create(self) -> tuple[str, str]:
        """A new room's code and its facilitator secret."""
        secret = new_host_secret()
        for _ in range(_ATTEMPTS):
            code = new_room_code()
            meta = engine.new_room(code, hash_secret(secret), self.clock())
            if await self.store.create_room(meta):
                return code, secret
        raise RuntimeError("could not allocate a free room code")

    async def load(self, code: str) -> RoomState:
        state = await self.store.load(code)
        if state is None:
            raise RoomNotFound(code)
        return state

    async def join(self, code: str, name: str) -> str:
        participant_id = new_participant_id()
        for _ in range(_ATTEMPTS):
            state = await self._read(code, people=())
            effects = engine.join(state, participant_id, name, self.clock())
            result = await self.store.commit(state, effects)
            if result.status == "ok":
                if engine.seats_people(state.meta):
                    await self._rearrange(code)
                return participant_id
            if result.status == "taken":
                raise Rejected("That name is already taken in this room. Please add an initial.")
            if result.status == "gone":
                raise RoomNotFound(code)
        raise Rejected("The room is very busy; please try again.")

    async def act(self, code: str, actor: engine.Actor, action: Action) -> Outcome:
        people = self._people_needed(actor, action)
        for _ in range(_ATTEMPTS):
            state = await self._read(code, people=people, action_id=action.action_id)
            if state.replayed:
                # Answer a replay before judging it: the phase or the board may have moved since.
                return Outcome("Already saved ✓", state.version, duplicate=True)
            needed = engine.reads(state.meta, actor, action)
            if needed:
                state = replace(state, run_data=await self.store.read(code, needed))
            try:
                effects = engine.apply(
                    state, actor, action, self.library.exercises, self.clock(), self.library.agendas
                )
            except Rejected:
                # A copy of this frame (through another connection or process) may have been
                # applied between the replay check and the read of the run data: it is saved.
                if (await self._read(code, people=(), action_id=action.action_id)).replayed:
                    return Outcome("Already saved ✓", state.version, duplicate=True)
                raise
            result = await self.store.commit(state, effects, action.action_id)
            if result.status == "ok":
                if isinstance(action, RemoveParticipant) and engine.seats_people(state.meta):
                    await self._rearrange(code)
                return Outcome(effects.notice, result.version)
            if result.status == "duplicate":
                return Outcome("Already saved ✓", result.version, duplicate=True)
            if result.status == "gone":
                raise RoomNotFound(code)
        raise Rejected("The room is very busy; please try again.")

    async def _rearrange(self, code: str) -> None:
        """After someone arrives or leaves, exercises that seat people (pairs) re-seat them."""
        action = Reseat(type="reseat", action_id=f"auto-{new_participant_id()}")
        with contextlib.suppress(Rejected):
            await self.act(code, engine.HOST, action)

    async def delete(self, code: str) -> None:
        await self.store.delete_room(code)

    async def _read(
        self, code: str, people: Collection[str] | None, action_id: str = ""
    ) -> RoomState:
        state = await self.store.load(
            code, people=people, run_data=False, action_id=action_id, presence=False
        )
        if state is None:
            raise RoomNotFound(code)
        return state

    @staticmethod
    def _people_needed(actor: engine.Actor, action: Action) -> tuple[str, ...] | None:
        """Participant actions read only their sender; facilitator actions read everyone."""
        if isinstance(action, PARTICIPANT_ACTIONS):
            return (actor.participant_id,)
        return None
