"""A load-generator process: a share of the room's phones, driven by the conductor.

`python -m bench worker` reads one JSON command per line on standard input, runs it for every phone
it owns at once, and answers with one JSON line on standard output: a record per phone, with
`time.monotonic()` timestamps the conductor compares with its own. Each phone does what a browser
does: the HTTP join by code and name (its cookie kept), the room page and every file it links to
(`bench.browser`), then the room's websocket, where it sends the frames the htmx ws extension sends and reads the fragments pushed back.
"""

import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import WebSocketException

from bench import wire
from bench.browser import Browser, HttpError, linked_files
from bench.screens import Missed, Screen

WAIT_SECONDS = 60.0
POLL_SECONDS = 0.05
"""How often phones that all wait for the same room-wide update look at what has arrived."""
PHONE_REGIONS = ("me", "stage", "timer")


@dataclass(frozen=True)
class Endpoint:
    """One server the phones may be sent to."""

    http: str
    ws: str

    @property
    def origin(self) -> str:
        return self.http


@dataclass
class Phone:
    number: int
    endpoint: Endpoint
    code: str
    screen: Screen
    cookie: str = ""
    option: str = ""
    error: str | None = None

    @property
    def name(self) -> str:
        return f"Phone {self.number:04d}"


def is_poll(stage: str) -> bool:
    return bool(wire.choices(stage))


class Flood:
    """One phone's part of the vote flood, driven by callbacks rather than a wait per vote: its
    frames are made once, each answer is noticed as it is read, and the next change is a timer.
    The load generator has one core for every phone; what it spends per vote bounds the votes a
    second it can offer, and that bound must stay well above what the server accepts."""

    def __init__(self, phone: Phone, start: float, seconds: float, rate: float, seed: int) -> None:
        self.phone = phone
        self.screen = phone.screen
        self.end = start + seconds
        self.gap = 1 / rate
        self.seed = seed
        stage = self.screen.latest.get("stage")
        self.offered = wire.choices(stage.html) if stage else []
        self.frames = [wire.frame_parts(c.fields, self.screen.page_url) for c in self.offered]
        self.loop = asyncio.get_running_loop()
        self.done: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.taps: list[list[float]] = []
        self.refused: list[str] = []
        self.refusals = 0
        self.waiting_for: int | None = None
        """The place of the frame whose answer is awaited, in the screen's sending order."""
        self.sent_at = 0.0
        self.choice = ""
        self.first = start + (phone.number % 100) / 100 * self.gap

    async def run(self) -> dict[str, Any]:
        if not self.offered:
            raise Missed(f"{self.phone.name}: no poll to vote on")
        if self.first >= self.end:
            return {"taps": [], "refused": [], "refusals": 0, "option": self.phone.option}
        self.screen.watcher = self.answered
        watchdog = self.loop.call_at(self.end + WAIT_SECONDS, self.give_up)
        self.loop.call_at(self.first, self.tap)
        try:
            return await self.done
        finally:
            watchdog.cancel()
            self.screen.watcher = None

    def tap(self) -> None:
        if self.done.done():
            return
        index = (self.phone.number + len(self.taps) + 1) % len(self.offered)
        before, after = self.frames[index]
        action = wire.action_id("change", self.seed, self.phone.number, len(self.taps))
        self.choice = self.offered[index].fields["option"]
        self.sent_at = time.monotonic()
        try:
            self.waiting_for = self.screen.send_text(before + action + after)
        except Missed as missed:
            self.done.set_exception(missed)

    def answered(self) -> None:
        if self.done.done() or self.waiting_for is None:
            return
        answers = self.screen.answers
        if len(answers) <= self.waiting_for:
            if self.screen.ended is not None:
                self.done.set_exception(
                    Missed(f"{self.phone.name}: flood stopped: {self.screen.ended}")
                )
            return
        answer = answers[self.waiting_for]
        self.waiting_for = None
        saved = answer.notice.tone == "ok" and answer.notice.message.startswith("Vote")
        if saved:
            self.phone.option = self.choice
        else:
            self.refusals += 1
            if len(self.refused) < 3:
                self.refused.append(answer.notice.message)
        self.taps.append([self.sent_at, answer.at, 1.0 if saved else 0.0])
        moment = max(self.sent_at + self.gap, time.monotonic())
        if moment < self.end:
            self.loop.call_at(moment, self.tap)
        else:
            self.done.set_result(
                {
                    "taps": self.taps,
                    "refused": self.refused,
                    "refusals": self.refusals,
                    "option": self.phone.option,
                }
            )

    def give_up(self) -> None:
        if not self.done.done():
            self.done.set_exception(
                Missed(f"{self.phone.name}: no answer to a vote change within {WAIT_SECONDS:.0f} s")
            )


