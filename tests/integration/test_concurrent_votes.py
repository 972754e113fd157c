"""200 phones dot-vote at once: the revealed counts are exactly the dots the server acknowledged.

One `workshop serve` process runs on a real Redis. The facilitator's console, the projector and 200
phones are plain websocket clients in this test process; each keeps reading the fragments the server
pushes (as a browser does) in a task of its own, and matches every frame it sends to the one notice
the server answers it with, in order. A dot counts as acknowledged when its notice is an "ok" notice
that starts with "Dot placed". A few phones resend the very same frame (same action id: "Already
saved ✓"), a few double-tap (same question, new action id: refused) and a few try a fourth dot
(refused); none of those may add a dot. After the reveal, the stored dots, the console, the
projector and every phone must show exactly the acknowledged counts.
"""

import asyncio
import contextlib
import html
import itertools
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

from tests.integration.live_clients import AppProcess, create_room, region, text

pytestmark = pytest.mark.redis

EXERCISE = "best-question-turnarounds"
RUN = "r1"
PARTICIPANTS = 200
WRITERS = 20
DOTS_EACH = 3
SEED = 20240917
REPLAYERS = range(3, PARTICIPANTS, 25)
"""Phones that resend their first dot's frame unchanged, same action id."""
DOUBLE_TAPPERS = range(7, PARTICIPANTS, 25)
"""Phones that tap "Add a dot" twice on the same question: two frames, two action ids."""
OVER_SPENDERS = range(11, PARTICIPANTS, 25)
"""Phones that try a fourth dot after spending all three."""

JOIN_CONCURRENCY = 25
STARTUP_SECONDS = 30.0
WAIT_SECONDS = 20.0
SCENARIO_SECONDS = 90.0
REGION_IDS = ("room-header", "roster", "agenda", "stage", "timer", "join-panel", "me")

