"""Live screens for the fault tests.

`Screen` is the websocket client of tests/integration/test_concurrent_votes.py (a task of its own
reads every frame; the n-th frame sent is answered by the n-th notice) with what a fault test needs
on top: it keeps every region its audience is sent, says when and how its connection ended instead
of failing, and `Screens.reopen` reconnects the way the browser does.
"""

import asyncio
import contextlib
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake
from websockets.typing import Origin

from tests.integration.live_clients import AppProcess, region, text
from tests.integration.test_concurrent_votes import REGION_IDS, LiveClient, Notice
from workshop.render import REGIONS

WAIT_SECONDS = 30.0
RECONNECT_CAP_SECONDS = 5.0
PAGES = {"host": "host", "screen": "screen", "phone": "r"}
RECONNECT_CODES = (1006, 1011, 1012, 1013)
"""The close codes after which the htmx ws extension reconnects; after any other it stays closed."""


def reconnect_delay(retry: int) -> float:
    """What static/app.js sets as `htmx.config.wsReconnectDelay`: full jitter, 0.5 s doubling per
    attempt, capped at 5 s."""
    return random.random() * min(RECONNECT_CAP_SECONDS, 0.5 * 2.0**retry)


class Screen(LiveClient):
    """One websocket screen of one audience (host, screen or phone) on one app process."""

    def __init__(
        self, name: str, ws: ClientConnection, app: AppProcess, code: str, audience: str
    ) -> None:
        self.app = app
        self.audience = audience
        self.extra_regions = [r for r in (*REGIONS[audience], "link-status") if r not in REGION_IDS]
        super().__init__(name, ws, f"{app.url}/{PAGES[audience]}/{code}")

    def _take(self, frame: str | bytes) -> None:
        super()._take(frame)
        if isinstance(frame, str):
            for region_id in self.extra_regions:
                found = region(frame, region_id)
                if found is not None:
                    self.regions[region_id] = found

    async def _wait(self, what: str, check: Callable[[], Any], within: float) -> Any:
        """Waits until `check` returns something other than None; `within` seconds at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within), self._changed:
                while True:
                    found = check()
                    if found is not None:
                        return found
                    await self._changed.wait()
        raise AssertionError(f"{self.name}: never saw {what} within {within} s\n{self.history()}")

    async def answer(self, index: int, within: float = WAIT_SECONDS) -> Notice | None:
        """The notice answering the `index`-th frame sent on this connection, or None when the
        connection ended before it came."""

        def check() -> tuple[Notice | None] | None:
            if len(self.notices) > index:
                return (self.notices[index],)
            return (None,) if self.ended is not None else None

        found: tuple[Notice | None] = await self._wait(f"an answer to frame {index}", check, within)
        return found[0]

    async def notice(
        self, pattern: str, since: int = 0, within: float = WAIT_SECONDS
    ) -> tuple[int, Notice]:
        """The first notice from the `since`-th on whose message matches `pattern`, and its place."""
        compiled = re.compile(pattern)

        def check() -> tuple[int, Notice] | None:
            for index in range(since, len(self.notices)):
                if compiled.search(self.notices[index].message):
                    return index, self.notices[index]
            return None

        found: tuple[int, Notice] = await self._wait(
            f"a notice matching {pattern!r}", check, within
        )
        return found

    async def region_matching(
        self, region_id: str, pattern: str, within: float = WAIT_SECONDS, *, visible: bool = False
    ) -> str:
        """The region's latest HTML once it (or, if `visible`, its text) matches `pattern` (`.`
        matching newlines too)."""
        compiled = re.compile(pattern, re.S)

        def check() -> str | None:
            html = self.regions.get(region_id)
            if html is None:
                return None
            return html if compiled.search(text(html) if visible else html) else None

        found: str = await self._wait(f"#{region_id} matching {pattern!r}", check, within)
        return found

    async def closed(self, within: float = WAIT_SECONDS) -> int | None:
        """Waits for the connection to end; returns its close code (1006: no close frame)."""
        await self._wait("the connection end", lambda: self.ended, within)
        return self.ws.close_code


class Screens:
    """Opens screens and closes every one of them at the end, whatever happened."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.opened: list[Screen] = []

    async def open(self, app: AppProcess, audience: str, name: str, cookie: str = "") -> Screen:
        url = app.ws_url(self.code, audience)
        try:
            ws = await connect(
                url,
                origin=Origin(app.origin),
                additional_headers={"Cookie": cookie} if cookie else {},
                compression=None,
                proxy=None,
                open_timeout=WAIT_SECONDS,
                close_timeout=2,
            )
        except (OSError, TimeoutError, InvalidHandshake) as error:
            error.add_note(f"{name}: opening {url}")
            raise
        screen = Screen(name, ws, app, self.code, audience)
        self.opened.append(screen)
        return screen

    async def reopen(
        self, app: AppProcess, audience: str, name: str, cookie: str = "", within: float = 60.0
    ) -> tuple[Screen, int]:
        """Reconnects as the browser does after a 1006/1011/1012/1013 close: waits the jittered
        delay before every attempt and tries again while the server refuses. Returns the new
        screen and how many attempts it took."""
        deadline = asyncio.get_running_loop().time() + within
        retry = 0
        while True:
            await asyncio.sleep(reconnect_delay(retry))
            retry += 1
            try:
                return await self.open(app, audience, name, cookie), retry
            except (OSError, TimeoutError, InvalidHandshake):
                if asyncio.get_running_loop().time() > deadline:
                    raise

    async def aclose(self) -> None:
        await asyncio.gather(*(screen.aclose() for screen in self.opened))


async def bounded(work: Awaitable[Any], seconds: float) -> Any:
    async with asyncio.timeout(seconds):
        return await work
