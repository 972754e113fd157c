"""Fixtures for end-to-end browser tests: the app served in-process, and Chromium through Playwright.

The app runs under uvicorn in a background thread on a socket bound to 127.0.0.1:0, with the
embedded store (no WORKSHOP_REDIS_URL). Chromium is Debian's (`chromium` on PATH); Playwright's own
browser downloads are not used.
"""

import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import missing
from workshop.app import SERVER_OPTIONS, create_app
from workshop.settings import Settings

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "exercises"

# The sizes the screens are checked at: a facilitator's laptop, a 1080p projector, and two phones
# (phones alternate between them, so every exercise runs on both).
CONSOLE = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}
PHONES = ({"width": 390, "height": 844}, {"width": 360, "height": 740})
PHONE_COUNT = 3
ACTION_TIMEOUT_MS = 10_000
STARTUP_SECONDS = 15.0
SHUTDOWN_SECONDS = 20.0


class ProblemLog(logging.Handler):
    """Collects warnings and errors logged by the server while it runs in this process."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken = [f"{r.name}: {r.getMessage()}" for r in self.records]
        self.records.clear()
        return taken


@dataclass
class LiveServer:
    url: str
    problems: ProblemLog = field(default_factory=ProblemLog)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The workshop app, served by uvicorn from a background thread until the module ends, its
    embedded store kept in a folder of its own."""
    data_dir = tmp_path_factory.mktemp("embedded-store")
    config = uvicorn.Config(
        create_app(Settings(exercises_dir=EXERCISES, host="127.0.0.1", data_dir=data_dir)),
        lifespan="on",
        log_level="warning",
        **SERVER_OPTIONS,
    )
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    live = LiveServer(f"http://{host}:{port}")
    # uvicorn's loggers do not propagate to the root logger; the app's own loggers do.
    watched = [logging.getLogger("uvicorn"), logging.getLogger("workshop")]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
    )
    try:
        thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the app server stopped while starting; see the captured log")
            if time.monotonic() > deadline:
                pytest.fail(f"the app server did not start within {STARTUP_SECONDS} s")
            time.sleep(0.02)
        # Watch from here on: what startup logs about the store is expected.
        for logger in watched:
            logger.addHandler(live.problems)
        yield live
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_SECONDS)
        for logger in watched:
            logger.removeHandler(live.problems)
        sock.close()
    assert not thread.is_alive(), f"the app server did not stop within {SHUTDOWN_SECONDS} s"
    leftover = live.problems.take()
    assert not leftover, f"the app server logged problems while stopping: {leftover}"


@pytest.fixture
def base_url(live_server: LiveServer) -> Iterator[str]:
    """The server's URL for one test; the test fails if the server logged a warning or error."""
    live_server.problems.take()
    yield live_server.url
    problems = live_server.problems.take()
    assert not problems, f"the app server logged problems during the test: {problems}"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    executable = shutil.which("chromium")
    if executable is None:
        missing("Chromium", "install it (Debian: apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable is not None
    browser = playwright.chromium.launch(executable_path=executable, headless=True)
    try:
        yield browser
    finally:
        browser.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[NewPage]:
    """Opens a page in a browser context of its own (own cookies), closed when the test ends."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    # Close every context before the server stops, so no websocket holds its shutdown up.
    for context in contexts:
        context.close()


@pytest.fixture
def facilitator(new_page: NewPage) -> Page:
    return new_page(viewport=CONSOLE)


@pytest.fixture
def projector(new_page: NewPage) -> Page:
    return new_page(viewport=PROJECTOR)


NewPhone = Callable[[], Page]


@pytest.fixture
def make_phone(new_page: NewPage) -> NewPhone:
    """Opens one more phone (its own context, touch) each time it is called; the phones take the
    two checked sizes in turn."""
    opened = 0

    def open_phone() -> Page:
        nonlocal opened
        viewport = PHONES[opened % len(PHONES)]
        opened += 1
        return new_page(viewport=viewport, is_mobile=True, has_touch=True)

    return open_phone


@pytest.fixture
def phones(make_phone: NewPhone) -> list[Page]:
    return [make_phone() for _ in range(PHONE_COUNT)]
