"""Markdown tables of a benchmark run: each scenario, every room size, the app beside the baseline.

Figures are medians over the repetitions; with more than one repetition the p50 and p99 columns
also show the lowest and highest run in brackets.
"""

import importlib.metadata
import math
import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import psutil

from bench.profile import hot_paths, top_frames
from bench.servers import TARGETS
from bench.stats import spread

Run = dict[str, Any]

SCENARIOS: list[tuple[str, str, str, str]] = [
    # scenario, latency metric, title, what is measured
    (
        "join",
        "to_screen_ms",
        "Join storm",
        "each phone from starting to join (HTTP join, room page, websocket) to its first screen",
    ),
    (
        "poll",
        "to_phone_ms",
        "Poll starts",
        "from the facilitator's start to every phone showing the poll",
    ),
    (
        "vote",
        "to_projector_ms",
        "Vote burst: vote → projector",
        "from each vote to the projector's count including it (coalescing included)",
    ),
    (
        "vote",
        "to_phone_ms",
        "Vote burst: vote → own phone",
        "from each vote to that phone showing its answer as chosen",
    ),
    ("vote", "to_ack_ms", "Vote burst: vote → notice", "from each vote to its “Vote saved” notice"),
    (
        "reveal",
        "to_phone_ms",
        "Reveal",
        "from the facilitator's reveal to every phone showing the results",
    ),
    (
        "steady",
        "to_phone_ms",
        "Steady room",
        "one timer change a second; from each change to every phone showing it",
    ),
    (
        "ranking",
        "to_phone_ms",
        "Best question: the ranking revealed",
        "from the facilitator's reveal to every phone showing the ranked list of questions",
    ),
]


def machine() -> list[str]:
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("uvicorn", "starlette", "websockets", "redis", "fakeredis")
    )
    redis = ""
    if shutil.which("redis-server"):
        out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
        redis = next((part for part in out.split() if part.startswith("v=")), "")[2:]
    return [
        f"- CPU: {os.cpu_count()} x {model}; memory {psutil.virtual_memory().total / 2**30:.0f} GiB",
        f"- OS: {platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"redis-server {redis or 'not installed'}",
        f"- Libraries: {versions}",
    ]


def _num(value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}"


def _cell(values: list[float], with_spread: bool) -> str:
    middle, low, high = spread(values)
    if with_spread and not math.isnan(middle) and low != high:
        return f"{_num(middle)} ({_num(low)}-{_num(high)})"
    return _num(middle)


def _get(run: Run, scenario: str, *path: str) -> float:
    value: Any = run["scenarios"].get(scenario, {})
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return math.nan
        value = value[key]
    return float(value) if value is not None else math.nan


def _cpu_per_phone(run: Run) -> float:
    """Server CPU microseconds per steady-room update and phone still in the room."""
    phones = _get(run, "join", "phones_in")
    return 1000 * _get(run, "steady", "cpu_ms_per_update") / phones if phones else math.nan


def _kib_per_connection(run: Run) -> float:
    """The servers' growth per open connection (runs made before "connections" was recorded
    divided by the room's size, whether or not every phone got in)."""
    value = _get(run, "steady", "kib_per_connection")
    if "connections" in run["scenarios"].get("steady", {}):
        return value
    phones = _get(run, "join", "phones_in")
    return value * int(run["phones"]) / phones if phones else math.nan


def _size(key: str) -> Callable[[Run], float]:
    return lambda run: float(run.get("sizes", {}).get(key, math.nan))


FLOOD_FLOOR_PHONES = 2000
"""The room size at which one process must accept `FLOOD_FLOOR_VOTES_PER_S` votes a second."""
FLOOD_FLOOR_VOTES_PER_S = 8000
BIG_ROOM_VOTES_PER_S = 4000
"""Votes a second per process in a room bigger than `FLOOD_FLOOR_PHONES`."""

