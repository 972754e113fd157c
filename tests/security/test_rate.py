"""Floods are throttled and told so, and then served again; guessing room codes is throttled per
client address without locking anyone else out."""

import random
import time

import httpx
import pytest
import redis
from starlette.testclient import TestClient

from tests.integration.helpers import create_room, join, live
from tests.integration.live_clients import create_room as create_room_on
from tests.integration.test_two_processes import Apps
from tests.security.workshop_run import load_room
from workshop.live import FRAME_BURST, FRAME_RATE
from workshop.models import CODE_ALPHABET, CODE_LENGTH
from workshop.views import FAILED_JOINS_ALLOWED, FAILED_JOINS_WINDOW

TOO_MANY_ACTIONS = "Too many actions at once"
TOO_MANY_CODES = "Too many wrong room codes"
OPTIONS = ("candid", "curious")


def test_a_flood_is_throttled_with_a_notice_and_later_frames_work_again(
    client: TestClient,
) -> None:
    code, host_cookie = create_room(client)
    cookie = join(client, code, "Ada")
    with (
        live(client, code, "host", host_cookie) as host,
        live(client, code, "phone", cookie) as phone,
    ):
        host.act("Added", type="add_exercise", exercise_id="warmup-hardest-habit")
        host.act("Started", type="start_run", run_id="r1")
        phone.until("stage", "Being curious")
        flood = 100
        started = time.monotonic()
        for n in range(flood):
            phone.send(type="vote", option=OPTIONS[n % 2], seen_phase="r1.0:vote")
        notices = []
        while len(notices) < flood:
            if 'id="notice"' in phone.receive():
                notices.append(phone.regions["notice"])
        elapsed = time.monotonic() - started
        accepted = [n for n, notice in enumerate(notices) if "Vote saved" in notice]
        throttled = [n for n, notice in enumerate(notices) if TOO_MANY_ACTIONS in notice]
        assert len(accepted) + len(throttled) == flood, notices
        assert throttled, "a flood of 100 frames was never throttled"
        assert all('class="notice error"' in notices[n] for n in throttled)
        # The burst, then what the rate refilled meanwhile; never more.
        assert FRAME_BURST <= len(accepted) <= FRAME_BURST + FRAME_RATE * elapsed + 1
        # Throttled frames change nothing: the vote is the last accepted one.
        state = load_room(client, code)
        assert state is not None
        (ada,) = state.participants
        assert state.data("run:r1:votes") == {ada: OPTIONS[accepted[-1] % 2]}

        # Within the rate (10 a second, half of it), every frame is served again.
        time.sleep(FRAME_BURST / FRAME_RATE)
        for n in range(20):
            notice = phone.act(type="vote", option=OPTIONS[n % 2], seen_phase="r1.0:vote")
            assert "Vote saved" in notice, (n, notice)
            time.sleep(0.1)
        state = load_room(client, code)
        assert state is not None and state.data("run:r1:votes") == {ada: OPTIONS[1]}


def random_code(rng: random.Random, taken: str) -> str:
    while (code := "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))) == taken:
        pass
    return code


@pytest.mark.redis
@pytest.mark.timeout(180)
def test_a_thousand_guessed_codes_are_throttled_for_that_address_only(
    apps: Apps, clean_redis_url: str
) -> None:
    """The app runs behind a proxy on this machine: uvicorn takes the client address from
    X-Forwarded-For when the request comes from 127.0.0.1, as it would from nginx."""
    with apps.logs_on_failure():
        code, _ = create_room_on(apps.a)
    rng = random.Random()
    guesser = {"x-forwarded-for": "198.51.100.7"}
    neighbour = {"x-forwarded-for": "203.0.113.9"}
    statuses: list[int] = []
    with apps.logs_on_failure(), httpx.Client(trust_env=False, timeout=10) as http:
        for attempt in range(1000):
            guess = random_code(rng, taken=code)
            app = apps.a if attempt % 2 else apps.b
            if attempt % 3:
                response = http.post(
                    f"{app.url}/join", data={"code": guess, "name": "Eve"}, headers=guesser
                )
            else:
                response = http.get(f"{app.url}/r/{guess}", headers=guesser)
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert TOO_MANY_CODES in response.text
        # Once throttled, even the right code waits: a lucky guess is not confirmed.
        right = http.post(f"{apps.b.url}/join", data={"code": code, "name": "Eve"}, headers=guesser)
        assert right.status_code == 429 and TOO_MANY_CODES in right.text
        # Another address, on either process, joins at once.
        for app, name in ((apps.a, "Ada"), (apps.b, "Grace")):
            joined = http.post(
                f"{app.url}/join",
                data={"code": code, "name": name},
                headers=neighbour,
                follow_redirects=False,
            )
            assert joined.status_code == 303, joined.text
    assert statuses[:FAILED_JOINS_ALLOWED] == [404] * FAILED_JOINS_ALLOWED
    assert statuses[FAILED_JOINS_ALLOWED:] == [429] * (1000 - FAILED_JOINS_ALLOWED)
    db = redis.Redis.from_url(clean_redis_url, decode_responses=True)
    try:
        ttl = db.ttl("workshop:join-failures:198.51.100.7")
        people = db.hvals(f"room:{{{code}}}:people")
    finally:
        db.close()
    assert 0 < ttl <= FAILED_JOINS_WINDOW
    assert len(people) == 2 and not any('"Eve"' in person for person in people)
