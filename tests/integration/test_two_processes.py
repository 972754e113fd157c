"""Two app processes on one real Redis behave as one app.

Each test starts two `workshop serve` processes (A and B) on the session's redis-server, without
WORKSHOP_SECRET_KEY, so they share the cookie signing key through Redis. Browsers are played by
plain websocket clients that send the JSON frames the htmx ws extension sends and read the HTML
fragments the server pushes back.
"""

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.conftest import free_port
from tests.integration.helpers import form_items
from tests.integration.live_clients import AppProcess, create_room, join, region, region_ids, text

pytestmark = pytest.mark.redis

EXERCISE = "warmup-hardest-habit"
QUESTION = "which habit is hardest for you?"
STARTUP_SECONDS = 30.0
EXPECT_SECONDS = 10.0
SCENARIO_SECONDS = 60.0
REGION_IDS = ("notice", "join-panel", "room-header", "roster", "agenda", "me", "stage", "timer")

T = TypeVar("T")


class Apps:
    def __init__(self, a: AppProcess, b: AppProcess) -> None:
        self.a = a
        self.b = b

    @contextlib.contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        """Prints both processes' output (shown by pytest under the failure) if the body fails."""
        try:
            yield
        except BaseException:
            print(self.a.output())
            print(self.b.output())
            raise

    def run(self, scenario: Coroutine[Any, Any, T]) -> T:
        with self.logs_on_failure():
            return asyncio.run(_bounded(scenario))


async def _bounded(scenario: Coroutine[Any, Any, T]) -> T:
    async with asyncio.timeout(SCENARIO_SECONDS):
        return await scenario


@pytest.fixture
def apps(clean_redis_url: str, tmp_path: Path) -> Iterator[Apps]:
    a = AppProcess("A", clean_redis_url, tmp_path / "app-a.log")
    b = AppProcess("B", clean_redis_url, tmp_path / "app-b.log")
    while b.port == a.port:
        b.port = free_port()
    try:
        a.start()
        b.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        a.wait_ready(deadline)
        b.wait_ready(deadline)
        yield Apps(a, b)
    finally:
        a.stop()
        b.stop()


# Websockets: a screen as the browser sees it -----------------------------------------------------


class Screen:
    """One live connection; keeps the latest HTML of every region it was sent, like the DOM."""

    def __init__(self, name: str, ws: ClientConnection, url: str) -> None:
        self.name = name
        self.ws = ws
        self.url = url
        self.regions: dict[str, str] = {}
        self.notices: list[str] = []
        self.frames: list[str] = []

    async def _receive(self) -> None:
        frame = await self.ws.recv()
        assert isinstance(frame, str), f"{self.name}: binary frame {frame!r}"
        self.frames.append(frame)
        for region_id in REGION_IDS:
            html = region(frame, region_id)
            if html is not None:
                self.regions[region_id] = html
                if region_id == "notice":
                    self.notices.append(html)

    def _history(self) -> str:
        recent = "\n".join(
            f"  frame {i}: regions {region_ids(frame)}: {text(frame)[:300]}"
            for i, frame in enumerate(self.frames[-8:], start=max(0, len(self.frames) - 8))
        )
        return f"{self.name} received {len(self.frames)} frame(s); the latest:\n{recent}"

    async def expect(self, region_id: str, pattern: str, *, raw: bool = False) -> str:
        """Waits until the region's latest HTML (or its text, unless `raw`) matches `pattern`."""
        compiled = re.compile(pattern)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(EXPECT_SECONDS):
                while True:
                    html = self.regions.get(region_id)
                    if html is not None and compiled.search(html if raw else text(html)):
                        return html
                    await self._receive()
        pytest.fail(
            f"{self.name}: region #{region_id} never matched {pattern!r}\n{self._history()}",
            pytrace=False,
        )

    async def send(self, frame: dict[str, str]) -> None:
        payload: dict[str, Any] = {
            **frame,
            # What the htmx ws extension adds to every frame; the server ignores it.
            "HEADERS": {
                "HX-Request": "true",
                "HX-Trigger": None,
                "HX-Trigger-Name": None,
                "HX-Target": "",
                "HX-Current-URL": self.url,
            },
        }
        await self.ws.send(json.dumps(payload))

    async def act(self, frame: dict[str, str], expected_notice: str) -> str:
        """Sends a frame and waits for its outcome notice, which must be a success."""
        seen = len(self.notices)
        await self.send(frame)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(EXPECT_SECONDS):
                while len(self.notices) == seen:
                    await self._receive()
        if len(self.notices) == seen:
            pytest.fail(f"{self.name}: no answer to {frame}\n{self._history()}", pytrace=False)
        notice = self.notices[seen]
        assert 'class="notice ok"' in notice, f"{self.name}: {frame} refused: {text(notice)!r}"
        assert expected_notice in text(notice), f"{self.name}: {frame} -> {text(notice)!r}"
        return notice


@contextlib.asynccontextmanager
async def open_screen(
    app: AppProcess, code: str, audience: str, cookie: str | None = None
) -> AsyncIterator[Screen]:
    headers = {"Cookie": cookie} if cookie else {}
    async with connect(
        app.ws_url(code, audience),
        origin=Origin(app.origin),
        additional_headers=headers,
        compression=None,
        proxy=None,
        open_timeout=5,
        close_timeout=2,
    ) as ws:
        page = {"host": "host", "screen": "screen", "phone": "r"}[audience]
        yield Screen(f"{audience}@{app.name}", ws, f"{app.url}/{page}/{code}")


def action(type_: str, **fields: str) -> dict[str, str]:
    return {"type": type_, **fields, "action_id": secrets.token_urlsafe(12)}


