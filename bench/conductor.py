"""One target, one room size: every scenario in turn, on one room, with the same phones.

The conductor plays the facilitator's console and the projector itself and sends the phones'
commands to the load-generator processes (`bench.phones`). Scenarios, in the order a workshop
meets them:

1. join storm: the phones join at a steady rate (2,000 in 20 s by default, or all of them
   within `join_seconds`), each as a fresh browser (the join form, the page, every file it links
   to, then the websocket); time until the projector shows them all, each phone's time from
   starting to join to its first screen, its requests and bytes, and server CPU per phone.
2. poll: the facilitator starts the warm-up poll; time until every phone shows it, and the
   server CPU of that fan-out per phone.
3. vote burst: every phone votes once at a random moment of a 5 s window; from each vote to its
   notice, to the phone's own screen showing it, and to the projector's count including it. A
   share of the phones then replays its frame, which must count nothing.
4. vote flood: for a few seconds every phone changes its vote as soon as the last change is
   answered (at most `flood_rate` times a second); votes accepted per second.
5. reveal: the facilitator reveals; time until every phone shows the results, whether the
   counts shown equal the votes the phones were told were saved, and the server CPU of that
   fan-out per phone.
6. steady room: the facilitator changes the timer once a second; from each change to every phone
   showing it, and resident memory per connection at the end.
7. ranking: best question, with a few dozen questions written and one dot from every phone; from
   the facilitator's reveal to every phone showing the ranked list, whether the dots shown equal
   the dots saved, and the server CPU of that fan-out per phone.
"""

import asyncio
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import wire
from bench.phones import Endpoint
from bench.profile import Profiler
from bench.screens import Missed, Screen
from bench.servers import Servers, Usage, cpu_seconds, pinned
from bench.stats import summary

HOST_SECONDS = 60.0
WAIT_SECONDS = 90.0
BASELINE_CODE = "BENCH1"
TIMER_STEP = 10
"""Seconds the facilitator adds to the paused timer at each steady-room update."""
QUESTIONS = 40
"""Questions written for the ranking, whatever the room's size: every phone's ballot lists them
all, and a room of thousands would not put thousands on one ballot."""


@dataclass
class Options:
    phones: int
    workers: int = 4
    server_cpus: str = "0"
    client_cpus: str = "1"
    join_rate: float = 100.0
    """Phones starting to join per second: 2,000 in 20 s."""
    join_seconds: float | None = None
    """When set, every phone starts to join within this many seconds, whatever the room's size
    (5,000 in 20 s is 250 a second); `join_rate` is then not used."""
    vote_window: float = 5.0
    flood_seconds: float = 10.0
    flood_rate: float = 10.0
    """Vote changes a second each phone at most sends in the flood (the app allows 20)."""
    steady_seconds: int = 60
    replay_every: int = 10
    seed: int = 1
    workdir: Path = Path("bench/results/work")
    settle: float = 1.0
    """Seconds of quiet before each scenario (and after it, before a count is checked)."""
    redis_url: str = ""
    """A Redis to use for app-redis, app-2x and app-3x instead of starting a redis-server."""
    profile: bool = False
    sizes: dict[str, int] | None = None
    """Fragment sizes measured on the app, which the baseline then sends."""


