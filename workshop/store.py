"""The only module that talks to Redis.

Every key of a room shares the hash tag `{CODE}`, so a room's scripts also run on Redis Cluster.
Every key expires `room_ttl` seconds (default 7 days) after the room's last change, give or take
`ttl_slack` (at most an hour): each change refreshes the keys it writes, and all the room's keys once
the meta hash has less than `room_ttl - ttl_slack` left, so a vote does not refresh forty keys.

| key                               | type   | holds                                                   |
|-----------------------------------|--------|---------------------------------------------------------|
| room:{CODE}:meta                  | hash   | `doc`: the RoomMeta JSON; `rev`: bumped when doc changes; `people`: a token replaced whenever the people hash changes |
| room:{CODE}:version               | string | counter bumped by every change; published to screens    |
| room:{CODE}:seen                  | set    | client action ids already applied (replays are no-ops)  |
| room:{CODE}:people                | hash   | participant id -> Participant JSON                      |
| room:{CODE}:names                 | hash   | case-folded name -> participant id (names are unique)   |
| room:{CODE}:presence              | zset   | "participant id|connection id" -> last heartbeat (unix) |
| room:{CODE}:run:{RUN}:<name>      | hash   | a registered kind's data, a round's under `{R}:<name>`: each kind's package lists its names (`Kind.data_names`) and what they hold |
| workshop:join-failures:{CLIENT}   | string | wrong room codes tried by one client address in the current window; TTL = the window (10 min) |
| workshop:signing-key              | string | cookie signing key when WORKSHOP_SECRET_KEY is unset; TTL 30 days past the room TTL, refreshed on start and on each new room |

Pub/sub channel `room:{CODE}:events` carries, after each commit, the room's new version and what
changed to reach it (the scripts publish it themselves, in the same round trip): a commit's writes
and new meta document, a connection coming or going; heartbeats too, without a version. Every
process holds the rooms its screens follow and applies these in order (see `changes`), and
compares the version a heartbeat answers with the one it holds; "0" says the room was deleted;
`workshop:hub` carries a beat from every app process every few seconds, by which each process's
pub/sub connection knows the store still answers.

Without WORKSHOP_REDIS_URL the store is a fakeredis server in this process, kept in a file in the
data folder by `workshop.embedded` (unless the data folder is set empty): every method below that
writes something worth keeping tells it so (`_changed`), and it writes a snapshot within about
half a second. Presence is not kept: no connection outlives the process.

Writes go through one Lua script (`lua/commit.lua`), which takes one change or a batch of changes
to a room: for each, it refuses a replayed action id, refuses a decision made on an outdated meta
revision or on field values that have since changed (compare-and-set; the caller re-reads and
decides again), checks that unique fields are still free, applies the writes and bumps the version;
then it refreshes the TTLs (see `ttl_slack`) and publishes the last version, once per call. A
whole-room read gets everyone through `lua/people.lua` only when the people token differs from the
one this process read them at (a vote changes nobody, and a big room's people are the largest part
of a read). Presence goes through
`lua/presence.lua` and `lua/heartbeat.lua`, which write nothing once the room is gone, so no key
outlives "Delete now".
"""

import contextlib
import functools
import inspect
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from workshop.caching import Lru
from workshop.changes import Beat, Change, Committed, Presence, Published
from workshop.effects import Effects, Read, Write
from workshop.errors import StoreUnavailable
from workshop.kinds import data_of
from workshop.models import Participant, RoomMeta, RoomState, arrival_order

if TYPE_CHECKING:
    from workshop.embedded import Persistence

log = logging.getLogger(__name__)

PRESENCE_STALE_SECONDS = 60
TTL_SLACK_SECONDS = 3600
SIGNING_KEY = "workshop:signing-key"
HUB_CHANNEL = "workshop:hub"
STORE_TIMEOUT = 5.0
"""Seconds to wait for Redis to connect or answer before a request is refused."""
_FIXED = ("meta", "seen", "version", "people", "names", "presence")
ROOMS_HELD = 256
"""Rooms whose people a process holds between reads (see `Store._people_of`)."""
KEYS_HELD = 256
"""Parsed metas whose room keys a process keeps (one per room and revision in use)."""


