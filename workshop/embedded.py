"""The embedded store's file, which keeps rooms across restarts when there is no Redis server.

Only `workshop.store` imports this module. With no WORKSHOP_REDIS_URL, the store is a fakeredis
server inside the app's process, and `Persistence` keeps it in one file, `embedded-store.json` in
the data folder (WORKSHOP_DATA_DIR):

- At start, every key in the file is written back with what was left of its time to live. The file
  holds each key's deadline as a unix time, so the time the app was down counts, and a key whose
  deadline has passed stays out.
- While the app runs, the whole store is read at once and written out every `SAVE_EVERY` seconds,
  but only after a change (the store tells of each one, see `Persistence.changed`) or once a key
  in the file has expired. Each snapshot goes to a temporary file in the same folder, is fsynced,
  and is renamed over the old file, so the file is always one whole snapshot, old or new, even if
  the process dies in the middle of a write.
- A clean shutdown writes a last snapshot.

So a change made more than a second before a crash is in the file, as long as a snapshot takes
less than half a second (one of a room of 2,000 people with their votes takes about 10 ms). Keys the store calls transient
(who is connected) are left out: no connection outlives the process.

A file that cannot be read is moved aside as `embedded-store.json.corrupt-<time>`, with one
warning, and the app starts empty. While an app uses a folder it holds a lock on
`embedded-store.lock`, so that a second app cannot use the same file and `workshop wipe` does not
delete it from under a running app.

The file is JSON: {"format", "version", "saved_at", "keys": [{"key", "type", "expires_at_ms",
"value"}]}, with a hash's value as an object, a set's and a list's as an array of strings, a sorted
set's as an array of [member, score], and a string's as a string.
"""

import asyncio
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Annotated, Any, Literal, NamedTuple

import fakeredis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

FILE_NAME = "embedded-store.json"
LOCK_NAME = "embedded-store.lock"
FORMAT = "workshop-embedded-store"
SAVE_EVERY = 0.5
"""Seconds between snapshots while changes come in: a change is written out within about half a
second, plus the time the write takes."""


class SaveCost(NamedTuple):
    """What the last snapshot cost."""

    seconds: float
    """From the start of the read to the file renamed, on disk."""
    read_seconds: float
    """The read alone, during which nothing else runs on the event loop."""
    size: int
    """Bytes written."""


class StoreInUse(RuntimeError):
    """Another process holds the data folder's lock."""


