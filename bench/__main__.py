"""`python -m bench run` (the benchmark), `python -m bench baseline` (the baseline server) and
`python -m bench worker` (one load-generator process; started by `run`)."""

import argparse
import asyncio
import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from bench import baseline, phones
from bench.conductor import Options, run_target
from bench.report import Session, markdown, profile_summary
from bench.servers import TARGETS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _targets(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = set(chosen) - set(TARGETS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown target(s) {sorted(unknown)}; known: {TARGETS}")
    return chosen


def _uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _cpu_set(text: str) -> set[int]:
    """`0`, `0,1` or `2-3` as a set of CPU numbers."""
    cpus: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def _version() -> str:
    """The commit measured, and whether the app's code differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "workshop"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit} with uncommitted changes in workshop/" if changed else commit


def run(args: argparse.Namespace) -> int:
    cpus = sorted(os.sched_getaffinity(0))
    for option in (args.server_cpus, args.client_cpus):
        if not _cpu_set(option) <= set(cpus):
            print(f"CPUs {option} are not all available here (this machine: {cpus}).")
            return 2
    if args.client_cpus:
        os.sched_setaffinity(0, _cpu_set(args.client_cpus))
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    raw_path = output.with_suffix(".json")
    workdir = output.parent / "work"
    largest = max(args.phones)
    session: Session = {
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": _version(),
        "load_before": _uptime(),
        "load_after": "",
        "setup": (
            f"server CPUs {args.server_cpus or 'any'}, load-generator CPUs "
            f"{args.client_cpus or 'any'} (of {len(cpus)}), {args.workers} load-generator "
            f"processes, {args.repeat} repetition(s)"
        ),
        "profile": None,
        "runs": [],
    }
    # The apps go first in each round, so the baseline can send fragments of the sizes they sent.
    order = sorted(args.targets, key=lambda t: (t == "baseline", TARGETS.index(t)))
    for repeat in range(args.repeat):
        for count in args.phones:
            sizes: dict[str, int] | None = None
            for target in order:
                profile = (
                    args.profile
                    and count == largest
                    and repeat == 0
                    and target == args.profile_target
                )
                options = Options(
                    phones=count,
                    workers=args.workers,
                    server_cpus=args.server_cpus,
                    client_cpus=args.client_cpus,
                    join_rate=args.join_rate,
                    join_seconds=args.join_seconds,
                    vote_window=args.vote_window,
                    flood_seconds=args.flood_seconds,
                    flood_rate=args.flood_rate,
                    steady_seconds=args.steady_seconds,
                    replay_every=args.replay_every,
                    seed=args.seed + repeat,
                    workdir=workdir,
                    profile=profile,
                    sizes=sizes,
                )
                began = time.monotonic()
                # Each target starts the app afresh from the working tree: note what it ran.
                version = _version()
                print(f"[{repeat + 1}/{args.repeat}] {target} x {count} phones ...", flush=True)
                try:
                    measured = asyncio.run(run_target(target, options))
                except asyncio.CancelledError:
                    print("Interrupted; the figures so far are kept.", file=sys.stderr)
                    return 130
                if target != "baseline" and sizes is None and measured.sizes:
                    sizes = dict(measured.sizes)
                if profile:
                    session["profile"] = profile_summary(
                        workdir / f"{target}-{count}" / "profiles", f"{target} at {count:,} phones"
                    )
                record = measured.as_json()
                record["repeat"] = repeat + 1
                record["version"] = version
                record["duration_s"] = time.monotonic() - began
                session["runs"].append(record)
                errors = sum(len(v) for v in measured.errors.values())
                print(
                    f"    done in {record['duration_s']:.0f} s, {errors} error(s); "
                    f"load {_uptime()}",
                    flush=True,
                )
                session["load_after"] = _uptime()
                raw_path.write_text(json.dumps(session, indent=1), encoding="utf-8")
                output.write_text(markdown([session]), encoding="utf-8")
    print(output.read_text(encoding="utf-8"))
    print(f"Written to {output} and {raw_path}.")
    return 0


def report(args: argparse.Namespace) -> int:
    sessions = [json.loads(Path(path).read_text(encoding="utf-8")) for path in args.raw]
    profiled = [json.loads(Path(path).read_text(encoding="utf-8")) for path in args.profiles]
    text = markdown(sessions, [p["profile"] for p in profiled if p.get("profile")])
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"Written to {args.output}.")
    return 0


def serve_baseline(args: argparse.Namespace) -> int:
    baseline.main(["--host", args.host, "--port", str(args.port)])
    return 0


def serve_phones(args: argparse.Namespace) -> int:
    phones.main()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser("run", help="run the benchmark and print its tables")
    bench.add_argument(
        "--phones",
        type=_sizes,
        default=[100, 500, 1000, 2000],
        help="room sizes, comma-separated (default 100,500,1000,2000)",
    )
    bench.add_argument(
        "--targets",
        type=_targets,
        default=list(TARGETS),
        help=f"servers to measure, comma-separated (default {','.join(TARGETS)})",
    )
    bench.add_argument("--repeat", type=int, default=1, help="repetitions (default 1)")
    bench.add_argument(
        "--workers", type=int, default=4, help="load-generator processes (default 4)"
    )
    bench.add_argument("--server-cpus", default="0", help="CPUs for the servers (default 0)")
    bench.add_argument("--client-cpus", default="1", help="CPUs for the load generator (default 1)")
    bench.add_argument(
        "--join-rate",
        type=float,
        default=100.0,
        help="phones starting to join per second (default 100: 2,000 in 20 s)",
    )
    bench.add_argument(
        "--join-seconds",
        type=float,
        default=None,
        help="every phone starts to join within this many seconds, whatever the room's size "
        "(e.g. 20: 5,000 phones at 250 a second); overrides --join-rate",
    )
    bench.add_argument(
        "--vote-window",
        type=float,
        default=5.0,
        help="seconds over which every phone votes once (default 5)",
    )
    bench.add_argument(
        "--flood-seconds",
        type=float,
        default=10.0,
        help="length of the vote flood (default 10; 0 skips it)",
    )
    bench.add_argument(
        "--flood-rate",
        type=float,
        default=10.0,
        help="vote changes a second each phone sends at most in the flood (default 10)",
    )
    bench.add_argument(
        "--steady-seconds",
        type=int,
        default=60,
        help="length of the steady room, one update a second (default 60)",
    )
    bench.add_argument(
        "--replay-every",
        type=int,
        default=10,
        help="every n-th phone replays its vote's frame (default 10)",
    )
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument(
        "--profile",
        action="store_true",
        help="profile the app with py-spy at the largest room size",
    )
    bench.add_argument(
        "--profile-target", default="app", choices=[t for t in TARGETS if t != "baseline"]
    )
    bench.add_argument(
        "--output",
        type=Path,
        default=RESULTS / "latest.md",
        help="Markdown tables (default bench/results/latest.md; raw figures beside it as .json)",
    )
    bench.set_defaults(handler=run)
    tables = commands.add_parser("report", help="tables from the raw figures of earlier runs")
    tables.add_argument("raw", nargs="+", help="the .json files `run` wrote beside its tables")
    tables.add_argument("--output", type=Path, help="write the tables here, not to the screen")
    tables.add_argument(
        "--profiles",
        nargs="*",
        default=[],
        help="raw figures of profiling runs whose profiles to add (their figures are left out)",
    )
    tables.set_defaults(handler=report)
    base = commands.add_parser("baseline", help="run the baseline server")
    base.add_argument("--host", default="127.0.0.1")
    base.add_argument("--port", type=int, default=8100)
    base.set_defaults(handler=serve_baseline)
    worker = commands.add_parser("worker", help="one load-generator process (started by run)")
    worker.set_defaults(handler=serve_phones)
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
