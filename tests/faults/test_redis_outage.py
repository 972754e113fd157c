"""Redis goes away under running app processes, and comes back.

Two `workshop serve` processes (A and B) share one redis-server that runs with an append-only file
fsynced every second, as production should. The console sits on A, the projector on B, and the
phones on both. The redis-server is killed with SIGKILL (no shutdown, no last fsync), kept down,
and started again on the same port and data folder. The app processes are never restarted.
"""

import asyncio
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx
import pytest
import redis
from websockets.exceptions import InvalidStatus

from tests.faults.conftest import AOF_EVERYSEC, Apps, Redis, StartRedis, get
from tests.faults.screens import Screen, Screens, bounded
from tests.integration.live_clients import AppProcess, create_room, join, text
from tests.integration.test_concurrent_votes import together

pytestmark = pytest.mark.redis

EXERCISE = "warmup-hardest-habit"
OPTIONS = ("candid", "collaborative", "compassionate", "curious")
VOTERS = 8
RECENT_VOTERS = 2
"""Phones that vote less than a second before Redis dies: their votes may be lost."""
LATE_VOTERS = 2
"""Phones that vote while Redis is down (refused) and again once it is back."""
OUTAGE_SECONDS = 20.0
PAGE_BURST = 16
FSYNC_WINDOW_SECONDS = 1.0
NOT_SAVED = r"^Not saved: the room's store cannot be reached"
SCENARIO_SECONDS = 100.0

Timings = dict[str, float]
Form = dict[str, str] | None


def action(type_: str, **fields: str) -> dict[str, str]:
    return {"type": type_, **fields, "action_id": secrets.token_hex(12)}


def vote(option: str) -> dict[str, str]:
    return action("vote", option=option, seen_phase="r1.0:vote")


@dataclass
class Room:
    code: str
    host_cookie: str
    phone_cookies: dict[str, str]
    """Name -> Cookie header."""
    homes: dict[str, AppProcess]
    """Name -> the process the phone is connected to."""


def open_room(a: AppProcess, b: AppProcess, count: int) -> Room:
    code, host_secret = create_room(a)
    cookies, homes = {}, {}
    for number in range(count):
        name = f"Phone {number:02d}"
        home = (a, b)[number % 2]
        cookies[name] = f"workshop_p_{code}={join(home, code, name)}"
        homes[name] = home
    return Room(code, f"workshop_host_{code}={host_secret}", cookies, homes)


def stored_votes(server: Redis, code: str) -> dict[str, str]:
    """Name -> option, read straight from Redis."""
    client = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        people = client.hgetall(f"room:{{{code}}}:people")
        votes = client.hgetall(f"room:{{{code}}}:run:r1:votes")
    finally:
        client.close()
    names = {pid: json.loads(doc)["name"] for pid, doc in people.items()}
    return {names[pid]: option for pid, option in votes.items()}


async def open_all(
    screens: Screens, apps: tuple[AppProcess, AppProcess], room: Room
) -> tuple[Screen, Screen, dict[str, Screen]]:
    a, b = apps
    host = await screens.open(a, "host", "console@A", room.host_cookie)
    projector = await screens.open(b, "screen", "projector@B", room.host_cookie)
    phones = {
        name: await screens.open(room.homes[name], "phone", f"{name}@{room.homes[name].name}", c)
        for name, c in room.phone_cookies.items()
    }
    for name, phone in phones.items():
        await phone.region_matching("me", name)
    await host.host_act(action("add_exercise", exercise_id=EXERCISE), "Added")
    await host.host_act(action("start_run", run_id="r1"), "Started")
    await projector.region_matching("stage", voted(0, len(phones)), visible=True)
    return host, projector, phones


DOWN_BANNER = r'^<div id="link-status"(?![^>]*\bhidden)[^>]*>Lost contact with the room'
HIDDEN_BANNER = r'^<div id="link-status"[^>]*\bhidden\b'


async def banners(screens: Iterable[Screen], pattern: str, within: float = 20.0) -> None:
    """Waits until every screen's link-status banner matches `pattern`."""
    await together(screen.region_matching("link-status", pattern, within) for screen in screens)


