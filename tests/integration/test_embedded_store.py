"""The embedded store's file: what a snapshot keeps, what a start restores, and a file gone bad.

(`tests/faults/test_embedded_restart.py` kills a real `workshop serve` and starts it again.)
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join
from tests.integration.live_clients import region, text
from workshop import embedded, engine
from workshop.actions import action_adapter
from workshop.app import create_app
from workshop.cli import main
from workshop.exercises import load_library
from workshop.service import Rooms
from workshop.settings import DEFAULT_EXERCISES, Settings, default_data_dir
from workshop.store import Store, room_key

LIBRARY = load_library(DEFAULT_EXERCISES)
TTL = 3600
HOUR_MS = 3_600_000


def run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(body())


def act(payload: dict[str, Any]) -> Any:
    return action_adapter.validate_python(payload)


def snapshot_of(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(embedded.store_file(folder).read_text())
    return document


async def everything(store: Store) -> dict[str, tuple[str, Any, int]]:
    """Every key: its type, its value and its milliseconds to live (-1: none)."""
    found = {}
    for key in await store.client.keys("*"):
        kind = await store.client.type(key)
        value: Any
        if kind == "hash":
            value = await store.client.hgetall(key)
        elif kind == "set":
            value = await store.client.smembers(key)
        elif kind == "zset":
            value = await store.client.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            value = await store.client.lrange(key, 0, -1)
        else:
            value = await store.client.get(key)
        found[key] = (kind, value, await store.client.pttl(key))
    return found


def test_every_kind_of_key_comes_back_with_what_was_left_of_its_time(tmp_path: Path) -> None:
    async def body() -> None:
        store = Store.connect(None, TTL, tmp_path)
        client = store.client
        await client.hset("h", mapping={"a": "1", "b": '{"json": "ü ✓"}'})
        await client.sadd("s", "x", "y", "z")
        await client.zadd("z", {"low": 1.5, "high": 1796393282.0524263})
        await client.set("forever", "no deadline")
        await client.rpush("l", "first", "second")
        for key in ("h", "s", "z", "l"):
            await client.pexpire(key, 2 * HOUR_MS)
        await client.set("short", "gone soon", px=200)
        await client.set("half", "an hour and a half", px=HOUR_MS + HOUR_MS // 2)
        await client.zadd(room_key("ABCDEF", "presence"), {"someone|tab": time.time()})
        before = await everything(store)
        assert store.persistence is not None
        await store.persistence.save()
        await store.close()

        # Who is connected is left out: no connection outlives the process.
        saved = snapshot_of(tmp_path)
        assert room_key("ABCDEF", "presence") not in {entry["key"] for entry in saved["keys"]}

        # An hour passes while the app is down: the deadlines in the file move an hour closer.
        for entry in saved["keys"]:
            if entry["expires_at_ms"] is not None:
                entry["expires_at_ms"] -= HOUR_MS
        saved["saved_at"] -= 3600
        embedded.store_file(tmp_path).write_text(json.dumps(saved))

        again = Store.connect(None, TTL, tmp_path)
        after = await everything(again)
        await again.close()
        expected = {
            key: value
            for key, value in before.items()
            if key not in ("short", room_key("ABCDEF", "presence"))
        }
        assert after.keys() == expected.keys()
        for key, (kind, value, ttl) in after.items():
            assert (kind, value) == expected[key][:2], key
            if key == "forever":
                assert ttl == -1
            else:
                left = expected[key][2] - HOUR_MS
                assert left - 5_000 < ttl <= left, (key, ttl, left)

    run(body)


def test_a_change_reaches_the_file_within_a_second_and_nothing_is_written_without_one(
    tmp_path: Path,
) -> None:
    async def body() -> None:
        store = Store.connect(None, TTL, tmp_path)
        rooms = Rooms(store, LIBRARY)
        try:
            code, _ = await rooms.create()
            ada = await rooms.join(code, "Ada")
            await rooms.act(
                code,
                engine.HOST,
                act(
                    {
                        "type": "add_exercise",
                        "action_id": "add-0001",
                        "exercise_id": "warmup-hardest-habit",
                    }
                ),
            )
            await rooms.act(
                code,
                engine.HOST,
                act({"type": "start_run", "action_id": "start-001", "run_id": "r1"}),
            )
            await rooms.act(
                code,
                engine.Actor("participant", ada),
                act({"type": "vote", "action_id": "vote-0001", "option": "curious"}),
            )
            voted = time.monotonic()
            # Presence and heartbeats change nothing worth a write.
            await store.set_presence(code, f"{ada}|tab", online=True)
            await asyncio.sleep(max(0.0, voted + 1.0 - time.monotonic()))
            # Read as a killed process would leave it: the store is still running.
            values = {entry["key"]: entry["value"] for entry in snapshot_of(tmp_path)["keys"]}
            assert values[room_key(code, "run:r1:votes")] == {ada: "curious"}
            assert json.loads(values[room_key(code, "people")][ada])["name"] == "Ada"
            written = embedded.store_file(tmp_path).stat().st_mtime_ns
            await store.heartbeat(code, [f"{ada}|tab"])
            await asyncio.sleep(2 * embedded.SAVE_EVERY + 0.2)
            assert embedded.store_file(tmp_path).stat().st_mtime_ns == written
            await rooms.delete(code)
            await asyncio.sleep(2 * embedded.SAVE_EVERY + 0.2)
            assert not [e for e in snapshot_of(tmp_path)["keys"] if e["key"].startswith("room:")]
        finally:
            await store.close()
        assert [path.name for path in embedded.store_files(tmp_path)] == [embedded.FILE_NAME]

    run(body)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda good: b"\x00\xff not json at all", id="garbage"),
        pytest.param(lambda good: good[: len(good) // 2], id="cut-in-half"),
        pytest.param(lambda good: good.replace(b'"version":1', b'"version":9'), id="other-version"),
        pytest.param(lambda good: good.replace(b'"hash"', b'"stream"'), id="unknown-type"),
        pytest.param(lambda good: b"", id="empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_moved_aside_and_the_store_starts_empty(
    tmp_path: Path, damage: Callable[[bytes], bytes], caplog: pytest.LogCaptureFixture
) -> None:
    async def body() -> None:
        store = Store.connect(None, TTL, tmp_path)
        await Rooms(store, LIBRARY).create()
        await store.close()
        good = embedded.store_file(tmp_path).read_bytes()
        embedded.store_file(tmp_path).write_bytes(damage(good))

        with caplog.at_level(logging.WARNING, logger="workshop"):
            again = Store.connect(None, TTL, tmp_path)
        try:
            warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
            assert len(warnings) == 1, warnings
            assert "cannot be read" in warnings[0] and "starts with no rooms" in warnings[0]
            assert "room:{" not in warnings[0], "the warning quotes the file"
            assert await again.client.keys("*") == []
            aside = [p for p in embedded.store_files(tmp_path) if ".corrupt-" in p.name]
            assert len(aside) == 1 and aside[0].read_bytes() == damage(good)
            assert aside[0].name in warnings[0]
            # The store goes on, and writes a good file again.
            await Rooms(again, LIBRARY).create()
        finally:
            await again.close()
        assert len(embedded.read_file(embedded.store_file(tmp_path)).keys) == 2

    run(body)


def test_a_write_cut_short_leaves_the_file_whole(tmp_path: Path) -> None:
    """A crash in the middle of a write leaves a temporary file and the old file as it was."""

    async def body() -> None:
        store = Store.connect(None, TTL, tmp_path)
        code, _ = await Rooms(store, LIBRARY).create()
        await store.close()
        leftover = tmp_path / f"{embedded.FILE_NAME}.x1y2z3.tmp"
        leftover.write_bytes(b'{"format": "workshop-embedded-st')
        again = Store.connect(None, TTL, tmp_path)
        try:
            assert await again.exists(code)
            assert not leftover.exists()
        finally:
            await again.close()

    run(body)


def test_one_folder_serves_one_app_and_wipe_waits_for_it_to_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(folder))

    async def body() -> None:
        store = Store.connect(None, TTL, folder)
        code, _ = await Rooms(store, LIBRARY).create()
        try:
            with pytest.raises(embedded.StoreInUse, match="Another workshop app is using"):
                Store.connect(None, TTL, folder)
            assert main(["wipe", "--yes"]) == 1
            assert "Nothing deleted: Another workshop app" in capsys.readouterr().err
        finally:
            await store.close()
        assert main(["wipe", "--yes"]) == 0
        out = capsys.readouterr().out
        assert str(embedded.store_file(folder)) in out and f"rooms: {code}" in out
        assert not folder.exists()
        assert main(["wipe", "--yes"]) == 0
        assert "Nothing to delete" in capsys.readouterr().out

    run(body)


def test_an_app_started_again_on_its_folder_knows_its_people_by_their_cookies(
    tmp_path: Path,
) -> None:
    """No WORKSHOP_SECRET_KEY: the cookie signing key is kept in the store, and comes back too."""
    settings = Settings(redis_url=None, data_dir=tmp_path, coalesce_seconds=0.0)
    with TestClient(create_app(settings)) as client:
        code, host_cookie = create_room(client)
        cookie = join(client, code, "Ada")
    with TestClient(create_app(settings)) as client:
        page = client.get(f"/r/{code}", headers={"cookie": cookie})
        me = region(page.text, "me")
        assert me is not None and "Ada" in text(me)
        assert client.get(f"/host/{code}", headers={"cookie": host_cookie}).status_code == 200


def test_the_data_folder_defaults_to_the_xdg_data_folder_and_can_be_turned_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WORKSHOP_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().data_dir == default_data_dir() == tmp_path / "workshop"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/is/ignored")
    assert Settings().data_dir == Path.home() / ".local" / "share" / "workshop"
    monkeypatch.setenv("WORKSHOP_DATA_DIR", "")
    assert Settings().data_dir is None


@pytest.mark.parametrize("people", [200, 2000])
def test_what_a_snapshot_of_a_room_with_votes_costs(tmp_path: Path, people: int) -> None:
    """Measured and printed. Only the read is asserted, which holds up the app (nothing else runs on
    its event loop meanwhile): it must stay far below the half second between two snapshots. The
    rest, encoding and writing the file, runs in a thread, and the flush to disk takes what the
    disk takes (a few ms, but 200 ms was seen on a disk shared with other busy processes)."""

    async def body() -> None:
        store = Store.connect(None, 7 * 86400, tmp_path)
        rooms = Rooms(store, LIBRARY)
        try:
            code, _ = await rooms.create()
            for n, payload in enumerate(
                [
                    {"type": "add_exercise", "exercise_id": "warmup-hardest-habit"},
                    {"type": "start_run", "run_id": "r1"},
                ]
            ):
                await rooms.act(code, engine.HOST, act({**payload, "action_id": f"host-{n:04d}"}))
            ids = [await rooms.join(code, f"Participant {n:04d}") for n in range(people)]
            options = ("candid", "collaborative", "compassionate", "curious")
            await asyncio.gather(
                *(
                    rooms.act(
                        code,
                        engine.Actor("participant", pid),
                        act(
                            {"type": "vote", "action_id": f"vote-{n:06d}", "option": options[n % 4]}
                        ),
                    )
                    for n, pid in enumerate(ids)
                )
            )
            await store.heartbeat(code, [f"{pid}|tab" for pid in ids])
            assert store.persistence is not None
            costs = []
            for _ in range(5):
                await store.persistence.save()
                assert store.persistence.last_save is not None
                costs.append(store.persistence.last_save)
        finally:
            await store.close()
        started = time.perf_counter()
        again = Store.connect(None, 7 * 86400, tmp_path)
        restored = time.perf_counter() - started
        try:
            state = await again.load(code)
            assert state is not None and len(state.participants) == people
            assert len(state.data("run:r1:votes")) == people
        finally:
            await again.close()
        median = sorted(costs)[2]
        assert sorted(cost.read_seconds for cost in costs)[2] < embedded.SAVE_EVERY / 5, costs
        print(
            f"{people} people with votes: a snapshot takes {1000 * median.seconds:.1f} ms (median "
            f"of 5), of which the read {1000 * median.read_seconds:.1f} ms; "
            f"{median.size / 1024:.0f} KiB; restored in {1000 * restored:.0f} ms"
        )

    run(body)