def vote(option: str) -> dict[str, str]:
    return action("vote", option=option, seen_phase="r1.0:vote")


async def start_poll(host: Screen) -> None:
    await host.act(action("add_exercise", exercise_id=EXERCISE), "Added")
    await host.act(action("start_run", run_id="r1"), "Started")


def choice_pressed(option_label: str) -> str:
    return rf'<button[^>]*aria-pressed="true"[^>]*>\s*{re.escape(option_label)}\s*</button>'


# Tests ---------------------------------------------------------------------------------------------


def test_vote_on_a_shows_on_projector_of_b(apps: Apps) -> None:
    with apps.logs_on_failure():
        code, host_secret = create_room(apps.a)
        phone_cookie = join(apps.a, code, "Ada")

    async def scenario() -> None:
        async with (
            open_screen(apps.a, code, "host", f"workshop_host_{code}={host_secret}") as host,
            open_screen(apps.b, code, "screen", f"workshop_host_{code}={host_secret}") as projector,
            open_screen(apps.a, code, "phone", f"workshop_p_{code}={phone_cookie}") as phone,
        ):
            await projector.expect("join-panel", r"\b1 joined\b")
            await start_poll(host)
            await projector.expect("stage", re.escape(QUESTION))
            await projector.expect("stage", r"\b0 of 1 voted\b")

            await phone.act(vote("curious"), "Vote saved")
            stage = await projector.expect("stage", r"\b1 of 1 voted\b")
            assert re.search(r"<strong>\s*1\s*</strong>\s*of\s+1\s+voted", stage), stage

            # The participant cookie that A signed opens the phone view on B as well.
            async with open_screen(
                apps.b, code, "phone", f"workshop_p_{code}={phone_cookie}"
            ) as phone_b:
                stage = await phone_b.expect("stage", choice_pressed("Being curious"), raw=True)
                assert stage.count('aria-pressed="true"') == 1, stage
                await phone_b.expect("me", r"\bAda\b")

            await host.act(action("next_phase", seen_phase="r1.0:vote"), "Now: Results")
            stage = await projector.expect("stage", r"Being curious ★ most votes 100% \( ?1 vote\)")
            assert re.search(r"Being candid 0% \( ?0 votes\)", text(stage)), text(stage)
            assert re.search(r"\b1 votes?\b", text(stage)), text(stage)

    apps.run(scenario())


def test_replayed_action_id_changes_nothing_on_either_process(
    apps: Apps, clean_redis_url: str
) -> None:
    with apps.logs_on_failure():
        code, host_secret = create_room(apps.a)
        phone_cookie = join(apps.a, code, "Ada")
    first = vote("curious")
    later = vote("candid")

    async def scenario() -> None:
        async with (
            open_screen(apps.a, code, "host", f"workshop_host_{code}={host_secret}") as host,
            open_screen(apps.a, code, "phone", f"workshop_p_{code}={phone_cookie}") as phone_a,
            open_screen(apps.b, code, "phone", f"workshop_p_{code}={phone_cookie}") as phone_b,
        ):
            await start_poll(host)
            await phone_a.act(first, "Vote saved")
            await phone_b.expect("stage", choice_pressed("Being curious"), raw=True)
            await phone_a.act(later, "Vote saved")
            await phone_b.expect("stage", choice_pressed("Being candid"), raw=True)
            # The same frame again, through the other process: acknowledged, not applied.
            await phone_b.act(first, "Already saved")
            await phone_a.act(first, "Already saved")
            await host.expect("stage", r"\b1 of 1 voted\b")

    apps.run(scenario())

    with apps.logs_on_failure():
        client = redis.Redis.from_url(clean_redis_url, decode_responses=True)
        try:
            people = client.hgetall(f"room:{{{code}}}:people")
            votes = client.hgetall(f"room:{{{code}}}:run:r1:votes")
            seen = client.smembers(f"room:{{{code}}}:seen")
        finally:
            client.close()
        ada = [pid for pid, doc in people.items() if json.loads(doc)["name"] == "Ada"]
        assert len(ada) == 1, people
        assert votes == {ada[0]: "candid"}, votes
        assert {first["action_id"], later["action_id"]} <= seen, seen


def test_an_exercise_adapted_on_a_is_what_a_phone_on_b_shows(apps: Apps) -> None:
    """The editor saves through the store: B's phones see the new words without B having seen
    the editor at all."""
    new_question = "Which habit will you try first tomorrow?"
    with apps.logs_on_failure():
        code, host_secret = create_room(apps.a)
        phone_cookie = join(apps.b, code, "Ada")
        host = {"cookie": f"workshop_host_{code}={host_secret}"}
        with httpx.Client(base_url=apps.a.url, trust_env=False, timeout=10.0) as http:
            page = http.get(f"/host/{code}/new?from={EXERCISE}", headers=host)
            items = [
                (key, new_question if key == "question" else value)
                for key, value in form_items(page.text)
            ]
            saved = http.post(
                f"/host/{code}/new",
                content=urlencode([*items, ("op", "save")]),
                headers={
                    **host,
                    "origin": apps.a.origin,
                    "content-type": "application/x-www-form-urlencoded",
                },
            )
        assert saved.status_code == 303, saved.text

    async def scenario() -> None:
        async with (
            open_screen(apps.b, code, "host", host["cookie"]) as console,
            open_screen(apps.b, code, "phone", f"workshop_p_{code}={phone_cookie}") as phone,
        ):
            await console.act(action("start_run", run_id="r1"), "Started")
            await phone.expect("stage", re.escape(new_question))

    apps.run(scenario())