@pytest.mark.timeout(150)
def test_redis_killed_and_restarted_keeps_acknowledged_votes_and_the_apps_recover(
    start_redis: StartRedis, apps: Apps
) -> None:
    server = start_redis(*AOF_EVERYSEC)
    a, b = apps.start(server.url, "A", "B")
    with apps.logs_on_failure():
        room = open_room(a, b, VOTERS + RECENT_VOTERS + LATE_VOTERS)
        timings = asyncio.run(bounded(_restart(server, (a, b), room), SCENARIO_SECONDS))
        assert all(app.process is not None and app.process.poll() is None for app in (a, b))
        assert not apps.problems(), apps.problems()
    print(", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings.items()))


async def _restart(server: Redis, apps: tuple[AppProcess, AppProcess], room: Room) -> Timings:
    screens = Screens(room.code)
    try:
        host, projector, phones = await open_all(screens, apps, room)
        everyone = [host, projector, *phones.values()]
        names = sorted(phones)
        voters, recent, late = (
            names[:VOTERS],
            names[VOTERS : VOTERS + RECENT_VOTERS],
            names[VOTERS + RECENT_VOTERS :],
        )
        durable = await vote_each(phones, voters)
        await projector.region_matching("stage", voted(VOTERS, len(phones)), visible=True)
        # Many page loads at once leave each process with that many idle store connections.
        assert await page_burst(apps, room) == {200}
        # Everything acknowledged so far is older than the fsync window when Redis dies…
        await asyncio.sleep(FSYNC_WINDOW_SECONDS + 1.0)
        # …except these, which may or may not have reached the disk.
        maybe = await vote_each(phones, recent, offset=VOTERS)
        killed = time.monotonic()
        server.kill()
        await banners(everyone, DOWN_BANNER)
        timings = {"every screen shows the store-down banner": time.monotonic() - killed}

        phone = phones[late[0]]
        _, refused = await phone.notice(NOT_SAVED, since=await send_vote(phone, "curious"))
        assert refused.tone == "error", refused

        server.restart()
        restarted = time.monotonic()
        # Those connections died with the server; the first use of each must not fail.
        assert await page_burst(apps, room) == {200}
        stored = stored_votes(server, room.code)
        assert durable.items() <= stored.items(), "an acknowledged vote older than 1 s was lost"
        assert stored.items() <= (durable | maybe).items(), "a vote nobody cast was stored"
        print(f"{len(stored) - len(durable)} of {len(maybe)} votes cast just before the kill kept")

        # New votes flow again through both processes, neither of them restarted.
        expected = dict(stored)
        for number, name in enumerate(late, start=len(stored)):
            expected |= await vote_each(phones, [name], offset=number)
            for screen in (projector, host):
                await screen.region_matching("stage", voted(number + 1, len(phones)), visible=True)
        timings["new votes on both processes' screens"] = time.monotonic() - restarted
        await banners(everyone, HIDDEN_BANNER)
        timings["every banner gone"] = time.monotonic() - restarted
        assert stored_votes(server, room.code) == expected
        assert all(screen.ended is None for screen in everyone), "a screen was dropped"
        return timings
    finally:
        await screens.aclose()


@pytest.mark.timeout(150)
def test_redis_down_for_20_seconds_is_shown_refused_cleanly_and_recovered_from(
    start_redis: StartRedis, apps: Apps
) -> None:
    server = start_redis(*AOF_EVERYSEC)
    a, b = apps.start(server.url, "A", "B")
    with apps.logs_on_failure():
        room = open_room(a, b, VOTERS + LATE_VOTERS)
        timings = asyncio.run(bounded(_outage(server, apps, (a, b), room), SCENARIO_SECONDS))
        assert all(app.process is not None and app.process.poll() is None for app in (a, b))
        assert not apps.problems(), apps.problems()
    print(", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings.items()))


async def _outage(
    server: Redis, apps: Apps, pair: tuple[AppProcess, AppProcess], room: Room
) -> Timings:
    a, b = pair
    screens = Screens(room.code)
    try:
        host, projector, phones = await open_all(screens, pair, room)
        everyone = [host, projector, *phones.values()]
        names = sorted(phones)
        voters, late = names[:VOTERS], names[VOTERS:]
        acknowledged = await vote_each(phones, voters)
        await projector.region_matching("stage", voted(VOTERS, len(phones)), visible=True)
        await asyncio.sleep(FSYNC_WINDOW_SECONDS + 1.0)

        killed = time.monotonic()
        server.kill()
        await banners(everyone, DOWN_BANNER)
        timings = {"every screen shows the store-down banner": time.monotonic() - killed}

        # Actions on both processes are refused with a message saying so, not dropped.
        for phone in (phones[late[0]], phones[late[1]]):
            _, refused = await phone.notice(NOT_SAVED, since=await send_vote(phone, "curious"))
            assert refused.tone == "error", refused
        seen = len(host.notices)
        await host.send(action("next_phase", seen_phase="r1.0:vote"))
        _, refused = await host.notice(NOT_SAVED, since=seen)
        assert refused.tone == "error", refused
        # Pages answer 503 with a message; a new live connection is turned away (the browser
        # tries again with its backoff).
        await pages_refused(pair, room)
        with pytest.raises(InvalidStatus):
            await screens.open(a, "phone", "a phone reloading", room.phone_cookies[late[0]])

        # Left alone, nothing loops: no new log line, and the banners stay up.
        logged = len(apps.log_lines())
        idle = OUTAGE_SECONDS - (time.monotonic() - killed)
        assert idle > 5, f"the checks above took {OUTAGE_SECONDS - idle:.1f} s of the outage"
        await asyncio.sleep(idle)
        assert apps.log_lines()[logged:] == [], "the apps kept logging while idle"
        for screen in everyone:
            assert re.search(DOWN_BANNER, screen.regions["link-status"]), screen.history()
            assert screen.ended is None, screen.history()

        server.restart()
        restarted = time.monotonic()
        await banners(everyone, HIDDEN_BANNER)
        timings["every banner gone after the restart"] = time.monotonic() - restarted
        assert stored_votes(server, room.code) == acknowledged

        # Everything works again: votes through both processes, pages, joins, new connections.
        for number, name in enumerate(late, start=VOTERS):
            acknowledged |= await vote_each(phones, [name], offset=number)
            for screen in (projector, host):
                await screen.region_matching("stage", voted(number + 1, len(phones)), visible=True)
        timings["votes flowing again"] = time.monotonic() - restarted
        await asyncio.to_thread(pages_served, pair, room)
        cookie = f"workshop_p_{room.code}={await asyncio.to_thread(join, b, room.code, 'Newcomer')}"
        newcomer = await screens.open(a, "phone", "Newcomer@A", cookie)
        await newcomer.region_matching("me", "Newcomer")
        await projector.region_matching("join-panel", rf"\b{len(phones) + 1} joined", visible=True)
        assert stored_votes(server, room.code) == acknowledged
        return timings
    finally:
        await screens.aclose()


async def pages_refused(apps: tuple[AppProcess, AppProcess], room: Room) -> None:
    """While the store is down, pages answer a clear 503, never a 500 or a hang. The requests go
    out together: against a Redis that does not answer, each waits for the store's timeout."""

    async def check(app: AppProcess, method: str, path: str, cookie: str, form: Form) -> None:
        async with httpx.AsyncClient(base_url=app.url, trust_env=False, timeout=30.0) as client:
            headers = {"Cookie": cookie} if cookie else {}
            response = await client.request(method, path, headers=headers, data=form)
        where = f"{method} {path} on {app.name}"
        assert response.status_code == 503, (where, response.status_code, text(response.text))
        if path != "/healthz":
            assert "cannot reach its store" in text(response.text), (where, text(response.text))
            assert response.headers.get("retry-after") == "5", (where, response.headers)

    requests: list[tuple[str, str, str, Form]] = [
        ("GET", "/healthz", "", None),
        *(("GET", path, cookie, None) for path, cookie in pages(room)),
        ("POST", "/join", "", {"code": room.code, "name": "Late arrival"}),
        ("POST", "/rooms", "", None),
    ]
    await together(check(app, *request) for app in apps for request in requests)


async def page_burst(apps: tuple[AppProcess, AppProcess], room: Room) -> set[int]:
    """The statuses of PAGE_BURST projector page loads at once on each process."""

    async def load(client: httpx.AsyncClient) -> int:
        response = await client.get(f"/screen/{room.code}", headers={"cookie": room.host_cookie})
        return response.status_code

    statuses = set()
    for app in apps:
        async with httpx.AsyncClient(base_url=app.url, trust_env=False, timeout=20.0) as client:
            statuses |= set(await together(load(client) for _ in range(PAGE_BURST)))
    return statuses


def pages_served(apps: tuple[AppProcess, AppProcess], room: Room) -> None:
    for app in apps:
        assert get(app, "/healthz").status_code == 200
        for path, cookie in pages(room):
            response = get(app, path, cookie)
            assert response.status_code == 200, (app.name, path, response.status_code)


def pages(room: Room) -> list[tuple[str, str]]:
    """Every page of the room, with the cookie it needs."""
    phone_cookie = next(iter(room.phone_cookies.values()))
    return [
        (f"/screen/{room.code}", room.host_cookie),
        (f"/r/{room.code}", phone_cookie),
        (f"/host/{room.code}", room.host_cookie),
        (f"/host/{room.code}/export/md", room.host_cookie),
        (f"/r/{room.code}/card", phone_cookie),
    ]


async def vote_each(
    phones: Mapping[str, Screen], names: Iterable[str], offset: int = 0
) -> dict[str, str]:
    """Each named phone votes once and must be acknowledged; returns name -> option."""
    votes = {}
    for number, name in enumerate(names, start=offset):
        option = OPTIONS[number % len(OPTIONS)]
        notice = await phones[name].act(vote(option))
        assert notice.tone == "ok" and notice.message.startswith("Vote saved"), (name, notice)
        votes[name] = option
    return votes


async def send_vote(phone: Screen, option: str) -> int:
    """Sends a vote without waiting; returns how many notices the phone had before it."""
    seen = len(phone.notices)
    await phone.send(vote(option))
    return seen


def voted(count: int, of: int) -> str:
    return rf"\b{count} of {of} voted\b"


@pytest.mark.timeout(150)
def test_redis_that_stops_answering_is_treated_as_down_and_recovered_from(
    start_redis: StartRedis, apps: Apps
) -> None:
    server = start_redis()
    a, b = apps.start(server.url, "A", "B")
    with apps.logs_on_failure():
        room = open_room(a, b, VOTERS + LATE_VOTERS)
        timings = asyncio.run(bounded(_frozen(server, apps, (a, b), room), SCENARIO_SECONDS))
        assert all(app.process is not None and app.process.poll() is None for app in (a, b))
        assert not apps.problems(), apps.problems()
    print(", ".join(f"{what}: {seconds:.2f} s" for what, seconds in timings.items()))


async def _frozen(
    server: Redis, apps: Apps, pair: tuple[AppProcess, AppProcess], room: Room
) -> Timings:
    screens = Screens(room.code)
    try:
        host, projector, phones = await open_all(screens, pair, room)
        everyone = [host, projector, *phones.values()]
        names = sorted(phones)
        voters, late = names[:VOTERS], names[VOTERS:]
        acknowledged = await vote_each(phones, voters)
        await projector.region_matching("stage", voted(VOTERS, len(phones)), visible=True)

        frozen = time.monotonic()
        server.freeze()
        # Nothing answers, so nothing fails fast: the app must give up waiting by itself.
        phone = phones[late[0]]
        _, refused = await phone.notice(NOT_SAVED, since=await send_vote(phone, "curious"))
        assert refused.tone == "error", refused
        timings = {"a vote refused": time.monotonic() - frozen}
        await banners(everyone, DOWN_BANNER, within=OUTAGE_SECONDS)
        timings["every screen shows the store-down banner"] = time.monotonic() - frozen
        await pages_refused(pair, room)
        timings["pages answered 503"] = time.monotonic() - frozen

        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - frozen)))
        server.thaw()
        thawed = time.monotonic()
        await banners(everyone, HIDDEN_BANNER)
        timings["every banner gone"] = time.monotonic() - thawed
        for number, name in enumerate(late, start=VOTERS):
            acknowledged |= await vote_each(phones, [name], offset=number)
            for screen in (projector, host):
                await screen.region_matching("stage", voted(number + 1, len(phones)), visible=True)
        timings["votes flowing again"] = time.monotonic() - thawed
        assert stored_votes(server, room.code) == acknowledged
        return timings
    finally:
        await screens.aclose()
