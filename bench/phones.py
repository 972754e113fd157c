"""A load-generator process: a share of the room's phones, driven by the conductor.

`python -m bench worker` reads one JSON command per line on standard input, runs it for every phone
it owns at once, and answers with one JSON line on standard output: a record per phone, with
`time.monotonic()` timestamps the conductor compares with its own. Each phone does what a browser
does: the HTTP join by code and name (its cookie kept), the room page, then the room's websocket,
where it sends the frames the htmx ws extension sends and reads the fragments pushed back.
"""

import asyncio
import contextlib
import gc
import http.cookiejar
import json
import random
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.exceptions import WebSocketException

from bench import wire
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


class NoCookies(http.cookiejar.CookiePolicy):
    """Each phone keeps its own cookie by hand; the shared HTTP client must keep none."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: urllib.request.Request) -> bool:
        return False

    def path_return_ok(self, path: str, request: urllib.request.Request) -> bool:
        return False


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


@dataclass
class Phones:
    """Every phone this process plays, and the commands the conductor sends them."""

    mode: str
    """"app" (HTTP join, then websocket) or "baseline" (websocket only)."""
    code: str
    phones: list[Phone] = field(default_factory=list)
    http: httpx.AsyncClient | None = None

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
            except (Missed, httpx.HTTPError, WebSocketException, OSError, TimeoutError) as error:
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
        self.http = httpx.AsyncClient(
            cookies=http.cookiejar.CookieJar(NoCookies()),
            trust_env=False,
            timeout=WAIT_SECONDS,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )
        records = await self.every(lambda phone: self._join(phone, start + phone.number * interval))
        # What the phones hold from now on lives for the whole run: keep the collector off it.
        gc.collect()
        gc.freeze()
        return records

    async def _join(self, phone: Phone, at: float) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        record: dict[str, Any] = {"start": time.monotonic()}
        if self.mode == "app":
            assert self.http is not None
            name = f"workshop_p_{phone.code}"
            response = await self.http.post(
                f"{phone.endpoint.http}/join", data={"code": phone.code, "name": phone.name}
            )
            if response.status_code != 303:
                raise Missed(f"{phone.name}: join answered {response.status_code}")
            value = response.cookies.get(name)
            if not value:
                raise Missed(f"{phone.name}: join set no cookie")
            phone.cookie = f"{name}={value}"
            record["joined"] = time.monotonic()
            page = await self.http.get(
                f"{phone.endpoint.http}{response.headers['location']}",
                headers={"Cookie": phone.cookie},
            )
            if page.status_code != 200 or "ws-connect" not in page.text:
                raise Missed(f"{phone.name}: room page answered {page.status_code}")
            record["page"] = time.monotonic()
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

        async def flood(phone: Phone) -> dict[str, Any]:
            stage = phone.screen.latest.get("stage")
            offered = wire.choices(stage.html) if stage else []
            if not offered:
                raise Missed(f"{phone.name}: no poll to vote on")
            taps: list[list[float]] = []
            refused: list[str] = []
            moment = start + (phone.number % 100) / 100 / rate
            while moment < start + seconds:
                await asyncio.sleep(max(0.0, moment - time.monotonic()))
                choice = offered[(phone.number + len(taps) + 1) % len(offered)]
                fields = {
                    **choice.fields,
                    "action_id": wire.action_id("change", seed, phone.number, len(taps)),
                }
                sent = time.monotonic()
                answer = await phone.screen.act(fields, WAIT_SECONDS)
                saved = answer.notice.tone == "ok" and answer.notice.message.startswith("Vote")
                if saved:
                    phone.option = fields["option"]
                else:
                    refused.append(answer.notice.message)
                taps.append([sent, answer.at, 1.0 if saved else 0.0])
                moment = max(sent + 1 / rate, time.monotonic())
            return {
                "taps": taps,
                "refused": refused[:3],
                "refusals": len(refused),
                "option": phone.option,
            }

        return await self.every(flood)

    async def results_shown(self) -> list[Any]:
        def shown(phone: Phone) -> dict[str, Any] | None:
            seen = phone.screen.region_matching("stage", lambda html: bool(wire.BAR.search(html)))
            if seen is None:
                return None
            return {"at": seen.at, "bytes": seen.size, "counts": wire.bar_counts(seen.html)}

        return await self.seen_by_all("the results", shown)

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
        if self.http is not None:
            await self.http.aclose()
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
    if phones is not None and phones.http is not None:
        with contextlib.suppress(Exception):
            await phones.http.aclose()


def main() -> None:
    asyncio.run(serve_commands())
