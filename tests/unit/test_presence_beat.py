"""A room's feed keeps its phones' presence alive: one heartbeat call per interval for every phone
on this process, none for the console or the projector."""

import asyncio
from typing import Any

import pytest

from workshop import hub as hub_module
from workshop.errors import StoreUnavailable
from workshop.hub import RoomFeed


class Screen:
    def __init__(self, presence: str | None) -> None:
        self.presence = presence

    def refresh(self, state: Any, cache: dict[str, object]) -> None:
        pass

    def store_down(self) -> None:
        pass


class Store:
    def __init__(self, fail_first: bool = False) -> None:
        self.beats: list[tuple[str, list[str]]] = []
        self.fail_first = fail_first

    async def heartbeat(self, code: str, members: list[str]) -> int:
        if self.fail_first:
            self.fail_first = False
            raise StoreUnavailable("store unreachable")
        self.beats.append((code, sorted(members)))
        return 1


class Hub:
    def __init__(self, store: Store) -> None:
        self.store = store


@pytest.mark.parametrize("fail_first", [False, True])
def test_phones_on_this_process_are_kept_present_in_one_call(
    monkeypatch: pytest.MonkeyPatch, fail_first: bool
) -> None:
    monkeypatch.setattr(hub_module, "HEARTBEAT_SECONDS", 0.02)

    async def main() -> list[tuple[str, list[str]]]:
        store = Store(fail_first)
        feed = RoomFeed(Hub(store), "ABCD")  # type: ignore[arg-type]
        feed.subscribers |= {Screen("p1|a"), Screen("p2|b"), Screen(None), Screen("p1|c")}
        await asyncio.sleep(0.09)
        feed.cancel()
        await asyncio.sleep(0)
        return store.beats

    beats = asyncio.run(main())
    # A failed beat is dropped and the next one goes ahead.
    assert len(beats) >= 2
    assert set(map(tuple, (members for _, members in beats))) == {("p1|a", "p1|c", "p2|b")}
    assert {code for code, _ in beats} == {"ABCD"}
