"""Shared fixtures: a real redis-server per test session, a data folder of its own for each test's
embedded store, and a rule for missing dependencies.

Under CI=true a test that needs Redis or a browser fails when the dependency is missing; elsewhere
it is skipped with a message that says what to install.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str, how: str) -> None:
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def no_embedded_store_file() -> Iterator[None]:
    """Outside a test's own folder (below), the embedded store keeps nothing on disk: an app made
    by a fixture wider than one test never writes into the user's data folder, nor restores the
    rooms of another module's app."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKSHOP_DATA_DIR", "")
        yield


@pytest.fixture(autouse=True)
def embedded_store_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The apps a test makes keep the embedded store's file in a folder of the test's own, so
    apps of different tests never share a file or each other's rooms. (App processes get no
    WORKSHOP_* variable from the tests' environment: they are given a folder explicitly.)"""
    folder = tmp_path_factory.mktemp("embedded-store")
    monkeypatch.setenv("WORKSHOP_DATA_DIR", str(folder))
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_redis(url: str, timeout: float = 10.0) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        client.close()


class RedisServer:
    """A redis-server of our own in a temporary folder, on a free port."""

    def __init__(self, directory: Path, *extra: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_redis(self.url)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Redis: WORKSHOP_TEST_REDIS_URL, or a redis-server started for this session."""
    given = os.environ.get("WORKSHOP_TEST_REDIS_URL")
    if given:
        wait_for_redis(given)
        yield given
        return
    if shutil.which("redis-server") is None:
        missing("redis-server", "install it (Debian: apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def clean_redis_url(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url