NOTICE = re.compile(r'<div id="notice" class="notice (ok|error)"[^>]*>(.*?)</div>', re.S)
FORM = re.compile(r"<form ws-send\b[^>]*>(.*?)</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CONSOLE_ITEM = re.compile(r'<li class="question ([a-z]*)">(.*?)</li>', re.S)
RANKED_ITEM = re.compile(r'<li class="ranked-item(?: mine)?">(.*?)</li>', re.S)
QUESTION_TEXT = re.compile(r'<(?:p|span) class="question-text"[^>]*>(.*?)</(?:p|span)>', re.S)

T = TypeVar("T")


# The app -----------------------------------------------------------------------------------------


@pytest.fixture
def app(clean_redis_url: str, tmp_path: Path) -> Iterator[AppProcess]:
    process = AppProcess("A", clean_redis_url, tmp_path / "app.log")
    try:
        process.start()
        process.wait_ready(time.monotonic() + STARTUP_SECONDS)
        yield process
    finally:
        process.stop()


@contextlib.contextmanager
def logs_on_failure(app: AppProcess) -> Iterator[None]:
    """Prints the server's output (shown by pytest under the failure) if the body fails."""
    try:
        yield
    except BaseException:
        print(app.output())
        raise


async def join(client: httpx.AsyncClient, limit: asyncio.Semaphore, code: str, name: str) -> str:
    """Joins as `name`; returns the Cookie header for the phone's websocket."""
    async with limit:
        response = await client.post("/join", data={"code": code, "name": name})
    assert response.status_code == 303, f"{name}: {response.status_code} {response.text}"
    assert response.headers["location"] == f"/r/{code}"
    cookie = response.cookies.get(f"workshop_p_{code}")
    assert cookie, response.headers.get_list("set-cookie")
    return f"workshop_p_{code}={cookie}"


async def together(work: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Runs everything concurrently; the first failure cancels the rest and is raised alone."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(job) for job in work]
    except ExceptionGroup as failures:
        first = failures.exceptions[0]
        if len(failures.exceptions) > 1:
            first.add_note(f"({len(failures.exceptions) - 1} more concurrent failure(s) hidden)")
        raise first from None
    return [task.result() for task in tasks]


# A live screen -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    tone: Literal["ok", "error"]
    message: str


class LiveClient:
    """One websocket screen. A task of its own reads every frame the server pushes, keeping the
    latest HTML of each region (like the DOM) and every notice in arrival order."""

    def __init__(self, name: str, ws: ClientConnection, page_url: str) -> None:
        self.name = name
        self.ws = ws
        self.page_url = page_url
        self.regions: dict[str, str] = {}
        self.notices: list[Notice] = []
        self.sent = 0
        self.received = 0
        self.ended: str | None = None
        """Why reading stopped, once it has."""
        self._recent: deque[str] = deque(maxlen=6)
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read(), name=f"read-{name}")

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                self._take(frame)
                async with self._changed:
                    self._changed.notify_all()
        except ConnectionClosed as closed:
            self.ended = f"connection closed: {closed}"
        except Exception as error:
            self.ended = f"reading failed: {error!r}"
        else:
            self.ended = f"connection closed with code {self.ws.close_code}"
        async with self._changed:
            self._changed.notify_all()

    def _take(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            raise TypeError(f"binary frame {frame[:80]!r}")
        self.received += 1
        self._recent.append(frame)
        notice = NOTICE.fullmatch(frame.strip())
        if notice is not None:
            tone: Literal["ok", "error"] = "ok" if notice.group(1) == "ok" else "error"
            self.notices.append(Notice(tone, html.unescape(text(notice.group(2)))))
            return
        for region_id in REGION_IDS:
            found = region(frame, region_id)
            if found is not None:
                self.regions[region_id] = found

    def history(self) -> str:
        recent = "\n".join(f"  {text(frame)[:300]}" for frame in self._recent)
        return (
            f"{self.name}: sent {self.sent} frame(s), received {self.received} "
            f"({len(self.notices)} notice(s)); {self.ended or 'still open'}; the latest:\n{recent}"
        )

    async def wait_for(self, what: str, check: Callable[[], T | None]) -> T:
        """Waits until `check` returns something other than None, and returns it."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(WAIT_SECONDS), self._changed:
                while True:
                    found = check()
                    if found is not None:
                        return found
                    if self.ended is not None:
                        break
                    await self._changed.wait()
        raise AssertionError(f"{self.name}: never saw {what}\n{self.history()}")

    async def wait_for_region(self, region_id: str, pattern: str) -> str:
        """The region's latest HTML once it matches `pattern` (a regex on the raw HTML, `.` matching
        newlines too)."""
        compiled = re.compile(pattern, re.S)

        def check() -> str | None:
            html_ = self.regions.get(region_id)
            return html_ if html_ is not None and compiled.search(html_) else None

        return await self.wait_for(f"#{region_id} matching {pattern!r}", check)

    async def send(self, frame: Mapping[str, str]) -> int:
        """Sends a frame as the htmx ws extension does; returns its place in the sending order."""
        payload: dict[str, Any] = {
            **frame,
            "HEADERS": {
                "HX-Request": "true",
                "HX-Trigger": None,
                "HX-Trigger-Name": None,
                "HX-Target": "",
                "HX-Current-URL": self.page_url,
            },
        }
        index = self.sent
        self.sent += 1
        await self.ws.send(json.dumps(payload))
        return index

    async def act(self, frame: Mapping[str, str]) -> Notice:
        """Sends a frame and returns the notice that answers it (the n-th frame, the n-th notice)."""
        index = await self.send(frame)
        return await self.wait_for(
            f"the notice answering {dict(frame)}",
            lambda: self.notices[index] if len(self.notices) > index else None,
        )

    async def host_act(self, frame: Mapping[str, str], expected: str) -> None:
        notice = await self.act(frame)
        assert notice.tone == "ok" and notice.message.startswith(expected), (
            f"{self.name}: {dict(frame)} -> {notice}"
        )

    async def aclose(self) -> None:
        await self.ws.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.shield(self._reader)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Clients:
    """Opens screens and closes every one of them at the end, whatever happened."""

    def __init__(self, app: AppProcess, code: str) -> None:
        self.app = app
        self.code = code
        self.opened: list[LiveClient] = []

    async def open(self, audience: str, name: str, cookie: str = "") -> LiveClient:
        url = self.app.ws_url(self.code, audience)
        try:
            ws = await connect(
                url,
                origin=Origin(self.app.origin),
                additional_headers={"Cookie": cookie} if cookie else {},
                compression=None,
                proxy=None,
                open_timeout=WAIT_SECONDS,
                close_timeout=2,
            )
        except (OSError, TimeoutError, InvalidHandshake) as error:
            error.add_note(f"{name}: opening {url}")
            raise
        page = {"host": "host", "screen": "screen", "phone": "r"}[audience]
        client = LiveClient(name, ws, f"{self.app.url}/{page}/{self.code}")
        self.opened.append(client)
        return client

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.opened))


# Reading the fragments ---------------------------------------------------------------------------


def forms(fragment: str) -> list[dict[str, str]]:
    """The hidden fields of every ws-send form, as the browser would send them."""
    return [
        {name: html.unescape(value) for name, value in HIDDEN.findall(body)}
        for body in FORM.findall(fragment)
    ]


def ballot(stage: str) -> tuple[str, list[str]]:
    """The phase key the ballot was drawn for and the ids of the questions it offers a dot on."""
    dots = [f for f in forms(stage) if f.get("type") == "place_dot"]
    assert dots, stage
    phases = {f["seen_phase"] for f in dots}
    assert len(phases) == 1, phases
    return phases.pop(), [f["question"] for f in dots]


def console_counts(stage: str) -> dict[str, int]:
    """Question id -> dots, from the console's moderation list (every question on the board)."""
    counts: dict[str, int] = {}
    for state, body in CONSOLE_ITEM.findall(stage):
        assert state == "", f"unexpected {state} question in {text(body)!r}"
        ids = {f["question"] for f in forms(body) if "question" in f}
        assert len(ids) == 1, body
        badge = re.search(r'<span class="badge">(\d+) dots?</span>', body)
        assert badge is not None, body
        counts[ids.pop()] = int(badge.group(1))
    return counts


def ranked_counts(stage: str) -> list[tuple[str, int]]:
    """(question text, dots) of a ranked list, top first."""
    ranked = []
    for body in RANKED_ITEM.findall(stage):
        question = QUESTION_TEXT.search(body)
        count = re.search(r'<strong class="dot-count">(\d+)</strong>', body)
        assert question is not None and count is not None, body
        ranked.append((html.unescape(question.group(1).strip()), int(count.group(1))))
    return ranked


# The participants' plan --------------------------------------------------------------------------


def question_text(writer: int) -> str:
    return f"Q{writer:03d}: what would make the rest of this year worth it for you?"


@dataclass(frozen=True)
class Step:
    kind: Literal["dot", "replay", "double-tap", "over-budget"]
    frame: dict[str, str]

    @property
    def question(self) -> str:
        return self.frame["question"]


@dataclass
class Phone:
    number: int
    name: str
    cookie: str
    participant_id: str = ""
    client: LiveClient | None = None
    seen_phase: str = ""
    ballot: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    outcomes: list[Notice] = field(default_factory=list)

    @property
    def live(self) -> LiveClient:
        assert self.client is not None
        return self.client


def plan_votes(phones: list[Phone], texts: Mapping[str, str], rng: random.Random) -> None:
    """Up to three dots each on questions picked at random from the phone's own ballot, plus the
    replays, double taps and fourth dots that must change nothing."""
    for phone in phones:
        # Ballots are shuffled per viewer and ids are random per run; the texts are not.
        offered = sorted(phone.ballot, key=lambda q: texts[q])
        wanted = rng.choices((0, 1, 2, 3), weights=(1, 2, 3, 14))[0]
        special = phone.number in (*REPLAYERS, *DOUBLE_TAPPERS, *OVER_SPENDERS)
        if special:
            wanted = DOTS_EACH
        picks = rng.sample(offered, wanted)

        def frame(question: str, tag: str, phone: Phone = phone) -> dict[str, str]:
            return {
                "type": "place_dot",
                "seen_phase": phone.seen_phase,
                "question": question,
                "action_id": f"dot-{phone.number:03d}-{tag}",
            }

        steps = [Step("dot", frame(question, str(n))) for n, question in enumerate(picks)]
        if phone.number in REPLAYERS:
            steps.insert(1, Step("replay", steps[0].frame))
        if phone.number in DOUBLE_TAPPERS:
            steps.insert(1, Step("double-tap", frame(picks[0], "again")))
        if phone.number in OVER_SPENDERS:
            spare = next(q for q in offered if q not in picks)
            steps.append(Step("over-budget", frame(spare, "fourth")))
        phone.steps = steps


def expected_outcome(step: Step, dots_before: int) -> tuple[Literal["ok", "error"], str]:
    """The notice's tone and the start of its message."""
    match step.kind:
        case "dot":
            return "ok", f"Dot placed ✓ ({DOTS_EACH - dots_before - 1} left)"
        case "replay":
            return "ok", "Already saved ✓"
        case "double-tap":
            return "error", "You already put a dot on this question."
        case "over-budget":
            return "error", f"You have used all {DOTS_EACH} dots."


@dataclass
class Tally:
    """What the server acknowledged, and every answer that differed from the expected one."""

    by_question: Counter[str] = field(default_factory=Counter)
    by_voter: dict[str, dict[str, int]] = field(default_factory=dict)
    surprises: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_question.values())