@dataclass
class Phones:
    """Every phone this process plays, and the commands the conductor sends them."""

    mode: str
    """"app" (HTTP join, then websocket) or "baseline" (websocket only)."""
    code: str
    phones: list[Phone] = field(default_factory=list)

    @classmethod
    def create(
        cls, mode: str, code: str, endpoints: list[Endpoint], numbers: list[int]
    ) -> "Phones":
        phones = []
        for number in numbers:
            endpoint = endpoints[number % len(endpoints)]
            page = f"{endpoint.http}/{wire.PAGES['phone']}/{code}"
            screen = Screen(f"phone {number}", page, PHONE_REGIONS)
            phones.append(Phone(number, endpoint, code, screen))
        return cls(mode, code, phones)

    async def every(self, work: Callable[[Phone], Awaitable[dict[str, Any]]]) -> list[Any]:
        """Runs `work` for every phone at once; a phone that fails reports its error instead, and
        takes no further part (its failure is counted once, where it happened)."""

        async def one(phone: Phone) -> dict[str, Any]:
            try:
                return {"phone": phone.number, **await work(phone)}
            except (Missed, HttpError, WebSocketException, OSError, TimeoutError) as error:
                phone.error = phone.error or str(error) or repr(error)
                return {"phone": phone.number, "error": str(error) or repr(error)}

        live = [phone for phone in self.phones if phone.error is None]
        return list(await asyncio.gather(*(one(phone) for phone in live)))

    async def seen_by_all(
        self, what: str, check: Callable[[Phone], dict[str, Any] | None]
    ) -> list[Any]:
        """Waits until `check` gives a record for every phone still in. All phones are looked at
        together every `POLL_SECONDS`, one timer for the whole process: a room-wide update reaches
        every phone at once, and a wait per phone would spend the load generator's CPU while the
        room's frames are still arriving (their arrival times are stamped as they come, whenever
        they are looked at)."""
        waiting = [phone for phone in self.phones if phone.error is None]
        records: list[Any] = []
        deadline = time.monotonic() + WAIT_SECONDS
        while waiting:
            still = []
            for phone in waiting:
                record = check(phone)
                if record is not None:
                    records.append({"phone": phone.number, **record})
                elif phone.screen.ended is not None or time.monotonic() > deadline:
                    why = phone.screen.ended or f"not within {WAIT_SECONDS:.0f} s"
                    phone.error = f"{phone.name}: never saw {what}: {why}"
                    records.append({"phone": phone.number, "error": phone.error})
                else:
                    still.append(phone)
            waiting = still
            if waiting:
                await asyncio.sleep(POLL_SECONDS)
        return records

    # Join storm --------------------------------------------------------------------------------

    async def join(self, start: float, interval: float) -> list[Any]:
        records = await self.every(lambda phone: self._join(phone, start + phone.number * interval))
        # What the phones hold from now on lives for the whole run: keep the collector off it.
        gc.collect()
        gc.freeze()
        return records

    async def _join(self, phone: Phone, at: float) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        record: dict[str, Any] = {"start": time.monotonic()}
        if self.mode == "app":
            browser = Browser.for_origin(phone.endpoint.http)
            try:
                await self._browse(phone, browser, record)
            finally:
                await browser.aclose()
        await phone.screen.open(
            f"{phone.endpoint.ws}/ws/{phone.code}/phone",
            phone.endpoint.origin,
            phone.cookie,
            within=WAIT_SECONDS,
        )
        record["opened"] = time.monotonic()
        seen = await phone.screen.until(
            "its first snapshot", lambda: phone.screen.latest.get("me"), WAIT_SECONDS
        )
        record["snapshot"] = seen.at
        record["bytes"] = seen.size
        return record

    async def _browse(self, phone: Phone, browser: Browser, record: dict[str, Any]) -> None:
        """What a fresh browser does before the room's websocket opens: the join form's POST,
        the room page it is sent to, then every file the page links to (htmx and its websocket
        extension among them, without which no websocket opens)."""
        name = f"workshop_p_{phone.code}"
        answer = await browser.request(
            "POST", "/join", form={"code": phone.code, "name": phone.name}
        )
        if answer.status != 303:
            raise Missed(f"{phone.name}: join answered {answer.status}")
        if not browser.cookies.get(name):
            raise Missed(f"{phone.name}: join set no cookie")
        phone.cookie = f"{name}={browser.cookies[name]}"
        record["joined"] = time.monotonic()
        page = await browser.request("GET", urlsplit(answer.headers["location"]).path)
        text = page.text()
        if page.status != 200 or "ws-connect" not in text:
            raise Missed(f"{phone.name}: room page answered {page.status}")
        record["page"] = time.monotonic()
        files = linked_files(text)
        for url in files:
            await browser.fetch_file(url)
        record["files"] = time.monotonic()
        traffic = browser.traffic
        record["http"] = {
            "requests": traffic.requests,
            "wire_bytes": traffic.wire_bytes,
            "connections": traffic.connections,
            "linked": len(files),
            "static_requests": traffic.static_requests,
            "static_wire_bytes": traffic.static_wire_bytes,
            "static_gzip": traffic.static_gzip,
            "static_immutable": traffic.static_immutable,
        }
        # The same page again, as when the phone reloads it: what its cache still asks for.
        before = traffic.static_requests
        for url in files:
            await browser.fetch_file(url)
        record["http"]["revisit_requests"] = traffic.static_requests - before

    # Poll ----------------------------------------------------------------------------------------

    async def poll_shown(self) -> list[Any]:
        """When each phone's stage first showed the poll's answer buttons."""

        def shown(phone: Phone) -> dict[str, Any] | None:
            seen = phone.screen.region_matching("stage", is_poll)
            if seen is None:
                return None
            labels = {c.fields.get("option", ""): c.label for c in wire.choices(seen.html)}
            return {"at": seen.at, "bytes": seen.size, "labels": labels}

        return await self.seen_by_all("the poll", shown)

    async def vote_burst(self, start: float, window: float, seed: int, replay_every: int) -> Any:
        """Each phone taps one answer at a random moment of the window and waits for its notice
        and for its own screen to show the answer as chosen. Every `replay_every`-th phone then
        sends the very same frame again, as the ws extension does after a reconnect."""
        rng = random.Random(seed)
        moments = {phone.number: start + rng.random() * window for phone in self.phones}
        return await self.every(
            lambda phone: self._vote_once(phone, moments[phone.number], seed, replay_every)
        )

    async def _vote_once(
        self, phone: Phone, at: float, seed: int, replay_every: int
    ) -> dict[str, Any]:
        stage = phone.screen.latest.get("stage")
        offered = wire.choices(stage.html) if stage else []
        if not offered:
            raise Missed(f"{phone.name}: no poll to vote on")
        choice = offered[random.Random(seed * 100_003 + phone.number).randrange(len(offered))]
        fields = {**choice.fields, "action_id": wire.action_id("vote", seed, phone.number, 0)}
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        sent = time.monotonic()
        answer = await phone.screen.act(fields, WAIT_SECONDS)
        record: dict[str, Any] = {
            "sent": sent,
            "ack": answer.at,
            "tone": answer.notice.tone,
            "message": answer.notice.message,
            "option": fields["option"],
        }
        if answer.notice.tone == "ok" and not answer.notice.message.startswith("Already"):
            phone.option = fields["option"]
            own = await phone.screen.until(
                "its own vote",
                lambda: phone.screen.region_matching(
                    "stage", lambda html: wire.pressed(html) == fields["option"]
                ),
                WAIT_SECONDS,
            )
            record["own"] = own.at
            record["own_bytes"] = own.size
        if replay_every and phone.number % replay_every == 0:
            replay = await phone.screen.act(fields, WAIT_SECONDS)
            record["replay"] = {"tone": replay.notice.tone, "message": replay.notice.message}
        return record

    async def vote_flood(self, start: float, seconds: float, rate: float, seed: int) -> Any:
        """For `seconds`, every phone changes its vote as soon as the last change is answered, but
        no more than `rate` times a second (a thumb, and under the server's per-connection limit):
        what the server accepts per second when every phone is busy."""
        return await self.every(lambda phone: Flood(phone, start, seconds, rate, seed).run())

    async def results_shown(self) -> list[Any]:
        def shown(phone: Phone) -> dict[str, Any] | None:
            seen = phone.screen.region_matching("stage", lambda html: bool(wire.BAR.search(html)))
            if seen is None:
                return None
            return {"at": seen.at, "bytes": seen.size, "counts": wire.bar_counts(seen.html)}

        return await self.seen_by_all("the results", shown)

    # Best question's ranking ---------------------------------------------------------------------

    async def write_questions(self, step: int, seed: int) -> list[Any]:
        """Every `step`-th phone writes one question once its stage offers the form."""

        async def write(phone: Phone) -> dict[str, Any]:
            if phone.number % step:
                return {"wrote": False}
            seen = await phone.screen.until(
                "the question form",
                lambda: phone.screen.region_matching(
                    "stage", lambda html: bool(wire.forms(html, "submit_question"))
                ),
                WAIT_SECONDS,
            )
            fields = wire.forms(seen.html, "submit_question")[0]
            text = f"What would make this meeting worth your time? (from {phone.name})"
            action = wire.action_id("ask", seed, phone.number, 0)
            answer = await phone.screen.act(
                {**fields, "text": text, "action_id": action}, WAIT_SECONDS
            )
            return {"wrote": True, "tone": answer.notice.tone, "message": answer.notice.message}

        return await self.every(write)

    async def place_dots(self, start: float, window: float, seed: int) -> list[Any]:
        """Every phone waits for its ballot, then places one dot on a question at a random moment
        of the window."""
        rng = random.Random(seed)
        moments = {phone.number: start + rng.random() * window for phone in self.phones}

        async def dot(phone: Phone) -> dict[str, Any]:
            seen = await phone.screen.until(
                "the ballot",
                lambda: phone.screen.region_matching(
                    "stage", lambda html: bool(wire.forms(html, "place_dot"))
                ),
                WAIT_SECONDS,
            )
            offered = wire.forms(seen.html, "place_dot")
            fields = offered[random.Random(seed * 7 + phone.number).randrange(len(offered))]
            await asyncio.sleep(max(0.0, moments[phone.number] - time.monotonic()))
            action = wire.action_id("dot", seed, phone.number, 0)
            answer = await phone.screen.act({**fields, "action_id": action}, WAIT_SECONDS)
            return {
                "tone": answer.notice.tone,
                "message": answer.notice.message,
                "ballot_bytes": seen.size,
            }

        return await self.every(dot)

    async def ranking_shown(self) -> list[Any]:
        def shown(phone: Phone) -> dict[str, Any] | None:
            seen = phone.screen.region_matching("stage", lambda html: wire.RANKED in html)
            if seen is None:
                return None
            return {"at": seen.at, "bytes": seen.size, "dots": wire.dots_shown(seen.html)}

        return await self.seen_by_all("the ranking", shown)

    async def timer_seen(self, since: float, last: int) -> list[Any]:
        """Every timer value each phone was shown after `since`, once it has shown `last`."""

        def seen(phone: Phone) -> dict[str, Any] | None:
            changes = phone.screen.timer_changes
            if not any(left >= last for _, left in changes):
                return None
            timer = phone.screen.latest.get("timer")
            return {
                "changes": [[at, left] for at, left in changes if at >= since],
                "bytes": timer.size if timer else 0,
            }

        return await self.seen_by_all(f"the timer at {last} s", seen)

    async def close(self) -> list[Any]:
        async def close(phone: Phone) -> dict[str, Any]:
            ended = phone.screen.ended
            await phone.screen.close()
            return {
                "phone": phone.number,
                "ended": ended,
                "error": phone.error,
                "frames": phone.screen.frames,
                "bytes": phone.screen.bytes,
            }

        records = await asyncio.gather(*(close(phone) for phone in self.phones))
        return list(records)


async def serve_commands() -> None:
    """Answers the conductor's commands, one JSON line each way, until standard input closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    phones: Phones | None = None
    while line := await reader.readline():
        command = json.loads(line)
        action = command.pop("command")
        result: Any
        if action == "setup":
            endpoints = [Endpoint(**e) for e in command["endpoints"]]
            phones = Phones.create(command["mode"], command["code"], endpoints, command["numbers"])
            result = "ready"
        else:
            assert phones is not None, "setup comes first"
            result = await getattr(phones, action)(**command)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def main() -> None:
    asyncio.run(serve_commands())