@dataclass(frozen=True)
class Everyone:
    """A room's people as a whole-room read last brought them, with the token they had then."""

    token: str
    people: dict[str, Participant]
    arrivals: tuple[Participant, ...]


_NOBODY = Everyone("", {}, ())

_COMMANDS = {"put": "hset", "remove": "hdel"}
"""A decision's writes in Redis's words: each room record is a hash."""


def room_key(code: str, name: str) -> str:
    return f"room:{{{code}}}:{name}"


def room_channel(code: str) -> str:
    return room_key(code, "events")


def _transient(key: str) -> bool:
    """Keys the embedded store's file leaves out: who is connected now."""
    return key.endswith(":presence")


def _room_codes(keys: Iterable[str]) -> list[str]:
    return sorted(key[6:-6] for key in keys if key.startswith("room:{") and key.endswith("}:meta"))


def wipe_embedded(
    data_dir: Path, confirm: Callable[[list[Path], list[str] | None], bool]
) -> list[Path] | None:
    """Deletes every file the embedded store keeps in `data_dir` (the snapshot, copies moved aside
    as unreadable, temporary files) once `confirm(files, room codes in the snapshot or None if it
    cannot be read)` agrees; returns them, or None if it did not. Raises `StoreInUse` (a
    RuntimeError) while an app uses the folder."""
    from workshop import embedded

    if not data_dir.is_dir():
        return []
    with embedded.take_lock(data_dir):
        files = embedded.store_files(data_dir)
        if not files:
            return []
        try:
            snapshot = embedded.read_file(embedded.store_file(data_dir))
        except (OSError, ValueError):
            rooms = None
        else:
            rooms = _room_codes(entry.key for entry in snapshot.keys)
        if not confirm(files, rooms):
            return None
        for path in files:
            path.unlink()
        (data_dir / embedded.LOCK_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        data_dir.rmdir()  # only if nothing else is in it
    return files


def _script(name: str) -> str:
    return resources.files("workshop").joinpath("lua", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class CommitResult:
    status: Literal["ok", "duplicate", "stale", "gone", "taken"]
    version: int = 0
    taken: str = ""


@functools.lru_cache(maxsize=256)
def _parse_meta(doc: str) -> RoomMeta:
    """Parsed once per revision of a room, not once per read: a busy room is read for every vote
    and every refresh, and its agenda holds the full content of each exercise. RoomMeta is frozen,
    so sharing one parsed copy is safe."""
    return RoomMeta.model_validate_json(doc)


@functools.lru_cache(maxsize=16384)
def _parse_person(record: str) -> Participant:
    """Parsed once, not on every read of the room (a phone's page and its websocket each read all
    of a big room's people). Participant is frozen, so one parsed copy can be shared."""
    return Participant.model_validate_json(record)


def _head(meta: dict[str, str], version: str | None) -> tuple[RoomMeta, int, int]:
    """The meta document, its revision and the room's version, from their replies."""
    return _parse_meta(meta["doc"]), int(meta.get("rev", 0)), int(version or 0)


def _people_from(records: Iterable[str | None]) -> dict[str, Participant]:
    return {person.id: person for person in map(_parse_person, filter(None, records))}


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Made once: `json.dumps` with options makes an encoder at every call, which cost a vote about
as much as encoding its change."""


def _told(doc: str, effects: Effects) -> str:
    """A change as the room's channel tells it to every process once committed (see
    `changes.Committed`): the new meta document, if any, the writes and the records dropped."""
    told: dict[str, Any] = {"w": [[w.op, w.hash, w.field, w.value] for w in effects.writes]}
    if doc:
        told["m"] = doc
    if effects.drop:
        told["d"] = list(effects.drop)
    return _COMPACT.encode(told)


def _heard(code: str, data: str) -> Published | Beat:
    """A message on a room's channel, as `changes` describes it. Anything not understood (the
    "0" of a deleted room, say) asks for the room to be read again."""
    try:
        message = json.loads(data)
        if "b" in message:
            return Beat(code, tuple(message["b"]), float(message["t"]))
        changes: list[Change] = []
        for told in message["c"]:
            if "o" in told:
                changes.append(Presence(told["o"], bool(told["on"]), told["t"], told["s"]))
            else:
                changes.append(
                    Committed(
                        _parse_meta(told["m"]) if "m" in told else None,
                        tuple(Write(op, name, key, value) for op, name, key, value in told["w"]),
                        tuple(told.get("d", ())),
                    )
                )
        return Published(code, int(message["v"]), tuple(changes))
    except (ValueError, TypeError, KeyError, AttributeError):
        return Published(code, 0, None)


def _commit_result(raw: Sequence[Any]) -> CommitResult:
    status, detail = raw[0], raw[1]
    if status == "taken":
        return CommitResult("taken", taken=str(detail))
    return CommitResult(status, version=int(detail))


_P = ParamSpec("_P")
_T = TypeVar("_T")

FAILURES = (RedisError, OSError)
"""What a Redis client raises when the store is down, unreachable or too slow to answer."""


def _translated(method: Callable[_P, Awaitable[_T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """The method, raising `StoreUnavailable` for any failure of the store's."""

    @functools.wraps(method)
    async def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return await method(*args, **kwargs)
        except FAILURES as error:
            raise StoreUnavailable(str(error) or type(error).__name__) from error

    return call


