"""The servers under test, each in a process of its own pinned to the server CPUs, and what they
cost: CPU time and resident memory, read from /proc through psutil."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import psutil

from bench.phones import Endpoint

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0

TARGETS = ("baseline", "app", "app-redis", "app-2x", "app-3x")
"""baseline: bench/baseline.py. app: `workshop serve` on its embedded store. app-redis: the same on a
real redis-server. app-2x, app-3x: two or three `workshop serve` processes sharing one real
redis-server (the phones spread over them, one room)."""
PROCESSES = {"app-2x": 2, "app-3x": 3}
"""The targets that run more than one server process, and how many."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(command: list[str], cpus: str) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus and shutil.which("taskset") else command


@dataclass
class Process:
    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text("utf-8", errors="replace").splitlines()
        return "\n".join([f"----- {self.name} ({self.log_path}) -----", *text[-lines:]])


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process so far, to the nanosecond where the scheduler's own
    account (/proc/PID/task/TID/schedstat) is there: user and system time in /proc/PID/stat
    advance in steps of 10 ms, as large as a whole fan-out to a few hundred phones."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    return total / 1e9


@dataclass(frozen=True)
class Usage:
    """CPU seconds (user + system) and resident bytes of every server process at one moment."""

    at: float
    cpu: float
    rss: int
    redis_rss: int
    redis_cpu: float = 0.0
    """Redis's share of `cpu` (0 without Redis)."""


@dataclass
class Servers:
    """One target: the processes it runs, where phones reach it and how to measure it."""

    target: str
    cpus: str
    workdir: Path
    redis_url: str = ""
    """Use this Redis rather than starting a redis-server of our own."""
    processes: list[Process] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    redis: Process | None = None

    @property
    def is_app(self) -> bool:
        return self.target != "baseline"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
        env["PYTHONUNBUFFERED"] = "1"
        # The embedded store starts empty, and writes its file here, not in the user's data folder.
        env["WORKSHOP_DATA_DIR"] = str(
            Path(tempfile.mkdtemp(prefix="store-", dir=self.workdir)).resolve()
        )
        redis_url = ""
        if self.target == "app-redis" or self.target in PROCESSES:
            redis_url = self.redis_url or self._start_redis(env)
        count = PROCESSES.get(self.target, 1)
        for number in range(count):
            port = free_port()
            name = f"{self.target}-{number}"
            if self.target == "baseline":
                command = [sys.executable, "-m", "bench", "baseline", "--port", str(port)]
            else:
                command = [sys.executable, "-m", "workshop", "serve", "--host", "127.0.0.1"]
                command += ["--port", str(port)]
                if redis_url:
                    command += ["--redis-url", redis_url]
            process = Process(name, pinned(command, self.cpus), self.workdir / f"{name}.log", env)
            process.start()
            self.processes.append(process)
            self.endpoints.append(Endpoint(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"))
        deadline = time.monotonic() + STARTUP_SECONDS
        for process, endpoint in zip(self.processes, self.endpoints, strict=True):
            self._wait_ready(process, endpoint, deadline)

    def _start_redis(self, env: dict[str, str]) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed (Debian: apt-get install redis-server)"
            )
        port = free_port()
        directory = Path(tempfile.mkdtemp(prefix="redis-", dir=self.workdir))
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
        command += ["--save", "", "--appendonly", "no"]
        self.redis = Process("redis", pinned(command, self.cpus), self.workdir / "redis.log", env)
        self.redis.start()
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return url
            except OSError:
                pass
            if time.monotonic() > deadline or not self.redis.alive():
                raise RuntimeError(f"redis-server did not start\n{self.redis.tail()}")
            time.sleep(0.05)

    def _wait_ready(self, process: Process, endpoint: Endpoint, deadline: float) -> None:
        last = "no answer"
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited during startup\n{process.tail()}")
                try:
                    response = client.get(f"{endpoint.http}/healthz")
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:200]}"
                except httpx.TransportError as error:
                    last = repr(error)
                time.sleep(0.05)
        raise RuntimeError(f"{process.name} not ready ({last})\n{process.tail()}")

    def usage(self) -> Usage:
        cpu = 0.0
        rss = 0
        for process in self.processes:
            cpu += cpu_seconds(process.pid)
            rss += psutil.Process(process.pid).memory_info().rss
        redis_rss = 0
        redis_cpu = 0.0
        if self.redis is not None:
            redis_cpu = cpu_seconds(self.redis.pid)
            cpu += redis_cpu
            redis_rss = psutil.Process(self.redis.pid).memory_info().rss
        return Usage(time.monotonic(), cpu, rss, redis_rss, redis_cpu)

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def check_alive(self) -> None:
        for process in [*self.processes, *([self.redis] if self.redis else [])]:
            if not process.alive():
                raise RuntimeError(f"{process.name} died\n{process.tail()}")

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        if self.redis is not None:
            self.redis.stop()