class _Key(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    expires_at_ms: int | None = None
    """Unix time in milliseconds; None: the key never expires."""


class _String(_Key):
    type: Literal["string"]
    value: str


class _Hash(_Key):
    type: Literal["hash"]
    value: dict[str, str]


class _Set(_Key):
    type: Literal["set"]
    value: list[str]


class _SortedSet(_Key):
    type: Literal["zset"]
    value: list[tuple[str, float]]


class _List(_Key):
    type: Literal["list"]
    value: list[str]


KINDS = ("string", "hash", "set", "zset", "list")
"""The Redis types a snapshot keeps (the store makes no other)."""

Entry = Annotated[_String | _Hash | _Set | _SortedSet | _List, Field(discriminator="type")]


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["workshop-embedded-store"]
    version: Literal[1]
    saved_at: float
    keys: list[Entry]


def store_file(folder: Path) -> Path:
    return folder / FILE_NAME


def store_files(folder: Path) -> list[Path]:
    """Every file the embedded store keeps in `folder`: the snapshot, copies moved aside because
    they could not be read, and temporary files left by a write that a crash cut short."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(f"{FILE_NAME}*") if path.is_file())


def read_file(path: Path) -> Snapshot:
    """The snapshot in `path`; raises OSError or ValueError (ValidationError) if it cannot be read."""
    return Snapshot.model_validate_json(path.read_bytes())


def take_lock(folder: Path) -> IO[bytes]:
    """The folder's lock (the folder is made if needed), held until the returned file is closed.
    Raises StoreInUse if another process holds it. A killed process's lock goes with it."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = (folder / LOCK_NAME).open("ab")
    if sys.platform != "win32":
        import fcntl

        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreInUse(
                f"Another workshop app is using {folder}. Stop it first, or give this one "
                "another WORKSHOP_DATA_DIR."
            ) from None
    return handle


def _read_value(pipe: Any, kind: str, key: str) -> None:
    if kind == "string":
        pipe.get(key)
    elif kind == "hash":
        pipe.hgetall(key)
    elif kind == "set":
        pipe.smembers(key)
    elif kind == "zset":
        pipe.zrange(key, 0, -1, withscores=True)
    else:
        pipe.lrange(key, 0, -1)


def _entries(
    client: "fakeredis.FakeRedis", transient: Callable[[str], bool], now_ms: int
) -> list[dict[str, Any]]:
    """Every key but the transient ones, with its value and deadline. The client is synchronous:
    nothing else runs on the event loop meanwhile, so the snapshot is of one moment."""
    keys = [str(key) for key in client.keys("*") if not transient(str(key))]
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.type(key)
            pipe.pttl(key)
        replies = pipe.execute()
    kept = [
        (key, kind, ttl)
        for key, kind, ttl in zip(keys, replies[::2], replies[1::2], strict=True)
        if kind in KINDS and ttl != -2  # -2: gone
    ]
    with client.pipeline(transaction=False) as pipe:
        for key, kind, _ in kept:
            _read_value(pipe, kind, key)
        values = pipe.execute()
    return [
        {
            "key": key,
            "type": kind,
            "expires_at_ms": now_ms + ttl if ttl >= 0 else None,
            "value": sorted(value) if kind == "set" else value,
        }
        for (key, kind, ttl), value in zip(kept, values, strict=True)
    ]


def _restore(
    client: "fakeredis.FakeRedis", snapshot: Snapshot, now_ms: int
) -> tuple[list[str], int]:
    """Writes the snapshot's keys into the (empty) store; returns the keys written and how many
    had already expired."""
    written: list[str] = []
    expired = 0
    with client.pipeline(transaction=False) as pipe:
        for entry in snapshot.keys:
            if entry.expires_at_ms is not None and entry.expires_at_ms <= now_ms:
                expired += 1
                continue
            if not entry.value:
                continue  # Redis keeps no empty collection
            if isinstance(entry, _String):
                pipe.set(entry.key, entry.value)
            elif isinstance(entry, _Hash):
                fields: Mapping[Any, str] = entry.value
                pipe.hset(entry.key, mapping=fields)
            elif isinstance(entry, _Set):
                pipe.sadd(entry.key, *entry.value)
            elif isinstance(entry, _SortedSet):
                pipe.zadd(entry.key, dict(entry.value))
            else:
                pipe.rpush(entry.key, *entry.value)
            if entry.expires_at_ms is not None:
                pipe.pexpireat(entry.key, entry.expires_at_ms)
            written.append(entry.key)
        pipe.execute()
    return written, expired


def _write_atomically(folder: Path, body: bytes) -> None:
    """Replaces the store's file with `body`: whole or not at all, and on disk when this returns."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=f"{FILE_NAME}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:  # mkstemp made it readable by this user only
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(name, store_file(folder))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    if sys.platform != "win32":
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)


def _why(error: Exception) -> str:
    """What is wrong with the file, without quoting it (it holds names and the signing key)."""
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(map(str, first["loc"]))
        return f"{first['msg']}{f' at {where}' if where else ''}"
    return str(error)


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    path.rename(aside)
    return aside


class Persistence:
    """Keeps one fakeredis server in a file in `folder`. Make it with `open`."""

    def __init__(
        self,
        server: "fakeredis.FakeServer",
        folder: Path,
        lock: IO[bytes],
        transient: Callable[[str], bool],
    ) -> None:
        self.folder = folder
        self.path = store_file(folder)
        self._lock = lock
        self._client = fakeredis.FakeRedis(server=server, decode_responses=True)
        self._transient = transient
        self._changes = 0
        self._saved = 0
        self._next_expiry_ms: int | None = None
        """The earliest deadline in the file: once passed, the file is written again without it."""
        self._failing = False
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.restored: list[str] = []
        """The keys the start brought back."""
        self.restored_from: float | None = None
        """When the file they came from was written (unix time)."""
        self.last_save: SaveCost | None = None

    @classmethod
    def open(
        cls,
        server: "fakeredis.FakeServer",
        folder: Path,
        transient: Callable[[str], bool] = lambda key: False,
    ) -> "Persistence | None":
        """Takes the folder's lock and loads its file into `server` (empty). None, after a
        warning, if the folder cannot be used: the store then lives in memory only. Raises
        StoreInUse if another app holds the folder."""
        try:
            lock = take_lock(folder)
        except StoreInUse:
            raise
        except OSError as error:
            log.warning(
                "Cannot use %s for the embedded store (%s): rooms are kept in this process's "
                "memory only, and lost when it stops.",
                folder,
                error,
            )
            return None
        persistence = cls(server, folder, lock, transient)
        for leftover in folder.glob(f"{FILE_NAME}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()  # a write cut short; the file itself is whole
        if not persistence._load():
            persistence._client.close()
            lock.close()
            return None
        return persistence

    def _load(self) -> bool:
        """Loads the file, if any. False if it could be neither read nor moved aside: then the
        file is left alone and nothing is written over it."""
        if not self.path.exists():
            return True
        try:
            snapshot = read_file(self.path)
        except (OSError, ValueError) as error:
            reason = _why(error)
            try:
                aside = _move_aside(self.path)
            except OSError as move_error:
                log.warning(
                    "The embedded store's file %s cannot be read (%s) nor moved aside (%s): it is "
                    "left as it is, and this run keeps rooms in memory only.",
                    self.path,
                    reason,
                    move_error,
                )
                return False
            log.warning(
                "The embedded store's file %s cannot be read (%s). It was moved to %s, and the "
                "app starts with no rooms.",
                self.path,
                reason,
                aside.name,
            )
            return True
        now_ms = int(time.time() * 1000)
        self.restored, expired = _restore(self._client, snapshot, now_ms)
        self.restored_from = snapshot.saved_at
        if expired:
            self._changes += 1  # the file is written again without them
        return True

    def changed(self) -> None:
        """Tells that the store was written to: the next snapshot is due."""
        self._changes += 1

    def start(self) -> None:
        """Starts writing snapshots, on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="embedded-store")

    async def close(self) -> None:
        """Writes a last snapshot if anything changed, then lets the folder go."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        else:
            await self._save_if_due()
        self._client.close()
        self._lock.close()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SAVE_EVERY):
                    await self._stopping.wait()
            await self._save_if_due()

    def _due(self) -> bool:
        if self._changes != self._saved:
            return True
        return self._next_expiry_ms is not None and time.time() * 1000 >= self._next_expiry_ms

    async def _save_if_due(self) -> None:
        if not self._due():
            return
        try:
            await self.save()
        except Exception as error:
            if not self._failing:
                log.warning(
                    "Cannot write the embedded store's file %s (%s); trying again every %s s. "
                    "Changes since the last write are in memory only until then.",
                    self.path,
                    error,
                    SAVE_EVERY,
                )
            self._failing = True
        else:
            if self._failing:
                log.info("The embedded store's file %s is written again.", self.path)
            self._failing = False

    async def save(self) -> None:
        """Writes a snapshot of the whole store now."""
        started = time.perf_counter()
        seen = self._changes
        now = time.time()
        entries = _entries(self._client, self._transient, int(now * 1000))
        read = time.perf_counter() - started
        deadlines = [e["expires_at_ms"] for e in entries if e["expires_at_ms"] is not None]
        document = {"format": FORMAT, "version": 1, "saved_at": now, "keys": entries}
        size = await asyncio.to_thread(self._encode_and_write, document)
        self._saved = seen
        self._next_expiry_ms = min(deadlines, default=None)
        self.last_save = SaveCost(time.perf_counter() - started, read, size)

    def _encode_and_write(self, document: dict[str, Any]) -> int:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        _write_atomically(self.folder, body)
        return len(body)
