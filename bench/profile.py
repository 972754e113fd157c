"""Sampling profiles of the server processes while a scenario runs (py-spy, without pausing them),
and the frames where the samples land."""

import collections
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bench.servers import pinned

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


class Profiler:
    def __init__(self, pids: list[int], directory: Path, cpus: str, rate: int = 100) -> None:
        self.pids = pids
        self.directory = directory
        self.cpus = cpus
        self.rate = rate
        self.running: list[subprocess.Popen[bytes]] = []
        # Profiles of an earlier run in the same place must not mix with this one's.
        shutil.rmtree(directory, ignore_errors=True)

    @staticmethod
    def binary() -> str | None:
        """py-spy on the PATH, or installed beside this Python (a virtual environment's bin/)."""
        beside = Path(sys.executable).parent / "py-spy"
        return shutil.which("py-spy") or (str(beside) if beside.exists() else None)

    def start(self, scenario: str) -> None:
        self.stop()
        binary = self.binary()
        assert binary is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        for pid in self.pids:
            output = self.directory / f"{scenario}-{pid}.txt"
            command = [binary, "record", "--pid", str(pid), "--rate", str(self.rate)]
            command += ["--nonblocking", "--format", "raw", "--output", str(output)]
            self.running.append(
                subprocess.Popen(
                    pinned(command, self.cpus),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running = []


def read_samples(paths: list[Path]) -> collections.Counter[tuple[str, ...]]:
    """Stacks (outermost frame first) and how many samples landed on each."""
    stacks: collections.Counter[tuple[str, ...]] = collections.Counter()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text("utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks[tuple(_function(f) for f in stack.split(";"))] += int(count)
    return stacks


def _function(frame: str) -> str:
    """`render (workshop/render.py:123)` -> `workshop/render.py:render`; line numbers dropped so
    one function's samples add up."""
    found = FRAME.match(frame.strip())
    if found is None:
        return frame.strip()
    return f"{found.group('file')}:{found.group('function')}"


def top_frames(paths: list[Path], count: int = 12) -> tuple[int, list[tuple[str, float, float]]]:
    """Total samples, and the functions where most samples landed (self time), with their self
    and inclusive shares in percent."""
    stacks = read_samples(paths)
    total = sum(stacks.values())
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for stack, samples in stacks.items():
        for function in set(stack):
            inclusive[function] += samples
        if stack:
            own[stack[-1]] += samples
    if not total:
        return 0, []
    return total, [
        (f, 100 * own[f] / total, 100 * inclusive[f] / total) for f, _ in own.most_common(count)
    ]


PLUMBING = (
    "<frozen runpy>",
    "workshop/__main__.py",
    "workshop/cli.py",
    "uvicorn/",
    "asyncio/",
    "starlette/middleware/",
    "starlette/_exception_handler.py",
    "starlette/routing.py",
    "starlette/applications.py",
    "workshop/app.py:SecurityHeaders",
)
"""Frames every sample passes through on its way to the work: the event loop, the server and the
framework's routing."""


def hot_paths(paths: list[Path], count: int = 12) -> tuple[int, list[tuple[str, float]]]:
    """Inclusive shares of the functions below the server's plumbing, biggest first: where a
    scenario's time goes."""
    stacks = read_samples(paths)
    total = sum(stacks.values())
    inclusive: collections.Counter[str] = collections.Counter()
    for stack, samples in stacks.items():
        for function in set(stack):
            if not any(part in function for part in PLUMBING):
                inclusive[function] += samples
    if not total:
        return 0, []
    return total, [(f, 100 * n / total) for f, n in inclusive.most_common(count)]
