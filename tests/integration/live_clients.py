"""Live app processes and the HTML helpers that integration tests share.

`AppProcess` runs `python -m workshop serve` on a free port against a real Redis (or on its embedded
store, kept in a given folder), its output kept in a file; `create_room` and `join` hand out the cookies the screens need; `region` and `text` read the
HTML fragments the server pushes over the websockets.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


# App processes -----------------------------------------------------------------------------------


class AppProcess:
    """One `python -m workshop serve` on its own port, its output kept in a file. With no
    `redis_url`, it runs on its embedded store, whose file is kept in `data_dir`."""

    def __init__(
        self, name: str, redis_url: str, log_path: Path, data_dir: Path | None = None
    ) -> None:
        assert redis_url or data_dir, "an embedded store needs a data folder of its own"
        self.name = name
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def ws_url(self, code: str, audience: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{code}/{audience}"

    def start(self) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("WORKSHOP_")}
        env["PYTHONUNBUFFERED"] = "1"
        if self.data_dir is not None:
            env["WORKSHOP_DATA_DIR"] = str(self.data_dir)
        store = ["--redis-url", self.redis_url] if self.redis_url else []
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workshop",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                # Every request logged, as an operator may ask: the logs are checked for secrets.
                "--access-log",
                *store,
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, deadline: float) -> None:
        """Polls /healthz until it reports a healthy store of the kind asked for."""
        assert self.process is not None
        last = "no answer yet"
        with httpx.Client(base_url=self.url, trust_env=False, timeout=1.0) as client:
            while True:
                if self.process.poll() is not None:
                    pytest.fail(
                        f"app {self.name} exited with {self.process.returncode} during startup\n"
                        f"{self.output()}",
                        pytrace=False,
                    )
                try:
                    response = client.get("/healthz")
                except httpx.TransportError as error:
                    last = repr(error)
                else:
                    last = f"{response.status_code} {response.text}"
                    if response.status_code == 200 and response.json() == {
                        "status": "ok",
                        "store": "redis" if self.redis_url else "embedded",
                    }:
                        return
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"app {self.name} not healthy in time (last: {last})\n{self.output()}",
                        pytrace=False,
                    )
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        if self._log is not None:
            self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return f"----- app {self.name} ({self.url}) output -----\n{text}"


# HTTP: the pages that hand out cookies -----------------------------------------------------------


def create_room(app: AppProcess) -> tuple[str, str]:
    """A new room's code and the facilitator cookie's value."""
    with httpx.Client(base_url=app.url, trust_env=False, timeout=5.0) as client:
        response = client.post("/rooms")
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/host/([A-Z0-9]+)", response.headers["location"])
    assert match is not None, response.headers["location"]
    code = match.group(1)
    secret = response.cookies.get(f"workshop_host_{code}")
    assert secret, response.headers.get_list("set-cookie")
    return code, secret


def join(app: AppProcess, code: str, name: str) -> str:
    """Joins the room as `name`; returns the participant cookie's value."""
    with httpx.Client(base_url=app.url, trust_env=False, timeout=5.0) as client:
        response = client.post("/join", data={"code": code, "name": name})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/r/{code}"
    cookie = response.cookies.get(f"workshop_p_{code}")
    assert cookie, response.headers.get_list("set-cookie")
    return cookie


# HTML fragments ----------------------------------------------------------------------------------


def region(html: str, region_id: str) -> str | None:
    """The element with id `region_id` in a fragment, with everything inside it."""
    start = re.search(rf'<([a-z][a-z0-9]*)\b[^>]*\bid="{re.escape(region_id)}"', html)
    if start is None:
        return None
    tag = start.group(1)
    depth = 0
    for token in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start.start() :]):
        depth += -1 if token.group(1) else 1
        if depth == 0:
            return html[start.start() : start.start() + token.end()]
    return html[start.start() :]


def text(html: str) -> str:
    """Visible text with tags dropped and whitespace collapsed, for tag-tolerant matching."""
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def region_ids(html: str) -> list[str]:
    return re.findall(r'<[a-z][a-z0-9]*\b[^>]*\bid="([^"]+)"', html)
