"""The report's floors table: each floor read at the room size it is set for, against the baseline
of the same run where it is a ratio, and marked met or missed."""

from typing import Any

from bench.report import Report, Run


def run(target: str, phones: int, **figures: float) -> Run:
    """A finished run with the figures the floors read (`figures` overrides them)."""
    values = {
        "phones_in": phones,
        "projector_p99": 120.0,
        "fan_out_p99": 40.0,
        "cpu_ms_per_update": 0.02 * phones,
        "votes_per_s": 9000.0,
        "cpu_us_per_vote": 110.0,
        "kib_per_connection": 40.0,
        "lost": 0,
        **figures,
    }
    scenarios: dict[str, Any] = {
        "join": {"phones_in": values["phones_in"]},
        "vote": {"to_projector_ms": {"p99": values["projector_p99"]}},
        "steady": {
            "to_phone_ms": {"p99": values["fan_out_p99"]},
            "cpu_ms_per_update": values["cpu_ms_per_update"],
            "kib_per_connection": values["kib_per_connection"],
            "connections": values["phones_in"],
        },
        "flood": {
            "votes_per_s_per_process": values["votes_per_s"],
            "cpu_us_per_vote": values["cpu_us_per_vote"],
        },
        "reveal": {"lost": values["lost"], "extra": 0},
    }
    return {"target": target, "phones": phones, "scenarios": scenarios, "errors": {}}


def floors(runs: list[Run]) -> dict[tuple[str, str], str]:
    """The table's rows: (floor, phones) -> the app-redis cell."""
    lines = Report(runs).targets_table()
    rows = [line.strip("|").split(" | ") for line in lines if line.startswith("| ")][1:]
    return {(cells[0].strip(), cells[1].strip()): cells[3].strip() for cells in rows}


def test_each_floor_is_read_at_its_room_size_against_the_same_runs_baseline() -> None:
    runs = [
        run("baseline", 500, fan_out_p99=30.0, cpu_ms_per_update=5.0, votes_per_s=14000.0),
        run("baseline", 2000, fan_out_p99=30.0, cpu_ms_per_update=24.0, votes_per_s=13000.0),
        run("baseline", 5000, fan_out_p99=50.0, cpu_ms_per_update=60.0, votes_per_s=12000.0),
        run("app-redis", 500, cpu_us_per_vote=100.0),
        run("app-redis", 2000, votes_per_s=7900.0),
        run(
            "app-redis",
            5000,
            fan_out_p99=70.0,
            cpu_ms_per_update=100.0,
            votes_per_s=5000.0,
            cpu_us_per_vote=125.0,
        ),
    ]
    table = floors(runs)
    assert table[("phones in after the join storm", "5,000")] == "5,000 met"
    assert table[("vote → projector p99, every phone voting", "5,000")] == "120 ms met"
    assert table[("fan-out p99 (steady room) vs baseline", "5,000")] == "x1.4 met"
    assert table[("fan-out CPU per update and phone vs baseline", "5,000")] == "x1.7 **missed**"
    assert table[("votes accepted per second per process", "5,000")] == "5,000 met"
    assert table[("votes accepted per second per process", "2,000")] == "7,900 **missed**"
    assert table[("flood CPU per vote vs the smallest room's", "5,000 ÷ 500")] == "x1.25 met"
    assert table[("resident memory per connection", "5,000")] == "40 KiB met"
    assert table[("votes lost or counted twice (worst run)", "all")] == "0 met"


def test_a_lost_vote_in_any_room_size_misses_and_a_2000_phone_run_reads_its_own_floor() -> None:
    runs = [
        run("baseline", 2000),
        run("app-redis", 2000, votes_per_s=8100.0),
        run("app-redis", 2000, votes_per_s=8300.0, lost=1),
        run("app-redis", 2000, votes_per_s=7000.0),
    ]
    table = floors(runs)
    assert table[("votes accepted per second per process", "2,000")] == "8,100 met"
    assert table[("votes lost or counted twice (worst run)", "all")] == "1 **missed**"
    # One size only: no growth to compare, and no big-room floor.
    assert not any(name.startswith("flood CPU per vote") for name, _ in table)
    assert list(table).count(("votes accepted per second per process", "2,000")) == 1