def tally(phones: list[Phone]) -> Tally:
    """Counts a dot for every "ok" notice that starts with "Dot placed", on the frame's question."""
    result = Tally()
    for phone in phones:
        placed = 0
        for step, notice in zip(phone.steps, phone.outcomes, strict=True):
            tone, message = expected_outcome(step, placed)
            if notice.tone != tone or not notice.message.startswith(message):
                result.surprises.append(f"{phone.name} {step.kind} {step.frame}: {notice}")
            if notice.tone == "ok" and notice.message.startswith("Dot placed"):
                placed += 1
                result.by_question[step.question] += 1
                mine = result.by_voter.setdefault(phone.participant_id, {})
                mine[step.question] = mine.get(step.question, 0) + 1
    return result


_action_ids = itertools.count(1)


def aid() -> str:
    return f"test-{next(_action_ids):08d}"


def action(type_: str, **fields: str) -> dict[str, str]:
    return {"type": type_, **fields, "action_id": aid()}


# The test ----------------------------------------------------------------------------------------


def test_200_phones_voting_at_once_reveal_exactly_the_acknowledged_dots(
    app: AppProcess, clean_redis_url: str
) -> None:
    with logs_on_failure(app):
        code, host_secret = create_room(app)
        started = time.monotonic()
        asyncio.run(bounded(scenario(app, clean_redis_url, code, host_secret)))
        print(f"scenario took {time.monotonic() - started:.1f} s")