class Workers:
    """The load-generator processes, each playing every `count`-th phone."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self.processes = processes

    @classmethod
    async def start(cls, count: int, cpus: str, log: Path) -> "Workers":
        processes = []
        for _ in range(count):
            command = pinned([sys.executable, "-m", "bench", "worker"], cpus)
            with log.open("ab") as errors:
                processes.append(
                    await asyncio.create_subprocess_exec(
                        *command,
                        stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE,
                        stderr=errors,
                        limit=1 << 26,
                    )
                )
        return cls(processes)

    async def _call(self, process: asyncio.subprocess.Process, line: bytes) -> Any:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(line)
        await process.stdin.drain()
        answer = await process.stdout.readline()
        if not answer:
            raise RuntimeError(f"a load-generator process exited ({process.returncode})")
        return json.loads(answer)

    async def setup(self, mode: str, code: str, endpoints: list[Endpoint], phones: int) -> None:
        count = len(self.processes)
        await asyncio.gather(
            *(
                self._call(
                    process,
                    _line(
                        "setup",
                        mode=mode,
                        code=code,
                        endpoints=[{"http": e.http, "ws": e.ws} for e in endpoints],
                        numbers=list(range(index, phones, count)),
                    ),
                )
                for index, process in enumerate(self.processes)
            )
        )

    async def call(self, command: str, **arguments: Any) -> list[dict[str, Any]]:
        """Runs a command on every process at once; one record per phone, in phone order."""
        line = _line(command, **arguments)
        answers = await asyncio.gather(*(self._call(p, line) for p in self.processes))
        records = [record for answer in answers for record in answer]
        return sorted(records, key=lambda record: int(record["phone"]))

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    async def stop(self, patience: float = 10.0) -> None:
        """Closes their input, which ends them once their current command is done; kills any
        still running after `patience` seconds."""
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        waits = [asyncio.create_task(process.wait()) for process in self.processes]
        await asyncio.wait(waits, timeout=patience)
        for process in self.processes:
            if process.returncode is None:
                process.kill()
        await asyncio.gather(*waits)


def _line(command: str, **arguments: Any) -> bytes:
    return (json.dumps({"command": command, **arguments}) + "\n").encode()


@dataclass
class Mark:
    server: Usage
    clients_cpu: float


@dataclass
class Measured:
    """What one run of every scenario found, ready for `report`."""

    target: str
    phones: int
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def error(self, scenario: str, message: str) -> None:
        self.errors.setdefault(scenario, []).append(message)

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "phones": self.phones,
            "scenarios": self.scenarios,
            "sizes": self.sizes,
            "errors": {k: {"count": len(v), "examples": v[:5]} for k, v in self.errors.items()},
            "load": list(self.load),
        }


class Conductor:
    def __init__(self, servers: Servers, options: Options, workers: Workers) -> None:
        self.servers = servers
        self.options = options
        self.workers = workers
        self.n = options.phones
        self.measured = Measured(servers.target, options.phones)
        self.mode = "app" if servers.is_app else "baseline"
        self.code = BASELINE_CODE
        self.host_cookie = ""
        self.host: Screen | None = None
        self.projector: Screen | None = None
        self.marks: dict[str, Mark] = {}
        self.labels: dict[str, str] = {}
        """Option id -> label, as the phones' poll showed them."""
        self.final: dict[int, str] = {}
        """Phone -> the option it was last told was saved."""
        self.clients = [psutil.Process(pid) for pid in [os.getpid(), *workers.pids()]]
        self.profiler: Profiler | None = None
        if options.profile and servers.is_app and Profiler.binary():
            self.profiler = Profiler(
                servers.pids(), servers.workdir / "profiles", options.client_cpus
            )

    # Plumbing ----------------------------------------------------------------------------------

    def mark(self, name: str) -> Mark:
        cpu = sum(cpu_seconds(process.pid) for process in self.clients)
        mark = Mark(self.servers.usage(), cpu)
        self.marks[name] = mark
        return mark

    def usage(self, start: str, end: str) -> dict[str, float]:
        """Server CPU (seconds and percent of one core), load-generator CPU and server memory
        between two marks."""
        a, b = self.marks[start], self.marks[end]
        wall = max(b.server.at - a.server.at, 1e-9)
        return {
            "wall_s": wall,
            "cpu_s": b.server.cpu - a.server.cpu,
            "redis_cpu_s": b.server.redis_cpu - a.server.redis_cpu,
            "cpu_pct": 100 * (b.server.cpu - a.server.cpu) / wall,
            "clients_cpu_pct": 100 * (b.clients_cpu - a.clients_cpu) / wall,
            "clients_cpu_s": b.clients_cpu - a.clients_cpu,
            "rss_mib": b.server.rss / 2**20,
            "redis_rss_mib": b.server.redis_rss / 2**20,
        }

    def profile(self, scenario: str | None) -> None:
        if self.profiler is None:
            return
        if scenario is None:
            self.profiler.stop()
        else:
            self.profiler.start(scenario)

    async def host_act(self, fields: dict[str, Any]) -> float:
        """Sends a facilitator action; returns when it was sent. It must succeed."""
        assert self.host is not None
        sent = time.monotonic()
        answer = await self.host.act(
            {**fields, "action_id": f"host-{time.monotonic_ns()}"}, HOST_SECONDS
        )
        if answer.notice.tone != "ok":
            raise RuntimeError(f"the facilitator's {fields['type']} was refused: {answer.notice}")
        return sent

    def check_phones(self, scenario: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of the phones that did what was asked; the others count as errors."""
        good = []
        for record in records:
            if record.get("error"):
                self.measured.error(scenario, str(record["error"]))
            else:
                good.append(record)
        return good

    async def projector_until(
        self, what: str, region: str, test: Callable[[str], bool], within: float = WAIT_SECONDS
    ) -> float:
        projector = self.projector
        assert projector is not None
        seen = await projector.until(what, lambda: projector.region_matching(region, test), within)
        return seen.at

    # The run -----------------------------------------------------------------------------------

    async def run(self) -> Measured:
        self.measured.load = os.getloadavg()
        try:
            await self.open_room()
            await self.join_storm()
            await self.poll()
            await self.vote_burst()
            await self.vote_flood()
            await self.reveal()
            await self.steady_room()
            await self.ranking()
        except Missed as missed:
            self.measured.error("run", f"stopped early: {missed}")
        finally:
            self.profile(None)
        # Not when interrupted: the load generator may be busy for a while yet, and is killed.
        await self.close()
        return self.measured

    async def open_room(self) -> None:
        first, last = self.servers.endpoints[0], self.servers.endpoints[-1]
        if self.mode == "app":
            async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
                response = await client.post(f"{last.http}/rooms")
            found = re.fullmatch(r"/host/([A-Z0-9]+)", response.headers.get("location", ""))
            if response.status_code != 303 or found is None:
                raise RuntimeError(f"could not create a room: {response.status_code}")
            self.code = found.group(1)
            name = f"workshop_host_{self.code}"
            self.host_cookie = f"{name}={response.cookies[name]}"
        self.host = Screen("console", f"{last.http}/host/{self.code}", ())
        await self.host.open(f"{last.ws}/ws/{self.code}/host", last.origin, self.host_cookie)
        self.projector = Screen(
            "projector",
            f"{first.http}/screen/{self.code}",
            ("join-panel", "stage", "timer"),
            keep_history=True,
        )
        await self.projector.open(
            f"{first.ws}/ws/{self.code}/screen", first.origin, self.host_cookie
        )
        await self.projector_until("its snapshot", "join-panel", lambda html: True)
        if self.mode == "baseline" and self.options.sizes:
            await self.host_act({"type": "configure", "sizes": self.options.sizes})
        await self.workers.setup(self.mode, self.code, self.servers.endpoints, self.n)

    @property
    def join_rate(self) -> float:
        if self.options.join_seconds:
            return self.n / self.options.join_seconds
        return self.options.join_rate

    async def join_storm(self) -> None:
        await asyncio.sleep(self.options.settle)
        self.mark("idle")
        start = time.monotonic() + 0.5
        self.profile("join")
        projector = asyncio.create_task(
            self.projector_until(
                f"{self.n} joined",
                "join-panel",
                lambda html: (wire.headcount(html) or 0) >= self.n,
                self.n / self.join_rate + WAIT_SECONDS,
            )
        )
        records = self.check_phones(
            "join",
            await self.workers.call("join", start=start, interval=1 / self.join_rate),
        )
        try:
            shown = await projector
        except Missed as missed:
            self.measured.error("join", str(missed))
            shown = float("nan")
        self.mark("joined")
        self.profile(None)
        usage = self.usage("idle", "joined")
        result: dict[str, Any] = {
            "to_screen_ms": summary(1000 * (r["snapshot"] - r["start"]) for r in records),
            "projector_s": shown - start,
            "phones_in": len(records),
            "window_s": self.n / self.join_rate,
            "cpu_ms_per_phone": 1000 * usage["cpu_s"] / max(len(records), 1),
            **usage,
        }
        if self.mode == "app":
            # From starting to join to the last linked file, before the websocket opens.
            result["http_ms"] = summary(1000 * (r["files"] - r["start"]) for r in records)
            result["http"] = {
                key: _median_int(r["http"][key] for r in records)
                for key in (records[0]["http"] if records else {})
            }
        self.measured.scenarios["join"] = result
        self.measured.sizes["phone_snapshot"] = _median_int(r["bytes"] for r in records)
        history = self.projector.history if self.projector else None
        panels = [seen.size for region, seen in history or [] if region == "join-panel"]
        if panels:
            self.measured.sizes["screen_snapshot"] = panels[0]
            self.measured.sizes["screen_join"] = _median_int(panels[1:] or panels)

    async def poll(self) -> None:
        await asyncio.sleep(self.options.settle)
        await self.host_act({"type": "add_exercise", "exercise_id": wire.EXERCISE})
        self.mark("poll_start")
        sent = await self.host_act({"type": "start_run", "run_id": wire.RUN})
        records = self.check_phones("poll", await self.workers.call("poll_shown"))
        projector_at = await self.projector_until(
            "the poll", "stage", lambda html: wire.voted(html) is not None
        )
        self.mark("poll_end")
        usage = self.usage("poll_start", "poll_end")
        self.measured.scenarios["poll"] = {
            "to_phone_ms": summary(1000 * (r["at"] - sent) for r in records),
            "to_projector_ms": 1000 * (projector_at - sent),
            # The whole fan-out (start, read, render, send to everyone) per phone reached.
            "cpu_us_per_phone": 1e6 * usage["cpu_s"] / max(len(records), 1),
            **usage,
        }
        self.measured.sizes["phone_poll"] = _median_int(r["bytes"] for r in records)
        if records:
            self.labels = dict(records[0]["labels"])
        if self.projector and (stage := self.projector.latest.get("stage")):
            self.measured.sizes["screen_poll"] = stage.size

    async def vote_burst(self) -> None:
        await asyncio.sleep(self.options.settle)
        self.mark("burst_start")
        self.profile("vote")
        start = time.monotonic() + 0.5
        records = self.check_phones(
            "vote",
            await self.workers.call(
                "vote_burst",
                start=start,
                window=self.options.vote_window,
                seed=self.options.seed,
                replay_every=self.options.replay_every,
            ),
        )
        saved = [r for r in records if r["tone"] == "ok" and r["message"].startswith("Vote saved")]
        for r in records:
            if r not in saved:
                self.measured.error("vote", f"phone {r['phone']}: {r['tone']} {r['message']!r}")
            replay = r.get("replay")
            if replay is not None and not (
                replay["tone"] == "ok" and replay["message"].startswith("Already saved")
            ):
                self.measured.error("vote", f"phone {r['phone']} replay answered {replay}")
        try:
            await self.projector_until(
                f"{len(saved)} voted",
                "stage",
                lambda html: (wire.voted(html) or 0) >= len(saved),
            )
        except Missed as missed:
            self.measured.error("vote", str(missed))
        self.mark("burst_end")
        self.profile(None)
        # Settle, then the count must be exactly the saved votes: no vote lost, none counted twice.
        await asyncio.sleep(self.options.settle)
        assert self.projector is not None
        stage = self.projector.latest["stage"].html
        shown = wire.voted(stage)
        if shown != len(saved):
            self.measured.error("vote", f"the projector shows {shown} voted, {len(saved)} saved")
        # Each saved vote is on the projector once the count reaches its place in the order the
        # notices came back in (the server commits before it answers).
        counts = [
            (seen.at, wire.voted(seen.html) or 0)
            for region, seen in self.projector.history or []
            if region == "stage"
        ]
        to_projector = []
        for rank, record in enumerate(sorted(saved, key=lambda r: r["ack"]), start=1):
            at = next((t for t, count in counts if count >= rank), None)
            if at is None:
                self.measured.error("vote", f"the projector never counted vote {rank}")
            else:
                to_projector.append(1000 * (at - record["sent"]))
        span = max((r["ack"] for r in saved), default=start) - start
        usage = self.usage("burst_start", "burst_end")
        self.measured.scenarios["vote"] = {
            "to_projector_ms": summary(to_projector),
            "to_ack_ms": summary(1000 * (r["ack"] - r["sent"]) for r in saved),
            "to_phone_ms": summary(1000 * (r["own"] - r["sent"]) for r in saved if "own" in r),
            "saved": len(saved),
            "replays": sum(1 for r in records if "replay" in r),
            "shown": shown,
            "votes_per_s": len(saved) / span if span > 0 else float("nan"),
            "cpu_us_per_vote": 1e6 * usage["cpu_s"] / max(len(saved), 1),
            **usage,
        }
        self.measured.sizes["phone_voted"] = _median_int(
            r["own_bytes"] for r in saved if "own_bytes" in r
        )
        voted = [seen.size for region, seen in self.projector.history or [] if region == "stage"]
        if voted:
            self.measured.sizes["screen_voted"] = _median_int(voted[-10:])
        self.final = {int(r["phone"]): r["option"] for r in saved}

    async def vote_flood(self) -> None:
        if self.options.flood_seconds <= 0:
            return
        await asyncio.sleep(self.options.settle)
        self.mark("flood_start")
        self.profile("flood")
        start = time.monotonic() + 0.2
        records = self.check_phones(
            "flood",
            await self.workers.call(
                "vote_flood",
                start=start,
                seconds=self.options.flood_seconds,
                rate=self.options.flood_rate,
                seed=self.options.seed,
            ),
        )
        self.mark("flood_end")
        self.profile(None)
        taps = [tap for r in records for tap in r["taps"]]
        saved = [tap for tap in taps if tap[2]]
        for record in records:
            if record["refusals"]:
                self.measured.error(
                    "flood",
                    f"phone {record['phone']}: {record['refusals']} change(s) refused, "
                    f"e.g. {record['refused'][0]!r}",
                )
            if record["option"]:
                self.final[int(record["phone"])] = record["option"]
        span = max((t[1] for t in taps), default=start) - start
        rate = len(saved) / span if span > 0 else float("nan")
        usage = self.usage("flood_start", "flood_end")
        self.measured.scenarios["flood"] = {
            "to_ack_ms": summary(1000 * (t[1] - t[0]) for t in saved),
            "accepted": len(saved),
            "offered_per_s": self.n * self.options.flood_rate,
            "votes_per_s": rate,
            "votes_per_s_per_process": rate / len(self.servers.processes),
            "cpu_us_per_vote": 1e6 * usage["cpu_s"] / max(len(saved), 1),
            "redis_us_per_vote": 1e6 * usage["redis_cpu_s"] / max(len(saved), 1),
            # What the load generator spent per vote: one core's worth of it bounds the votes a
            # second it can offer, whatever the server.
            "generator_us_per_vote": 1e6 * usage["clients_cpu_s"] / max(len(saved), 1),
            **usage,
        }

    async def reveal(self) -> None:
        await asyncio.sleep(self.options.settle)
        self.mark("reveal_start")
        sent = await self.host_act({"type": "next_phase", "seen_phase": f"{wire.RUN}.0:vote"})
        records = self.check_phones("reveal", await self.workers.call("results_shown"))
        projector_at = await self.projector_until(
            "the results", "stage", lambda html: bool(wire.bar_counts(html))
        )
        self.mark("reveal_end")
        usage = self.usage("reveal_start", "reveal_end")
        assert self.projector is not None
        shown = wire.bar_counts(self.projector.latest["stage"].html)
        expected = dict.fromkeys(shown, 0)
        for option in self.final.values():
            label = self.labels.get(option, option)
            expected[label] = expected.get(label, 0) + 1
        # Per option: votes shown that no phone was told were saved, and saved votes not shown.
        extra = sum(max(shown.get(k, 0) - n, 0) for k, n in expected.items())
        lost = sum(max(n - shown.get(k, 0), 0) for k, n in expected.items())
        if shown != expected:
            self.measured.error(
                "reveal", f"the projector shows {shown}; the phones were told {expected} were saved"
            )
        for record in records:
            if record["counts"] != expected:
                self.measured.error(
                    "reveal", f"phone {record['phone']} shows {record['counts']}, saved {expected}"
                )
        self.measured.scenarios["reveal"] = {
            "to_phone_ms": summary(1000 * (r["at"] - sent) for r in records),
            "to_projector_ms": 1000 * (projector_at - sent),
            "votes_saved": sum(expected.values()),
            "votes_shown": sum(shown.values()),
            "lost": lost,
            "extra": extra,
            "cpu_us_per_phone": 1e6 * usage["cpu_s"] / max(len(records), 1),
            **usage,
        }
        self.measured.sizes["phone_results"] = _median_int(r["bytes"] for r in records)
        self.measured.sizes["screen_results"] = self.projector.latest["stage"].size

    async def steady_room(self) -> None:
        await asyncio.sleep(self.options.settle)
        await self.host_act({"type": "timer_start", "minutes": "1"})
        await self.host_act({"type": "timer_pause"})
        assert self.projector is not None
        await self.projector_until(
            "the paused timer", "timer", lambda html: 'data-running="false"' in html
        )
        await asyncio.sleep(self.options.settle)
        base = wire.timer_left(self.projector.latest["timer"].html) or 0
        self.mark("steady_start")
        self.profile("steady")
        since = time.monotonic()
        assert self.host is not None
        # The facilitator clicks on schedule, whether or not the last click was answered yet.
        updates: list[tuple[float, int, int]] = []
        for step in range(1, self.options.steady_seconds + 1):
            await asyncio.sleep(max(0.0, since + step - time.monotonic()))
            sent = time.monotonic()
            index = await self.host.send(
                {
                    "type": "timer_add",
                    "seconds": str(TIMER_STEP),
                    "action_id": f"host-timer-{self.options.seed}-{step:04d}",
                }
            )
            updates.append((sent, base + step * TIMER_STEP, index))
        host = self.host
        last_index = updates[-1][2] if updates else -1
        await host.until(
            "the answers to its timer changes",
            lambda: True if len(host.answers) > last_index else None,
            WAIT_SECONDS,
        )
        for _, left, index in updates:
            notice = host.answers[index].notice
            if notice.tone != "ok":
                self.measured.error("steady", f"the timer change to {left} s was refused: {notice}")
        await asyncio.sleep(self.options.settle)
        self.mark("steady_end")
        self.profile(None)
        last = base + self.options.steady_seconds * TIMER_STEP
        records = self.check_phones(
            "steady", await self.workers.call("timer_seen", since=since, last=last)
        )
        latencies = []
        for record in records:
            changes = record["changes"]
            for sent, left, _ in updates:
                at = next((t for t, value in changes if value >= left), None)
                if at is None:
                    self.measured.error("steady", f"phone {record['phone']} never showed {left} s")
                else:
                    latencies.append(1000 * (at - sent))
        usage = self.usage("steady_start", "steady_end")
        connected = len(records)
        idle = self.marks["idle"].server
        end = self.marks["steady_end"].server
        self.measured.scenarios["steady"] = {
            "to_phone_ms": summary(latencies),
            "updates": len(updates),
            "cpu_ms_per_update": 1000 * usage["cpu_s"] / max(len(updates), 1),
            # Per phone still connected: phones that never got in hold no connection.
            "connections": connected,
            "kib_per_connection": (end.rss - idle.rss) / 1024 / max(connected, 1),
            "redis_kib_per_phone": (end.redis_rss - idle.redis_rss) / 1024 / self.n,
            **usage,
        }
        if records:
            self.measured.sizes["timer"] = _median_int(r["bytes"] for r in records)

    async def ranking(self) -> None:
        """Best question: a few phones write, every phone dots one question, then the reveal of
        the ranked list, the heaviest fan-out of a workshop (every phone's stage is the list)."""
        await asyncio.sleep(self.options.settle)
        run = wire.RANKING_RUN
        await self.host_act({"type": "add_exercise", "exercise_id": wire.RANKING_EXERCISE})
        await self.host_act({"type": "start_run", "run_id": run})
        await self.host_act({"type": "next_phase", "seen_phase": f"{run}.0:brief"})
        step = max(1, self.n // QUESTIONS)
        written = 0
        for record in self.check_phones(
            "ranking",
            await self.workers.call("write_questions", step=step, seed=self.options.seed),
        ):
            if not record["wrote"]:
                continue
            if record["tone"] == "ok":
                written += 1
            else:
                self.measured.error("ranking", f"phone {record['phone']}: {record['message']!r}")
        await asyncio.sleep(self.options.settle)
        await self.host_act({"type": "next_phase", "seen_phase": f"{run}.0:write"})
        self.profile("dots")
        dots = self.check_phones(
            "ranking",
            await self.workers.call(
                "place_dots",
                start=time.monotonic() + 0.5,
                window=self.options.vote_window,
                seed=self.options.seed,
            ),
        )
        saved = 0
        for record in dots:
            if record["tone"] == "ok":
                saved += 1
            else:
                self.measured.error("ranking", f"phone {record['phone']}: {record['message']!r}")
        self.profile(None)
        await asyncio.sleep(self.options.settle)
        self.mark("ranking_start")
        self.profile("ranking")
        sent = await self.host_act({"type": "next_phase", "seen_phase": f"{run}.0:vote"})
        records = self.check_phones("ranking", await self.workers.call("ranking_shown"))
        projector_at = await self.projector_until(
            "the ranking", "stage", lambda html: wire.RANKED in html
        )
        self.mark("ranking_end")
        self.profile(None)
        usage = self.usage("ranking_start", "ranking_end")
        assert self.projector is not None
        stage = self.projector.latest["stage"]
        # Every phone's list holds every question (the projector's only the top few): each must
        # show every dot saved, none lost, none counted twice.
        wrong = [r for r in records if r["dots"] != saved]
        for record in wrong:
            self.measured.error(
                "ranking", f"phone {record['phone']} shows {record['dots']} dots, {saved} saved"
            )
        shown = wrong[0]["dots"] if wrong else saved
        self.measured.scenarios["ranking"] = {
            "to_phone_ms": summary(1000 * (r["at"] - sent) for r in records),
            "to_projector_ms": 1000 * (projector_at - sent),
            "questions": written,
            "dots_saved": saved,
            "dots_shown": shown,
            "cpu_us_per_phone": 1e6 * usage["cpu_s"] / max(len(records), 1),
            **usage,
        }
        self.measured.sizes["phone_ballot"] = _median_int(r["ballot_bytes"] for r in dots)
        self.measured.sizes["phone_ranking"] = _median_int(r["bytes"] for r in records)
        self.measured.sizes["screen_ranking"] = stage.size

    async def close(self) -> None:
        try:
            records = await self.workers.call("close")
        except RuntimeError as error:
            self.measured.error("run", str(error))
            records = []
        for record in records:
            if record.get("ended") and not record.get("error"):
                self.measured.error("connections", f"phone {record['phone']}: {record['ended']}")
        if records:
            self.measured.scenarios.setdefault("traffic", {})["frames_per_phone"] = sum(
                r["frames"] for r in records
            ) / len(records)
            self.measured.scenarios["traffic"]["kib_per_phone"] = (
                sum(r["bytes"] for r in records) / len(records) / 1024
            )
        for screen in (self.host, self.projector):
            if screen is not None:
                if screen.ended:
                    self.measured.error("connections", f"{screen.name}: {screen.ended}")
                await screen.close()


def _median_int(values: Any) -> int:
    ordered = sorted(int(v) for v in values)
    return ordered[len(ordered) // 2] if ordered else 0


async def run_target(target: str, options: Options) -> Measured:
    """Starts the target's servers and load generator, runs every scenario, stops them all.
    SIGINT or SIGTERM cancels the run, and everything it started is stopped all the same."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return await _run_target(target, options)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _run_target(target: str, options: Options) -> Measured:
    workdir = options.workdir / f"{target}-{options.phones}"
    workdir.mkdir(parents=True, exist_ok=True)
    servers = Servers(target, options.server_cpus, workdir, redis_url=options.redis_url)
    await asyncio.to_thread(servers.start)
    workers: Workers | None = None
    patience = 0.0
    try:
        workers = await Workers.start(options.workers, options.client_cpus, workdir / "phones.log")
        conductor = Conductor(servers, options, workers)
        measured = await conductor.run()
        try:
            servers.check_alive()
        except RuntimeError as error:
            measured.error("run", str(error))
        patience = 10.0
        return measured
    finally:
        if workers is not None:
            await workers.stop(patience)
        await asyncio.to_thread(servers.stop)