GENERATOR_MARGIN = 1.2
"""The baseline must accept more than this many times the app's votes a second in the same run,
or the flood may have measured the load generator rather than the app."""
OFFERED_SHARE = 0.9
"""A flood that reaches this share of the votes offered was held back by the phones' own pace."""
BUSY_PCT = 80.0
"""A process that set a flood's pace is busy most of the time: if neither the server nor the load
generator was busy this much of a core, something else (other work on the machine) did."""


def _flood(run: Run, key: str) -> float:
    return _get(run, "flood", key)


def _kib(key: str) -> Callable[[Run], float]:
    return lambda run: _get(run, "join", "http", key) / 1024


def _errors(run: Run, scenario: str) -> int:
    found = run.get("errors", {})
    extra = ("run", "connections") if scenario == "steady" else ()
    return sum(int(found.get(name, {}).get("count", 0)) for name in (scenario, *extra))


class Report:
    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.sizes = sorted({int(r["phones"]) for r in runs})
        self.targets = sorted({str(r["target"]) for r in runs}, key=TARGETS.index)
        self.repeats = max((self._count(t, n) for t in self.targets for n in self.sizes), default=0)

    def _count(self, target: str, phones: int) -> int:
        return len(self.select(target, phones))

    def select(self, target: str, phones: int) -> list[Run]:
        return [r for r in self.runs if r["target"] == target and int(r["phones"]) == phones]

    def values(self, target: str, phones: int, get: Callable[[Run], float]) -> list[float]:
        return [get(run) for run in self.select(target, phones)]

    def median(self, target: str, phones: int, get: Callable[[Run], float]) -> float:
        return spread(self.values(target, phones, get))[0]

    def phones_cell(self, target: str, phones: int) -> str:
        """The room size, and how many phones got in when some did not (they count as errors
        in the join storm and take no further part)."""
        joined = self.median(target, phones, lambda r: _get(r, "join", "phones_in"))
        if math.isnan(joined) or joined >= phones:
            return str(phones)
        return f"{phones} ({joined:.0f} in)"

    def latency_table(self, scenario: str, metric: str, title: str, about: str) -> list[str]:
        many = self.repeats > 1
        lines = [
            f"### {title}",
            "",
            f"{about[0].upper()}{about[1:]}. Milliseconds; server CPU is the share of one core "
            "over the scenario; RSS is the server's resident memory at its end.",
            "",
            "| phones | server | p50 | p95 | p99 | max | p99 ÷ baseline | server CPU | RSS MiB | errors |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for phones in self.sizes:
            base = self.median("baseline", phones, lambda r: _get(r, scenario, metric, "p99"))
            for target in self.targets:
                if not self.select(target, phones):
                    continue

                def stat(name: str) -> Callable[[Run], float]:
                    return lambda r: _get(r, scenario, metric, name)

                p99 = self.median(target, phones, stat("p99"))
                ratio = "" if target == "baseline" or math.isnan(base) else f"x{p99 / base:.1f}"
                cells = [
                    self.phones_cell(target, phones),
                    target,
                    _cell(self.values(target, phones, stat("p50")), many),
                    _cell(self.values(target, phones, stat("p95")), False),
                    _cell(self.values(target, phones, stat("p99")), many),
                    _cell(self.values(target, phones, stat("max")), False),
                    ratio,
                    _cell(
                        self.values(target, phones, lambda r: _get(r, scenario, "cpu_pct")), False
                    )
                    + " %",
                    _cell(
                        self.values(target, phones, lambda r: _get(r, scenario, "rss_mib")), False
                    ),
                    str(max(self.values(target, phones, lambda r: _errors(r, scenario)))),
                ]
                lines.append("| " + " | ".join(cells) + " |")
        return [*lines, ""]

    def extra_table(
        self, title: str, about: str, columns: list[tuple[str, Callable[[Run], float]]]
    ) -> list[str]:
        many = self.repeats > 1
        lines = [
            f"### {title}",
            "",
            about,
            "",
            "| phones | server | " + " | ".join(name for name, _ in columns) + " |",
            "|---:|---|" + "---:|" * len(columns),
        ]
        for phones in self.sizes:
            for target in self.targets:
                if not self.select(target, phones):
                    continue
                cells = [self.phones_cell(target, phones), target]
                cells += [_cell(self.values(target, phones, get), many) for _, get in columns]
                lines.append("| " + " | ".join(cells) + " |")
        return [*lines, ""]

    def generator_check(self) -> tuple[list[str], list[str]]:
        """The vote flood beside the baseline's in the same run, size by size: the table, and a
        warning for each size where the load generator, not the app, may have set the figure."""

        def generator_cpu(run: Run) -> float:
            return _flood(run, "clients_cpu_pct")

        rows: list[str] = []
        warnings: list[str] = []
        for phones in self.sizes:
            base = self.median("baseline", phones, lambda r: _flood(r, "votes_per_s"))
            base_cost = self.median(
                "baseline", phones, lambda r: _flood(r, "generator_us_per_vote")
            )
            for target in self.targets:
                if target == "baseline" or not self.select(target, phones):
                    continue
                ours = self.median(target, phones, lambda r: _flood(r, "votes_per_s"))
                offered = self.median(target, phones, lambda r: _flood(r, "offered_per_s"))
                if math.isnan(ours):
                    continue
                ratio = base / ours if ours else math.nan
                server_cpu = self.median(target, phones, lambda r: _flood(r, "cpu_pct"))
                ours_generator = self.median(target, phones, generator_cpu)
                if math.isnan(base):
                    verdict = "no baseline in this run: not shown"
                elif ours >= OFFERED_SHARE * offered and base >= OFFERED_SHARE * offered:
                    verdict = "**both reached the offered rate**: the phones' pace, not a server"
                elif ratio <= GENERATOR_MARGIN:
                    verdict = (
                        f"**baseline ≤ {GENERATOR_MARGIN}x the app: the load generator may be the "
                        "limit**"
                    )
                elif max(server_cpu, ours_generator) < BUSY_PCT:
                    verdict = (
                        f"**neither the server ({server_cpu:.0f} %) nor the load generator "
                        f"({ours_generator:.0f} % of a core) was busy: other work on the machine "
                        "may have set the pace**"
                    )
                else:
                    verdict = "the load generator is not the limit"
                if verdict != "the load generator is not the limit":
                    warnings.append(f"- {phones:,} phones, {target}: {verdict.replace('**', '')}.")
                generator = self.median(
                    target, phones, lambda r: _flood(r, "generator_us_per_vote")
                )
                cells = [
                    self.phones_cell(target, phones),
                    target,
                    _num(offered),
                    _cell(self.values(target, phones, lambda r: _flood(r, "votes_per_s")), True),
                    _cell(
                        self.values("baseline", phones, lambda r: _flood(r, "votes_per_s")), True
                    ),
                    "-" if math.isnan(ratio) else f"x{ratio:.2f}",
                    f"{_num(generator)} / {_num(base_cost)}",
                    f"{_num(self.median(target, phones, generator_cpu))} / "
                    f"{_num(self.median('baseline', phones, generator_cpu))} %",
                    verdict,
                ]
                rows.append("| " + " | ".join(cells) + " |")
        if not rows:
            return [], []
        table = [
            "### Is the load generator the limit?",
            "",
            "The vote flood beside the raw baseline's in the same run. If the baseline, which does "
            "the least a server can, accepts no more than "
            f"{GENERATOR_MARGIN}x the app's votes a second, the figure may be the load "
            "generator's ceiling rather than the app's. The load generator's CPU per vote (in the "
            "app's run / in the baseline's) bounds what it can offer: one core gives 1,000,000 ÷ "
            "that many votes a second; its share of a core in each run shows how near it came.",
            "",
            "| phones | server | offered votes/s | app votes/s | baseline votes/s | baseline ÷ app "
            "| generator µs per vote | generator CPU, % of a core | verdict |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
        ]
        return table, warnings

    def cost_table(self) -> list[str]:
        """Server CPU per phone and per vote against the room's size: each fan-out's cost divided
        by the phones it reached, each vote scenario's by the votes saved."""
        return self.extra_table(
            "Cost against room size",
            "Server CPU (all of the target's processes, Redis included) per phone for each "
            "fan-out, and per vote saved. A fan-out whose cost per phone stays flat as the room "
            "grows scales linearly; the baseline's rows are the least such a change can cost.",
            [
                ("join, ms per phone", lambda r: _get(r, "join", "cpu_ms_per_phone")),
                ("poll start, µs per phone", lambda r: _get(r, "poll", "cpu_us_per_phone")),
                ("reveal, µs per phone", lambda r: _get(r, "reveal", "cpu_us_per_phone")),
                ("ranking, µs per phone", lambda r: _get(r, "ranking", "cpu_us_per_phone")),
                ("timer update, µs per phone", _cpu_per_phone),
                ("burst, µs per vote", lambda r: _get(r, "vote", "cpu_us_per_vote")),
                ("flood, µs per vote", lambda r: _get(r, "flood", "cpu_us_per_vote")),
                ("of which Redis", lambda r: _get(r, "flood", "redis_us_per_vote")),
            ],
        )

    def join_traffic_table(self) -> list[str]:
        apps = [t for t in self.targets if t != "baseline"]
        if not any(self.select(t, n) for t in apps for n in self.sizes):
            return []
        table = self.extra_table(
            "Join storm: what each phone fetched",
            "Each phone is a fresh browser: the join form's POST, the room page, then every "
            "style sheet, script and icon the page links to (medians over phones). KiB are "
            "bytes on the wire (headers included, compressed where the server compressed). "
            "Revisit: requests the same browser's cache would still make on loading the page "
            "again. HTTP p99: from starting to join to the last file, before the websocket.",
            [
                ("window s", lambda r: _get(r, "join", "window_s")),
                ("requests", lambda r: _get(r, "join", "http", "requests")),
                ("KiB", _kib("wire_bytes")),
                ("files", lambda r: _get(r, "join", "http", "linked")),
                ("file KiB", _kib("static_wire_bytes")),
                ("gzip", lambda r: _get(r, "join", "http", "static_gzip")),
                ("immutable", lambda r: _get(r, "join", "http", "static_immutable")),
                ("revisit", lambda r: _get(r, "join", "http", "revisit_requests")),
                ("HTTP p99 ms", lambda r: _get(r, "join", "http_ms", "p99")),
            ],
        )
        return [line for line in table if "| baseline |" not in line]

    def targets_table(self) -> list[str]:
        """The performance floors (the guide's section 6), each at the room size it is set for:
        most at the largest room of the run, votes a second also at 2,000 phones, and CPU per
        vote as the largest room's against the smallest's."""
        apps = [t for t in self.targets if t != "baseline"]
        if not apps or not self.sizes:
            return []
        largest, smallest = self.sizes[-1], self.sizes[0]

        def at(phones: int, get: Callable[[Run], float]) -> Callable[[str], float]:
            return lambda target: self.median(target, phones, get)

        def against_baseline(phones: int, get: Callable[[Run], float]) -> Callable[[str], float]:
            def ratio(target: str) -> float:
                base = self.median("baseline", phones, get)
                return self.median(target, phones, get) / base if base else math.nan

            return ratio

        def worst(get: Callable[[Run], float]) -> Callable[[str], float]:
            def most(target: str) -> float:
                found = [v for n in self.sizes for v in self.values(target, n, get)]
                return max(found) if found else math.nan

            return most

        def flood_cpu(run: Run) -> float:
            return _get(run, "flood", "cpu_us_per_vote")

        def votes_per_s(run: Run) -> float:
            return _get(run, "flood", "votes_per_s_per_process")

        def projector_p99(run: Run) -> float:
            return _get(run, "vote", "to_projector_ms", "p99")

        def fan_out_p99(run: Run) -> float:
            return _get(run, "steady", "to_phone_ms", "p99")

        def phones_in(run: Run) -> float:
            return _get(run, "join", "phones_in")

        def lost(run: Run) -> float:
            return _get(run, "reveal", "lost") + _get(run, "reveal", "extra")

        def errors(run: Run) -> float:
            return float(sum(int(e["count"]) for e in run.get("errors", {}).values()))

        def growth(target: str) -> float:
            return at(largest, flood_cpu)(target) / at(smallest, flood_cpu)(target)

        all_sizes = "all"
        # name, room size, floor, value, whether it is met, how the value is written
        floors: list[tuple[str, str, str, Callable[[str], float], Callable[[float], bool], str]]
        floors = [
            (
                "phones in after the join storm",
                f"{largest:,}",
                f"{largest:,}",
                at(largest, phones_in),
                lambda v: v >= largest,
                "{:,.0f}",
            ),
            (
                "vote → projector p99, every phone voting",
                f"{largest:,}",
                "≤ 250 ms",
                at(largest, projector_p99),
                lambda v: v <= 250,
                "{:.0f} ms",
            ),
            (
                "fan-out p99 (steady room) vs baseline",
                f"{largest:,}",
                "≤ 1.5x",
                against_baseline(largest, fan_out_p99),
                lambda v: v <= 1.5,
                "x{:.1f}",
            ),
            (
                "fan-out CPU per update and phone vs baseline",
                f"{largest:,}",
                "≤ 1.5x",
                against_baseline(largest, _cpu_per_phone),
                lambda v: v <= 1.5,
                "x{:.1f}",
            ),
        ]
        if largest > FLOOD_FLOOR_PHONES:
            floors.append(
                (
                    "votes accepted per second per process",
                    f"{largest:,}",
                    f"≥ {BIG_ROOM_VOTES_PER_S:,}",
                    at(largest, votes_per_s),
                    lambda v: v >= BIG_ROOM_VOTES_PER_S,
                    "{:,.0f}",
                )
            )
        if FLOOD_FLOOR_PHONES in self.sizes:
            floors.append(
                (
                    "votes accepted per second per process",
                    f"{FLOOD_FLOOR_PHONES:,}",
                    f"≥ {FLOOD_FLOOR_VOTES_PER_S:,}",
                    at(FLOOD_FLOOR_PHONES, votes_per_s),
                    lambda v: v >= FLOOD_FLOOR_VOTES_PER_S,
                    "{:,.0f}",
                )
            )
        if largest > smallest:
            floors.append(
                (
                    "flood CPU per vote vs the smallest room's",
                    f"{largest:,} ÷ {smallest:,}",
                    "≤ 1.3x",
                    growth,
                    lambda v: v <= 1.3,
                    "x{:.2f}",
                )
            )
        floors += [
            (
                "resident memory per connection",
                f"{largest:,}",
                "≤ 45 KiB",
                at(largest, _kib_per_connection),
                lambda v: v <= 45,
                "{:.0f} KiB",
            ),
            (
                "votes lost or counted twice (worst run)",
                all_sizes,
                "0",
                worst(lost),
                lambda v: v == 0,
                "{:.0f}",
            ),
            (
                "errors, all scenarios (worst run)",
                all_sizes,
                "0",
                worst(errors),
                lambda v: v == 0,
                "{:.0f}",
            ),
        ]
        lines = [
            "### Floors",
            "",
            "The performance floors, each at the room size it is set for (medians over the "
            "repetitions; the baseline in the same run).",
            "",
            "| floor | phones | target | " + " | ".join(apps) + " |",
            "|---|---:|---|" + "---|" * len(apps),
        ]
        for name, phones, floor, get, ok, style in floors:
            cells = [name, phones, floor]
            for target in apps:
                value = get(target)
                if math.isnan(value):
                    cells.append("-")
                else:
                    cells.append(f"{style.format(value)} {'met' if ok(value) else '**missed**'}")
            lines.append("| " + " | ".join(cells) + " |")
        return [*lines, ""]

    def sizes_table(self) -> list[str]:
        """The fragments' sizes as the app sent them (the baseline sends the same sizes)."""
        names = [
            ("phone_snapshot", "phone: first screen"),
            ("phone_poll", "phone: poll"),
            ("phone_voted", "phone: own vote"),
            ("phone_results", "phone: results"),
            ("timer", "timer"),
            ("screen_join", "projector: headcount"),
            ("screen_voted", "projector: vote count"),
            ("screen_results", "projector: results"),
            ("phone_ranking", "phone: ranking"),
            ("screen_ranking", "projector: ranking"),
        ]
        rows = []
        for phones in self.sizes:
            for target in self.targets:
                if target == "baseline" or not self.select(target, phones):
                    continue
                cells = [str(phones), target]
                for key, _ in names:
                    cells.append(_cell(self.values(target, phones, _size(key)), False))
                rows.append("| " + " | ".join(cells) + " |")
        if not rows:
            return []
        return [
            "### Fragment sizes",
            "",
            "Characters per frame as the app sent them (medians over phones); the baseline sends "
            "frames of the same sizes in the same places.",
            "",
            "| phones | server | " + " | ".join(title for _, title in names) + " |",
            "|---:|---|" + "---:|" * len(names),
            *rows,
            "",
        ]

    def markdown(self, header: list[str]) -> str:
        lines = [*header, ""]
        if not self.runs:
            return "\n".join([*lines, "No runs finished.", ""])
        generator, warnings = self.generator_check()
        if warnings:
            lines += ["### Warnings", "", *warnings, ""]
        lines += self.targets_table()
        lines += generator
        lines += self.cost_table()
        for scenario, metric, title, about in SCENARIOS:
            lines += self.latency_table(scenario, metric, title, about)
        lines += self.extra_table(
            "Join storm: projector",
            "Seconds from the first phone starting to join until the projector shows them all "
            "(the joins themselves are spread over phones ÷ join rate seconds).",
            [
                ("projector shows all, s", lambda r: _get(r, "join", "projector_s")),
                ("phones in", lambda r: _get(r, "join", "phones_in")),
                ("server CPU %", lambda r: _get(r, "join", "cpu_pct")),
                ("load generator CPU %", lambda r: _get(r, "join", "clients_cpu_pct")),
            ],
        )
        lines += self.join_traffic_table()
        lines += self.extra_table(
            "Votes: throughput and exactness",
            "The burst spreads one vote per phone over the vote window; in the flood every phone "
            "changes its vote as fast as it is answered. Lost and extra compare the revealed "
            "counts with the votes the phones were told were saved.",
            [
                ("burst votes saved", lambda r: _get(r, "vote", "saved")),
                ("flood votes/s", lambda r: _get(r, "flood", "votes_per_s")),
                ("per process", lambda r: _get(r, "flood", "votes_per_s_per_process")),
                ("flood ack p99 ms", lambda r: _get(r, "flood", "to_ack_ms", "p99")),
                ("flood server CPU %", lambda r: _get(r, "flood", "cpu_pct")),
                ("flood generator CPU %", lambda r: _get(r, "flood", "clients_cpu_pct")),
                ("revealed", lambda r: _get(r, "reveal", "votes_shown")),
                ("lost", lambda r: _get(r, "reveal", "lost")),
                ("extra", lambda r: _get(r, "reveal", "extra")),
            ],
        )
        lines += self.extra_table(
            "Steady room: cost per update and memory",
            "Server CPU per timer change, and resident memory per connection: the servers' "
            "growth from the idle room to the end of the steady room, divided by the phones "
            "(real Redis's own growth is shown per phone apart).",
            [
                ("CPU ms per update", lambda r: _get(r, "steady", "cpu_ms_per_update")),
                ("CPU µs per update and phone", _cpu_per_phone),
                ("server CPU %", lambda r: _get(r, "steady", "cpu_pct")),
                ("load generator CPU %", lambda r: _get(r, "steady", "clients_cpu_pct")),
                ("RSS MiB", lambda r: _get(r, "steady", "rss_mib")),
                ("KiB per connection", _kib_per_connection),
                ("Redis KiB per phone", lambda r: _get(r, "steady", "redis_kib_per_phone")),
                ("frames per phone (whole run)", lambda r: _get(r, "traffic", "frames_per_phone")),
                ("KiB per phone (whole run)", lambda r: _get(r, "traffic", "kib_per_phone")),
            ],
        )
        lines += self.sizes_table()
        examples = [
            f"- {r['target']} x {r['phones']}: {name}: {detail['count']} x e.g. {detail['examples'][0]}"
            for r in self.runs
            for name, detail in r.get("errors", {}).items()
            if detail.get("examples")
        ]
        if examples:
            lines += ["### Errors", "", *examples[:40], ""]
        return "\n".join(lines)


class Session(TypedDict):
    """One `python -m bench run`: how it was run, and every target's figures."""

    command: str
    started: str
    version: str
    load_before: str
    load_after: str
    setup: str
    profile: dict[str, Any] | None
    runs: list[Run]


def profile_summary(directory: Path, label: str) -> dict[str, Any]:
    """The top frames of every scenario profiled in `directory`, kept with the figures."""
    scenarios: dict[str, Any] = {}
    for scenario in ("join", "vote", "flood", "steady", "dots", "ranking"):
        paths = sorted(directory.glob(f"{scenario}-*.txt"))
        total, rows = top_frames(paths)
        if total:
            scenarios[scenario] = {"samples": total, "self": rows, "inclusive": hot_paths(paths)[1]}
    return {"label": label, "scenarios": scenarios}


def profile_section(profile: dict[str, Any]) -> list[str]:
    lines = [f"### Profile: {profile['label']}", ""]
    for scenario, found in profile["scenarios"].items():
        lines += [
            f"{scenario}: {found['samples']:,} samples (py-spy, 100 Hz) while the server was on CPU.",
            "",
            "| function (self time) | self % | inclusive % |",
            "|---|---:|---:|",
            *(f"| `{name}` | {own:.1f} | {whole:.1f} |" for name, own, whole in found["self"]),
            "",
            "| function (inclusive, below the server's plumbing) | inclusive % |",
            "|---|---:|",
            *(f"| `{name}` | {whole:.1f} |" for name, whole in found["inclusive"]),
            "",
        ]
    return lines


def runs_table(sessions: list[Session]) -> list[str]:
    lines = [
        "### Runs",
        "",
        "Each target's run, in order, with the machine's load average (1, 5, 15 min) as it began.",
        "",
        "| started | repetition | phones | server | workshop at | load average | minutes | errors |",
        "|---|---:|---:|---|---|---|---:|---:|",
    ]
    for session in sessions:
        for run in session["runs"]:
            load = ", ".join(f"{value:.2f}" for value in run.get("load", []))
            errors = sum(int(e["count"]) for e in run.get("errors", {}).values())
            lines.append(
                f"| {session['started']} | {run.get('repeat', 1)} | {run['phones']} | "
                f"{run['target']} | {run.get('version', session['version'])} | {load} | {float(run.get('duration_s', 0)) / 60:.1f} | {errors} |"
            )
    return [*lines, ""]


def markdown(sessions: list[Session], profiles: list[dict[str, Any]] | None = None) -> str:
    header = ["# Benchmark results", ""]
    for session in sessions:
        header += [
            f"- `{session['command']}`: {session['started']}, workshop at {session['version']}; "
            f"{session['setup']}; load average before {session['load_before']}, "
            f"after {session['load_after']}",
        ]
    header += [
        "- Figures are medians over the repetitions (lowest-highest run in brackets when they differ)",
        *machine(),
    ]
    runs = [run for session in sessions for run in session["runs"]]
    text = Report(runs).markdown(header) + "\n" + "\n".join(runs_table(sessions))
    found = [s["profile"] for s in sessions if s.get("profile")] + list(profiles or [])
    for profile in found:
        if profile:
            text += "\n" + "\n".join(profile_section(profile))
    return text
