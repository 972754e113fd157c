"""Phones that sleep and come back: same person, same pair, same ratings, same screen as a reload.

Two `workshop serve` processes (A and B) on one real Redis. Six people join a respectful-challenge
pairs exercise on A, are seated in pairs, and rate; the facilitator starts a ten-minute timer.
Then two phones lose their websocket (the TCP connection is cut with a reset, as when a phone's
radio sleeps) while the room goes on: others change their ratings, someone joins late and is
seated, the facilitator adds time. Ada comes back after 10 s and Grace after 150 s, both through B
(another process, as behind a load balancer), with only the cookie their browser kept.

On return each must be the same participant, in the same pair with the same role and partners, with
the same ratings stored and shown; and the HTML its websocket snapshot holds must equal the HTML a
fresh page load gives, region by region. The only difference allowed is in the timer region: its
`data-left` and `data-server-now` attributes and its `m:ss` label are the seconds left at the moment
of rendering, so two renders a moment apart differ there and nowhere else.
"""

import asyncio
import json
import re
import secrets
import time
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from tests.faults.conftest import Apps, StartRedis, get
from tests.faults.screens import Screen, Screens, bounded
from tests.integration.live_clients import AppProcess, create_room, join, region, text
from tests.integration.test_challenge_pairs_live import Group, badge, board, group_of
from workshop.render import REGIONS

pytestmark = pytest.mark.redis

EXERCISE = "challenge-pairs-respectful-challenge"
NAMES = ("Ada", "Grace", "Linus", "Barbara", "Alan", "Edsger")
SLEEPS = {"Ada": 10.0, "Grace": 150.0}
HABITS = ("candid", "collaborative", "compassionate", "curious")
TIMER = re.compile(r'(data-left|data-server-now)="[^"]*"|(<span class="countdown">)[^<]*(</span>)')
ROLE = re.compile(r"You are the <strong>(\w+)</strong>")
SCENARIO_SECONDS = 240.0


def action(type_: str, **fields: str) -> dict[str, str]:
    return {"type": type_, **fields, "action_id": secrets.token_hex(12)}


def scores_for(name: str, round_: int = 0) -> dict[str, str]:
    """A distinct set of scores per person (and per change of mind)."""
    seed = sum(map(ord, name)) + 7 * round_
    return {habit: str(1 + (seed + 3 * n) % 5) for n, habit in enumerate(HABITS)}


def normalise_timer(html: str) -> str:
    """The timer region with the seconds left (and the render time) blanked out."""

    def blank(match: re.Match[str]) -> str:
        if match.group(1):
            return f'{match.group(1)}="…"'
        return f"{match.group(2)}…{match.group(3)}"

    return TIMER.sub(blank, html)


@dataclass(frozen=True)
class Seat:
    """Where a phone sat before it slept."""

    group: Group
    role: str
    stage: str


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_phones_back_after_10_and_150_seconds_are_who_and_where_they_were(
    start_redis: StartRedis, apps: Apps
) -> None:
    server = start_redis()
    a, b = apps.start(server.url, "A", "B")
    with apps.logs_on_failure():
        code, host_secret = create_room(a)
        cookies = {name: f"workshop_p_{code}={join(a, code, name)}" for name in NAMES}
        host_cookie = f"workshop_host_{code}={host_secret}"
        started = time.monotonic()
        asyncio.run(
            bounded(_scenario(server.url, a, b, code, host_cookie, cookies), SCENARIO_SECONDS)
        )
        assert not apps.problems(), apps.problems()
    print(f"scenario took {time.monotonic() - started:.1f} s")


