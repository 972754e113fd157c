"""A websocket client for the real app processes that can send many frames at once and match each
to its notice (the server answers a connection's frames one at a time, in order)."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.integration.live_clients import AppProcess, region
from tests.integration.test_two_processes import open_screen

EXCHANGE_SECONDS = 20.0


class Peer:
    """One websocket; a background reader keeps every notice, in order, and how it closed."""

    def __init__(self, where: str, ws: ClientConnection, page_url: str) -> None:
        self.where = where
        self.ws = ws
        self.page_url = page_url
        self.notices: list[str] = []
        self.close_code: int | None = None
        self._arrived = asyncio.Event()

    async def read(self) -> None:
        try:
            async for message in self.ws:
                notice = region(message, "notice") if isinstance(message, str) else None
                if notice is not None:
                    self.notices.append(notice)
                    self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self._arrived.set()

    async def exchange(self, frames: list[dict[str, Any]]) -> list[str]:
        """Sends action frames (as the htmx extension does) back to back; returns their notices."""
        headers = {"HX-Request": "true", "HX-Current-URL": self.page_url}
        return await self.exchange_raw([json.dumps({**f, "HEADERS": headers}) for f in frames])

    async def exchange_raw(self, frames: list[str | bytes]) -> list[str]:
        start = len(self.notices)
        for frame in frames:
            await self.ws.send(frame)
        target = start + len(frames)
        try:
            async with asyncio.timeout(EXCHANGE_SECONDS):
                while len(self.notices) < target and self.close_code is None:
                    self._arrived.clear()
                    if len(self.notices) < target and self.close_code is None:
                        await self._arrived.wait()
        except TimeoutError:
            pytest.fail(f"{self.where}: {len(self.notices) - start} of {len(frames)} answered")
        assert self.close_code is None, f"{self.where} was closed with {self.close_code}"
        return self.notices[start:target]

    async def closed_by(self, frame: str | bytes, *, text: bool | None = None) -> int:
        """Sends a frame the server should close the connection for; returns the close code."""
        await self.ws.send(frame, text=text)
        async with asyncio.timeout(EXCHANGE_SECONDS):
            while self.close_code is None:
                self._arrived.clear()
                if self.close_code is None:
                    await self._arrived.wait()
        return self.close_code


@contextlib.asynccontextmanager
async def peer(
    app: AppProcess, code: str, audience: str, cookie: str | None = None
) -> AsyncIterator[Peer]:
    async with open_screen(app, code, audience, cookie) as screen:
        connection = Peer(screen.name, screen.ws, screen.url)
        reader = asyncio.create_task(connection.read())
        try:
            yield connection
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
