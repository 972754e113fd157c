"""What a decision changes, as plain data the store can commit atomically."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from workshop.models import RoomMeta


@dataclass(frozen=True)
class Write:
    """One change to one field of a room's record: put a value there, or remove it."""

    op: Literal["put", "remove"]
    hash: str
    """A room-relative record name such as `people` or `run:r1:votes`."""
    field: str
    value: str = ""

    @classmethod
    def put(cls, hash: str, field: str, value: str) -> "Write":
        return cls("put", hash, field, value)

    @classmethod
    def remove(cls, hash: str, field: str) -> "Write":
        return cls("remove", hash, field)


@dataclass(frozen=True)
class Read:
    """A room-relative hash, or one field of it, that a decision needs to see."""

    hash: str
    field: str | None = None
    """None reads the whole hash."""


@dataclass(frozen=True)
class Effects:
    meta: "RoomMeta | None" = None
    """The new RoomMeta, when the action changes it."""
    writes: tuple[Write, ...] = ()
    must_be_absent: tuple[tuple[str, str], ...] = ()
    """(hash, field) pairs that must not exist at commit time, or nothing is written."""
    expect: tuple[tuple[str, str, str], ...] = ()
    """(hash, field, value) that must still hold at commit time ('' = absent); else re-decide."""
    drop: tuple[str, ...] = ()
    """Room-relative hashes to delete."""
    notice: str = "Done."


def applied(
    records: Mapping[str, Mapping[str, str]], writes: Iterable[Write], drop: Iterable[str] = ()
) -> dict[str, dict[str, str]]:
    """Records (hash name -> field -> value) as they are after `writes`, without the hashes in
    `drop` and without any left empty: what a commit does to a room's hashes, in memory (the
    editor's preview plays a sample room this way)."""
    dropped = set(drop)
    result = {name: dict(fields) for name, fields in records.items() if name not in dropped}
    for write in writes:
        fields = result.setdefault(write.hash, {})
        if write.op == "put":
            fields[write.field] = write.value
        else:
            fields.pop(write.field, None)
    return {name: fields for name, fields in result.items() if fields}