def _translating(cls: type[_T]) -> type[_T]:
    """Every public coroutine method of the class raises `StoreUnavailable`, not Redis's errors:
    the boundary past which nothing knows the store is Redis."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _translated(member))
    return cls


@_translating
class RoomEvents:
    """One pub/sub connection, told which rooms to follow: it says which of them changed, and
    hears every process's beat (see `Store.beat`), by which a silent connection is known dead."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    async def follow(self, *codes: str) -> None:
        """Starts hearing of changes to these rooms (and of the beats: a first call with no room
        keeps the connection open, since a pub/sub connection with no subscription is not read)."""
        await self._pubsub.subscribe(HUB_CHANNEL, *(room_channel(c) for c in codes))

    async def unfollow(self, code: str) -> None:
        await self._pubsub.unsubscribe(room_channel(code))

    async def next(self, within: float) -> Published | Beat | str | None:
        """What a room's channel said (see `changes`); "" for a process's beat (or any other
        sign of life); None when nothing came within `within` seconds."""
        message = await self._pubsub.get_message(timeout=within)
        if message is None:
            return None
        if message.get("type") != "message":
            return ""
        channel = str(message["channel"])
        if channel == HUB_CHANNEL:
            return ""
        return _heard(channel.split("{", 1)[-1].split("}", 1)[0], str(message["data"]))

    async def close(self) -> None:
        await self._pubsub.aclose()