async def _scenario(
    redis_url: str,
    a: AppProcess,
    b: AppProcess,
    code: str,
    host_cookie: str,
    cookies: dict[str, str],
) -> None:
    screens = Screens(code)
    store = Redis.from_url(redis_url, decode_responses=True)
    try:
        host = await screens.open(a, "host", "console@A", host_cookie)
        phones = {
            name: await screens.open(a, "phone", f"{name}@A", cookies[name]) for name in NAMES
        }
        await host.host_act(action("add_exercise", exercise_id=EXERCISE), "Added")
        await host.host_act(action("start_run", run_id="r1"), "Started")
        for phase, following in (
            ("brief", "pair"),
            ("pair", "read"),
            ("read", "converse"),
            ("converse", "rate"),
        ):
            await host.host_act(action("next_phase", seen_phase=f"r1.0:{phase}"), "Now: round 1")
            await host.region_matching("stage", f'value="r1.0:{following}"')
        await host.host_act(action("timer_start", minutes="10"), "Timer started")
        groups = board(host.regions["stage"])
        assert sorted(name for g in groups for name in g.seats) == sorted(NAMES), groups

        # Everyone rates: the challenger rates themselves, the others rate the challenger.
        for name, phone in phones.items():
            await phone.region_matching("stage", r'name="type" value="rate"')
            notice = await phone.act(action("rate", seen_phase="r1.0:rate", **scores_for(name)))
            assert notice.tone == "ok" and "saved" in notice.message, (name, notice)
        ratings_before = await ratings(store, code)
        assert len(ratings_before) == len(NAMES), ratings_before

        seats = {}
        for name in SLEEPS:
            stage = await phones[name].region_matching("stage", checked(scores_for(name)))
            roles = ROLE.findall(stage)
            assert len(roles) == 1, stage
            seats[name] = Seat(group_of(groups, name), roles[0], stage)

        # The two phones drop off the network.
        for name in SLEEPS:
            phones[name].ws.transport.abort()
            await phones[name].closed()
        for name in SLEEPS:
            await host.region_matching("roster", rf"\b{name} not connected", visible=True)
        asleep = time.monotonic()

        # The room goes on without them.
        notice = await phones["Linus"].act(
            action("rate", seen_phase="r1.0:rate", **scores_for("Linus", 1))
        )
        assert notice.tone == "ok", notice
        late = f"workshop_p_{code}={await asyncio.to_thread(join, b, code, 'Barbara L')}"
        await host.region_matching("stage", r"Barbara L", visible=True)
        await host.host_act(action("timer_add", seconds="60"), "Timer changed")
        newcomer = await screens.open(b, "phone", "Barbara L@B", late)
        await newcomer.region_matching("stage", r"pair-badge")

        for name, seconds in sorted(SLEEPS.items(), key=lambda item: item[1]):
            await asyncio.sleep(max(0.0, asleep + seconds - time.monotonic()))
            if name == "Grace":
                # Something changes while only Grace is away.
                notice = await phones["Barbara"].act(
                    action("rate", seen_phase="r1.0:rate", **scores_for("Barbara", 1))
                )
                assert notice.tone == "ok", notice
            back = await screens.open(b, "phone", f"{name}@B, back", cookies[name])
            await came_back(name, back, seats[name], host, b, code, cookies[name])
            print(f"{name} came back after {time.monotonic() - asleep:.1f} s")

        # Their ratings were never touched; everyone else's changes were kept too.
        after = await ratings(store, code)
        for name in SLEEPS:
            assert after[name] == ratings_before[name], name
        assert after["Linus"] != ratings_before["Linus"]
    finally:
        await screens.aclose()
        await store.aclose()


async def came_back(
    name: str, back: Screen, seat: Seat, host: Screen, app: AppProcess, code: str, cookie: str
) -> None:
    # Same person.
    await back.region_matching("me", rf"\b{name}\b", visible=True)
    await host.region_matching("roster", rf"\b{name} connected", visible=True)
    # Same pair, role and partners (a late joiner may have been added as an observer), and the
    # form still shows the scores they gave.
    stage = await back.region_matching("stage", checked(scores_for(name)))
    assert badge(seat.group) in stage, (seat.group, text(stage))
    assert ROLE.findall(stage) == [seat.role], text(stage)
    now = group_of(board(host.regions["stage"]), name)
    assert (now.number, now.colour) == (seat.group.number, seat.group.colour), (now, seat.group)
    assert seat.group.seats.items() <= now.seats.items(), (now.seats, seat.group.seats)
    # What the screen holds is what a reload would show.
    page = await asyncio.to_thread(get, app, f"/r/{code}", cookie)
    assert page.status_code == 200, page.status_code
    for region_id in REGIONS["phone"]:
        loaded = region(page.text, region_id)
        assert loaded is not None, f"the page has no #{region_id}"
        held = back.regions.get(region_id)
        assert held is not None, f"{name}'s screen never got #{region_id}"
        assert normalise_timer(held) == normalise_timer(loaded), (region_id, held, loaded)


def checked(scores: dict[str, str]) -> str:
    """The rating form with exactly these scores checked, in habit order."""
    return ".*".join(rf'name="{habit}" value="{score}" checked' for habit, score in scores.items())


async def ratings(store: Redis, code: str) -> dict[str, dict[str, int]]:
    """Name -> the scores stored for their first-half rating."""
    people = {
        pid: json.loads(doc)["name"]
        for pid, doc in (await store.hgetall(f"room:{{{code}}}:people")).items()
    }
    stored = await store.hgetall(f"room:{{{code}}}:run:r1:0:ratings")
    result = {}
    for key, doc in stored.items():
        _, rater = key.split("|", 1)
        result[people[rater]] = json.loads(doc)["scores"]
    return result
