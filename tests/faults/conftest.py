"""Fixtures for fault tests: redis-servers and app processes that a test kills, stops and restarts.

Every process here is started by the test that uses it and stopped when the test ends, whatever
happened. Each app process keeps its output in a file of its own (a restarted process gets a new
file), and every file is printed under a failing test.
"""

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RedisServer, free_port, missing
from tests.integration.live_clients import AppProcess

STARTUP_SECONDS = 60.0
AOF_EVERYSEC = ("--appendonly", "yes", "--appendfsync", "everysec")
"""Redis as production should run it: an append-only file, fsynced once a second."""


class Redis(RedisServer):
    """A redis-server that a test may kill, freeze, and bring back on the same port and data."""

    @property
    def pid(self) -> int:
        assert self.process is not None, "redis-server is not running"
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last fsync; what a crash or an OOM kill does."""
        assert self.process is not None, "redis-server is not running"
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, but nothing answers; what a hung server
        or a network partition looks like from the app."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def restart(self) -> None:
        """Starts again on the same port and folder, so it reloads what it had persisted."""
        assert self.process is None, "redis-server is still running"
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # A frozen server cannot act on SIGTERM.
            os.kill(self.process.pid, signal.SIGCONT)
        super().stop()


class Apps:
    """Starts `workshop serve` processes and can kill or restart them; stops them all at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: list[AppProcess] = []
        self.log_files: list[tuple[str, Path]] = []
        self._ports: set[int] = set()

    def _log_path(self, name: str) -> Path:
        path = self.directory / f"app-{name}-{len(self.log_files)}.log"
        self.log_files.append((name, path))
        return path

    def start(self, redis_url: str, *names: str, data_dir: Path | None = None) -> list[AppProcess]:
        """Starts one process per name on `redis_url` (empty: on the embedded store, kept in
        `data_dir`); returns them once all are healthy."""
        apps = []
        for name in names:
            app = AppProcess(name, redis_url, self._log_path(name), data_dir)
            while app.port in self._ports:
                app.port = free_port()
            self._ports.add(app.port)
            app.start()
            self.running.append(app)
            apps.append(app)
        self.wait_ready(*apps)
        return apps

    def wait_ready(self, *apps: AppProcess) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        with self.logs_on_failure():
            for app in apps:
                app.wait_ready(deadline)

    def kill(self, app: AppProcess) -> None:
        """SIGKILL: the process gets no chance to close a socket or finish a write."""
        assert app.process is not None, f"app {app.name} is not running"
        app.process.kill()
        app.process.wait(timeout=10)
        app.stop()

    def stop(self, app: AppProcess) -> None:
        """SIGTERM: a clean shutdown, as a deployment restart does."""
        app.stop()

    def restart(self, app: AppProcess) -> None:
        """Starts a stopped process again on its own port, with a fresh log file."""
        assert app.process is None, f"app {app.name} is still running"
        app.log_path = self._log_path(app.name)
        app.start()

    def stop_all(self) -> None:
        for app in self.running:
            app.stop()

    def output(self) -> str:
        parts = []
        for name, path in self.log_files:
            body = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            parts.append(f"----- app {name} ({path.name}) -----\n{body}")
        return "\n".join(parts)

    def log_lines(self) -> list[str]:
        """Every line logged so far, by every process, in the order of the files."""
        lines = []
        for name, path in self.log_files:
            if path.exists():
                body = path.read_text(encoding="utf-8", errors="replace")
                lines.extend(f"{name}: {line}" for line in body.splitlines())
        return lines

    def problems(self) -> list[str]:
        """Log lines that show a crash or an unhandled error, from every process so far."""
        found = []
        for name, path in self.log_files:
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(("Traceback", "ERROR", "CRITICAL")):
                    found.append(f"{name}: {line}")
        return found

    @contextlib.contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        """Prints every process's output (shown by pytest under the failure) if the body fails."""
        try:
            yield
        except BaseException:
            print(self.output())
            raise


StartRedis = Callable[..., Redis]


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[StartRedis]:
    """`start_redis(*args)` starts a redis-server with extra arguments; all are stopped at the end."""
    if shutil.which("redis-server") is None:
        missing("redis-server", "install it (Debian: apt-get install redis-server)")
    servers: list[Redis] = []

    def start(*extra: str) -> Redis:
        directory = tmp_path / f"redis-{len(servers)}"
        directory.mkdir()
        server = Redis(directory, *extra)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[Apps]:
    started = Apps(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def get(app: AppProcess, path: str, cookie: str = "") -> httpx.Response:
    """One plain HTTP GET, as a browser loading the page would make it."""
    with httpx.Client(base_url=app.url, trust_env=False, timeout=10.0) as client:
        return client.get(path, headers={"Cookie": cookie} if cookie else {})