@_translating
class Store:
    def __init__(
        self,
        client: "aioredis.Redis",
        backend: Literal["embedded", "redis"],
        room_ttl: int,
        listener: "aioredis.Redis | None" = None,
        persistence: "Persistence | None" = None,
    ) -> None:
        self.client = client
        self.persistence = persistence
        """The embedded store's file, if it has one."""
        self.listener = listener or client
        """Where the hub's pub/sub connection comes from."""
        self.backend = backend
        self.room_ttl = room_ttl
        self.ttl_slack = min(TTL_SLACK_SECONDS, room_ttl // 10)
        """A room's keys all expire between room_ttl - ttl_slack and room_ttl after its last change."""
        self._keys: Lru[int, tuple[RoomMeta, tuple[str, ...]]] = Lru("room keys", KEYS_HELD)
        self._everyone: Lru[str, Everyone] = Lru("people held", ROOMS_HELD)
        """Each room's people as last read whole, with their token (see `_people_of`)."""
        self._commit = client.register_script(_script("commit.lua"))
        self._create = client.register_script(_script("create.lua"))
        self._presence = client.register_script(_script("presence.lua"))
        self._heartbeat = client.register_script(_script("heartbeat.lua"))
        self._people = client.register_script(_script("people.lua"))

    @classmethod
    def connect(cls, url: str | None, room_ttl: int, data_dir: Path | None = None) -> "Store":
        """Real Redis at `url`; without it, the embedded store, kept in a file in `data_dir` if
        given (which needs a running event loop: the file is written by a task of it)."""
        if url:
            # After Redis restarts, every idle pooled connection is dead and fails its next
            # command: such a command is tried again on a fresh connection. A repeated commit is
            # safe, since the script refuses an action id it has already applied and a decision
            # made on a revision that has since moved.
            retry = Retry(
                ExponentialWithJitterBackoff(cap=0.5, base=0.05), 2, (RedisConnectionError,)
            )
            # A Redis that stops answering (hung, or cut off by the network) sends no error:
            # without a timeout every request would wait for it forever.
            timeouts = {"socket_timeout": STORE_TIMEOUT, "socket_connect_timeout": STORE_TIMEOUT}
            # A burst of phones must wait for a free connection, not fail: redis-py's default pool
            # refuses outright once it is exhausted.
            pool = aioredis.BlockingConnectionPool.from_url(
                url,
                decode_responses=True,
                health_check_interval=10,
                max_connections=64,
                timeout=10,
                retry=retry,
                **timeouts,
            )
            # The hub's pub/sub connection does not reconnect behind the hub's back: the hub
            # reconnects it itself and then has every room re-read what it may have missed.
            listener = aioredis.BlockingConnectionPool.from_url(
                url, decode_responses=True, health_check_interval=10, max_connections=2, **timeouts
            )
            return cls(
                aioredis.Redis.from_pool(pool),
                "redis",
                room_ttl,
                listener=aioredis.Redis.from_pool(listener),
            )
        import fakeredis

        from workshop.embedded import Persistence

        # One FakeServer per process; every connection made from it sees the same data.
        server = fakeredis.FakeServer()
        persistence = Persistence.open(server, data_dir, _transient) if data_dir else None
        client = fakeredis.FakeAsyncRedis(server=server, decode_responses=True)
        if persistence is None:
            if data_dir is None:  # otherwise Persistence.open said why the folder is not used
                log.warning(
                    "No WORKSHOP_REDIS_URL, and WORKSHOP_DATA_DIR is empty: room state is kept in "
                    "this process's memory only, and lost when it stops."
                )
            return cls(client, "embedded", room_ttl)
        log.info(
            "No WORKSHOP_REDIS_URL: rooms are kept in this process and saved to %s, from which "
            "the next start restores them. To wipe them, stop the app and run `workshop wipe` "
            "(or delete %s).",
            persistence.path,
            persistence.folder,
        )
        if persistence.restored_from is not None:
            log.info(
                "Restored %d room(s) (%d keys) from %s, written %.0f s ago.",
                len(_room_codes(persistence.restored)),
                len(persistence.restored),
                persistence.path.name,
                time.time() - persistence.restored_from,
            )
        persistence.start()
        return cls(client, "embedded", room_ttl, persistence=persistence)

    def _changed(self) -> None:
        """Tells the embedded store's file that something worth keeping was written (after the
        write: a snapshot taken in between then reads it, and the next is also due)."""
        if self.persistence is not None:
            self.persistence.changed()

    async def close(self) -> None:
        if self.persistence is not None:
            await self.persistence.close()
        await self.client.aclose()
        if self.listener is not self.client:
            await self.listener.aclose()

    async def ping(self) -> bool:
        return bool(await self.client.ping())

    async def signing_key(self) -> str:
        await self.client.set(SIGNING_KEY, secrets.token_urlsafe(32), nx=True)
        await self.client.expire(SIGNING_KEY, self.room_ttl + 30 * 86400)
        key = await self.client.get(SIGNING_KEY)
        assert isinstance(key, str)
        self._changed()
        return key

    async def create_room(self, meta: RoomMeta) -> bool:
        keys = [room_key(meta.code, "meta"), room_key(meta.code, "version")]
        created = await self._create(keys=keys, args=[meta.model_dump_json(), self.room_ttl])
        if created:
            await self.client.expire(SIGNING_KEY, self.room_ttl + 30 * 86400)
            self._changed()
        return bool(created)

    async def exists(self, code: str) -> bool:
        return bool(await self.client.exists(room_key(code, "meta")))

    async def load(
        self,
        code: str,
        people: Collection[str] | None = None,
        run_data: bool = True,
        action_id: str = "",
        every_run: bool = False,
        presence: bool = True,
    ) -> RoomState | None:
        """A read of the room; `people=None` loads everyone, otherwise just those ids.

        With `action_id`, the read also tells whether that action was already applied; with
        `every_run`, the data of every exercise played so far is read, not just the current one;
        without `presence`, who is connected is not read (the rules never need it, and in a big
        room it is the largest part of a read)."""
        loaded = await self._load(code, people, run_data, action_id, every_run, presence, False)
        return None if loaded is None else loaded[0]

    async def load_live(self, code: str) -> tuple[RoomState, dict[str, float]] | None:
        """A whole-room read for a process to hold and keep current (see `changes.LiveRoom`): as
        `load` with every exercise played so far, and when each connection was last heard of
        (the state's `online` is left empty: who counts as online depends on when one asks)."""
        return await self._load(code, None, True, "", True, False, True)

    async def _load(
        self,
        code: str,
        people: Collection[str] | None,
        run_data: bool,
        action_id: str,
        every_run: bool,
        presence: bool,
        scores: bool,
    ) -> tuple[RoomState, dict[str, float]] | None:
        held = (self._everyone.get(code) or _NOBODY) if people is None else None
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(room_key(code, "meta"))
            pipe.get(room_key(code, "version"))
            if held is None:
                pipe.hmget(room_key(code, "people"), list(people or ()) or [""])
            else:
                keys = [room_key(code, "meta"), room_key(code, "people")]
                await self._people(keys=keys, args=[held.token], client=pipe)
            if presence:
                since = time.time() - PRESENCE_STALE_SECONDS
                pipe.zrangebyscore(room_key(code, "presence"), since, "+inf")
            if scores:
                pipe.zrange(room_key(code, "presence"), 0, -1, withscores=True)
            pipe.sismember(room_key(code, "seen"), action_id or "-")
            replies = await pipe.execute()
        meta, version, records, *online, replayed = replies
        if not meta:
            return None
        heard: dict[str, float] = dict(online.pop()) if scores else {}
        everyone = None if held is None else self._people_of(code, held, records)
        state = RoomState(
            *_head(meta, version),
            participants=_people_from(records) if everyone is None else everyone.people,
            arrivals=None if everyone is None else everyone.arrivals,
            online=frozenset(member.split("|", 1)[0] for member in online[0])
            if online
            else frozenset(),
            replayed=bool(action_id and replayed),
        )
        meta = state.meta
        runs = (
            [r for r in meta.agenda if r.started or r.id == meta.current]
            if every_run
            else [r for r in [state.current_run] if r is not None]
        )
        if run_data and runs:
            data = await self.read(
                code, [Read(run.hash(name)) for run in runs for name in data_of(run.exercise)]
            )
            state = replace(state, run_data=data)
        return state, heard

    async def load_many(
        self, requests: Sequence[tuple[str, Collection[str], str]]
    ) -> list[RoomState | None]:
        """Several reads for the rules, each (code, people, action id), in one round trip: the
        meta, the version, those people and whether the action was applied, as `load` reads them
        without run data or presence. All are read in one transaction, in four commands per room
        however many of the requests are for it (a burst of votes is one room)."""
        rooms: dict[str, list[int]] = {}
        for position, (code, _, _) in enumerate(requests):
            rooms.setdefault(code, []).append(position)
        async with self.client.pipeline(transaction=True) as pipe:
            for code, positions in rooms.items():
                wanted = [pid for p in positions for pid in requests[p][1]]
                pipe.hgetall(room_key(code, "meta"))
                pipe.get(room_key(code, "version"))
                pipe.hmget(room_key(code, "people"), wanted or [""])
                pipe.smismember(room_key(code, "seen"), [requests[p][2] or "-" for p in positions])
            replies = await pipe.execute()
        states: dict[int, RoomState | None] = {}
        for number, positions in enumerate(rooms.values()):
            meta, version, records, seen = replies[4 * number : 4 * number + 4]
            if not meta:
                states.update(dict.fromkeys(positions))
                continue
            head = _head(meta, version)  # one parse for the room's every request
            records = iter(records)
            for position, replayed in zip(positions, seen, strict=True):
                _, people, action_id = requests[position]
                states[position] = RoomState(
                    *head,
                    participants=_people_from([next(records) for _ in people]),
                    replayed=bool(action_id and replayed),
                )
        return [states[position] for position in range(len(requests))]

    def _people_of(self, code: str, held: "Everyone", reply: list[Any]) -> "Everyone":
        """Everyone, from `lua/people.lua`'s reply: the people held if their token is still the
        room's, else those it sent, which are then held. Kept as one dict and its order of
        arrival, shared by the reads that follow until someone joins or leaves (nothing changes a
        state's dict)."""
        token, *sent = reply
        if not sent:
            return held
        people = _people_from(sent[0][1::2])
        everyone = Everyone(token, people, arrival_order(people))
        self._everyone.put(code, everyone)
        return everyone

    async def read(self, code: str, reads: Iterable[Read]) -> dict[str, dict[str, str]]:
        """Whole hashes or single fields, as room-relative name -> field -> value."""
        return (await self.read_many([(code, reads)]))[0]

    async def read_many(
        self, requests: Sequence[tuple[str, Iterable[Read]]]
    ) -> list[dict[str, dict[str, str]]]:
        """`read` for several rooms or callers at once, in one round trip."""
        wanted = [(code, list(reads)) for code, reads in requests]
        async with self.client.pipeline(transaction=False) as pipe:
            for code, reads in wanted:
                for read in reads:
                    if read.field is None:
                        pipe.hgetall(room_key(code, read.hash))
                    else:
                        pipe.hget(room_key(code, read.hash), read.field)
            values = iter(await pipe.execute())
        answers: list[dict[str, dict[str, str]]] = []
        for _, reads in wanted:
            data: dict[str, dict[str, str]] = {}
            for read in reads:
                value = next(values)
                entries = data.setdefault(read.hash, {})
                if read.field is None:
                    entries.update(value)
                elif value is not None:
                    entries[read.field] = value
            answers.append(data)
        return answers

    def _all_keys(self, code: str, meta: RoomMeta) -> list[str]:
        """Every key of the room (a fresh list). Worked out once per parsed meta document, which
        reads of the same revision share (see `_parse_meta`): a burst of votes commits with the
        same keys."""
        known = self._keys.get(id(meta))
        if known is None or known[0] is not meta:
            keys = [room_key(code, name) for name in _FIXED]
            for run in meta.agenda:
                keys.extend(room_key(code, run.hash(name)) for name in data_of(run.exercise))
            # The meta is kept with its keys, so that its id cannot be reused while listed.
            known = (meta, tuple(keys))
            self._keys.put(id(meta), known)
        return list(known[1])

    async def commit(
        self,
        state: RoomState,
        effects: Effects,
        action_id: str = "",
    ) -> CommitResult:
        return (await self.commit_many([(state, effects, action_id)]))[0]

    async def commit_many(
        self, commits: Sequence[tuple[RoomState, Effects, str]]
    ) -> list[CommitResult]:
        """Several commits, each (state, effects, action id), in one round trip: one script call
        per room, whatever the number of its changes. Each is all or nothing on its own, in order:
        one decided on a read that an earlier one changed comes back "stale", as it would alone."""
        rooms: dict[str, list[int]] = {}
        for position, (state, _, _) in enumerate(commits):
            rooms.setdefault(state.meta.code, []).append(position)
        calls = [self._commit_call([commits[p] for p in positions]) for positions in rooms.values()]
        try:
            if len(calls) == 1:
                replies = [await self._commit(keys=calls[0][0], args=calls[0][1])]
            else:
                async with self.client.pipeline(transaction=False) as pipe:
                    for keys, args in calls:
                        await self._commit(keys=keys, args=args, client=pipe)
                    replies = await pipe.execute()
        finally:
            self._changed()  # a script that failed half-way may have written something
        results: dict[int, CommitResult] = {}
        for positions, reply in zip(rooms.values(), replies, strict=True):
            for position, raw in zip(positions, reply, strict=True):
                results[position] = _commit_result(raw)
        return [results[position] for position in range(len(commits))]

    def _commit_call(
        self, commits: Sequence[tuple[RoomState, Effects, str]]
    ) -> tuple[list[str], list[str | int]]:
        """The keys and arguments of `lua/commit.lua` for decided changes to one room."""
        code = commits[0][0].meta.code
        keys = self._all_keys(code, commits[0][0].meta)
        index = {key: position + 1 for position, key in enumerate(keys)}
        slots: dict[str, int] = {}
        """Record name -> its key's position: a batch of votes writes the same record each."""

        def key_slot(key: str) -> int:
            if key not in index:
                keys.append(key)
                index[key] = len(keys)
            return index[key]

        def slot(name: str) -> int:
            found = slots.get(name)
            if found is None:
                found = slots[name] = key_slot(room_key(code, name))
            return found

        changes: list[list[Any]] = []
        told: list[str] = []
        for state, effects, action_id in commits:
            for meta in (state.meta, effects.meta):
                if meta is not None and meta is not commits[0][0].meta:
                    for key in self._all_keys(code, meta):
                        key_slot(key)
            writes = [[_COMMANDS[w.op], slot(w.hash), w.field, w.value] for w in effects.writes]
            writes.extend(["del", slot(h), "", ""] for h in effects.drop)
            if "people" in effects.drop or any(w.hash == "people" for w in effects.writes):
                # Tells every process that its whole-room reads must fetch everyone again.
                writes.append(["hset", slot("meta"), "people", secrets.token_hex(8)])
            plan: dict[str, Any] = {"writes": writes}
            if effects.must_be_absent:
                plan["absent"] = [[slot(h), f] for h, f in effects.must_be_absent]
            if effects.expect:
                plan["expect"] = [[slot(h), f, v] for h, f, v in effects.expect]
            doc = effects.meta.model_dump_json() if effects.meta is not None else ""
            changes.append([action_id, str(state.rev), doc, plan])
            told.append(_told(doc, effects))
        return keys, [
            self.room_ttl,
            self.ttl_slack,
            room_channel(code),
            _COMPACT.encode(changes),
            *told,
        ]

    async def publish(self, code: str, version: int) -> None:
        await self.client.publish(room_channel(code), str(version))

    async def beat(self) -> None:
        await self.client.publish(HUB_CHANNEL, "beat")

    async def set_presence(self, code: str, member: str, online: bool) -> int:
        """Marks one connection online or gone; returns the room's new version (0: the room is
        gone, and nothing was written)."""
        now = time.time()
        keys = [room_key(code, name) for name in ("meta", "presence", "version")]
        what = "online" if online else "offline"
        stale = now - PRESENCE_STALE_SECONDS
        args: list[str | float] = [member, now, what, stale, self.room_ttl, room_channel(code)]
        return int(await self._presence(keys=keys, args=args))

    async def heartbeat(self, code: str, members: Iterable[str]) -> int:
        """Tells that these connections are still there, in one script call: a room of 2,000
        phones is one command of 2,000 members, not 2,000 commands to encode. Every process
        following the room hears it (see `changes.Beat`); the room's version does not move.
        Returns the room's version (0: the room is gone)."""
        keys = [room_key(code, name) for name in ("meta", "presence", "version")]
        args: list[str | float] = [time.time(), self.room_ttl, room_channel(code), *members]
        return int(await self._heartbeat(keys=keys, args=args))

    async def failed_joins(self, client: str) -> int:
        return int(await self.client.get(f"workshop:join-failures:{client}") or 0)

    async def record_failed_join(self, client: str, window: int) -> int:
        """Counts one wrong room code from `client`; the count resets `window` seconds after the
        first failure."""
        key = f"workshop:join-failures:{client}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        self._changed()
        return int(count)

    async def expires_in(self, code: str) -> int | None:
        """Seconds until the room's data expires, or None when it is gone."""
        ttl = int(await self.client.ttl(room_key(code, "meta")))
        return ttl if ttl >= 0 else None

    async def delete_room(self, code: str) -> None:
        state = await self.load(code, people=(), run_data=False)
        keys = self._all_keys(code, state.meta) if state else [room_key(code, n) for n in _FIXED]
        await self.client.delete(*keys)
        self._changed()
        await self.publish(code, 0)

    def room_events(self) -> RoomEvents:
        """A pub/sub connection of its own (see `RoomEvents`)."""
        return RoomEvents(self.listener.pubsub(ignore_subscribe_messages=True))
