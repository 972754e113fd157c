"""The benchmark still works: 50 phones go through every scenario against the baseline server, the
app on its embedded store and two app processes on one real Redis (the scale-out case).

Only the benchmark's own correctness checks are asserted: every phone joined and saw every update
it should have, every vote was answered and counted exactly once (replays included), and nothing
failed. Timings are measured but never asserted; `python -m bench run` is where they are read.
"""

import asyncio
from pathlib import Path

import pytest

from bench.conductor import Measured, Options, run_target

PHONES = 50
FLOOD_SECONDS = 1.0
FLOOD_RATE = 4.0
STEADY_SECONDS = 3
REPLAY_EVERY = 10


def smoke_options(workdir: Path, redis_url: str = "") -> Options:
    return Options(
        phones=PHONES,
        workers=2,
        # No pinning: the machine running the tests may have a single CPU.
        server_cpus="",
        client_cpus="",
        join_rate=200.0,
        vote_window=1.0,
        flood_seconds=FLOOD_SECONDS,
        flood_rate=FLOOD_RATE,
        steady_seconds=STEADY_SECONDS,
        replay_every=REPLAY_EVERY,
        settle=0.2,
        workdir=workdir,
        redis_url=redis_url,
    )


def logs(workdir: Path) -> str:
    return "\n".join(
        f"----- {path.name} -----\n{path.read_text('utf-8', errors='replace')[-3000:]}"
        for path in sorted(workdir.rglob("*.log"))
    )


def check(measured: Measured, workdir: Path) -> None:
    assert not measured.errors, f"{measured.errors}\n{logs(workdir)}"
    found = measured.scenarios
    assert found["join"]["phones_in"] == PHONES
    assert found["join"]["to_screen_ms"]["n"] == PHONES
    assert found["poll"]["to_phone_ms"]["n"] == PHONES
    # The burst: one vote each, every one saved, shown on each phone and counted on the projector
    # exactly once; the replayed frames were answered and changed nothing.
    vote = found["vote"]
    assert vote["saved"] == PHONES
    assert vote["shown"] == PHONES
    assert vote["replays"] == len(range(0, PHONES, REPLAY_EVERY))
    for metric in ("to_ack_ms", "to_phone_ms", "to_projector_ms"):
        assert vote[metric]["n"] == PHONES, metric
    # Every phone changed its vote at least once in the flood, and no change was refused.
    assert found["flood"]["accepted"] >= PHONES
    # The reveal shows each phone's last saved vote, on the projector and on every phone.
    reveal = found["reveal"]
    assert reveal["votes_saved"] == PHONES
    assert reveal["votes_shown"] == PHONES
    assert reveal["lost"] == 0
    assert reveal["extra"] == 0
    assert reveal["to_phone_ms"]["n"] == PHONES
    # Every phone showed every timer change.
    assert found["steady"]["updates"] == STEADY_SECONDS
    assert found["steady"]["to_phone_ms"]["n"] == PHONES * STEADY_SECONDS
    # Best question: every phone dotted one question, and the ranking shows every dot.
    ranking = found["ranking"]
    assert ranking["questions"] >= 2
    assert ranking["dots_saved"] == ranking["dots_shown"] == PHONES
    assert ranking["to_phone_ms"]["n"] == PHONES
    # The sizes the baseline copies were all measured.
    if measured.target != "baseline":
        assert all(size > 0 for size in measured.sizes.values()), measured.sizes
        # Each phone joined as a fresh browser: the form, the page and every file the page
        # links to, each versioned for good (so a second visit asks for none of them).
        http = found["join"]["http"]
        assert http["linked"] >= 5, http
        assert http["requests"] == 2 + http["linked"] == 2 + http["static_requests"], http
        assert http["static_immutable"] == http["linked"], http
        assert 0 < http["static_gzip"] <= http["linked"], http
        assert http["revisit_requests"] == 0, http


@pytest.mark.timeout(60)
@pytest.mark.parametrize("target", ["baseline", "app"])
def test_every_scenario_runs_clean(target: str, tmp_path: Path) -> None:
    measured = asyncio.run(run_target(target, smoke_options(tmp_path)))
    check(measured, tmp_path)


@pytest.mark.redis
@pytest.mark.timeout(60)
def test_every_scenario_runs_clean_on_two_processes_and_redis(
    clean_redis_url: str, tmp_path: Path
) -> None:
    measured = asyncio.run(run_target("app-2x", smoke_options(tmp_path, clean_redis_url)))
    check(measured, tmp_path)
