"""Read, decide, commit: the loop every change goes through, for HTTP and websocket alike."""

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from workshop import engine, i18n
from workshop.actions import (
    ROOM_ACTIONS,
    Action,
    ParticipantAction,
    RemoveParticipant,
    Reseat,
)
from workshop.effects import Effects
from workshop.errors import Rejected, mark_seen
from workshop.exercises import Library
from workshop.i18n import N_, Message
from workshop.identity import hash_secret, new_host_secret, new_participant_id
from workshop.models import RoomState, new_room_code
from workshop.store import Store

_ATTEMPTS = 20


class RoomNotFound(Rejected):
    def __init__(self, code: str) -> None:
        super().__init__(
            Message(
                "There is no workshop with the code %(code)s. Check the code on the screen.",
                code=code,
            )
        )


@dataclass(frozen=True)
class Outcome:
    notice: str
    version: int
    duplicate: bool = False


BATCH_MAX = 256
"""Participants' actions taken together at most (one pipeline of reads, one of commits)."""


@dataclass
class _Pending:
    code: str
    actor: engine.Actor
    action: Action
    done: "asyncio.Future[Outcome]"

    def resolve(self, outcome: Outcome) -> None:
        if not self.done.done():
            self.done.set_result(outcome)


class Rooms:
    def __init__(
        self,
        store: Store,
        library: Library,
        clock: Callable[[], float] = time.time,
        held: Callable[[str, Collection[str]], RoomState | None] = lambda code, people: None,
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.held = held
        """The room as this process holds it, if it holds the people named (see `Hub.head`),
        else None: participants' actions are decided on it rather than on a read of the store."""
        self._queue: list[_Pending] = []
        self._batching: asyncio.Task[None] | None = None
        self._alone: set[asyncio.Task[None]] = set()

    async def create(self, language: str = i18n.SOURCE) -> tuple[str, str]:
        """A new room's code and its facilitator secret; the room speaks `language` (if the app
        does)."""
        secret = new_host_secret()
        spoken = i18n.chosen(language) or "en"
        for _ in range(_ATTEMPTS):
            code = new_room_code()
            meta = engine.new_room(code, hash_secret(secret), self.clock(), spoken)
            if await self.store.create_room(meta):
                return code, secret
        raise RuntimeError("could not allocate a free room code")

    async def load(self, code: str) -> RoomState:
        state = await self.store.load(code)
        if state is None:
            raise RoomNotFound(code)
        return state

    async def join(self, code: str, name: str, held: RoomState | None = None) -> str:
        """Adds a participant; `held` is the room as this process holds it (its meta and
        revision are all a join decides on), to decide on without reading the room first: in a
        join storm, that read was one of each arrival's round trips to the store. Had the meta
        moved on meanwhile (the room locked, say), the commit says so, and the join is decided
        again on a fresh read."""
        participant_id = new_participant_id()
        for _ in range(_ATTEMPTS):
            state = held or await self._read(code, people=())
            held = None
            effects = engine.join(state, participant_id, name, self.clock())
            result = await self.store.commit(state, effects)
            if result.status == "ok":
                if engine.seats_people(state.meta):
                    await self._rearrange(code)
                return participant_id
            if result.status == "taken":
                raise Rejected(
                    N_("That name is already taken in this room. Please add an initial.")
                )
            if result.status == "gone":
                raise RoomNotFound(code)
        raise Rejected(N_("The room is very busy; please try again."))

    async def act(self, code: str, actor: engine.Actor, action: Action) -> Outcome:
        if not isinstance(action, ParticipantAction):
            return await self._act_alone(code, actor, action)
        # Participants' actions are taken together: each waits for the batch under way to end,
        # then goes with everything that arrived meanwhile (see `_act_together`).
        pending = _Pending(code, actor, action, asyncio.get_running_loop().create_future())
        pending.done.add_done_callback(mark_seen)
        self._queue.append(pending)
        if self._batching is None or self._batching.done():
            self._batching = asyncio.create_task(self._drain(), name="participant-actions")
        # Not shielded: the future is this caller's alone, and a caller that gives up (its phone
        # disconnected) cancels only its own answer; the batch still applies the action, as a
        # frame that reached the server is applied, and skips answering it.
        return await pending.done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH_MAX], self._queue[BATCH_MAX:]
            try:
                alone = await self._act_together(batch)
            except Exception as error:  # the store failed: every caller in the batch is told
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(error)
                continue
            for pending in alone:
                task = asyncio.create_task(self._settle_alone(pending))
                self._alone.add(task)
                task.add_done_callback(self._alone.discard)

    async def _act_together(self, batch: list["_Pending"]) -> list["_Pending"]:
        """Decides and commits a batch in one round trip to the store, whatever its size, on the
        room as this process holds it (see `held`); up to two more when the room is not held
        (a read of it) or a rule needs run data. A replayed frame is then found out by the commit
        (or, if the rules refuse it, by `_act_alone`). Only the plain case is settled here: an
        action that is refused, replayed meanwhile, decided on a room that has since moved, or
        for a room that is gone, is handed back to go through `_act_alone`, which words every
        such answer."""
        held = [self.held(p.code, (p.actor.participant_id,)) for p in batch]
        unheld = [p for p, state in zip(batch, held, strict=True) if state is None]
        loaded = iter(
            await self.store.load_many(
                [(p.code, (p.actor.participant_id,), p.action.action_id) for p in unheld]
            )
            if unheld
            else ()
        )
        states = [next(loaded) if state is None else state for state in held]
        alone: list[_Pending] = []
        ready: list[tuple[_Pending, RoomState]] = []
        for pending, state in zip(batch, states, strict=True):
            if state is None:
                alone.append(pending)
            elif state.replayed:
                pending.resolve(Outcome("Already saved ✓", state.version, duplicate=True))
            else:
                ready.append((pending, state))
        needed = [engine.reads(state.meta, p.actor, p.action) for p, state in ready]
        if any(needed):
            data = await self.store.read_many(
                [(p.code, reads) for (p, _), reads in zip(ready, needed, strict=True)]
            )
            ready = [
                (p, replace(state, run_data=run_data) if reads else state)
                for (p, state), reads, run_data in zip(ready, needed, data, strict=True)
            ]
        decided: list[tuple[_Pending, RoomState, Effects]] = []
        now = self.clock()
        for pending, state in ready:
            try:
                effects = engine.apply(
                    state,
                    pending.actor,
                    pending.action,
                    self.library.exercises_in(state.meta.language),
                    now,
                    self.library.agendas,
                    self.library.exercises_in,
                )
            except Rejected:
                alone.append(pending)
            else:
                decided.append((pending, state, effects))
        results = (
            await self.store.commit_many(
                [(state, effects, p.action.action_id) for p, state, effects in decided]
            )
            if decided
            else []
        )
        for (pending, _, effects), result in zip(decided, results, strict=True):
            if result.status == "ok":
                pending.resolve(Outcome(effects.notice, result.version))
            elif result.status == "duplicate":
                pending.resolve(Outcome("Already saved ✓", result.version, duplicate=True))
            else:
                alone.append(pending)
        return alone

    async def _settle_alone(self, pending: "_Pending") -> None:
        try:
            outcome = await self._act_alone(pending.code, pending.actor, pending.action)
        except Exception as error:  # handed to the caller, who answers the phone
            if not pending.done.done():
                pending.done.set_exception(error)
        else:
            pending.resolve(outcome)

    async def _act_alone(self, code: str, actor: engine.Actor, action: Action) -> Outcome:
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
                    state,
                    actor,
                    action,
                    self.library.exercises_in(state.meta.language),
                    self.clock(),
                    self.library.agendas,
                    self.library.exercises_in,
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
        raise Rejected(N_("The room is very busy; please try again."))

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
        """Participant actions read only their sender, a removal only the one removed, and the
        timer, the title and the lock nobody (in a big room, everyone is the largest read); other
        facilitator actions read everyone."""
        if isinstance(action, ParticipantAction):
            return (actor.participant_id,)
        if isinstance(action, RemoveParticipant):
            return (action.participant_id,)
        if isinstance(action, ROOM_ACTIONS):
            return ()
        return None