async def bounded(work: Coroutine[Any, Any, None]) -> None:
    async with asyncio.timeout(SCENARIO_SECONDS):
        await work


async def scenario(app: AppProcess, redis_url: str, code: str, host_secret: str) -> None:
    store = Redis.from_url(redis_url, decode_responses=True)
    clients = Clients(app, code)
    try:
        await _scenario(app, store, clients, code, host_secret)
    finally:
        await clients.aclose()
        await store.aclose()


async def _scenario(
    app: AppProcess, store: Redis, clients: Clients, code: str, host_secret: str
) -> None:
    rng = random.Random(SEED)
    names = [f"Participant {number:03d}" for number in range(PARTICIPANTS)]

    # 200 people join over HTTP; each gets the cookie that opens their phone's websocket.
    limit = asyncio.Semaphore(JOIN_CONCURRENCY)
    async with httpx.AsyncClient(base_url=app.url, trust_env=False, timeout=10.0) as http:
        cookies = await together(join(http, limit, code, name) for name in names)
    phones = [
        Phone(n, name, cookie) for n, (name, cookie) in enumerate(zip(names, cookies, strict=True))
    ]
    people: dict[str, str] = {
        json.loads(doc)["name"]: str(pid)
        for pid, doc in (await store.hgetall(f"room:{{{code}}}:people")).items()
    }
    assert len(people) == PARTICIPANTS, sorted(people)
    for phone in phones:
        phone.participant_id = people[phone.name]

    # The console, the projector and 200 phones connect at once.
    host, projector, *phone_clients = await together(
        [
            clients.open("host", "console", f"workshop_host_{code}={host_secret}"),
            clients.open("screen", "projector", f"workshop_host_{code}={host_secret}"),
            *(clients.open("phone", phone.name, phone.cookie) for phone in phones),
        ]
    )
    for phone, client in zip(phones, phone_clients, strict=True):
        phone.client = client
    await together(phone.live.wait_for_region("me", re.escape(phone.name)) for phone in phones)
    await host.wait_for_region("roster", rf"\({PARTICIPANTS} connected\)")

    # The facilitator starts the exercise and opens writing.
    await host.host_act(action("add_exercise", exercise_id=EXERCISE), "Added")
    await host.host_act(action("start_run", run_id=RUN), "Started")
    await host.host_act(action("next_phase", seen_phase=f"{RUN}.0:brief"), "Now: round 1, Write.")

    # Twenty people write one question each, from the form their phone shows.
    writers = sorted(rng.sample(range(PARTICIPANTS), WRITERS))
    texts = {f"{phones[w].participant_id}.1": question_text(w) for w in writers}

    async def write(phone: Phone) -> None:
        stage = await phone.live.wait_for_region("stage", r'value="submit_question"')
        slot = next(f for f in forms(stage) if f.get("type") == "submit_question")
        assert slot["seen_phase"] == f"{RUN}.0:write", slot
        notice = await phone.live.act(
            {**slot, "slot": "1", "text": question_text(phone.number), "action_id": aid()}
        )
        assert notice == Notice("ok", "Question saved ✓"), f"{phone.name}: {notice}"

    await together(write(phones[w]) for w in writers)
    await host.host_act(action("next_phase", seen_phase=f"{RUN}.0:write"), "Now: round 1, Vote.")

    # Every phone reads the questions it may vote on from its own ballot.
    async def learn_ballot(phone: Phone) -> None:
        stage = await phone.live.wait_for_region(
            "stage", rf"<strong>{DOTS_EACH}</strong> of {DOTS_EACH} dots left.*value=\"place_dot\""
        )
        phone.seen_phase, phone.ballot = ballot(stage)

    await together(learn_ballot(phone) for phone in phones)
    for phone in phones:
        assert phone.seen_phase == f"{RUN}.0:vote", (phone.name, phone.seen_phase)
        own = f"{phone.participant_id}.1"
        assert sorted(phone.ballot) == sorted(q for q in texts if q != own), phone.name
    plan_votes(phones, texts, rng)

    # All 200 place their dots at once; each phone taps through its plan, one answer at a time.
    async def vote(phone: Phone) -> None:
        for step in phone.steps:
            phone.outcomes.append(await phone.live.act(step.frame))

    await together(vote(phone) for phone in phones)

    acknowledged = tally(phones)
    expected = {question: acknowledged.by_question[question] for question in texts}
    total = sum(expected.values())
    assert total == acknowledged.total, "a dot was acknowledged on a question not on the board"

    # Reveal.
    await host.host_act(action("next_phase", seen_phase=f"{RUN}.0:vote"), "Now: round 1, Reveal.")

    # What Redis stores: voter id -> {question id: dots}.
    stored = {
        voter: json.loads(raw)
        for voter, raw in (await store.hgetall(f"room:{{{code}}}:run:{RUN}:0:dots")).items()
    }
    assert stored == acknowledged.by_voter
    stored_counts = Counter[str]()
    for entries in stored.values():
        stored_counts.update(entries)
    assert {q: stored_counts[q] for q in texts} == expected
    assert sum(stored_counts.values()) == total

    # The console lists every question with its dots.
    console = await host.wait_for_region("stage", rf'value="{RUN}\.0:reveal"')
    assert console_counts(console) == expected

    # The projector ranks the top eight; every phone sees the whole ranking.
    by_text = {texts[q]: n for q, n in expected.items()}
    top = sorted(expected.values(), reverse=True)
    screen = await projector.wait_for_region("stage", r'class="ranked-list"')
    shown = ranked_counts(screen)
    assert [n for _, n in shown] == top[:8], shown
    assert all(by_text[question] == n for question, n in shown), (shown, by_text)

    async def check_phone(phone: Phone) -> None:
        stage = await phone.live.wait_for_region("stage", r'class="ranked-list"')
        ranked = ranked_counts(stage)
        assert dict(ranked) == by_text and len(ranked) == WRITERS, (phone.name, ranked)
        assert [n for _, n in ranked] == top, (phone.name, ranked)

    await together(check_phone(phone) for phone in phones)

    # Only now that the counts are known to be exact: every tap got the answer it should have.
    assert not acknowledged.surprises, (
        f"{len(acknowledged.surprises)} unexpected answer(s):\n"
        + "\n".join(acknowledged.surprises[:20])
    )
    assert total == sum(1 for p in phones for step in p.steps if step.kind == "dot")

    # Every frame got exactly one notice, and no screen was dropped along the way.
    for client in clients.opened:
        assert len(client.notices) == client.sent, client.history()
        assert client.ended is None, client.history()
    print(
        f"{PARTICIPANTS} phones, {WRITERS} questions, {total} dots acknowledged, "
        f"{sum(len(p.steps) for p in phones)} place_dot frames"
    )
